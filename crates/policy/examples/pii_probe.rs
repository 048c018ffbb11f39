//! Prints what the PII detector finds in each line of standard input (kind, confidence, text; `\n` in a line
//! is a line break): `echo 'Regards,\nAoife Gallagher' | cargo run -q --release -p policy --example pii-probe`.
#![allow(clippy::print_stdout)]

fn main() {
    let context = policy::pii::ThreatContext::new();
    for line in std::io::stdin().lines().map_while(Result::ok) {
        let text = line.replace("\\n", "\n");
        for finding in policy::pii::find_in_text(&text, &context) {
            let found = text.get(finding.start..finding.end).unwrap_or_default();
            println!("{} {} {found:?}", finding.kind.as_str(), finding.confidence);
        }
        println!("--");
    }
}
