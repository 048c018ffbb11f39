//! Detectors for the shaped kinds: phone numbers, SSNs, payment cards, street addresses (e-mail: `emails`).
//!
//! Each detector pushes candidates; `find_in_text` resolves overlaps. The regexes are constants compiled once;
//! every one is exercised by the unit tests, so the `expect`s on them cannot fire on input.

use std::sync::LazyLock;

use regex::Regex;

use super::cues::{self, CueSet, CueVerdict};
use super::{PiiKind, TextFinding, ThreatContext};

pub(super) fn compiled(pattern: &str) -> Regex {
    Regex::new(pattern).expect("constant regex, compiled by every test run")
}

static PHONE_US: LazyLock<Regex> = LazyLock::new(|| {
    compiled(
        r"(?i)(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?:\s?(?:x|ext\.?|extension)\s?\d{1,5})?",
    )
});
static PHONE_INTL: LazyLock<Regex> = LazyLock::new(|| compiled(r"\+\d{1,3}(?:[\s.-]?\(?\d{1,5}\)?){2,5}"));
static PHONE_PLAIN: LazyLock<Regex> = LazyLock::new(|| compiled(r"(?-u:\b)\d{10}(?-u:\b)"));
/// National numbers outside North America: a trunk `0` or an area code in parentheses, then groups
/// ("020 7946 0958", "0412 555 873", "01 45 55 32 10", "06-12345678", "(11) 95555-4321", "03-5555-0198").
static PHONE_NATIONAL: LazyLock<Regex> =
    LazyLock::new(|| compiled(r"(?:\(0?\d{1,4}\)|(?-u:\b)0[1-9]\d{0,3})(?:[ .-]?\d{2,5}){1,4}(?-u:\b)"));
/// Digit groups of any national plan ("98450 55123", "11 5555 4321"): a phone number only right after a phone
/// label (`Tel.`, "mobile", "WhatsApp"), where the label says what the digits are.
static PHONE_LABELLED: LazyLock<Regex> =
    LazyLock::new(|| compiled(r"(?-u:\b)\d{2,5}(?:[ .-]\d{2,5}){1,4}(?-u:\b)"));
/// Labels that say the digits after them are a phone number (not "on", "line" or "number", which say less).
#[rustfmt::skip]
const PHONE_LABELS: &[&str] = &[
    "phone", "tel", "telephone", "telefon", "téléphone", "teléfono", "telefone", "telefono", "cell", "mobile",
    "mobil", "móvil", "portable", "handy", "celular", "mob", "ph", "whatsapp", "t:", "m:", "p:",
];
/// Short forms that are a phone number only where a cue says so: a 7-digit local number ("555-0148") and an
/// extension ("x4417", "ext. 4471").
static PHONE_SHORT: LazyLock<Regex> =
    LazyLock::new(|| compiled(r"(?i)(?-u:\b)(?:\d{3}[-.]\d{4}|(?:ext\.?|x) ?\d{3,5})(?-u:\b)"));
static SSN: LazyLock<Regex> =
    LazyLock::new(|| compiled(r"(?-u:\b)(\d{3})([- ])(\d{2})([- ])(\d{4})(?-u:\b)"));
