//! What the templates show: one struct per page (askama checks each against its template at compile time)
//! and the small view rows they list, built from hub results by plain functions.
//!
//! Invariant: templates escape everything; the only unescaped markup is `object_json_html`, which escapes
//! every character of the JSON itself and adds only links whose targets are percent-encoded STIX ids.

use askama::Template;
use hub::SearchHit;
use stix::markings::TlpLevel;
use taxii::timestamp::format_date_added;

/// What every signed-in page shows around its content.
#[derive(Debug, Clone, Default)]
pub(crate) struct Layout {
    /// The page title.
    pub(crate) title: String,
    /// The signed-in account (empty on the sign-in and error pages).
    pub(crate) account: String,
    /// Shows the Administration link.
    pub(crate) is_admin: bool,
    /// The session's CSRF token, for the sign-out form.
    pub(crate) csrf: String,
}

/// A TLP badge: its label and CSS class (colours per TLP 2.0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Badge {
    pub(crate) label: &'static str,
    pub(crate) class: &'static str,
}

impl Badge {
    pub(crate) fn of(tlp: Option<TlpLevel>) -> Badge {
        let (label, class) = match tlp {
            Some(TlpLevel::Clear) => ("TLP:CLEAR", "tlp-clear"),
            Some(TlpLevel::Green) => ("TLP:GREEN", "tlp-green"),
            Some(TlpLevel::Amber) => ("TLP:AMBER", "tlp-amber"),
            Some(TlpLevel::AmberStrict) => ("TLP:AMBER+STRICT", "tlp-amber"),
            Some(TlpLevel::Red) => ("TLP:RED", "tlp-red"),
            None => ("no TLP", "tlp-none"),
        };
        Badge { label, class }
    }
}

/// One object in a list.
#[derive(Debug, Clone)]
pub(crate) struct HitRow {
    pub(crate) href: String,
    pub(crate) object_type: String,
    pub(crate) title: String,
    pub(crate) summary: String,
    pub(crate) badge: Badge,
    pub(crate) added: String,
    /// The id the caller is served it by.
    pub(crate) id: String,
    /// An indicator's confidence score (issue 15), when known.
    pub(crate) score: Option<u8>,
}

impl HitRow {
    /// Fills in the scores of the indicators among `rows` (already released to the caller).
    pub(crate) fn add_scores(hub: &hub::Hub, rows: &mut [HitRow]) {
        let scores = hub.scores_of_served(
            rows.iter()
                .filter(|row| row.object_type == "indicator")
                .map(|row| row.id.as_str()),
        );
        for row in rows {
            row.score = scores.get(&row.id).copied();
        }
    }

    pub(crate) fn of(api_root: &str, collection: &str, hit: SearchHit) -> HitRow {
        let title = hit
            .name
            .clone()
            .or_else(|| hit.summary.clone())
            .unwrap_or_else(|| hit.id.clone());
        let summary = if hit.name.is_some() {
            hit.summary.unwrap_or_default()
        } else {
            String::new()
        };
        HitRow {
            href: object_href(api_root, collection, &hit.id),
            id: hit.id.clone(),
            score: None,
            badge: Badge::of(hit.tlp),
            added: format_date_added(hit.date_added),
            object_type: hit.object_type,
            title,
            summary,
        }
    }
}

/// One collection on the dashboard.
#[derive(Debug, Clone)]
pub(crate) struct CollectionCard {
    pub(crate) title: String,
    pub(crate) href: String,
    pub(crate) api_root: String,
    pub(crate) can_read: bool,
    pub(crate) can_write: bool,
    pub(crate) total: u64,
    pub(crate) complete: bool,
    pub(crate) by_type: Vec<(String, u64)>,
    pub(crate) by_tlp: Vec<(Badge, u64)>,
    pub(crate) recent: Vec<HitRow>,
}

/// One version of an object (its manifest record).
#[derive(Debug, Clone)]
pub(crate) struct VersionRow {
    pub(crate) version: String,
    pub(crate) added: String,
    pub(crate) spec_version: String,
    pub(crate) newest: bool,
}

/// A relationship in or out of an object.
#[derive(Debug, Clone)]
pub(crate) struct LinkRow {
    pub(crate) outgoing: bool,
    pub(crate) kind: String,
    pub(crate) other_id: String,
    /// The other end's name when the reader may read it, else its id.
    pub(crate) other_title: String,
    pub(crate) other_href: String,
    pub(crate) via_href: String,
}

/// The sign-in page.
#[derive(Template)]
#[template(path = "login.html")]
pub(crate) struct LoginPage {
    pub(crate) layout: Layout,
    pub(crate) login_token: String,
    pub(crate) error: String,
    pub(crate) name: String,
}

/// Any error.
#[derive(Template)]
#[template(path = "error.html")]
pub(crate) struct ErrorPage {
    pub(crate) status: u16,
    pub(crate) reason: &'static str,
    pub(crate) message: String,
}

