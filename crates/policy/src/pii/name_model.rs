//! How much a capitalised word looks like a part of a person's name, beyond the lists.
//!
//! The lists (`data/first_names.txt`, `data/surnames.txt`) hold a few thousand names; people are called many
//! more. Evidence for one word, strongest first:
//! - a listed first name or surname;
//! - a word that makes a place, group or organisation (`data/not_name_words.txt`), or a common English word
//!   (`data/common_words.txt`, with -s/-es/-ies/-ed/-ing/-ly stripped): "Public Works", "Cobalt Strike";
//! - otherwise a character-trigram model: the log-likelihood ratio of the word's letters under trigram
//!   statistics of the name lists against those of the English word list, so "Oyelaran", "Wierzbicki" or
//!   "Nguyễn" look like names and "Exfiltration" or "Sandworm" do not (accents folded for the trigrams; any
//!   letter outside ASCII adds a little: threat-intelligence prose is English, its capitalised foreign words
//!   mostly names);
//! - coined product and company names ("Watertech", "Webshell": `TRADE_SUFFIXES`) are words.
//!
//! The score is a log-odds-like number: positive looks like a name part, negative like a word. The callers
//! add context evidence (titles, roles, signatures, e-mail headers) and decide.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::LazyLock;

use super::names::{FIRST_NAMES, NOT_NAME_WORDS, SURNAMES, word_list};

static COMMON_WORDS: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| word_list(include_str!("data/common_words.txt")));
/// Given and family names of many countries (`data/make_world_names.py`, from Faker's 86 locales), minus English
/// words: weaker evidence than the curated lists, which hold the names common where this hub is used and were
/// checked one by one against threat, product and place names.
static WORLD_FIRST_NAMES: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| word_list(include_str!("data/world_first_names.txt")));
static WORLD_SURNAMES: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| word_list(include_str!("data/world_surnames.txt")));

/// Two-letter English words (the word list starts at three letters); other two-letter words may be names
/// ("Li", "Wu", "Hà").
const ENGLISH_TWO_LETTER: &[&str] = &[
    "am", "an", "as", "at", "be", "by", "cc", "do", "go", "he", "hi", "if", "in", "is", "it", "me", "my",
    "no", "of", "oh", "ok", "on", "or", "re", "so", "to", "up", "us", "we", "id", "pm", "vs", "tv", "pc",
    "os", "ip",
];

/// Endings of coined product, company and malware names.
const TRADE_SUFFIXES: &[&str] = &[
    "tech", "soft", "ware", "shell", "bot", "net", "sec", "labs", "systems", "cloud", "flare", "wire", "hub",
    "data", "logic", "works", "link", "gate", "guard", "force", "point", "watch", "scan", "box", "book",
];

/// A multiplicative hasher for the packed trigram keys (the default SipHash costs more than the model).
#[derive(Default)]
struct PackedHasher(u64);

impl Hasher for PackedHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.write_u64(u64::from(*byte));
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = (self.0.rotate_left(5) ^ value).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

type PackedMap = HashMap<u64, u32, BuildHasherDefault<PackedHasher>>;

/// Letters packed into one key (21 bits each).
fn pack(letters: &[char]) -> u64 {
    letters
        .iter()
        .fold(0u64, |key, letter| (key << 21) | u64::from(u32::from(*letter)))
}

/// Trigram counts of one kind of word, with the counts of their two-letter contexts.
struct Trigrams {
    trigrams: PackedMap,
    contexts: PackedMap,
}

/// Letters a word is folded to (lowercase, common Latin accents removed).
const ALPHABET_SIZE: f32 = 30.0;

impl Trigrams {
    fn train<'w>(words: impl Iterator<Item = &'w str>) -> Trigrams {
        let mut model = Trigrams {
            trigrams: PackedMap::default(),
            contexts: PackedMap::default(),
        };
        for word in words {
            let padded = padded(word);
            for window in padded.windows(3) {
                *model.trigrams.entry(pack(window)).or_default() += 1;
                *model.contexts.entry(pack(&window[..2])).or_default() += 1;
            }
        }
        model
    }

    fn log_probability(&self, window: &[char]) -> f32 {
        let trigram = self.trigrams.get(&pack(window)).copied().unwrap_or(0);
        let context = self.contexts.get(&pack(&window[..2])).copied().unwrap_or(0);
        // Add-half smoothing: unseen trigrams are rare, not impossible.
        ((trigram as f32 + 0.5) / (context as f32 + 0.5 * ALPHABET_SIZE)).ln()
    }
}