static SSN_PLAIN: LazyLock<Regex> = LazyLock::new(|| compiled(r"(?-u:\b)(\d{3})(\d{2})(\d{4})(?-u:\b)"));
static CARD: LazyLock<Regex> = LazyLock::new(|| compiled(r"(?-u:\b)\d(?:[ -]?\d){12,18}(?-u:\b)"));
static ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    compiled(concat!(
        r"(?-u:\b)\d{1,6}[A-Z]?(?:-\d{1,4})?\s+",
        r"(?:(?:[NSEW]\.?|North|South|East|West|NE|NW|SE|SW)\s+)?",
        r"(?:(?:\d{1,3}(?:st|nd|rd|th)|[A-Z][a-zA-Z'.-]*)\s+){1,4}",
        r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Parkway|Pkwy|",
        r"Highway|Hwy|Circle|Cir|Terrace|Ter|Trail|Trl|Square|Sq|Pike|Loop|Crescent|Plaza|Turnpike)(?-u:\b)\.?",
        r"(?:\s+(?:NE|NW|SE|SW|N|S|E|W)(?-u:\b)\.?)?",
        r"(?:,?\s*(?:Apt|Apartment|Suite|Ste|Unit|Room|Rm|Floor|Fl|#)\.?\s*#?[A-Za-z0-9-]+)?",
        r"(?:,\s*[A-Z][a-zA-Z.]+(?:\s+[A-Z][a-zA-Z.]+){0,2},\s*(?:[A-Z]{2}|[A-Z][a-z]+)(?:\s+\d{5}(?:-\d{4})?)?)?",
    ))
});
/// Street, number and postcode where the street name comes first or the street word is a prefix, as in most of
/// Europe and Latin America ("Lindenstraße 17, 80331 München", "Via Roma 12, 80100 Napoli", "ul. Marszałkowska
/// 84, 00-514 Warszawa", "Keizersgracht 221, 1016 DV Amsterdam", "27 Rue des Lilas, 69003 Lyon").
/// The street of a street-first address and its house number.
const STREET_FIRST_HEAD: &str = concat!(
    r"(?:\d{1,4}[a-z]?,?\s+)?",
    r"(?:\p{Lu}[\p{L}-]*(?:straße|strasse|str\.|weg|allee|platz|gasse|ring|damm|gracht|straat|laan|plein|kade|",
    r"vej|gade|gatan|vägen|veien|katu|tie|utca)|Schönhauser Allee|",
    r"(?:ul\.|Via|Viale|Piazza|Corso|Calle|Avenida|Av\.|Rua|Rue|Avenue|Boulevard|Bd|Chemin|Route|Paseo|Carrer|",
    r"Plaza|Praça|Largo|Travessa|Rambla|Ulica|Aleja)(?:\s+(?:de|del|della|dei|des|du|da|das|do|dos|la|le|les|l'|d'))*",
    r"\s+\p{Lu}[\p{L}'’-]*(?:\s+\p{Lu}[\p{L}'’-]*){0,3})",
    r"(?:,?\s+\d{1,5}[a-zA-Z]?(?:[/-]\d{1,4})?)?",
);
/// The postcode and town that end it; Brazil's CEP ("01310-200") may end it alone.
const POSTCODE_TOWN: &str = concat!(
    r"(?:,|\s-)\s*(?:\d{5}-\d{3}(?-u:\b)|(?:\d{4}-\d{3}|\d{4,5}|\d{2}-\d{3}|\d{4}\s?[A-Z]{2}|[A-Z]\d[A-Z]\s?\d[A-Z]\d)",
    r"\s+\p{Lu}[\p{L}-]+)",
);
static ADDRESS_STREET_FIRST: LazyLock<Regex> =
    LazyLock::new(|| compiled(&[STREET_FIRST_HEAD, POSTCODE_TOWN].concat()));