/// The dashboard.
#[derive(Template)]
#[template(path = "dashboard.html")]
pub(crate) struct DashboardPage {
    pub(crate) layout: Layout,
    pub(crate) collections: Vec<CollectionCard>,
    pub(crate) count_budget: usize,
    pub(crate) n_reviews: usize,
}

/// A collection's objects, filtered.
#[derive(Template)]
#[template(path = "browse.html")]
pub(crate) struct BrowsePage {
    pub(crate) layout: Layout,
    pub(crate) collection_title: String,
    pub(crate) action: String,
    pub(crate) q: String,
    pub(crate) object_type: String,
    pub(crate) tlp: String,
    pub(crate) added_after: String,
    pub(crate) type_options: Vec<&'static str>,
    pub(crate) hits: Vec<HitRow>,
    pub(crate) next_href: Option<String>,
    pub(crate) n_scanned: usize,
    pub(crate) first_page: bool,
}

/// One object.
#[derive(Template)]
#[template(path = "object.html")]
pub(crate) struct ObjectPage {
    pub(crate) layout: Layout,
    pub(crate) collection_title: String,
    pub(crate) collection_href: String,
    pub(crate) id: String,
    pub(crate) object_type: String,
    pub(crate) badges: Vec<Badge>,
    pub(crate) json_html: String,
    /// Set instead of `json_html` when the object is larger than [`OBJECT_PAGE_MAX_BYTES`].
    pub(crate) too_large: Option<String>,
    pub(crate) download_href: String,
    pub(crate) versions: Vec<VersionRow>,
    pub(crate) links: Vec<LinkRow>,
    pub(crate) links_complete: bool,
    /// The observable values the object mentions, and the objects elsewhere that mention one of them.
    pub(crate) shared_values: Vec<String>,
    pub(crate) related: Vec<RelatedRow>,
    pub(crate) related_complete: bool,
    pub(crate) media_type: &'static str,
    /// An indicator's score and its terms (issue 15), with the feedback buttons.
    pub(crate) score: Option<ScoreBox>,
    /// The page's own path, where the feedback buttons return.
    pub(crate) here: String,
}

/// An indicator's score as the object page shows it.
pub(crate) struct ScoreBox {
    pub(crate) score: u8,
    /// (term, value, description) per term.
    pub(crate) terms: Vec<(String, String, String)>,
}