struct Model {
    names: Trigrams,
    words: Trigrams,
}

static MODEL: LazyLock<Model> = LazyLock::new(|| Model {
    names: Trigrams::train(
        FIRST_NAMES
            .iter()
            .chain(SURNAMES.iter())
            .chain(WORLD_FIRST_NAMES.iter())
            .chain(WORLD_SURNAMES.iter())
            .copied(),
    ),
    words: Trigrams::train(COMMON_WORDS.iter().copied().filter(|word| {
        !FIRST_NAMES.contains(title(word).as_str()) && !SURNAMES.contains(title(word).as_str())
    })),
});

fn title(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().collect::<String>() + chars.as_str()
    })
}

/// `^^word$`, lowercased and accent-folded.
fn padded(word: &str) -> Vec<char> {
    let mut out = vec!['^', '^'];
    out.extend(word.chars().flat_map(char::to_lowercase).map(fold));
    out.push('$');
    out
}

/// Common Latin accented letters to their base letter; other letters unchanged.
fn fold(c: char) -> char {
    match c {
        'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' | 'ā' | 'ą' | 'ă' => 'a',
        'ç' | 'ć' | 'č' => 'c',
        'ď' | 'đ' => 'd',
        'é' | 'è' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' | 'ė' => 'e',
        'ğ' => 'g',
        'í' | 'ì' | 'î' | 'ï' | 'ī' | 'ı' => 'i',
        'ł' | 'ľ' => 'l',
        'ñ' | 'ń' | 'ň' => 'n',
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ø' | 'ō' | 'ő' => 'o',
        'ř' => 'r',
        'ś' | 'š' | 'ş' | 'ș' => 's',
        'ť' | 'ț' => 't',
        'ú' | 'ù' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => 'u',
        'ý' | 'ÿ' => 'y',
        'ź' | 'ž' | 'ż' => 'z',
        other => other,
    }
}

/// Whether `lower` (a lowercased word) is a common English word, directly or by its stem.
pub(super) fn is_common_word(lower: &str) -> bool {
    if COMMON_WORDS.contains(lower) {
        return true;
    }
    let mut candidate = String::with_capacity(lower.len());
    let mut stem_listed = |suffix: &str, replacement: &str| {
        lower
            .strip_suffix(suffix)
            .filter(|stem| stem.len() >= 3)
            .is_some_and(|stem| {
                candidate.clear();
                candidate.push_str(stem);
                candidate.push_str(replacement);
                COMMON_WORDS.contains(candidate.as_str())
            })
    };
    [
        ("ies", "y"),
        ("es", ""),
        ("s", ""),
        ("ed", ""),
        ("ed", "e"),
        ("ing", ""),
        ("ing", "e"),
        ("ly", ""),
    ]
    .iter()
    .any(|(suffix, replacement)| stem_listed(suffix, replacement))
}

/// The trigram log-likelihood ratio of `word` (names against English words), averaged over its trigrams and
/// scaled so that a typical unlisted surname scores about +2 and a typical English word about −2.
pub(super) fn letter_score(word: &str) -> f32 {
    let padded = padded(word);
    let windows: Vec<&[char]> = padded.windows(3).collect();
    if windows.is_empty() {
        return 0.0;
    }
    let model = &*MODEL;
    let ratio: f32 = windows
        .iter()
        .map(|window| model.names.log_probability(window) - model.words.log_probability(window))
        .sum::<f32>()
        / windows.len() as f32;
    // Letters outside ASCII: threat-intelligence prose is English, its capitalised foreign words mostly names.
    let foreign = if word.is_ascii() { 0.0 } else { 0.8 };
    // Letters never weigh as much as a listed word: at most −2.5 (lists veto at −3 and below).
    (ratio * 2.5 + foreign).clamp(-2.5, 4.0)
}

thread_local! {
    /// Scores of recently seen words: prose repeats its capitalised words ("Windows", "The", a vendor's name),
    /// and scoring one costs several look-ups and the letter model.
    static SEEN: RefCell<HashMap<(Box<str>, bool), f32>> = RefCell::new(HashMap::new());
}

/// How many words [`SEEN`] remembers before it starts afresh.
const SEEN_CAPACITY: usize = 8192;

/// How a capitalised word scores as a name part. `first` says whether it stands where a first name would.
pub(super) fn part_score(word: &str, first: bool) -> f32 {
    let key = (Box::<str>::from(word), first);
    if let Some(score) = SEEN.with(|seen| seen.borrow().get(&key).copied()) {
        return score;
    }
    let score = score_part(word, first);
    SEEN.with(|seen| {
        let mut seen = seen.borrow_mut();
        if seen.len() >= SEEN_CAPACITY {
            seen.clear();
        }
        seen.insert(key, score);
    });
    score
}