/// A postcode of the United Kingdom, Ireland (Eircode), Canada or Australia (state and four digits) or Japan
/// after a town, with up to four comma-separated parts before it ("Flat 2, 47 Gloucester Road, Bristol BS7 8AE",
/// "Áras an Chontae, Lifford, Co. Donegal F93 Y622", "1-2-3 Jingumae, Shibuya-ku, Tokyo 150-0001").
static ADDRESS_POSTCODE: LazyLock<Regex> = LazyLock::new(|| {
    compiled(concat!(
        r"(?:(?:Flat|Apt|Apartment|Unit|Suite|Level|Floor)\s+\w{1,5},\s+)?",
        r"(?-u:\b)(?:(?:\d{1,5}[a-zA-Z]?\s+|\d{1,2}-\d{1,2}-\d{1,3}\s+)?\p{Lu}[\p{L}.'’-]*(?:\s+(?:an|de|la|of|on|upon|\p{Lu}[\p{L}.'’-]*))*,\s+){1,4}",
        r"\p{Lu}[\p{L}.-]*(?:\s+\p{Lu}[\p{L}.-]*){0,2},?\s+",
        r"(?:[A-Z]{1,2}\d[A-Z\d]?\s\d[A-Z]{2}|[AC-FHKNPRTV-Y]\d{2}\s[AC-FHKNPRTV-Y\d]{4}|[A-Z]\d[A-Z]\s\d[A-Z]\d|",
        r"(?:NSW|VIC|QLD|WA|SA|TAS|ACT|NT)\s\d{4}|\d{3}-\d{4}|\d{6})(?-u:\b)",
    ))
});
/// A flat or unit and the named building or street after it ("Flat 402, Sea View Apartments, Carter Road").
static ADDRESS_UNIT_FIRST: LazyLock<Regex> = LazyLock::new(|| {
    compiled(
        r"(?-u:\b)(?:Flat|Apartment|Apt\.?|Unit)\s+\d{1,5}[A-Z]?,\s+\p{Lu}[\p{L}'’-]*(?:\s+\p{Lu}[\p{L}'’-]*){1,4}",
    )
});
/// Any capitalised street name, a house number, a postcode and a town ("Storgata 12, 0155 Oslo", "Odos Ermou 25,
/// 10563 Athens", "King Fahd Road 4021, Riyadh 12212", "Lenina 14, 620014 Yekaterinburg"): kept only when one
/// of the name's words is no English word ("Windows 10, 2004 Update").
static ADDRESS_NAMED_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    compiled(concat!(
        r"(?-u:\b)\p{Lu}[\p{L}'’-]+(?:[ \t]+\p{Lu}[\p{L}'’-]+){0,2}[ \t]+\d{1,4}[a-zA-Z]?",
        r",\s*(?:(?:\d{4,6}|\d{2}-\d{3}|\d{4}\s?[A-Z]{2})\s+\p{Lu}[\p{L}-]+|\p{Lu}[\p{L}-]+\s+\d{5,6}(?-u:\b))",
    ))
});
/// The three shapes above in one pass.
static ADDRESS_ELSEWHERE: LazyLock<Regex> = LazyLock::new(|| {
    compiled(&format!(
        "(?:{})|(?:{})|(?:{})",
        ADDRESS_STREET_FIRST.as_str(),
        ADDRESS_POSTCODE.as_str(),
        ADDRESS_UNIT_FIRST.as_str()
    ))
});
static PO_BOX: LazyLock<Regex> = LazyLock::new(|| {
    compiled(concat!(
        r"(?-u:\b)(?:P\.?\s?O\.?\s*Box|Post Office Box|(?:Rural Route|RR|HC|Highway Contract)\s+\d{1,3},?\s+Box)\s+\d{1,6}",
        r"(?:,\s*[A-Z][a-zA-Z.]+(?:\s+[A-Z][a-zA-Z.]+){0,2},\s*[A-Z]{2}(?:\s+\d{5}(?:-\d{4})?)?)?",
    ))
});

#[rustfmt::skip]
const PHONE_CUES: CueSet = CueSet {
    threat: &[
        "callback", "call-back", "vishing", "scam", "scammer", "scammers", "fraud", "fake",
        "spoof", "support number", "tech support", "actor", "attacker", "lure", "phishing", "smishing",
        "texts from", "sms from", "ioc", "bazarcall", "malicious", "number used", "threat",
        "impersonat", "adversary", "bogus", "fraudulent", "robocall", "sender", "sent from", "calls from",
        "texts came from",
        "came from", "sent from", "texted from", "burner", "suspect's", "registrant", "registered",
    ],
    strong_personal: &[
        "his", "her", "him", "their", "cell", "mobile", "home", "desk", "direct", "ext", "voicemail",
        "office", "officer", "resident", "personal", "my", "our", "poc",
        "caller's", "resident's", "victim's", "voter's", "employee's",
    ],
    weak_personal: &[
        "call", "phone", "tel", "contact", "reach", "line", "dial", "fax", "text", "number",
    ],
};
static INTERNATIONAL_HEAD: LazyLock<Regex> = LazyLock::new(|| compiled(r"\+\d{1,3}[ .-]?(?:\(0\)[ .-]?)?$"));