impl ScoreBox {
    pub(crate) fn of(view: &hub::ScoreView) -> ScoreBox {
        ScoreBox {
            score: view.score,
            terms: view
                .explanation
                .iter()
                .map(|term| {
                    (
                        term["term"].as_str().unwrap_or("").to_owned(),
                        format!("{:.3}", term["value"].as_f64().unwrap_or(0.0)),
                        term["description"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect(),
        }
    }
}

/// An object sharing observable values with the one shown.
pub(crate) struct RelatedRow {
    pub(crate) hit: HitRow,
    pub(crate) collection_title: String,
    pub(crate) shared: String,
}

/// A search across every readable collection.
#[derive(Template)]
#[template(path = "search.html")]
pub(crate) struct SearchAllPage {
    pub(crate) layout: Layout,
    pub(crate) q: String,
    pub(crate) groups: Vec<SearchGroup>,
}

/// One collection's first hits in a search across collections.
pub(crate) struct SearchGroup {
    pub(crate) title: String,
    /// The collection's own search for the same text (all hits, paged).
    pub(crate) more_href: String,
    pub(crate) hits: Vec<HitRow>,
    pub(crate) more: bool,
}

/// The STIX types offered in the browse filter.
pub(crate) const TYPE_OPTIONS: [&str; 22] = [
    "attack-pattern",
    "campaign",
    "course-of-action",
    "grouping",
    "identity",
    "incident",
    "indicator",
    "infrastructure",
    "intrusion-set",
    "location",
    "malware",
    "malware-analysis",
    "marking-definition",
    "note",
    "observed-data",
    "opinion",
    "relationship",
    "report",
    "sighting",
    "threat-actor",
    "tool",
    "vulnerability",
];

/// Percent-encodes one path segment (RFC 3986 unreserved characters are kept).
pub(crate) fn encode_segment(segment: &str) -> String {
    let mut encoded = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// The UI address of a collection.
pub(crate) fn collection_href(api_root: &str, collection: &str) -> String {
    format!(
        "/ui/c/{}/{}/",
        encode_segment(api_root),
        encode_segment(collection)
    )
}

/// The UI address of an object in a collection.
pub(crate) fn object_href(api_root: &str, collection: &str, object_id: &str) -> String {
    format!(
        "{}objects/{}/",
        collection_href(api_root, collection),
        encode_segment(object_id)
    )
}

/// Escapes text for HTML.
pub(crate) fn escape_html(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
}

/// The largest object (bytes as served) the object page renders; a larger one gets a summary and a download
/// link instead. With indentation capped at [`MAX_INDENT_DEPTH`] and HTML escaping at most 6 bytes a byte, the
/// rendered JSON stays under a few MB whatever the object's shape.
pub(crate) const OBJECT_PAGE_MAX_BYTES: usize = 256 * 1024;

/// Nesting levels indented on the object page; deeper levels are printed compactly on their parent's line,
/// so whitespace grows linearly with the object (re-indenting every level made a 2 MB object 245 MB of HTML).
pub(crate) const MAX_INDENT_DEPTH: usize = 8;

/// The object's JSON, indented, as HTML, with every string that is a STIX id linked to that object's page.
/// `raw` is the object as served (valid JSON); its property order and values are kept as they are.
pub(crate) fn object_json_html(raw: &str, api_root: &str, collection: &str) -> String {
    let pretty = indent_json(raw);
    let mut out = String::with_capacity(pretty.len() + pretty.len() / 4);
    let mut rest = pretty.as_str();
    while let Some(start) = rest.find('"') {
        escape_html(&rest[..start], &mut out);
        let literal_end = string_literal_end(&rest[start..]).map_or(rest.len(), |end| start + end);
        let literal = &rest[start..literal_end];
        let inner = literal.trim_matches('"');
        if literal.len() >= 2 && is_stix_id(inner) {
            out.push_str("\"<a href=\"");
            escape_html(&object_href(api_root, collection, inner), &mut out);
            out.push_str("\">");
            escape_html(inner, &mut out);
            out.push_str("</a>\"");
        } else {
            escape_html(literal, &mut out);
        }
        rest = &rest[literal_end..];
    }
    escape_html(rest, &mut out);
    out
}

/// Re-indents valid JSON text (two spaces a level), keeping every token as written: a pretty-printer that
/// does not reorder properties (serde_json's `Value` would sort them) nor rewrite numbers.
fn indent_json(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() * 2);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let newline = |out: &mut String, depth: usize| {
        if depth <= MAX_INDENT_DEPTH {
            out.push('\n');
            out.push_str(&"  ".repeat(depth));
        }
    };
    let mut chars = raw.trim().chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                // An empty object or array stays on one line.
                while chars.peek().is_some_and(|next| next.is_ascii_whitespace()) {
                    chars.next();
                }
                if chars.peek().is_some_and(|next| *next == '}' || *next == ']') {
                    continue;
                }
                depth += 1;
                newline(&mut out, depth);
            }
            '}' | ']' => {
                if !(out.ends_with('{') || out.ends_with('[')) {
                    depth = depth.saturating_sub(1);
                    newline(&mut out, depth);
                }
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_ascii_whitespace() => {}
            other => out.push(other),
        }
    }
    out
}

/// The byte just after the JSON string literal that `text` starts with.
fn string_literal_end(text: &str) -> Option<usize> {
    let mut escaped = false;
    for (idx, c) in text.char_indices().skip(1) {
        match (escaped, c) {
            (true, _) => escaped = false,
            (false, '\\') => escaped = true,
            (false, '"') => return Some(idx + 1),
            _ => {}
        }
    }
    None
}

fn is_stix_id(text: &str) -> bool {
    let Some((object_type, uuid)) = text.split_once("--") else {
        return false;
    };
    !object_type.is_empty()
        && object_type
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && uuid.len() == 36
        && uuid.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_stix_ids_and_escapes_everything_else() {
        let raw =
            r#"{"name":"<script>\"x\"</script>","id":"indicator--6b0e5f4c-0000-4000-8000-000000000001"}"#;
        let html = object_json_html(raw, "api1", "default");
        assert!(html.contains(
            "<a href=\"/ui/c/api1/default/objects/indicator--6b0e5f4c-0000-4000-8000-000000000001/\">"
        ));
        assert!(html.contains("&lt;script&gt;"));
        assert!(!html.contains("<script>"));
        assert!(
            html.find("name") < html.find("id"),
            "property order is kept: {html}"
        );
    }

    #[test]
    fn deep_nesting_renders_in_size_linear_in_the_object() {
        // 2,000 arrays nested 60 deep (244 kB): indenting every level made 15.4 MB (63x); capped, 2.3x.
        let nested = format!("{}1{}", "[".repeat(60), "]".repeat(60));
        let raw = format!("[{}]", vec![nested; 2000].join(","));
        let html = object_json_html(&raw, "api1", "c");
        assert!(
            html.len() < raw.len() * 4,
            "{} bytes of HTML for {} of JSON",
            html.len(),
            raw.len()
        );
    }

    #[test]
    fn indents_without_reordering_or_rewriting() {
        let raw = r#"{"b":1.50,"a":[],"c":{"d":[1,"x,y"]},"e":{}}"#;
        let expected = "{\n  \"b\": 1.50,\n  \"a\": [],\n  \"c\": {\n    \"d\": [\n      1,\n      \"x,y\"\n    ]\n  },\n  \"e\": {}\n}";
        assert_eq!(indent_json(raw), expected);
    }
}
