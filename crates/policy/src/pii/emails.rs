//! E-mail addresses: whose is it? A person's (redact), a role's or team's (keep), or threat data (keep).
//!
//! - An address that is an observable of the submission, or defanged (`[.]`), is threat data.
//! - A role or team mailbox (every part of the local part a role word: `soc@`, `abuse@`, `cyber.ops@`,
//!   `qa@`) and a template placeholder (`user@`, `firstname.lastname@`) are nobody's.
//! - A reserved domain (`example.com`, `.test`, `.example`) is no exemption: documentation domains are what
//!   writers use when they anonymise badly, and the address before the `@` may still be a real person's.
//! - The display name before `<address>` or a name before `(address)` makes the address that person's, unless a
//!   threat cue ("sender of the lure", "spoofed") stands before the name in its line.
//! - In a pasted header block, `From:` is a correspondent, unless the lines before the block call the message a
//!   lure (phishing, spoofed, scam…); `To:`/`Cc:` are recipients.
//! - Otherwise the context cues decide (`cues::contact_verdict`): "sent to", "his", "user" make it personal;
//!   "sent from", "spoofed sender", "registrant", "exfiltrated to" make it threat data.

use std::sync::LazyLock;

use regex::Regex;

use super::cues::{self, CueSet, CueVerdict};
use super::patterns::compiled;
use super::{PiiKind, TextFinding, ThreatContext};

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    compiled(r"(?i)[a-z0-9][a-z0-9._%+'-]*@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9-]+)*\.[a-z]{2,}")
});

#[rustfmt::skip]
const EMAIL_CUES: CueSet = CueSet {
    threat: &[
        "sender", "sent from", "from the address", "from address", "spoof", "impersonat",
        "phishing", "phish", "lure", "malicious", "attacker", "adversary", "actor", "threat", "c2",
        "command and control", "exfiltrat", "registrant", "registered", "whois", "reply-to", "return-path",
        "emails from", "e-mails from", "messages from", "mail from", "sent by", "bec", "fraudulent", "fake",
        "lookalike", "look-alike", "typosquat", "scam", "extortion", "ransom", "negotiat", "burner", "ioc",
        "indicator", "blocklist", "block", "blocked", "quarantin", "originat", "operators", "tox", "jabber",
        "attacker-controlled", "drop account", "campaign", "from_ref", "sender_ref", "value =", "came from",
        "suspicious", "unknown", "unrecognized", "unrecognised", "don't know", "do not know",
        "external address",
    ],
    strong_personal: &[
        "sent to", "received by", "recipient", "recipients", "addressed to", "delivered to", "account of",
        "mailbox of", "belonging to", "user", "employee", "employees", "staff", "his", "her", "their", "cc",
        "to:", "victim's", "victim:", "reported by", "poc", "point of contact", "analyst", "clerk",
        "officer", "resident", "residents", "voter", "personal", "home", "inbox", "forwarded", "owner",
        "coordinator", "manager", "director", "administrator", "member", "worker", "our", "my", "targeted",
        "including",
    ],
    weak_personal: &[
        "contact", "reach", "email me", "e-mail me", "questions", "notified", "email", "e-mail",
    ],
};
/// Local-part words of mailboxes that belong to a role or team, not a person (`soc@`, `cyber.ops@`).
#[rustfmt::skip]
const ROLE_WORDS: &[&str] = &[
    "soc", "security", "abuse", "info", "admin", "helpdesk", "help", "desk", "support", "noc", "cert",
    "csirt", "cirt", "phishing", "report", "reports", "noreply", "no", "reply", "donotreply", "it",
    "itsupport", "servicedesk", "service", "webmaster", "postmaster", "hostmaster", "privacy", "contact",
    "sales", "billing", "isac", "intel", "threatintel", "incident", "incidents", "ir", "secops", "infosec",
    "elections", "election", "vote", "press", "media", "hr", "payroll", "accounts", "accounting", "finance",
    "office", "team", "ops", "alerts", "alert", "notifications", "mail", "malware", "samples", "submissions",
    "submit", "tips", "tip", "fraud", "spam", "dmarc", "ciso", "cyber", "cybersecurity", "central",
    "dispatch", "clerk", "registrar", "voter", "voters", "records", "legal", "compliance", "ops",
    "operations", "hotline", "911", "emergency", "dev", "qa", "test", "testing", "automation", "ci", "build",
    "bot", "devops", "ap", "ar", "purchasing", "procurement", "outreach", "newsletter", "marketing",
    "careers", "jobs", "recruiting", "benefits", "user", "users", "ict", "psirt", "vuln", "vulnerability", "disclosure",
    // Mailing lists and announcement aliases; DMARC report addresses (`rua`/`ruf`, RFC 7489).
    "announce", "announcements", "list", "lists", "listserv", "all", "everyone", "updates", "news", "bulletin",
    "rua", "ruf",
];
/// Local parts that stand for any address in templates and documentation (`user@`, `firstname.lastname@`).
const PLACEHOLDERS: &[&str] = &[
    "user",
    "username",
    "name",
    "yourname",
    "your.name",
    "firstname.lastname",
    "first.last",
    "firstname",
    "someone",
    "somebody",
    "you",
    "email",
    "address",
];
/// Threat words in the lines before a pasted header block that make its `From:` a lure's sender.
const LURE_WORDS: &[&str] = &[
    "phish",
    "lure",
    "spoof",
    "malicious",
    "attacker",
    "scam",
    "fake",
    "fraudulent",
    "impersonat",
    "spam",
];