/// Words right before a number that say it is one (`Tel.`, `M:`, "his cell", "call me at", "on").
#[rustfmt::skip]
const PHONE_WORDS: &[&str] = &[
    "phone", "tel", "telephone", "telefon", "téléphone", "cell", "mobile", "mobil", "call", "fax", "t:", "m:",
    "p:", "ph", "mob", "line", "number", "no.", "nr", "whatsapp", "sms", "text", "ring", "reach", "extension",
    "ext", "desk", "direct", "dial", "contact", "on",
];

/// Whether a phone word stands within `reach` bytes before `start` (in its line).
fn phone_cue_before(text: &str, start: usize, reach: usize) -> bool {
    let head = text.get(..start).unwrap_or_default();
    let mut from = start.saturating_sub(reach);
    while !head.is_char_boundary(from) {
        from += 1;
    }
    let window = head.get(from..).unwrap_or_default();
    let before = window.rsplit('\n').next().unwrap_or_default().to_lowercase();
    cues::distance_from_end(&before, PHONE_WORDS).is_some()
}

/// Whether a phone label stands right before `start` (at most a few bytes of punctuation and words between:
/// "mobile 98450 …", "Tel.: 11 …", "phone (WhatsApp): …").
fn labelled_before(text: &str, start: usize) -> bool {
    let head = text.get(..start).unwrap_or_default();
    let mut from = start.saturating_sub(20);
    while !head.is_char_boundary(from) {
        from += 1;
    }
    let window = head.get(from..).unwrap_or_default();
    let before = window.rsplit('\n').next().unwrap_or_default().to_lowercase();
    cues::distance_from_end(&before, PHONE_LABELS).is_some_and(|distance| distance <= 4)
}

/// Words right before a number that make it an organisation's line, not a person's.
#[rustfmt::skip]
const ORGANISATION_LINE_CUES: &[&str] = &[
    "soc", "noc", "helpdesk", "help desk", "hotline", "switchboard", "main line", "tip line", "non-emergency",
    "front desk", "dispatch", "service desk",
    "inquiries", "press office", "media line", "front office", "reception",
    // The same in other languages: German, French, Spanish, Italian, Dutch.
    "zentrale", "accueil", "standard téléphonique", "centralita", "centralino", "receptie",
];
/// North American toll-free area codes: organisations' numbers, not people's.
#[rustfmt::skip]
const TOLL_FREE: &[&str] = &["800", "833", "844", "855", "866", "877", "888"];

/// Whether the match at `start..end` is glued to more digits, dots-and-digits or word characters, so it is part
/// of something larger (an IP address, a version, a hash, a CVE id, a longer number).
pub(super) fn glued(text: &str, start: usize, end: usize) -> bool {
    let before = text.get(..start).unwrap_or_default();
    let after = text.get(end..).unwrap_or_default();
    let mut back = before.chars().rev();
    let mut ahead = after.chars();
    let prev = back.next();
    let prev2 = back.next();
    let next = ahead.next();
    let next2 = ahead.next();
    let digitish = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    let joins = |c: Option<char>| matches!(c, Some('.' | '-' | '/' | ':'));
    // A colon after a word that is no number ("tel:+1555…", "TEL;TYPE=cell:+48 …", RFC 3966 and vCard) is a
    // label's; after digits or hex (a time, an IPv6 address) it glues.
    let label_colon = prev == Some(':') && {
        let word: String = before
            .get(..before.len() - 1)
            .unwrap_or_default()
            .chars()
            .rev()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        word.chars()
            .any(|c| c.is_ascii_alphabetic() && !c.is_ascii_hexdigit())
    };
    digitish(prev)
        || digitish(next)
        || (joins(prev) && !label_colon && prev2.is_some_and(|c| c.is_ascii_alphanumeric()))
        || (joins(next) && next2.is_some_and(|c| c.is_ascii_alphanumeric()))
}

