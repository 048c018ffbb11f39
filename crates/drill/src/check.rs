//! Turning the raw file into a `Scenario`: every cross-reference, enumeration, duration and pattern is
//! checked, and every problem is reported with its line (not only the first), so the author fixes the file
//! in one pass.

use std::collections::{BTreeMap, BTreeSet};

use toml::Spanned;

use crate::duration::parse_ms;
use crate::raw::{RawFile, RawInject, RawOrg};
use crate::scenario::{
    Behaviour, Collection, Community, Diagnostic, Expectation, IndicatorSpec, Inject, InjectBody, OrgKind,
    Organisation, ReportSpec, Route, Scenario, ShareSpec, Subscriber, position,
};

/// The largest scenario file read.
pub const MAX_FILE_BYTES: usize = 8 * 1024 * 1024;
/// The most injects a scenario may hold.
pub const MAX_INJECTS: usize = 20_000;
/// Severities of an incident report.
pub const SEVERITIES: &[&str] = &["low", "medium", "high", "critical"];
/// TLP 2.0 levels.
pub const TLP_LEVELS: &[&str] = &["clear", "green", "amber", "amber+strict", "red"];
/// Systems a report may name (the hub's incident taxonomy, docs/incidents.md).
pub const SYSTEMS: &[&str] = &[
    "voter-registration",
    "e-pollbook",
    "tabulation",
    "results-website",
    "email",
    "social-media",
    "physical",
];
/// Observable types a report may carry.
pub const OBSERVABLE_TYPES: &[&str] = &[
    "ipv4-addr",
    "ipv6-addr",
    "domain-name",
    "url",
    "email-addr",
    "file",
];

struct Checker<'t> {
    text: &'t str,
    problems: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn at(&mut self, offset: usize, message: impl Into<String>) {
        let (line, column) = position(self.text, offset);
        self.problems.push(Diagnostic {
            line,
            column,
            message: message.into(),
        });
    }

    fn line(&self, offset: usize) -> usize {
        position(self.text, offset).0
    }

    fn name(&mut self, field: &str, value: &Spanned<String>) {
        let text = value.get_ref();
        let ok = !text.is_empty()
            && text.len() <= 64
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if !ok {
            self.at(
                value.span().start,
                format!("{field} {text:?}: 1 to 64 letters, digits, '-', '_' or '.'"),
            );
        }
    }

    fn duration(&mut self, field: &str, value: Option<&Spanned<String>>) -> Option<u64> {
        let value = value?;
        match parse_ms(value.get_ref()) {
            Ok(ms) => Some(ms),
            Err(err) => {
                self.at(value.span().start, format!("{field}: {err}"));
                None
            }
        }
    }

    fn one_of(&mut self, field: &str, value: &Spanned<String>, allowed: &[&str]) {
        if !allowed.contains(&value.get_ref().as_str()) {
            self.at(
                value.span().start,
                format!(
                    "{field} {:?} is not one of {}",
                    value.get_ref(),
                    allowed.join(", ")
                ),
            );
        }
    }

    fn known(&mut self, field: &str, value: &Spanned<String>, known: &BTreeSet<String>, what: &str) {
        if !known.contains(value.get_ref()) {
            self.at(
                value.span().start,
                format!("{field}: no {what} named {:?} in this scenario", value.get_ref()),
            );
        }
    }
}

pub(crate) fn check(text: &str) -> Result<Scenario, Vec<Diagnostic>> {
    let mut c = Checker {
        text,
        problems: Vec::new(),
    };
    if text.len() > MAX_FILE_BYTES {
        c.at(0, format!("the file is larger than {MAX_FILE_BYTES} bytes"));
        return Err(c.problems);
    }
    let raw: RawFile = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(err) => {
            let offset = err.span().map_or(0, |span| span.start);
            c.at(offset, err.message().trim().to_owned());
            return Err(c.problems);
        }
    };
    let scenario = build(&mut c, raw);
    if c.problems.is_empty() {
        Ok(scenario)
    } else {
        c.problems.sort_by_key(|d| (d.line, d.column));
        Err(c.problems)
    }
}

