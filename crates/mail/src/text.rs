//! The human text of event mails: one event (`each`) or a digest listing events (`digest`), short and plain.
//!
//! The hub builds each `Item` from an event **as released** to the subscriber (the same JSON an SSE frame
//! carries), so a mail can say no more than the release gate let through. Every value from object data is
//! `header::clean`ed (one line, bounded) before it is written, in the subject and in the body alike.

use crate::header::clean;

/// One event, as the subscriber may read it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Item {
    /// `object-added`, `object-deleted`, `resync`, or another kind.
    pub kind: String,
    /// The collection's title (or id).
    pub collection: String,
    /// The STIX type, when the event concerns an object.
    pub object_type: Option<String>,
    /// The object id as served to the subscriber.
    pub id: Option<String>,
    /// The object's `name` as served (absent when delivered thin).
    pub name: Option<String>,
    /// The TLP level, e.g. `AMBER+STRICT`.
    pub tlp: Option<String>,
    /// Where to see it (the web UI object page, or the alerts page).
    pub link: Option<String>,
    /// Delivered thin: id and link only.
    pub thin: bool,
}

/// The most items a digest lists; the rest are counted ("and N more").
pub const DIGEST_LISTED: usize = 50;

fn what(item: &Item) -> String {
    let object_type = item
        .object_type
        .as_deref()
        .map(clean)
        .unwrap_or_else(|| "event".to_owned());
    match item.kind.as_str() {
        "object-added" => format!("New {object_type}"),
        "object-deleted" => format!("Deleted {object_type}"),
        "resync" => "Missed events: re-read over TAXII".to_owned(),
        other => clean(other),
    }
}

fn one_line(item: &Item) -> String {
    let mut line = String::new();
    if let Some(tlp) = &item.tlp {
        line.push_str(&format!("[TLP:{}] ", clean(tlp)));
    }
    line.push_str(&what(item));
    match (&item.name, item.thin) {
        (Some(name), false) => line.push_str(&format!(" \"{}\"", clean(name))),
        (_, true) => line.push_str(" (restricted: details on the hub only)"),
        _ => {}
    }
    if !item.collection.is_empty() {
        line.push_str(&format!(" in {}", clean(&item.collection)));
    }
    line
}

/// Subject and body of a mail for one event.
pub fn each(item: &Item, reason: &str) -> (String, String) {
    let subject = format!("[stixhub] {}", one_line(item));
    let mut body = format!("{}.\n\n", one_line(item));
    let mut field = |label: &str, value: &Option<String>| {
        if let Some(value) = value {
            body.push_str(&format!("{label:<12}{}\n", clean(value)));
        }
    };
    field(
        "Collection:",
        &Some(item.collection.clone()).filter(|c| !c.is_empty()),
    );
    field("Type:", &item.object_type);
    if !item.thin {
        field("Name:", &item.name);
    }
    field("TLP:", &item.tlp);
    field("Id:", &item.id);
    field("Open:", &item.link);
    if item.thin {
        body.push_str("\nThis object is restricted (TLP:RED or TLP:AMBER+STRICT): sign in to read it.\n");
    }
    body.push_str(&footer(reason));
    (subject, body)
}

/// Subject and body of a digest: the first `DIGEST_LISTED` items, then "and N more" with `more_link`.
pub fn digest(items: &[Item], more: u64, more_link: &str, reason: &str) -> (String, String) {
    let total = items.len() as u64 + more;
    let plural = if total == 1 { "" } else { "s" };
    let subject = format!("[stixhub] {total} new event{plural}");
    let mut body = format!("{total} event{plural} since the last digest:\n\n");
    for item in items.iter().take(DIGEST_LISTED) {
        body.push_str(&format!("- {}\n", one_line(item)));
        if let Some(link) = &item.link {
            body.push_str(&format!("  {}\n", clean(link)));
        }
    }
    let unlisted = more + items.len().saturating_sub(DIGEST_LISTED) as u64;
    if unlisted > 0 {
        body.push_str(&format!("\n... and {unlisted} more: {}\n", clean(more_link)));
    }
    body.push_str(&footer(reason));
    (subject, body)
}

fn footer(reason: &str) -> String {
    format!("\n-- \nYou receive this mail because of {}.\n", clean(reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(name: &str) -> Item {
        Item {
            kind: "object-added".into(),
            collection: "Election 2026".into(),
            object_type: Some("indicator".into()),
            id: Some("indicator--1".into()),
            name: Some(name.into()),
            tlp: Some("AMBER".into()),
            link: Some("https://hub.example/ui/c/r/c/objects/indicator--1/".into()),
            thin: false,
        }
    }

    #[test]
    fn one_event() {
        let (subject, body) = each(&item("evil\r\nBcc: x"), "subscription \"county\"");
        assert_eq!(
            subject,
            "[stixhub] [TLP:AMBER] New indicator \"evil Bcc: x\" in Election 2026"
        );
        assert!(body.contains("Name:       evil Bcc: x\n"), "{body}");
        assert!(
            body.contains("Open:       https://hub.example/ui/c/r/c/objects/indicator--1/\n"),
            "{body}"
        );
    }

    #[test]
    fn thin_events_name_nothing() {
        let thin = Item {
            thin: true,
            tlp: Some("RED".into()),
            ..item("secret")
        };
        let (subject, body) = each(&thin, "x");
        assert!(
            !subject.contains("secret") && !body.contains("secret"),
            "{subject}\n{body}"
        );
        assert!(subject.contains("restricted"));
    }

    #[test]
    fn digests_are_bounded() {
        let items: Vec<Item> = (0..60).map(|n| item(&format!("n{n}"))).collect();
        let (subject, body) = digest(&items, 5, "https://hub.example/ui/alerts", "x");
        assert_eq!(subject, "[stixhub] 65 new events");
        assert!(body.contains("\"n49\"") && !body.contains("\"n50\""));
        assert!(
            body.contains("... and 15 more: https://hub.example/ui/alerts\n"),
            "{body}"
        );
    }
}