pub(super) fn find_phones(text: &str, context: &ThreatContext, out: &mut Vec<TextFinding>) {
    let mut spans: Vec<(usize, usize, u8)> = Vec::new();
    for found in PHONE_US.find_iter(text) {
        let digits: String = found.as_str().chars().filter(char::is_ascii_digit).collect();
        let national = digits
            .strip_prefix('1')
            .filter(|d| d.len() >= 10)
            .unwrap_or(&digits);
        let nanp_valid = national.len() >= 10
            && national
                .as_bytes()
                .first()
                .is_some_and(|d| (b'2'..=b'9').contains(d))
            && national
                .as_bytes()
                .get(3)
                .is_some_and(|d| (b'2'..=b'9').contains(d));
        spans.push((found.start(), found.end(), if nanp_valid { 80 } else { 60 }));
    }
    for found in PHONE_INTL.find_iter(text) {
        let n_digits = found.as_str().chars().filter(char::is_ascii_digit).count();
        if (8..=15).contains(&n_digits) {
            spans.push((found.start(), found.end(), 80));
        }
    }
    for found in PHONE_PLAIN.find_iter(text) {
        if phone_cue_before(text, found.start(), 30) {
            spans.push((found.start(), found.end(), 65));
        }
    }
    for found in PHONE_NATIONAL.find_iter(text) {
        let n_digits = found.as_str().chars().filter(char::is_ascii_digit).count();
        if (8..=12).contains(&n_digits) && found.as_str().contains([' ', '-', '.', ')']) {
            let cue = phone_cue_before(text, found.start(), 40);
            spans.push((found.start(), found.end(), if cue { 80 } else { 60 }));
        }
    }
    for found in PHONE_LABELLED.find_iter(text) {
        let n_digits = found.as_str().chars().filter(char::is_ascii_digit).count();
        if (8..=12).contains(&n_digits) && labelled_before(text, found.start()) {
            spans.push((found.start(), found.end(), 70));
        }
    }
    for found in PHONE_SHORT.find_iter(text) {
        let extension = found.as_str().starts_with(['x', 'X', 'e', 'E']);
        let explicit = found.as_str().to_lowercase().starts_with("ext");
        if explicit || phone_cue_before(text, found.start(), if extension { 20 } else { 25 }) {
            spans.push((found.start(), found.end(), 70));
        }
    }
    for (start, end, base) in spans {
        // "+39 351 555 0199": the North American shape inside an international number is not a number alone.
        let international_tail = text
            .get(..start)
            .is_some_and(|head| INTERNATIONAL_HEAD.is_match(head));
        if international_tail
            || glued(text, start, end)
            || out
                .iter()
                .any(|f| f.kind == PiiKind::Phone && f.start < end && start < f.end)
        {
            continue;
        }
        let digits: String = text
            .get(start..end)
            .unwrap_or_default()
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        if context.contains_digits(&digits) {
            continue;
        }
        let before = cues::before(text, start, 160);
        let after = cues::after(text, end, 25);
        let national = digits
            .strip_prefix('1')
            .filter(|d| d.len() == 10)
            .unwrap_or(&digits);
        if TOLL_FREE.iter().any(|code| national.starts_with(code)) && national.len() == 10 {
            continue;
        }
        let described_after = cues::parenthetical_after(text, end)
            .is_some_and(|inner| cues::distance_from_start(&inner, ORGANISATION_LINE_CUES).is_some());
        let organisation_before =
            cues::distance_from_end(&before, ORGANISATION_LINE_CUES).filter(|d| *d <= 45);
        let organisation_line = organisation_before.is_some()
            || cues::distance_from_start(&after, ORGANISATION_LINE_CUES).is_some_and(|d| d <= 3)
            || described_after;
        // The nearer cue decides: "her desk line 555-0100" is hers, "our help desk number 555-0100" the desk's.
        let strong_personal = cues::distance_from_end(&before, PHONE_CUES.strong_personal)
            .is_some_and(|d| d <= 32 && organisation_before.is_none_or(|o| d < o));
        if organisation_line && !strong_personal {
            continue;
        }
        // A contact label right before the number ("Tel. +49 …", "M: 0412 …") lists a contact, whatever the
        // sentence said before it.
        let labelled = [
            "tel",
            "tel.",
            "tel:",
            "t:",
            "m:",
            "mobile:",
            "phone:",
            "telefon",
            "téléphone",
        ]
        .iter()
        .any(|label| before.trim_end().ends_with(label));
        let confidence = match cues::contact_verdict(&before, &after, &PHONE_CUES) {
            CueVerdict::Threat if labelled => base,
            CueVerdict::Threat => continue,
            CueVerdict::Personal => base.saturating_add(15).min(95),
            CueVerdict::Neutral => base,
        };
        out.push(TextFinding {
            start,
            end,
            kind: PiiKind::Phone,
            confidence,
        });
    }
}

