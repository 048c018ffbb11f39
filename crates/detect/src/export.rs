//! One export, streamed: a head, then each indicator's lines as it comes, then a trailer with the counts.
//!
//! Invariant: every indicator handed to [`Exporter::add_json`] is either written, or counted under exactly
//! one reason (filtered, skipped), and every value of a written indicator is written, suppressed by a
//! warninglist (counted by list) or skipped (counted by reason). Memory does not grow with the number of
//! indicators: the counts are bounded by the number of reasons and lists, the sid bitset by the sid range.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::lists::{self, CSV_HEADER, CsvRow, ZEEK_HEADER};
use crate::observable::{Observable, SkipReason, observables_of_pattern};
use crate::record::{Filter, FilterReason, IndicatorRecord};
use crate::rules::{self, Dialect, RuleMeta, SidAllocator, SidRange};
use crate::warninglist::Warninglists;

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Suricata rules.
    Suricata,
    /// Snort 2.9 rules.
    Snort,
    /// Zeek intel framework file.
    Zeek,
    /// CSV.
    Csv,
    /// DNS response policy zone.
    Rpz,
    /// One value per line.
    Plain,
}

impl Format {
    /// Every format, by name.
    pub const ALL: [Format; 6] = [
        Format::Suricata,
        Format::Snort,
        Format::Zeek,
        Format::Csv,
        Format::Rpz,
        Format::Plain,
    ];

    /// The name in URLs and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Suricata => "suricata",
            Format::Snort => "snort",
            Format::Zeek => "zeek",
            Format::Csv => "csv",
            Format::Rpz => "rpz",
            Format::Plain => "plain",
        }
    }

    /// Parses a name.
    pub fn parse(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|format| format.as_str() == name)
    }

    /// The HTTP media type of the output.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            _ => "text/plain; charset=utf-8",
        }
    }

    /// How a comment line starts (RPZ zones use `;`).
    fn comment(self) -> &'static str {
        match self {
            Format::Rpz => ";",
            _ => "#",
        }
    }
}

/// Everything an export needs besides the indicators.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// The format.
    pub format: Format,
    /// Which indicators and values are kept.
    pub filter: Filter,
    /// Known-benign values to suppress; `None` suppresses nothing.
    pub warninglists: Option<Arc<Warninglists>>,
    /// The hub's sid range (rules only).
    pub sids: SidRange,
    /// The URL an indicator's id is appended to for references back to the hub (e.g.
    /// `https://hub.example/ui/c/root/COLLECTION/objects/`); a `/` is added after the id.
    pub reference_base: String,
    /// Who the export says it comes from (Zeek `meta.source`, head comment).
    pub source: String,
    /// Now, in seconds since the epoch (the RPZ serial).
    pub now_seconds: i64,
}

/// The running counts of one export.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportCounts {
    /// Indicators read.
    pub indicators: u64,
    /// Lines (rules, entries, records) written.
    pub written: u64,
    /// Left out on purpose, by reason.
    pub filtered: BTreeMap<FilterReason, u64>,
    /// Not expressible, by reason (indicators, or single values for per-value reasons).
    pub skipped: BTreeMap<SkipReason, u64>,
    /// Values suppressed, by warninglist name.
    pub suppressed: BTreeMap<String, u64>,
}

impl ExportCounts {
    /// All skips.
    pub fn n_skipped(&self) -> u64 {
        self.skipped.values().sum()
    }

    /// All suppressions.
    pub fn n_suppressed(&self) -> u64 {
        self.suppressed.values().sum()
    }
}

/// A streaming export.
#[derive(Debug)]
pub struct Exporter {
    options: ExportOptions,
    sids: SidAllocator,
    counts: ExportCounts,
}

impl Exporter {
    /// Starts an export.
    pub fn new(options: ExportOptions) -> Exporter {
        Exporter {
            sids: SidAllocator::new(options.sids),
            options,
            counts: ExportCounts::default(),
        }
    }

    /// The format.
    pub fn format(&self) -> Format {
        self.options.format
    }

    /// The counts so far.
    pub fn counts(&self) -> &ExportCounts {
        &self.counts
    }

    /// Appends the head of the output.
    pub fn write_head(&self, out: &mut String) {
        let source = crate::escape::rule_message(&self.options.source, 200);
        match self.options.format {
            Format::Zeek => out.push_str(ZEEK_HEADER),
            Format::Csv => out.push_str(CSV_HEADER),
            Format::Rpz => {
                let serial = u32::try_from(self.options.now_seconds.max(1)).unwrap_or(u32::MAX);
                out.push_str(&format!("; stixhub detection export (rpz) from {source}\n"));
                out.push_str(&lists::rpz_header(serial));
            }
            format => out.push_str(&format!(
                "# stixhub detection export ({}) from {source}\n",
                format.as_str()
            )),
        }
    }

    /// Counts one indicator the caller left out for `reason` (a filter the exporter cannot see, such as the
    /// hub's score), so the trailer still accounts for every indicator read.
    pub fn count_filtered(&mut self, reason: FilterReason) {
        self.counts.indicators += 1;
        *self.counts.filtered.entry(reason).or_default() += 1;
    }

    /// Adds one stored object (its JSON as the caller may read it), appending its lines to `out`.
    pub fn add_json(&mut self, json: &str, out: &mut String) {
        match IndicatorRecord::from_json(json) {
            Ok(record) => self.add(&record, out),
            Err(reason) => {
                self.counts.indicators += 1;
                self.skip(reason);
            }
        }
    }

