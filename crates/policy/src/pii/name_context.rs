//! Context evidence for a run of capitalised words: does the text around it say "this is a person"?
//!
//! The shape of everyday writing does, more than any list of names:
//! - **E-mail**: a display name before `<address>` or `(address)`; the `From:`/`To:`/`Cc:` line of a pasted
//!   header; `X wrote:` in a quoted reply; a greeting (`Hi Kevin`, `Dear Ms Dubois`).
//! - **Signatures**: a name alone on its line after a closing (`Regards,`, `Thanks,`, `--`), or after `-- `.
//! - **Roles and apposition**: a role or personal cue before ("the paralegal", "councillor", "reported by",
//!   "per"), a role or department after ("X (IT)", "X, Privacy Officer").
//! - **What people do**: a verb of reporting or acting right after ("X confirmed", "X opened the attachment"),
//!   a possessive ("X's account").
//!
//! Each cue adds to a score in the same units as `name_model` (log-odds-like); [`Evidence::strong`] cues are
//! enough for a single word (a first name alone in a greeting or a signature).

use super::cues;

/// What the context says about a run.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct Evidence {
    /// The sum of the cues found.
    pub(super) score: f32,
    /// Whether one cue alone makes even a single word a name (header, greeting, signature, `wrote:`).
    pub(super) strong: bool,
}

/// Closings that end an e-mail or memo before the signature.
const CLOSINGS: &[&str] = &[
    "regards",
    "kind regards",
    "best regards",
    "warm regards",
    "thanks",
    "thank you",
    "many thanks",
    "cheers",
    "best",
    "best wishes",
    "sincerely",
    "yours sincerely",
    "yours",
    "br",
    "rgds",
    "--",
    "-",
    "—",
    "mit freundlichen grüßen",
    "cordialement",
    "saludos",
    "groeten",
    "pozdrawiam",
    "met vriendelijke groet",
    "ta",
];
/// Words before a name that greet or thank its bearer.
const GREETINGS: &[&str] = &[
    "hi",
    "hello",
    "hey",
    "dear",
    "thanks",
    "thank you",
    "thanks to",
    "thx",
    "cheers",
    "bonjour",
    "hallo",
    "good catch",
    "well done",
    "congrats",
];
/// Header labels of a pasted message whose value is a person.
const HEADER_LABELS: &[&str] = &[
    "from:",
    "to:",
    "cc:",
    "bcc:",
    "de :",
    "à :",
    "de:",
    "à:",
    "von:",
    "an:",
    "sender:",
    "reply from",
    "author:",
];
/// Roles and relations that name a person right after them ("the paralegal X", "councillor X", "per X").
#[rustfmt::skip]
pub(super) const ROLE_WORDS: &[&str] = &[
    "paralegal", "councillor", "councilor", "secretary", "liaison", "engineer", "partner", "lead", "head",
    "official", "staff", "colleague", "representative", "researcher", "maintainer", "assistant", "mayor",
    "operator", "dispatcher", "manager", "director", "clerk", "officer", "analyst", "administrator", "admin",
    "coordinator", "supervisor", "technician", "specialist", "consultant", "contractor", "intern", "employee",
    "user", "resident", "citizen", "customer", "client", "victim", "complainant", "caller", "witness",
    "homeowner", "owner", "member", "worker", "teacher", "nurse", "doctor", "chief", "ciso", "cio", "cto",
    "ceo", "cfo", "dpo", "coach", "counsel", "attorney", "lawyer", "judge", "deputy", "commissioner",
    "superintendent", "principal", "registrar", "treasurer", "recorder", "assessor", "auditor", "inspector",
    "investigator", "agent", "detective", "sergeant", "trooper", "ranger", "warden", "guard", "contact",
    "poc", "per", "with", "cc", "attn", "called", "emailed", "e-mailed", "phoned", "texted", "met",
    "interviewed", "asked", "told", "informed", "thanked", "named", "vp", "president", "chair", "spokesperson",
    "journalist", "reporter", "student", "patient", "voter", "volunteer", "programmer", "developer",
    "architect", "accountant", "bookkeeper", "cashier", "receptionist", "planner", "lead:", "contact:",
    "name:", "owner:", "user:", "reporter:", "analyst:", "author:", "assignee:", "approver:", "requester:",
    "requestor:", "submitter:", "poc:", "interviewed:", "signed:", "people", "person", "persons",
    "individuals", "included", "include", "includes", "among", "between", "replied", "against",
    // Family and household: "his daughter Ioana", "the clerk's husband, Ray …", "my neighbour Walter".
    "husband", "wife", "spouse", "partner", "son", "daughter", "mother", "father", "brother", "sister", "aunt",
    "uncle", "cousin", "niece", "nephew", "grandson", "granddaughter", "grandmother", "grandfather", "fiancé",
    "fiancée", "boyfriend", "girlfriend", "neighbour", "neighbor", "landlord", "landlady", "tenant", "flatmate",
    "roommate", "friend", "boss", "pensioner", "retiree",
    // Parties named in claims, filings, tickets and minutes.
    "claimant", "applicant", "custodian", "custodians", "cardholder", "insured", "assignee", "reviewer",
    "approver", "attendee", "attendees", "participant", "participants", "handler", "guest", "visitor",
    "plaintiff", "defendant", "petitioner", "respondent", "comment by", "logged by", "raised by", "opened by",
    "closed by", "updated by", "handled by", "escalated to", "reviewed by", "fn",
];
/// Small words before a name that say less than a role ("sent to X", "X and Y", "on behalf of X").
#[rustfmt::skip]
const FUNCTION_WORDS: &[&str] = &["to", "from", "for", "of", "including", "like", "alongside", "behalf of", "by"];
/// Words before a name that make it an organisation's or a product's ("manufactured by Fararo Paya").
const ORGANISATION_CUES: &[&str] = &[
    "manufactured by",
    "developed by",
    "produced by",
    "made by",
    "sold by",
    "distributed by",
    "built by",
    "released by",
    "published by",
    "operated by",
    "hosted by",
    "acquired by",
    "vendor",
    "manufacturer",
    "company",
    "firm",
    "brand",
    "product",
    "subsidiary",
];
/// Verbs right after a name that say a person acted ("X confirmed", "X opened the attachment").
#[rustfmt::skip]
const VERBS_AFTER: &[&str] = &[
    "said", "says", "confirmed", "confirms", "reported", "reports", "opened", "clicked", "noticed", "received",
    "asked", "asks", "called", "replied", "wrote", "writes", "stayed", "forwarded", "approved", "noted",
    "explained", "told", "sent", "entered", "typed", "left", "joined", "agreed", "disagreed", "mentioned",
    "checked", "found", "saw", "spotted", "logged", "will", "would", "was", "is", "has", "had", "did", "does",
    "signed", "presented", "shared", "provided", "changed", "installed", "returned", "requested", "declined",
    "recalled", "thinks", "believes", "stated", "states", "added", "answered", "emailed", "phoned", "handed",
    "unplugged", "arrived", "got", "can", "could", "may", "should",
];

