//! Status resources on disk: one row per status, its entries packed in one text column.
//!
//! Invariant: one row per status keeps ingest at one extra row per POST (not per object). The packing is
//! `kind \t id \t version \t message \n` with kind `s`, `f` or `p`; tabs and newlines inside fields are
//! replaced by spaces before packing (ids and versions never contain them; messages are prose).

use store::{StatusEntry, StatusRecord};

/// Packs the three lists of a status.
pub(crate) fn encode_entries(status: &StatusRecord) -> String {
    let mut out = String::new();
    for (kind, entries) in [
        ("s", &status.successes),
        ("f", &status.failures),
        ("p", &status.pendings),
    ] {
        for entry in entries {
            out.push_str(kind);
            for field in [
                entry.id.as_str(),
                entry.version.as_str(),
                entry.message.as_deref().unwrap_or(""),
            ] {
                out.push('\t');
                out.extend(
                    field
                        .chars()
                        .map(|c| if c == '\t' || c == '\n' { ' ' } else { c }),
                );
            }
            out.push('\n');
        }
    }
    out
}

/// Unpacks what `encode_entries` wrote into (successes, failures, pendings).
pub(crate) fn decode_entries(text: &str) -> [Vec<StatusEntry>; 3] {
    let mut lists: [Vec<StatusEntry>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    for line in text.lines() {
        let mut fields = line.split('\t');
        let kind = fields.next().unwrap_or("");
        let id = fields.next().unwrap_or("").to_owned();
        let version = fields.next().unwrap_or("").to_owned();
        let message = fields.next().filter(|m| !m.is_empty()).map(str::to_owned);
        let list_idx = match kind {
            "s" => 0,
            "f" => 1,
            _ => 2,
        };
        lists[list_idx].push(StatusEntry { id, version, message });
    }
    lists
}