/// Whether the local part is a role or team mailbox's, or a template placeholder's.
fn not_a_person(local: &str) -> bool {
    PLACEHOLDERS.contains(&local)
        || local.split(['.', '_', '-', '+']).all(|part| {
            part.is_empty() || ROLE_WORDS.contains(&part) || part.chars().all(|c| c.is_ascii_digit())
        })
}

/// The verdict of a pasted header line (`From: …`, `To: …`) holding the address at `start`, if it is one.
fn header_verdict(text: &str, start: usize) -> Option<CueVerdict> {
    let line_start = text
        .get(..start)
        .and_then(|head| head.rfind('\n'))
        .map_or(0, |idx| idx + 1);
    let label = text
        .get(line_start..start)?
        .trim_start_matches(['>', ' '])
        .to_lowercase();
    let full = label.trim_end_matches(['<', '(', ' ']).to_owned();
    let label = label.split(['"', '<']).next().unwrap_or_default().trim_end();
    let name_or_nothing = |rest: &str| rest.len() <= 60;
    if ["to:", "cc:", "bcc:", "à :", "an:"]
        .iter()
        .any(|l| label.starts_with(l) && name_or_nothing(label))
    {
        return Some(CueVerdict::Personal);
    }
    if !["from:", "de :", "von:"]
        .iter()
        .any(|l| label.starts_with(l) && name_or_nothing(label))
    {
        return None;
    }
    // `From: "IRS Refunds" <…>`: a display name that is no person's is an organisation's or a lure's.
    let display = full
        .split_once(':')
        .map_or("", |(_, rest)| rest)
        .trim_matches([' ', '"']);
    let head = text.get(..start).unwrap_or_default();
    if !display.is_empty() && super::names::name_before_bracket(head).is_none() {
        return Some(CueVerdict::Threat);
    }
    // The lines before the header block (back to the previous blank line or the start of the text).
    let before_block = text.get(..line_start).unwrap_or_default();
    let block_start = before_block.rfind("\n\n").unwrap_or(0);
    let intro = before_block.get(block_start..).unwrap_or_default().to_lowercase();
    let lure = LURE_WORDS.iter().any(|word| intro.contains(word));
    Some(if lure {
        CueVerdict::Threat
    } else {
        CueVerdict::Personal
    })
}

pub(super) fn find_emails(text: &str, context: &ThreatContext, out: &mut Vec<TextFinding>) {
    for found in EMAIL.find_iter(text) {
        let start = found.start();
        let address = found.as_str().trim_end_matches('.');
        let end = start + address.len();
        let defanged = text
            .get(end..)
            .is_some_and(|rest| rest.starts_with("[.]") || rest.starts_with("[dot]"));
        if defanged || context.contains(address) {
            continue;
        }
        let local = address.split('@').next().unwrap_or_default().to_lowercase();
        if not_a_person(&local) {
            continue;
        }
        let email = |confidence: u8| TextFinding {
            start,
            end,
            kind: PiiKind::Email,
            confidence,
        };
        let header = header_verdict(text, start);
        if header == Some(CueVerdict::Threat) {
            continue;
        }
        let head = text.get(..start).unwrap_or_default();
        // "Thandiwe Mokoena (t.mokoena@…)", "Linda Park <lpark@…>": the name's bearer owns the address.
        if let Some((name_start, name_end)) = super::names::name_before_bracket(head) {
            // "Sender of the spear-phish: "Dr. Ahmed Mansour" <…>" is the lure's; "Residents who replied to the
            // scam: Harold Jennings (…)" are people.
            let line_start = head.rfind('\n').map_or(0, |idx| idx + 1);
            let line_head = text
                .get(line_start..name_start)
                .unwrap_or_default()
                .to_lowercase();
            let lure = cues::distance_from_end(&line_head, LURE_WORDS).is_some()
                || cues::distance_from_end(&line_head, &["sender", "sent by", "from the address"]).is_some();
            if lure && cues::distance_from_end(&line_head, EMAIL_CUES.strong_personal).is_none() {
                continue;
            }
            out.push(TextFinding {
                start: name_start,
                end: name_end,
                kind: PiiKind::Name,
                confidence: 75,
            });
            out.push(email(95));
            continue;
        }
        if header == Some(CueVerdict::Personal) {
            out.push(email(90));
            continue;
        }
        let before = cues::before(text, start, 160);
        let after = cues::after(text, end, 25);
        // "sent from attacker@x to jane@y": the address right after "to", when a sender came first, is a
        // recipient's ("exfiltrated to drop@x" is not).
        let trimmed = before.trim_end();
        let recipient = (trimmed.ends_with(" to") || trimmed == "to")
            && !trimmed.ends_with("reply to")
            && (trimmed.contains('@') || trimmed.contains(" from "));
        if recipient {
            out.push(email(90));
            continue;
        }
        let confidence = match cues::contact_verdict(&before, &after, &EMAIL_CUES) {
            CueVerdict::Threat => continue,
            CueVerdict::Personal => 95,
            CueVerdict::Neutral => 80,
        };
        out.push(email(confidence));
    }
}