/// The context evidence for the run `start..end` of `text`.
pub(super) fn evidence(text: &str, start: usize, end: usize) -> Evidence {
    let mut out = Evidence::default();
    let mut add = |score: f32, strong: bool| {
        out.score += score;
        out.strong |= strong;
    };
    // Bounded windows: the cues sit next to the run, and scanning whole lines would make long one-line
    // descriptions quadratic.
    let near_start = floor_boundary(text, start.saturating_sub(WINDOW));
    let near_end = ceil_boundary(text, (end + WINDOW).min(text.len()));
    let line_start = text
        .get(near_start..start)
        .and_then(|head| head.rfind('\n'))
        .map(|idx| near_start + idx + 1);
    let head = text
        .get(line_start.unwrap_or(near_start)..start)
        .unwrap_or_default();
    let head_lower = if line_start.is_some() || near_start == 0 {
        head.trim_start_matches(['>', ' ', '\t']).to_lowercase()
    } else {
        // The line starts further back: never "alone" on its line.
        format!("…{}", head.to_lowercase())
    };
    let line_start = line_start.unwrap_or(if near_start == 0 { 0 } else { start });
    let tail = text
        .get(end..near_end)
        .map(|tail| tail.split('\n').next().unwrap_or_default())
        .unwrap_or_default();
    let tail_lower = tail.to_lowercase();

    // E-mail: display names, header lines, quoted replies, greetings.
    if display_name(tail) {
        add(4.0, true);
    }
    let header = HEADER_LABELS.iter().any(|label| {
        head_lower
            .trim_end_matches(['"', ' '])
            .ends_with(label.trim_end())
            && head_lower.len() <= label.len() + 3
    });
    if header {
        add(3.0, true);
    }
    let after_address = tail_lower
        .trim_start_matches([' ', '"'])
        .strip_prefix('<')
        .and_then(|rest| rest.split_once('>'))
        .map_or(tail_lower.as_str(), |(_, rest)| rest);
    let verb = after_address.trim_start_matches([' ', '"']);
    if verb.starts_with("wrote") || verb.starts_with("schrieb") || verb.starts_with("a écrit") {
        add(4.0, true);
    }
    let before_words = head_lower.trim_end_matches([' ', ',']);
    if GREETINGS.iter().any(|greeting| {
        before_words.ends_with(greeting)
            && before_words
                .get(..before_words.len() - greeting.len())
                .is_some_and(|rest| {
                    rest.trim().is_empty()
                        || rest
                            .trim_end()
                            .ends_with([',', '.', '!', '(', '-', '—', ':', '"'])
                })
    }) {
        add(3.0, true);
    }

    // A speaker's label in a pasted chat or thread: "Tiago Fernandes: "Can we check…"", "[12/03/26, 21:14]
    // Karim Benali: the mayor's …", and a chat export's "Ximena Castañeda 10:02 AM" on its own line. Without
    // a quote or a time stamp, words at a line's start before a colon are mostly a label ("Betreff:",
    // "Austrian Gemeinde: contact …").
    let stamped = head_lower.starts_with('[') && head_lower.trim_end().ends_with(']');
    let several = text.get(start..end).is_some_and(|run| run.contains(' '));
    let speaker = ((head_lower.is_empty() || stamped)
        && (tail.starts_with(": \"") || tail.starts_with(": “")))
        || (stamped && tail.starts_with(": "));
    if speaker || (head_lower.is_empty() && several && chat_time(tail)) {
        add(3.0, true);
    }
    // The person's own contact data right after the name: "Lachlan McAllister, 0412 555 678", "Hiroko Saito
    // (+81 80-5555-7788)", "Lê Thị Hương | +84 …".
    if contact_after(tail) {
        add(2.0, false);
    }
    // A vocative opening a message: "Julien, l'antivirus a détecté…", "Ciarán, three people in finance…".
    let vocative = head_lower.is_empty()
        && tail
            .strip_prefix(", ")
            .is_some_and(|rest| rest.starts_with(|c: char| c.is_lowercase() || c.is_ascii_digit()));
    if vocative {
        add(2.0, false);
    }
    // "X and Y", "Y and X": a name coordinated with another capitalised name.
    let coordinated_after = tail
        .strip_prefix(" and ")
        .or_else(|| tail.strip_prefix(" & "))
        .is_some_and(|rest| rest.starts_with(char::is_uppercase));
    let coordinated_before = head.ends_with(" and ")
        && head
            .trim_end_matches(" and ")
            .ends_with(|c: char| c.is_lowercase())
        && head
            .trim_end_matches(" and ")
            .rsplit(' ')
            .next()
            .is_some_and(|word| word.starts_with(char::is_uppercase));
    if coordinated_after || coordinated_before {
        add(1.0, false);
    }
    // A list of people: "A B; C D; E F" (semicolons rarely separate anything else capitalised; commas do, as in
    // the author lists of citations).
    let pair_follows = |rest: &str| {
        let mut words = rest.split(' ');
        words.next().is_some_and(|w| w.starts_with(char::is_uppercase))
            && words.next().is_some_and(|w| w.starts_with(char::is_uppercase))
    };
    if tail.strip_prefix("; ").is_some_and(pair_follows) || head.ends_with("; ") {
        add(1.5, false);
    }

    // Signatures: the run fills its line after a closing line, or follows "-- " on its own line.
    let rest_of_line = tail.trim_start_matches([',', ' ']);
    // "-- Ines" ends a pasted message, even mid-line.
    // " - Layla" signs a message only after the end of a sentence ("Should I open it? - Layla"), not in a title
    // ("Campaign 4 - Godlua").
    let signed = head
        .strip_suffix(" - ")
        .is_some_and(|before| before.ends_with(['.', '?', '!']));
    let dashed_tail = (head.ends_with("-- ") || head.ends_with("— ") || signed)
        && rest_of_line.trim_end_matches(['.', '"', '”']).is_empty();
    if dashed_tail {
        add(4.0, true);
    }
    let alone = head_lower.trim_start_matches(['-', '—', ' ']).is_empty()
        && (rest_of_line.is_empty()
            || rest_of_line.starts_with('|')
            || tail.starts_with(" |")
            || tail.starts_with(','));
    if alone {
        let dashed = head_lower.starts_with("--") || head_lower.starts_with('—');
        if (dashed && !dashed_tail) || after_closing(text, line_start) {
            add(4.0, true);
        }
    }

    // Roles and cues before; apposition, verbs and possessives after.
    let before = cues::before(text, start, 40);
    // Labels of exports count like words: "user=Henrike Albers", "attn. Halvard Moe".
    let trimmed = before.trim_end_matches([' ', ',', '(', '-', '—', '"', '=', '.']);
    // "Claimant: X", "FN:X", "assignee: X": a label is its word.
    let unlabelled = trimmed.trim_end_matches(':').trim_end();
    let ends_with_word = |word: &&str| {
        [trimmed, unlabelled].iter().any(|window| {
            window.ends_with(*word)
                && window
                    .get(..window.len() - word.len())
                    .and_then(|rest| rest.chars().next_back())
                    .is_none_or(|c| !c.is_alphanumeric())
        })
    };
    if ORGANISATION_CUES.iter().any(ends_with_word) {
        add(-3.0, false);
    } else if ROLE_WORDS.iter().any(ends_with_word) || super::names::personal_cue_before(text, start) {
        add(2.0, false);
    } else if FUNCTION_WORDS.iter().any(ends_with_word) {
        add(1.0, false);
    }
    if let Some(inner) = cues::parenthetical_after(text, end)
        && inner.len() <= 40
        && !inner.chars().any(|c| c.is_ascii_digit())
        && !inner.contains('@')
    {
        add(1.5, false);
    }
    let after_lower = text.get(end..near_end).unwrap_or_default().to_lowercase();
    if let Some(rest) = after_lower.strip_prefix(", ") {
        // "X, facilities manager", "X, Regional Security Manager": a role within the apposition.
        let apposition = rest.split([',', '.', ';', '(', '\n']).next().unwrap_or_default();
        let role_after = apposition.len() <= 40
            && apposition.split(|c: char| !c.is_alphanumeric()).any(|word| {
                ROLE_WORDS.contains(&word)
                    && word.len() > 2
                    && !["and", "for", "from", "with"].contains(&word)
            });
        if role_after {
            add(1.5, false);
        }
    }
    let next_word = after_lower.strip_prefix(' ').map(|rest| {
        rest.split(|c: char| !c.is_alphabetic())
            .next()
            .unwrap_or_default()
    });
    // "the clerk, Geneviève Tremblay, reported …": the verb after the apposition counts too.
    let verb_after_comma = after_lower
        .strip_prefix(", ")
        .map(|rest| {
            rest.split(|c: char| !c.is_alphabetic())
                .next()
                .unwrap_or_default()
        })
        .is_some_and(|word| VERBS_AFTER.contains(&word) && word.len() > 3);
    if next_word.is_some_and(|word| VERBS_AFTER.contains(&word)) || verb_after_comma {
        add(1.5, false);
    }
    if after_lower.starts_with("'s ") || after_lower.starts_with("’s ") {
        add(1.0, false);
    }
    out
}

