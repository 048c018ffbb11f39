//! The scenario file as TOML gives it (`serde` with unknown fields refused), before any cross-reference is
//! checked. `Spanned` keeps the byte ranges that `scenario` turns into line numbers.

use serde::Deserialize;
use toml::Spanned;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFile {
    pub(crate) scenario: Spanned<RawHeader>,
    #[serde(default)]
    pub(crate) jurisdiction: Vec<Spanned<RawOrg>>,
    #[serde(default)]
    pub(crate) responder: Vec<Spanned<RawOrg>>,
    #[serde(default)]
    pub(crate) producer: Vec<Spanned<RawOrg>>,
    #[serde(default)]
    pub(crate) community: Vec<Spanned<RawCommunity>>,
    #[serde(default)]
    pub(crate) collection: Vec<Spanned<RawCollection>>,
    #[serde(default)]
    pub(crate) subscriber: Vec<Spanned<RawSubscriber>>,
    #[serde(default)]
    pub(crate) route: Vec<Spanned<RawRoute>>,
    #[serde(default)]
    pub(crate) inject: Vec<Spanned<RawInject>>,
    #[serde(default)]
    pub(crate) expect: Vec<Spanned<RawExpect>>,
}

/// `[scenario]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawHeader {
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) description: String,
    pub(crate) speed: Option<Spanned<f64>>,
}

/// `[[jurisdiction]]`, `[[responder]]`, `[[producer]]`: an organisation and its accounts (responders also
/// their scripted behaviour).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOrg {
    pub(crate) name: Spanned<String>,
    #[serde(default)]
    pub(crate) accounts: Vec<Spanned<String>>,
    pub(crate) role: Option<Spanned<String>>,
    pub(crate) consent: Option<Spanned<String>>,
    #[serde(default)]
    pub(crate) government: bool,
    pub(crate) acknowledge_after: Option<Spanned<String>>,
    pub(crate) triage_after: Option<Spanned<String>>,
    pub(crate) share_after: Option<Spanned<String>>,
    pub(crate) resolve_after: Option<Spanned<String>>,
    pub(crate) outcome: Option<Spanned<String>>,
    pub(crate) jurisdictions: Option<Vec<Spanned<String>>>,
    pub(crate) share: Option<Spanned<RawShare>>,
}

/// A responder's `share = { communities, tlp, collection }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawShare {
    pub(crate) communities: Vec<Spanned<String>>,
    pub(crate) tlp: Spanned<String>,
    pub(crate) collection: Spanned<String>,
}

/// `[[community]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCommunity {
    pub(crate) name: Spanned<String>,
    pub(crate) parent: Option<Spanned<String>>,
    #[serde(default)]
    pub(crate) members: Vec<Spanned<String>>,
}

/// `[[collection]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCollection {
    pub(crate) alias: Spanned<String>,
    pub(crate) title: Option<String>,
    #[serde(default)]
    pub(crate) audience: Vec<Spanned<String>>,
    #[serde(default)]
    pub(crate) writers: Vec<Spanned<String>>,
    #[serde(default)]
    pub(crate) readers: Vec<Spanned<String>>,
}

/// `[[subscriber]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSubscriber {
    pub(crate) account: Spanned<String>,
    pub(crate) collection: Option<Spanned<String>>,
}

/// `[[route]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRoute {
    pub(crate) jurisdiction: Option<Spanned<String>>,
    pub(crate) category: Option<String>,
    pub(crate) severity: Option<Spanned<String>>,
    pub(crate) responders: Vec<Spanned<String>>,
}

/// `[[inject]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawInject {
    pub(crate) id: Spanned<String>,
    pub(crate) at: Spanned<String>,
    pub(crate) kind: Spanned<String>,
    pub(crate) from: Spanned<String>,
    pub(crate) title: Option<String>,
    pub(crate) category: Option<Spanned<String>>,
    pub(crate) severity: Option<Spanned<String>>,
    pub(crate) description: Option<String>,
    #[serde(default)]
    pub(crate) systems: Vec<Spanned<String>>,
    #[serde(default)]
    pub(crate) observables: Vec<Spanned<RawObservable>>,
    pub(crate) collection: Option<Spanned<String>>,
    pub(crate) pattern: Option<Spanned<String>>,
    pub(crate) name: Option<String>,
    pub(crate) tlp: Option<Spanned<String>>,
}

/// An observable of a report: `{ type = "domain-name", value = "…" }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawObservable {
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) value: String,
}

/// `[[expect]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawExpect {
    pub(crate) inject: Option<Spanned<String>>,
    pub(crate) jurisdiction: Option<Spanned<String>>,
    pub(crate) by: Option<Spanned<String>>,
    pub(crate) acknowledge_within: Option<Spanned<String>>,
    pub(crate) share_within: Option<Spanned<String>>,
    pub(crate) resolve_within: Option<Spanned<String>>,
    pub(crate) deliver_within: Option<Spanned<String>>,
}