fn ssn_parts_valid(area: &str, group: &str, serial: &str) -> bool {
    let area_ok = area != "000" && area != "666" && !area.starts_with('9');
    area_ok && group != "00" && serial != "0000"
}

fn has_ssn_cue(text: &str, start: usize) -> bool {
    let before = cues::before(text, start, 40);
    cues::distance_from_end(
        &before,
        &["ssn", "ss#", "social security", "social", "ssan", "tin"],
    )
    .is_some()
}

pub(super) fn find_ssns(text: &str, out: &mut Vec<TextFinding>) {
    for caps in SSN.captures_iter(text) {
        let (Some(all), Some(area), Some(sep1), Some(group), Some(sep2), Some(serial)) = (
            caps.get(0),
            caps.get(1),
            caps.get(2),
            caps.get(3),
            caps.get(4),
            caps.get(5),
        ) else {
            continue;
        };
        if sep1.as_str() != sep2.as_str() || glued(text, all.start(), all.end()) {
            continue;
        }
        if !ssn_parts_valid(area.as_str(), group.as_str(), serial.as_str()) {
            continue;
        }
        let cue = has_ssn_cue(text, all.start());
        if sep1.as_str() == " " && !cue {
            continue;
        }
        let confidence = if cue { 95 } else { 85 };
        out.push(TextFinding {
            start: all.start(),
            end: all.end(),
            kind: PiiKind::Ssn,
            confidence,
        });
    }
    for caps in SSN_PLAIN.captures_iter(text) {
        let (Some(all), Some(area), Some(group), Some(serial)) =
            (caps.get(0), caps.get(1), caps.get(2), caps.get(3))
        else {
            continue;
        };
        if ssn_parts_valid(area.as_str(), group.as_str(), serial.as_str()) && has_ssn_cue(text, all.start()) {
            out.push(TextFinding {
                start: all.start(),
                end: all.end(),
                kind: PiiKind::Ssn,
                confidence: 80,
            });
        }
    }
}

/// Whether `digits` passes the Luhn check.
pub(super) fn luhn_valid(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (position, digit) in digits.iter().rev().enumerate() {
        let mut value = u32::from(*digit);
        if position % 2 == 1 {
            value *= 2;
            if value > 9 {
                value -= 9;
            }
        }
        sum += value;
    }
    !digits.is_empty() && sum.is_multiple_of(10)
}