fn score_part(word: &str, first: bool) -> f32 {
    let titled = if word.chars().skip(1).all(char::is_uppercase) {
        title(&word.to_lowercase())
    } else {
        word.to_owned()
    };
    let parts: Vec<&str> = titled.split('-').filter(|part| !part.is_empty()).collect();
    if parts.len() > 1 {
        // "Abernathy-Cole", "Mei-Ling", "Al-Farsi": the best-scoring part speaks for the word.
        // A part that is an English word with no listed part beside it ("Reply-To", "Follow-Up") is a word.
        let scores: Vec<f32> = parts.iter().map(|part| score_part(part, first)).collect();
        let best = scores.iter().copied().fold(f32::MIN, f32::max);
        let worst = scores.iter().copied().fold(f32::MAX, f32::min);
        return if worst <= -3.0 && best < 2.5 { worst } else { best };
    }
    if titled.chars().count() == 1 {
        // An initial ("R. Castellano"): a little evidence, never a name alone.
        return 1.0;
    }
    if ENGLISH_TWO_LETTER.contains(&titled.to_lowercase().as_str()) {
        // "To", "At", "Re": the word list holds no two-letter words.
        return -3.0;
    }
    // "Siobhán", "Ciarán": the lists are written without accents.
    let folded: String = titled.chars().map(fold).collect();
    if folded != titled && (FIRST_NAMES.contains(folded.as_str()) || SURNAMES.contains(folded.as_str())) {
        return score_part(&folded, first);
    }
    let listed_first = FIRST_NAMES.contains(titled.as_str());
    let listed_surname = SURNAMES.contains(titled.as_str());
    if listed_first && (first || !listed_surname) {
        return if first { 4.0 } else { 2.5 };
    }
    if listed_surname {
        // "Grant Park", "Hill", "Young": a surname that is also an English word proves less.
        let ambiguous = is_common_word(&titled.to_lowercase());
        return match (ambiguous, first) {
            (true, _) => 0.5,
            (false, true) => 1.5,
            (false, false) => 3.0,
        };
    }
    if NOT_NAME_WORDS.contains(titled.as_str()) {
        return -6.0;
    }
    let lower = titled.to_lowercase();
    if is_common_word(&lower) {
        return -3.0;
    }
    // Names of other countries: listed, but less surely a name here than a curated name.
    let world_first = WORLD_FIRST_NAMES.contains(titled.as_str());
    let world_surname = WORLD_SURNAMES.contains(titled.as_str());
    if world_first || world_surname {
        let listed = match (world_first && (first || !world_surname), first) {
            (true, true) => 3.0,
            (true, false) => 2.0,
            (false, true) => 1.5,
            (false, false) => 2.5,
        };
        return letter_score(&titled).max(listed);
    }
    // Product and company coinages: "Watertech", "Webshell", "Cloudflare", "Netwire".
    if TRADE_SUFFIXES
        .iter()
        .any(|suffix| lower.len() > suffix.len() + 2 && lower.ends_with(suffix))
    {
        return -3.0;
    }
    letter_score(&titled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unlisted_names_look_more_like_names_than_words_do() {
        let mean = |words: &[&str]| words.iter().map(|w| letter_score(w)).sum::<f32>() / words.len() as f32;
        let names = mean(&[
            "Oyelaran",
            "Echeverría",
            "Bankole",
            "Ngata",
            "Kazlauskienė",
            "Marceau",
        ]);
        let words = mean(&[
            "Exfiltration",
            "Industroyer",
            "Sandworm",
            "Modbus",
            "Fortigate",
            "Incontroller",
        ]);
        assert!(
            names > 0.3 && words < 0.0 && names - words > 1.0,
            "{names} vs {words}"
        );
    }

    #[test]
    fn listed_and_english_words_decide_before_letters() {
        assert!(part_score("Maria", true) >= 4.0);
        assert!(part_score("Okafor", false) >= 3.0);
        for word in [
            "Cobalt",
            "Strike",
            "Public",
            "Works",
            "Typhoon",
            "Watertech",
            "Webshell",
            "To",
            "Reply-To",
        ] {
            assert!(
                part_score(word, false) <= -3.0,
                "{word}: {}",
                part_score(word, false)
            );
        }
        // A surname that is also an English word proves less than one that is not.
        assert!(part_score("Park", false) < part_score("Nowak", false));
    }
}
