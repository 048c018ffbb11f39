//! The after-action report as one self-contained HTML page: a summary, two inline SVG charts (time to share
//! and time to respond per jurisdiction: the median as a bar, the worst as a whisker, the expectation as a
//! red tick), the per-jurisdiction table, every inject's stages, and the audit comparison. No script, no
//! external resource, every text escaped (scenario text is the author's, not ours).

use std::fmt::Write;

use crate::duration::format_ms;
use crate::report::{JurisdictionSummary, Report, rfc3339};

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn opt_ms(ms: Option<u64>) -> String {
    ms.map_or_else(|| "\u{2014}".to_owned(), format_ms)
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1d2430;max-width:70rem}\
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem}\
.banner{background:#b00020;color:#fff;font-weight:700;padding:.4rem .8rem;display:inline-block;letter-spacing:.05em}\
table{border-collapse:collapse;font-size:.85rem;margin-top:.5rem}th,td{border:1px solid #ccd;padding:.25rem .5rem;text-align:left}\
th{background:#eef1f6}td.num{text-align:right;font-variant-numeric:tabular-nums}.miss{color:#b00020;font-weight:600}\
.met{color:#17663a}.kpi{display:inline-block;margin-right:2rem}.kpi b{font-size:1.4rem;display:block}\
svg text{font-size:11px;fill:#1d2430}";

/// One row of a chart: label, median, worst, deadline (ms).
type ChartRow = (String, Option<u64>, Option<u64>, Option<u64>);

/// One horizontal bar chart: per jurisdiction, median bar, max whisker, deadline tick.
fn chart(id: &str, title: &str, rows: &[ChartRow]) -> String {
    let label_w = 170.0;
    let plot_w = 560.0;
    let row_h = 20.0;
    let top = 24.0;
    let height = top + row_h * rows.len().max(1) as f64 + 30.0;
    let scale_max = rows
        .iter()
        .flat_map(|(_, median, max, deadline)| [*median, *max, *deadline])
        .flatten()
        .max()
        .unwrap_or(1000)
        .max(1) as f64;
    let x = |ms: u64| label_w + plot_w * (ms as f64 / scale_max);
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg id=\"{id}\" role=\"img\" aria-label=\"{title}\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{height}\" viewBox=\"0 0 {w} {height}\">",
        id = escape(id),
        title = escape(title),
        w = label_w + plot_w + 40.0,
    );
    let _ = write!(
        svg,
        "<text x=\"0\" y=\"14\" font-weight=\"700\">{}</text>",
        escape(title)
    );
    for (i, (label, median, max, deadline)) in rows.iter().enumerate() {
        let y = top + row_h * i as f64;
        let _ = write!(
            svg,
            "<text x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\">{label}</text>",
            lx = label_w - 6.0,
            ty = y + 13.0,
            label = escape(label),
        );
        let late = matches!((max, deadline), (Some(max), Some(deadline)) if max > deadline)
            || (median.is_none() && deadline.is_some());
        let colour = if late { "#c0392b" } else { "#2e7d5b" };
        if let Some(median) = median {
            let _ = write!(
                svg,
                "<rect class=\"bar\" data-jurisdiction=\"{label}\" x=\"{x0}\" y=\"{y0}\" width=\"{w:.1}\" height=\"12\" fill=\"{colour}\"><title>{label}: median {m}, worst {mx}</title></rect>",
                label = escape(label),
                x0 = label_w,
                y0 = y + 3.0,
                w = (x(*median) - label_w).max(1.0),
                m = format_ms(*median),
                mx = opt_ms(*max),
            );
        } else {
            let _ = write!(
                svg,
                "<text x=\"{x0}\" y=\"{ty}\" class=\"miss\" fill=\"#b00020\">not done</text>",
                x0 = label_w + 4.0,
                ty = y + 13.0,
            );
        }
        if let Some(max) = max {
            let _ = write!(
                svg,
                "<line x1=\"{x0}\" x2=\"{x1:.1}\" y1=\"{ym}\" y2=\"{ym}\" stroke=\"#1d2430\" stroke-width=\"1\"/><line x1=\"{x1:.1}\" x2=\"{x1:.1}\" y1=\"{ya}\" y2=\"{yb}\" stroke=\"#1d2430\"/>",
                x0 = median.map_or(label_w, x),
                x1 = x(*max),
                ym = y + 9.0,
                ya = y + 5.0,
                yb = y + 13.0,
            );
        }
        if let Some(deadline) = deadline {
            let _ = write!(
                svg,
                "<line class=\"deadline\" x1=\"{xd:.1}\" x2=\"{xd:.1}\" y1=\"{ya}\" y2=\"{yb}\" stroke=\"#b00020\" stroke-width=\"2\" stroke-dasharray=\"3,2\"><title>expected within {d}</title></line>",
                xd = x(*deadline),
                ya = y + 1.0,
                yb = y + row_h - 1.0,
                d = format_ms(*deadline),
            );
        }
    }
    let axis_y = top + row_h * rows.len().max(1) as f64 + 4.0;
    for step in 0..=4 {
        let ms = (scale_max * f64::from(step) / 4.0) as u64;
        let _ = write!(
            svg,
            "<line x1=\"{xs:.1}\" x2=\"{xs:.1}\" y1=\"{top}\" y2=\"{axis_y}\" stroke=\"#dde\"/><text x=\"{xs:.1}\" y=\"{ty}\" text-anchor=\"middle\">{label}</text>",
            xs = x(ms),
            ty = axis_y + 14.0,
            label = format_ms(ms),
        );
    }
    svg.push_str("</svg>");
    svg
}

fn jurisdiction_table(rows: &[JurisdictionSummary]) -> String {
    let mut out = String::from(
        "<table id=\"jurisdictions\"><thead><tr><th>Jurisdiction</th><th>Injects</th><th>Respond (median)</th><th>Respond (worst)</th><th>Expected</th><th>Share (median)</th><th>Share (worst)</th><th>Expected</th><th>Deliver (median)</th><th>Met</th><th>Missed</th></tr></thead><tbody>",
    );
    for row in rows {
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num met\">{}</td><td class=\"num{}\">{}</td></tr>",
            escape(&row.jurisdiction),
            row.injects,
            opt_ms(row.respond_median_ms),
            opt_ms(row.respond_max_ms),
            opt_ms(row.acknowledge_deadline_ms),
            opt_ms(row.share_median_ms),
            opt_ms(row.share_max_ms),
            opt_ms(row.share_deadline_ms),
            opt_ms(row.deliver_median_ms),
            row.met,
            if row.missed > 0 { " miss" } else { "" },
            row.missed,
        );
    }
    out.push_str("</tbody></table>");
    out
}

fn inject_table(report: &Report) -> String {
    let mut out = String::from(
        "<table id=\"injects\"><thead><tr><th>Inject</th><th>Kind</th><th>Jurisdiction</th><th>Submitted</th><th>Alerted</th><th>Acknowledged</th><th>Published</th><th>Delivered</th><th>Resolved</th><th>Deadlines</th></tr></thead><tbody>",
    );
    for record in &report.injects {
        let offset = |at: Option<i64>| match (record.stages.submitted, at) {
            (Some(start), Some(at)) => {
                format!("+{}", format_ms(u64::try_from((at - start) / 1000).unwrap_or(0)))
            }
            (None, Some(at)) => escape(&rfc3339(at)),
            _ => "\u{2014}".to_owned(),
        };
        let delivered = record
            .expected_recipients
            .iter()
            .filter(|s| record.deliveries.contains_key(*s))
            .count();
        let verdicts: Vec<String> = record
            .verdicts()
            .iter()
            .map(|v| {
                format!(
                    "<span class=\"{}\">{} {} / {}</span>",
                    if v.met { "met" } else { "miss" },
                    v.what,
                    opt_ms(v.actual_ms),
                    format_ms(v.deadline_ms)
                )
            })
            .collect();
        let submitted = record
            .stages
            .submitted
            .map_or_else(|| "\u{2014}".to_owned(), |at| escape(&rfc3339(at)));
        let _ = write!(
            out,
            "<tr data-inject=\"{id}\"><td>{id}{errors}</td><td>{kind}</td><td>{jurisdiction}</td><td>{submitted}</td><td>{alerted}</td><td>{ack}</td><td>{published}</td><td>{delivered}/{expected}</td><td>{resolved}</td><td>{verdicts}</td></tr>",
            id = escape(&record.id),
            errors = if record.errors.is_empty() {
                String::new()
            } else {
                format!(
                    "<br><span class=\"miss\">{}</span>",
                    escape(&record.errors.join("; "))
                )
            },
            kind = escape(&record.kind),
            jurisdiction = escape(&record.jurisdiction),
            alerted = offset(record.stages.alerted),
            ack = offset(record.stages.acknowledged),
            published = offset(record.stages.published),
            expected = record.expected_recipients.len(),
            resolved = offset(record.stages.resolved),
            verdicts = verdicts.join("<br>"),
        );
    }
    out.push_str("</tbody></table>");
    out
}

/// The report page.
pub fn to_html(report: &Report) -> String {
    let summaries = report.jurisdictions();
    let (met, missed) = report.totals();
    // Time to share and to respond are figures of incident reports: producers of indicators have no row.
    let share_rows: Vec<_> = summaries
        .iter()
        .filter(|s| s.reports > 0)
        .map(|s| {
            (
                s.jurisdiction.clone(),
                s.share_median_ms,
                s.share_max_ms,
                s.share_deadline_ms,
            )
        })
        .collect();
    let respond_rows: Vec<_> = summaries
        .iter()
        .filter(|s| s.reports > 0)
        .map(|s| {
            (
                s.jurisdiction.clone(),
                s.respond_median_ms,
                s.respond_max_ms,
                s.acknowledge_deadline_ms,
            )
        })
        .collect();
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>After-action report: {name}</title><style>{STYLE}</style></head><body>",
        name = escape(&report.scenario),
    );
    let _ = write!(
        out,
        "<p class=\"banner\">EXERCISE \u{2014} NOT REAL</p><h1>After-action report: {name}</h1><p>{description}</p><p>Hub {url}; started {started}; {duration} (speed \u{d7}{speed}).</p>",
        name = escape(&report.scenario),
        description = escape(&report.description),
        url = escape(&report.url),
        started = escape(&rfc3339(report.started)),
        duration = format_ms(u64::try_from((report.finished - report.started) / 1000).unwrap_or(0)),
        speed = report.speed,
    );
    let _ = write!(
        out,
        "<section id=\"summary\"><span class=\"kpi\"><b>{}</b>injects</span><span class=\"kpi\"><b>{}</b>jurisdictions</span><span class=\"kpi met\"><b>{met}</b>deadlines met</span><span class=\"kpi{}\"><b>{missed}</b>deadlines missed</span></section>",
        report.injects.len(),
        summaries.len(),
        if missed > 0 { " miss" } else { "" },
    );
    out.push_str("<h2>Time to share per jurisdiction</h2>");
    out.push_str(&chart(
        "chart-share",
        "Time to share (submitted \u{2192} published)",
        &share_rows,
    ));
    out.push_str("<h2>Time to respond per jurisdiction</h2>");
    out.push_str(&chart(
        "chart-respond",
        "Time to respond (submitted \u{2192} acknowledged)",
        &respond_rows,
    ));
    out.push_str("<p>Bar: median; whisker: worst; dashed red tick: the scenario's expectation.</p>");
    out.push_str("<h2>Jurisdictions</h2>");
    out.push_str(&jurisdiction_table(&summaries));
    if let Some(audit) = &report.audit {
        let _ = write!(
            out,
            "<h2>Against the audit log</h2><p id=\"audit\">{agreed} of {compared} stage times agree with the hub's audit log within {tol} ms (largest difference {max:.1} ms).</p>",
            agreed = audit.agreed,
            compared = audit.compared,
            tol = audit.tolerance_ms,
            max = audit.max_difference_ms,
        );
        if !audit.unmatched.is_empty() {
            out.push_str("<ul>");
            for line in audit.unmatched.iter().take(50) {
                let _ = write!(out, "<li>{}</li>", escape(line));
            }
            out.push_str("</ul>");
        }
    }
    if !report.notes.is_empty() {
        out.push_str("<h2>Notes</h2><ul id=\"notes\">");
        for note in &report.notes {
            let _ = write!(out, "<li>{}</li>", escape(note));
        }
        out.push_str("</ul>");
    }
    out.push_str("<h2>Injects</h2>");
    out.push_str(&inject_table(report));
    out.push_str("</body></html>\n");
    out
}