    /// Adds one indicator, appending its lines to `out`.
    pub fn add(&mut self, record: &IndicatorRecord<'_>, out: &mut String) {
        self.counts.indicators += 1;
        if record.object_type != "indicator" {
            return self.skip(SkipReason::NotAnIndicator);
        }
        if let Some(reason) = self.options.filter.rejects(record) {
            *self.counts.filtered.entry(reason).or_default() += 1;
            return;
        }
        if record.pattern_type.as_deref() != Some("stix") {
            return self.skip(SkipReason::PatternType);
        }
        let observables = match observables_of_pattern(record.pattern.as_deref().unwrap_or_default()) {
            Ok(observables) => observables,
            Err(reason) => return self.skip(reason),
        };
        let wanted: Vec<&Observable> = observables
            .iter()
            .filter(|o| self.options.filter.keeps(o.kind()))
            .collect();
        if wanted.is_empty() {
            *self.counts.filtered.entry(FilterReason::Type).or_default() += 1;
            return;
        }
        let reference = format!("{}{}/", self.options.reference_base, record.id);
        let name = record
            .name
            .as_deref()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or(&record.id);
        for observable in wanted {
            if let Err(reason) = self.expressible(observable) {
                self.skip(reason);
                continue;
            }
            if !record.overrides_warninglists()
                && let Some(list) = self
                    .options
                    .warninglists
                    .as_ref()
                    .and_then(|lists| lists.lookup(observable))
            {
                match self.counts.suppressed.get_mut(list) {
                    Some(count) => *count += 1,
                    None => {
                        self.counts.suppressed.insert(list.to_owned(), 1);
                    }
                }
                continue;
            }
            if self.write_value(out, record, observable, name, &reference) {
                self.counts.written += 1;
            }
        }
    }

    fn expressible(&self, observable: &Observable) -> Result<(), SkipReason> {
        match self.options.format {
            Format::Suricata | Format::Snort => rules::expressible(observable),
            Format::Rpz => lists::rpz_expressible(observable),
            Format::Zeek | Format::Csv | Format::Plain => Ok(()),
        }
    }

    /// Writes one value; false (and counted) when it could not be written after all.
    fn write_value(
        &mut self,
        out: &mut String,
        record: &IndicatorRecord<'_>,
        observable: &Observable,
        name: &str,
        reference: &str,
    ) -> bool {
        match self.options.format {
            format @ (Format::Suricata | Format::Snort) => {
                let sid = match self.sids.allocate(&record.id, &observable.value()) {
                    Ok(sid) => sid,
                    Err(reason) => {
                        self.skip(reason);
                        return false;
                    }
                };
                let dialect = if format == Format::Suricata {
                    Dialect::Suricata
                } else {
                    Dialect::Snort
                };
                let meta = RuleMeta {
                    name,
                    id: &record.id,
                    reference,
                    version_seconds: record.version_seconds(),
                    created_date: record.created.as_deref().and_then(metadata_date),
                    updated_date: record
                        .modified
                        .as_deref()
                        .or(record.created.as_deref())
                        .and_then(metadata_date),
                };
                rules::write_rule(out, dialect, observable, &meta, sid);
            }
            Format::Zeek => {
                let desc = format!("{name} ({})", record.id);
                lists::write_zeek(out, observable, &self.options.source, &desc, reference);
            }
            Format::Csv => {
                let row = CsvRow {
                    id: &record.id,
                    name: record.name.as_deref().unwrap_or_default(),
                    valid_from: record.valid_from.as_deref().unwrap_or_default(),
                    valid_until: record.valid_until.as_deref().unwrap_or_default(),
                    confidence: record.confidence,
                    reference,
                };
                lists::write_csv(out, observable, &row);
            }
            Format::Rpz => lists::write_rpz(out, observable),
            Format::Plain => lists::write_plain(out, observable),
        }
        true
    }

    fn skip(&mut self, reason: SkipReason) {
        *self.counts.skipped.entry(reason).or_default() += 1;
    }

    /// Appends the trailer: comment lines with what was written, skipped, suppressed and filtered.
    pub fn write_trailer(&self, out: &mut String) {
        let c = self.options.format.comment();
        let counts = &self.counts;
        out.push_str(&format!(
            "{c} exported: {} lines from {} indicators\n",
            counts.written, counts.indicators
        ));
        out.push_str(&format!("{c} skipped: {}\n", counts.n_skipped()));
        for (reason, n) in &counts.skipped {
            out.push_str(&format!("{c} skipped: {n} ({})\n", reason.as_str()));
        }
        out.push_str(&format!("{c} suppressed: {}\n", counts.n_suppressed()));
        for (list, n) in &counts.suppressed {
            out.push_str(&format!("{c} suppressed: {n} (warninglist {list})\n"));
        }
        for (reason, n) in &counts.filtered {
            out.push_str(&format!("{c} filtered: {n} ({})\n", reason.as_str()));
        }
    }
}

/// `YYYY_MM_DD` from a STIX timestamp (Suricata's metadata date form).
fn metadata_date(timestamp: &str) -> Option<String> {
    let date = timestamp.get(..10)?;
    let ok = date.bytes().enumerate().all(|(i, b)| {
        if i == 4 || i == 7 {
            b == b'-'
        } else {
            b.is_ascii_digit()
        }
    });
    ok.then(|| date.replace('-', "_"))
}