/// Whether `tail` is only a chat client's time stamp ("10:02 AM", "21:14").
fn chat_time(tail: &str) -> bool {
    let rest = tail.trim();
    let rest = rest
        .strip_suffix("AM")
        .or_else(|| rest.strip_suffix("PM"))
        .unwrap_or(rest)
        .trim_end();
    let (hours, minutes) = rest.split_once(':').unwrap_or_default();
    (1..=2).contains(&hours.len())
        && minutes.len() == 2
        && hours.chars().chain(minutes.chars()).all(|c| c.is_ascii_digit())
}

/// Whether a phone number or e-mail address follows the run as its apposition (after `, `, ` (`, ` | `, ` - `).
fn contact_after(tail: &str) -> bool {
    let Some(value) = [", ", " (", " | ", " - ", " – ", ": "]
        .iter()
        .find_map(|sep| tail.strip_prefix(sep))
    else {
        return false;
    };
    let value = value.trim_start_matches(['(', '[', '<']);
    let number: String = value
        .chars()
        .take(24)
        .take_while(|c| c.is_ascii_digit() || " +-.()/".contains(*c))
        .collect();
    let phone = value.starts_with(|c: char| c == '+' || c.is_ascii_digit())
        && number.chars().filter(char::is_ascii_digit).count() >= 7;
    let email = value
        .split([' ', ')', '>', ',', ';'])
        .next()
        .is_some_and(|word| word.contains('@') && word.contains('.'));
    phone || email
}