/// Whether a card number of this length with this prefix is issued by a card network.
fn card_network_prefix(digits: &str) -> bool {
    let prefix = |n: usize| digits.get(..n).and_then(|p| p.parse::<u32>().ok()).unwrap_or(0);
    let len = digits.len();
    match digits.as_bytes().first() {
        Some(b'4') => matches!(len, 13 | 16 | 19),
        Some(b'5') => (51..=55).contains(&prefix(2)) && len == 16,
        Some(b'2') => (2221..=2720).contains(&prefix(4)) && len == 16,
        Some(b'3') => {
            (matches!(prefix(2), 34 | 37) && len == 15)
                || ((3528..=3589).contains(&prefix(4)) && (16..=19).contains(&len))
                || (matches!(prefix(2), 36 | 38 | 39) || (300..=305).contains(&prefix(3)))
                    && (14..=19).contains(&len)
        }
        Some(b'6') => {
            (prefix(4) == 6011 || prefix(2) == 65 || (644..=649).contains(&prefix(3)) || prefix(2) == 62)
                && (16..=19).contains(&len)
        }
        _ => false,
    }
}

pub(super) fn find_cards(text: &str, out: &mut Vec<TextFinding>) {
    for found in CARD.find_iter(text) {
        let raw = found.as_str();
        if glued(text, found.start(), found.end()) {
            continue;
        }
        let separators: Vec<char> = raw.chars().filter(|c| !c.is_ascii_digit()).collect();
        if separators.windows(2).any(|pair| pair[0] != pair[1]) {
            continue;
        }
        let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
        let bytes: Vec<u8> = digits.bytes().map(|b| b - b'0').collect();
        if !luhn_valid(&bytes) || !card_network_prefix(&digits) {
            continue;
        }
        let before = cues::before(text, found.start(), 40);
        let cue = cues::distance_from_end(
            &before,
            &[
                "card",
                "visa",
                "mastercard",
                "amex",
                "discover",
                "pan",
                "credit",
                "debit",
                "cc",
            ],
        );
        let confidence = if cue.is_some() { 95 } else { 85 };
        out.push(TextFinding {
            start: found.start(),
            end: found.end(),
            kind: PiiKind::Card,
            confidence,
        });
    }
}

pub(super) fn find_addresses(text: &str, out: &mut Vec<TextFinding>) {
    let named = ADDRESS_NAMED_NUMBER.find_iter(text).filter(|found| {
        found
            .as_str()
            .split_whitespace()
            .take_while(|word| !word.starts_with(|c: char| c.is_ascii_digit()))
            .any(|word| !super::name_model::is_common_word(&word.to_lowercase()))
    });
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for (regex, found) in ADDRESS
        .find_iter(text)
        .map(|found| (&*ADDRESS, found))
        .chain(PO_BOX.find_iter(text).map(|found| (&*PO_BOX, found)))
        .chain(
            ADDRESS_ELSEWHERE
                .find_iter(text)
                .map(|found| (&*ADDRESS_ELSEWHERE, found)),
        )
        .chain(named.map(|found| (&*ADDRESS_NAMED_NUMBER, found)))
    {
        if let Some(span) = unglued(text, regex, found) {
            spans.push(span);
        }
    }
    for (start, end) in spans {
        let trimmed = text
            .get(start..end)
            .unwrap_or_default()
            .trim_end_matches([',', ' ']);
        let has_zip = trimmed.chars().rev().take(5).filter(char::is_ascii_digit).count() == 5;
        let confidence = if has_zip || trimmed.contains(',') { 92 } else { 80 };
        out.push(TextFinding {
            start,
            end: start + trimmed.len(),
            kind: PiiKind::Address,
            confidence,
        });
    }
}

/// The span of `found`, unless it is glued to what comes before (`.`, `:`, `-`). "…95555-4321, Rua Augusta
/// 100, 01305-000 São Paulo": digits glued before a street belong to something else; the street may still start
/// a match of its own.
fn unglued(text: &str, regex: &Regex, found: regex::Match<'_>) -> Option<(usize, usize)> {
    let glued = text
        .get(..found.start())
        .and_then(|head| head.chars().next_back())
        .is_some_and(|c| matches!(c, '.' | ':' | '-'));
    if !glued {
        return Some((found.start(), found.end()));
    }
    let matched = found.as_str();
    let at = found.start() + matched.find(|c: char| c.is_uppercase())?;
    if !matched.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    regex
        .find_at(text, at)
        .filter(|again| again.start() == at)
        .map(|again| (again.start(), again.end()))
}