fn build(c: &mut Checker<'_>, raw: RawFile) -> Scenario {
    let header_at = raw.scenario.span().start;
    let header = raw.scenario.into_inner();
    if header.name.trim().is_empty() {
        c.at(header_at, "scenario.name must not be empty");
    }
    let speed = header.speed.map_or(1.0, |speed| {
        let value = *speed.get_ref();
        if !(value.is_finite() && (0.01..=1000.0).contains(&value)) {
            c.at(speed.span().start, "speed must be between 0.01 and 1000");
        }
        value
    });

    // Organisations and accounts first: everything else refers to them.
    let mut organisations = Vec::new();
    let mut org_names = BTreeSet::new();
    let mut accounts: BTreeMap<String, (String, OrgKind)> = BTreeMap::new();
    let sections = [
        (OrgKind::Jurisdiction, raw.jurisdiction),
        (OrgKind::Responder, raw.responder),
        (OrgKind::Producer, raw.producer),
    ];
    let mut raw_orgs = Vec::new();
    for (kind, orgs) in sections {
        for org in orgs {
            let org = org.into_inner();
            c.name(&format!("{}.name", kind.as_str()), &org.name);
            if !org_names.insert(org.name.get_ref().clone()) {
                c.at(
                    org.name.span().start,
                    format!("organisation {:?} is declared twice", org.name.get_ref()),
                );
            }
            if org.accounts.is_empty() {
                c.at(
                    org.name.span().start,
                    format!(
                        "{} {:?} needs at least one account",
                        kind.as_str(),
                        org.name.get_ref()
                    ),
                );
            }
            for account in &org.accounts {
                c.name("accounts", account);
                if accounts
                    .insert(account.get_ref().clone(), (org.name.get_ref().clone(), kind))
                    .is_some()
                {
                    c.at(
                        account.span().start,
                        format!("account {:?} is declared twice", account.get_ref()),
                    );
                }
            }
            raw_orgs.push((kind, org));
        }
    }
    let jurisdictions: BTreeSet<String> = raw_orgs
        .iter()
        .filter(|(kind, _)| *kind == OrgKind::Jurisdiction)
        .map(|(_, org)| org.name.get_ref().clone())
        .collect();
    let responders: BTreeSet<String> = raw_orgs
        .iter()
        .filter(|(kind, _)| *kind == OrgKind::Responder)
        .map(|(_, org)| org.name.get_ref().clone())
        .collect();
    let community_names: BTreeSet<String> = raw
        .community
        .iter()
        .map(|community| community.get_ref().name.get_ref().clone())
        .collect();
    let collection_aliases: BTreeSet<String> = raw
        .collection
        .iter()
        .map(|collection| collection.get_ref().alias.get_ref().clone())
        .collect();
    let account_names: BTreeSet<String> = accounts.keys().cloned().collect();

    for (kind, org) in raw_orgs {
        let behaviour = organisation_behaviour(
            c,
            kind,
            &org,
            &jurisdictions,
            &community_names,
            &collection_aliases,
        );
        if let Some(role) = &org.role {
            c.one_of("role", role, &["member", "org-admin"]);
        }
        if let Some(consent) = &org.consent {
            c.one_of("consent", consent, &["none", "government", "everyone"]);
        }
        organisations.push(Organisation {
            name: org.name.into_inner(),
            kind,
            accounts: org.accounts.into_iter().map(Spanned::into_inner).collect(),
            role: org.role.map_or_else(|| "member".to_owned(), Spanned::into_inner),
            consent: org.consent.map_or_else(|| "none".to_owned(), Spanned::into_inner),
            government: org.government,
            behaviour,
        });
    }

    let communities = communities(c, raw.community, &org_names);
    let collections = collections(c, raw.collection, &community_names, &account_names);

    let mut subscribers = Vec::new();
    let mut seen_subscribers = BTreeSet::new();
    for subscriber in raw.subscriber {
        let subscriber = subscriber.into_inner();
        c.known(
            "subscriber.account",
            &subscriber.account,
            &account_names,
            "account",
        );
        if !seen_subscribers.insert(subscriber.account.get_ref().clone()) {
            c.at(subscriber.account.span().start, "this account already subscribes");
        }
        if let Some(collection) = &subscriber.collection {
            c.known(
                "subscriber.collection",
                collection,
                &collection_aliases,
                "collection",
            );
        }
        subscribers.push(Subscriber {
            account: subscriber.account.into_inner(),
            collection: subscriber.collection.map(Spanned::into_inner),
        });
    }

    let mut routes = Vec::new();
    for route in raw.route {
        let at = route.span().start;
        let route = route.into_inner();
        if let Some(jurisdiction) = &route.jurisdiction {
            c.known("route.jurisdiction", jurisdiction, &jurisdictions, "jurisdiction");
        }
        if let Some(severity) = &route.severity {
            c.one_of("route.severity", severity, SEVERITIES);
        }
        if route.responders.is_empty() {
            c.at(at, "route.responders must name at least one responder");
        }
        for responder in &route.responders {
            c.known("route.responders", responder, &responders, "responder");
        }
        routes.push(Route {
            jurisdiction: route.jurisdiction.map(Spanned::into_inner),
            category: route.category,
            severity: route.severity.map(Spanned::into_inner),
            responders: route.responders.into_iter().map(Spanned::into_inner).collect(),
        });
    }

    let writers: BTreeMap<&str, BTreeSet<&str>> = collections
        .iter()
        .map(|collection| {
            (
                collection.alias.as_str(),
                collection.writers.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    if raw.inject.is_empty() {
        c.at(header_at, "the scenario has no [[inject]]");
    }
    if raw.inject.len() > MAX_INJECTS {
        c.at(header_at, format!("more than {MAX_INJECTS} injects"));
    }
    let mut injects = Vec::new();
    let mut inject_ids = BTreeSet::new();
    for inject in raw.inject {
        let line = c.line(inject.span().start);
        let inject = inject.into_inner();
        c.name("inject.id", &inject.id);
        if !inject_ids.insert(inject.id.get_ref().clone()) {
            c.at(
                inject.id.span().start,
                format!("inject id {:?} is used twice", inject.id.get_ref()),
            );
        }
        if let Some(inject) = one_inject(c, inject, line, &accounts, &writers) {
            injects.push(inject);
        }
    }
    injects.sort_by_key(|inject| inject.at_ms);

    let mut expectations = Vec::new();
    for expect in raw.expect {
        let at = expect.span().start;
        let line = c.line(at);
        let expect = expect.into_inner();
        if let Some(inject) = &expect.inject {
            c.known("expect.inject", inject, &inject_ids, "inject");
        }
        if let Some(jurisdiction) = &expect.jurisdiction {
            c.known(
                "expect.jurisdiction",
                jurisdiction,
                &jurisdictions,
                "jurisdiction",
            );
        }
        if let Some(by) = &expect.by {
            c.known("expect.by", by, &responders, "responder");
        }
        let expectation = Expectation {
            inject: expect.inject.map(Spanned::into_inner),
            jurisdiction: expect.jurisdiction.map(Spanned::into_inner),
            by: expect.by.map(Spanned::into_inner),
            acknowledge_within_ms: c
                .duration("expect.acknowledge_within", expect.acknowledge_within.as_ref()),
            share_within_ms: c.duration("expect.share_within", expect.share_within.as_ref()),
            resolve_within_ms: c.duration("expect.resolve_within", expect.resolve_within.as_ref()),
            deliver_within_ms: c.duration("expect.deliver_within", expect.deliver_within.as_ref()),
            line,
        };
        if expect.acknowledge_within.is_none()
            && expect.share_within.is_none()
            && expect.resolve_within.is_none()
            && expect.deliver_within.is_none()
        {
            c.at(
                at,
                "an [[expect]] needs acknowledge_within, share_within, resolve_within or deliver_within",
            );
        }
        expectations.push(expectation);
    }

    Scenario {
        name: header.name,
        description: header.description,
        speed,
        organisations,
        communities,
        collections,
        subscribers,
        routes,
        injects,
        expectations,
    }
}

fn organisation_behaviour(
    c: &mut Checker<'_>,
    kind: OrgKind,
    org: &RawOrg,
    jurisdictions: &BTreeSet<String>,
    communities: &BTreeSet<String>,
    collections: &BTreeSet<String>,
) -> Option<Behaviour> {
    let behaviour_fields = [
        ("acknowledge_after", org.acknowledge_after.as_ref()),
        ("triage_after", org.triage_after.as_ref()),
        ("share_after", org.share_after.as_ref()),
        ("resolve_after", org.resolve_after.as_ref()),
        ("outcome", org.outcome.as_ref()),
    ];
    if kind != OrgKind::Responder {
        for (field, value) in behaviour_fields {
            if let Some(value) = value {
                c.at(value.span().start, format!("{field} is for [[responder]] only"));
            }
        }
        if let Some(share) = &org.share {
            c.at(share.span().start, "share is for [[responder]] only");
        }
        return None;
    }
    let acknowledge_after_ms = c
        .duration("acknowledge_after", org.acknowledge_after.as_ref())
        .unwrap_or(0);
    let triage_after_ms = c.duration("triage_after", org.triage_after.as_ref());
    let share_after_ms = c.duration("share_after", org.share_after.as_ref());
    let resolve_after_ms = c.duration("resolve_after", org.resolve_after.as_ref());
    for (field, later) in [
        ("triage_after", triage_after_ms),
        ("share_after", share_after_ms),
        ("resolve_after", resolve_after_ms),
    ] {
        if later.is_some_and(|ms| ms < acknowledge_after_ms) {
            c.at(
                org.name.span().start,
                format!("{field} comes before acknowledge_after"),
            );
        }
    }
    if let Some(outcome) = &org.outcome {
        c.one_of("outcome", outcome, &["resolved", "false-alarm"]);
    }
    for jurisdiction in org.jurisdictions.iter().flatten() {
        c.known("jurisdictions", jurisdiction, jurisdictions, "jurisdiction");
    }
    let share = org.share.as_ref().map(|share| {
        let share = share.get_ref();
        for community in &share.communities {
            c.known("share.communities", community, communities, "community");
        }
        c.one_of("share.tlp", &share.tlp, TLP_LEVELS);
        c.known("share.collection", &share.collection, collections, "collection");
        ShareSpec {
            communities: share.communities.iter().map(|s| s.get_ref().clone()).collect(),
            tlp: share.tlp.get_ref().clone(),
            collection: share.collection.get_ref().clone(),
        }
    });
    if share_after_ms.is_some() && share.is_none() {
        c.at(
            org.name.span().start,
            "share_after needs share = { communities, tlp, collection }",
        );
    }
    Some(Behaviour {
        acknowledge_after_ms,
        triage_after_ms,
        share_after_ms,
        resolve_after_ms,
        outcome: org
            .outcome
            .as_ref()
            .map_or_else(|| "resolved".to_owned(), |o| o.get_ref().clone()),
        jurisdictions: org
            .jurisdictions
            .as_ref()
            .map(|list| list.iter().map(|s| s.get_ref().clone()).collect()),
        share,
    })
}

fn communities(
    c: &mut Checker<'_>,
    raw: Vec<Spanned<crate::raw::RawCommunity>>,
    orgs: &BTreeSet<String>,
) -> Vec<Community> {
    let mut out: Vec<Community> = Vec::new();
    for community in raw {
        let community = community.into_inner();
        c.name("community.name", &community.name);
        if out.iter().any(|seen| seen.name == *community.name.get_ref()) {
            c.at(community.name.span().start, "this community is declared twice");
        }
        // Parents first: the hub creates communities in file order.
        if let Some(parent) = &community.parent
            && !out.iter().any(|seen| seen.name == *parent.get_ref())
        {
            c.at(
                parent.span().start,
                format!(
                    "community.parent {:?} must be declared above its child",
                    parent.get_ref()
                ),
            );
        }
        for member in &community.members {
            c.known("community.members", member, orgs, "organisation");
        }
        out.push(Community {
            name: community.name.into_inner(),
            parent: community.parent.map(Spanned::into_inner),
            members: community.members.into_iter().map(Spanned::into_inner).collect(),
        });
    }
    out
}

fn collections(
    c: &mut Checker<'_>,
    raw: Vec<Spanned<crate::raw::RawCollection>>,
    communities: &BTreeSet<String>,
    accounts: &BTreeSet<String>,
) -> Vec<Collection> {
    let mut out: Vec<Collection> = Vec::new();
    for collection in raw {
        let collection = collection.into_inner();
        c.name("collection.alias", &collection.alias);
        if out.iter().any(|seen| seen.alias == *collection.alias.get_ref()) {
            c.at(
                collection.alias.span().start,
                "this collection alias is declared twice",
            );
        }
        for community in &collection.audience {
            c.known("collection.audience", community, communities, "community");
        }
        for account in collection.writers.iter().chain(&collection.readers) {
            c.known("collection.writers/readers", account, accounts, "account");
        }
        let alias = collection.alias.into_inner();
        out.push(Collection {
            title: collection.title.unwrap_or_else(|| alias.clone()),
            alias,
            audience: collection.audience.into_iter().map(Spanned::into_inner).collect(),
            writers: collection.writers.into_iter().map(Spanned::into_inner).collect(),
            readers: collection.readers.into_iter().map(Spanned::into_inner).collect(),
        });
    }
    out
}

fn required(c: &mut Checker<'_>, at: usize, field: &str, value: Option<String>) -> String {
    match value {
        Some(text) if !text.trim().is_empty() => text,
        _ => {
            c.at(at, format!("inject.{field} is required"));
            String::new()
        }
    }
}

fn one_inject(
    c: &mut Checker<'_>,
    raw: RawInject,
    line: usize,
    accounts: &BTreeMap<String, (String, OrgKind)>,
    writers: &BTreeMap<&str, BTreeSet<&str>>,
) -> Option<Inject> {
    let at_ms = c.duration("inject.at", Some(&raw.at));
    let from_at = raw.from.span().start;
    let org = match accounts.get(raw.from.get_ref()) {
        Some((org, kind)) => Some((org.clone(), *kind)),
        None => {
            c.at(
                from_at,
                format!(
                    "inject.from: no account named {:?} in this scenario",
                    raw.from.get_ref()
                ),
            );
            None
        }
    };
    let kind_at = raw.kind.span().start;
    let body = match raw.kind.get_ref().as_str() {
        "report" => {
            if let Some((_, kind)) = &org
                && *kind != OrgKind::Jurisdiction
            {
                c.at(from_at, "a report comes from an account of a [[jurisdiction]]");
            }
            let severity = match &raw.severity {
                Some(severity) => {
                    c.one_of("inject.severity", severity, SEVERITIES);
                    severity.get_ref().clone()
                }
                None => {
                    c.at(kind_at, "inject.severity is required for a report");
                    String::new()
                }
            };
            let mut observables = Vec::new();
            for observable in &raw.observables {
                let value = observable.get_ref();
                if !OBSERVABLE_TYPES.contains(&value.kind.as_str()) {
                    c.at(
                        observable.span().start,
                        format!(
                            "observable type {:?} is not one of {}",
                            value.kind,
                            OBSERVABLE_TYPES.join(", ")
                        ),
                    );
                }
                if value.value.trim().is_empty() {
                    c.at(observable.span().start, "observable value must not be empty");
                }
                observables.push((value.kind.clone(), value.value.clone()));
            }
            for system in &raw.systems {
                if !SYSTEMS.contains(&system.get_ref().as_str()) {
                    c.at(
                        system.span().start,
                        format!(
                            "system {:?} is not one of {}",
                            system.get_ref(),
                            SYSTEMS.join(", ")
                        ),
                    );
                }
            }
            if let Some(category) = &raw.category {
                let ok = !category.get_ref().is_empty()
                    && category.get_ref().len() <= 64
                    && category
                        .get_ref()
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
                if !ok {
                    c.at(
                        category.span().start,
                        "inject.category: 1 to 64 lowercase letters, digits or '-' (a taxonomy id; the drill adds ids the hub lacks)",
                    );
                }
            }
            for (field, present) in [
                ("collection", raw.collection.is_some()),
                ("pattern", raw.pattern.is_some()),
                ("tlp", raw.tlp.is_some()),
            ] {
                if present {
                    c.at(kind_at, format!("inject.{field} is for indicators, not reports"));
                }
            }
            InjectBody::Report(ReportSpec {
                title: required(c, kind_at, "title", raw.title),
                category: required(c, kind_at, "category", raw.category.map(Spanned::into_inner)),
                severity,
                description: required(c, kind_at, "description", raw.description),
                systems: raw.systems.into_iter().map(Spanned::into_inner).collect(),
                observables,
            })
        }
        "indicator" => {
            let collection = match &raw.collection {
                Some(collection) => {
                    let known = writers.get(collection.get_ref().as_str());
                    match known {
                        None => c.at(
                            collection.span().start,
                            format!(
                                "inject.collection: no collection {:?} in this scenario",
                                collection.get_ref()
                            ),
                        ),
                        Some(writers) if !writers.contains(raw.from.get_ref().as_str()) => c.at(
                            from_at,
                            format!(
                                "inject.from {:?} is not among the writers of collection {:?}",
                                raw.from.get_ref(),
                                collection.get_ref()
                            ),
                        ),
                        Some(_) => {}
                    }
                    collection.get_ref().clone()
                }
                None => {
                    c.at(kind_at, "inject.collection is required for an indicator");
                    String::new()
                }
            };
            let pattern = match &raw.pattern {
                Some(pattern) => {
                    // The error's offset is within the pattern; +1 skips the opening quote.
                    for err in stix_pattern::check(pattern.get_ref()) {
                        c.at(
                            pattern.span().start + 1 + err.span.start,
                            format!("inject.pattern: {}", err.message),
                        );
                    }
                    pattern.get_ref().clone()
                }
                None => {
                    c.at(kind_at, "inject.pattern is required for an indicator");
                    String::new()
                }
            };
            let tlp = match &raw.tlp {
                Some(tlp) => {
                    c.one_of("inject.tlp", tlp, TLP_LEVELS);
                    tlp.get_ref().clone()
                }
                None => "amber".to_owned(),
            };
            InjectBody::Indicator(IndicatorSpec {
                collection,
                pattern,
                name: raw.name.unwrap_or_else(|| raw.id.get_ref().clone()),
                tlp,
            })
        }
        other => {
            c.at(
                kind_at,
                format!("inject.kind {other:?} is not one of report, indicator"),
            );
            return None;
        }
    };
    Some(Inject {
        id: raw.id.into_inner(),
        at_ms: at_ms?,
        from: raw.from.into_inner(),
        org: org?.0,
        body,
        line,
    })
}