/// How far (bytes) around a run the context is read.
const WINDOW: usize = 80;

fn floor_boundary(text: &str, mut idx: usize) -> usize {
    while !text.is_char_boundary(idx) {
        idx -= 1;
    }
    idx
}

fn ceil_boundary(text: &str, mut idx: usize) -> usize {
    while !text.is_char_boundary(idx) {
        idx += 1;
    }
    idx
}

/// Whether the text right after a run is an e-mail address in angle brackets or parentheses.
fn display_name(tail: &str) -> bool {
    let rest = tail.trim_start_matches(['"', '\'']).trim_start();
    let Some(inner) = rest.strip_prefix('<').or_else(|| rest.strip_prefix('(')) else {
        return false;
    };
    let close = inner.find(['>', ')']).unwrap_or(inner.len());
    inner
        .get(..close)
        .is_some_and(|address| address.contains('@') && !address.contains(' '))
}

/// Whether one of the (at most two) non-empty lines before the line starting at `line_start` is a closing.
fn after_closing(text: &str, line_start: usize) -> bool {
    let head = text.get(..line_start).unwrap_or_default();
    head.lines()
        .rev()
        .filter(|line| !line.trim().is_empty())
        .take(2)
        .any(|line| {
            let closing = line.trim().trim_end_matches([',', '.', '!']).to_lowercase();
            CLOSINGS.contains(&closing.as_str())
        })
}
