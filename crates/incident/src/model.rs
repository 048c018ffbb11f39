//! The vocabulary of a report: severities, statuses, affected systems, observables, and the validated report.
//!
//! Every enum has one text form (kebab-case), used in JSON, the CLI, the web form and the store alike.

use serde::{Deserialize, Serialize};

/// How bad the reporter thinks it is; it selects the timers and routing rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

impl Severity {
    /// Every severity, lowest first.
    pub const ALL: [Severity; 4] = [
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// The text form.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// The severity named `text`.
    pub fn parse(text: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// Where a case is in its life (see `case` for the allowed transitions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Reported, nobody has acknowledged it yet.
    New,
    /// A responder has seen it.
    Acknowledged,
    /// Being worked on (triaged).
    InProgress,
    /// Done.
    Resolved,
    /// Not an incident after all.
    FalseAlarm,
}

impl Status {
    /// Every status, in life order.
    pub const ALL: [Status; 5] = [
        Status::New,
        Status::Acknowledged,
        Status::InProgress,
        Status::Resolved,
        Status::FalseAlarm,
    ];

    /// The text form.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Acknowledged => "acknowledged",
            Status::InProgress => "in-progress",
            Status::Resolved => "resolved",
            Status::FalseAlarm => "false-alarm",
        }
    }

    /// The status named `text`.
    pub fn parse(text: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether nothing more happens to the case.
    pub fn is_closed(self) -> bool {
        matches!(self, Status::Resolved | Status::FalseAlarm)
    }
}

/// An election system a report can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum System {
    /// Voter registration.
    VoterRegistration,
    /// Electronic poll books.
    EPollbook,
    /// Tabulation.
    Tabulation,
    /// The results website.
    ResultsWebsite,
    /// E-mail.
    Email,
    /// Social media.
    SocialMedia,
    /// Physical security (offices, sites, equipment).
    Physical,
}

impl System {
    /// Every system.
    pub const ALL: [System; 7] = [
        System::VoterRegistration,
        System::EPollbook,
        System::Tabulation,
        System::ResultsWebsite,
        System::Email,
        System::SocialMedia,
        System::Physical,
    ];

    /// The text form.
    pub fn as_str(self) -> &'static str {
        match self {
            System::VoterRegistration => "voter-registration",
            System::EPollbook => "e-pollbook",
            System::Tabulation => "tabulation",
            System::ResultsWebsite => "results-website",
            System::Email => "email",
            System::SocialMedia => "social-media",
            System::Physical => "physical",
        }
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            System::VoterRegistration => "Voter registration",
            System::EPollbook => "E-pollbook",
            System::Tabulation => "Tabulation",
            System::ResultsWebsite => "Results website",
            System::Email => "E-mail",
            System::SocialMedia => "Social media",
            System::Physical => "Physical",
        }
    }

    /// The system named `text`.
    pub fn parse(text: &str) -> Option<System> {
        System::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// The kind of an observable in a report (a STIX SCO type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ObservableKind {
    /// An IPv4 address or CIDR.
    Ipv4Addr,
    /// An IPv6 address or CIDR.
    Ipv6Addr,
    /// A domain name.
    DomainName,
    /// A URL.
    Url,
    /// An e-mail address (a sender).
    EmailAddr,
    /// A file, by hash.
    File,
}

impl ObservableKind {
    /// Every kind.
    pub const ALL: [ObservableKind; 6] = [
        ObservableKind::Ipv4Addr,
        ObservableKind::Ipv6Addr,
        ObservableKind::DomainName,
        ObservableKind::Url,
        ObservableKind::EmailAddr,
        ObservableKind::File,
    ];

    /// The STIX type name.
    pub fn as_str(self) -> &'static str {
        match self {
            ObservableKind::Ipv4Addr => "ipv4-addr",
            ObservableKind::Ipv6Addr => "ipv6-addr",
            ObservableKind::DomainName => "domain-name",
            ObservableKind::Url => "url",
            ObservableKind::EmailAddr => "email-addr",
            ObservableKind::File => "file",
        }
    }

    /// The kind named `text`.
    pub fn parse(text: &str) -> Option<ObservableKind> {
        ObservableKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// One observable of a report. For a file, `value` is a hash and `hash` its algorithm (STIX hash names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observable {
    /// The SCO type.
    #[serde(rename = "type")]
    pub kind: ObservableKind,
    /// The value (normalised: trimmed; domains and hashes lowercased).
    pub value: String,
    /// The hash algorithm of a file (`MD5`, `SHA-1`, `SHA-256`, `SHA-512`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
}

impl Observable {
    /// The STIX pattern that matches this observable (values quoted for a pattern string literal).
    pub fn pattern(&self) -> String {
        let quoted = self.value.replace('\\', "\\\\").replace('\'', "\\'");
        match self.kind {
            ObservableKind::File => {
                let algorithm = self.hash.as_deref().unwrap_or("SHA-256");
                format!("[file:hashes.'{algorithm}' = '{quoted}']")
            }
            kind => format!("[{}:value = '{quoted}']", kind.as_str()),
        }
    }
}

/// A report that passed validation; the hub turns it into a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// What happened, in a line.
    pub title: String,
    /// A category id of the taxonomy.
    pub category: String,
    /// The severity.
    pub severity: Severity,
    /// Free text (the hub PII-redacts it before storing).
    pub description: String,
    /// The jurisdiction (an organisation name); `None`: the caller's organisation.
    pub jurisdiction: Option<String>,
    /// The systems involved.
    pub systems: Vec<System>,
    /// When it happened, µs since the epoch.
    pub occurred_micros: Option<i64>,
    /// Observables (IPs, domains, URLs, senders, hashes).
    pub observables: Vec<Observable>,
    /// A drill's case (marked EXERCISE everywhere).
    pub exercise: bool,
}

/// One problem of a submitted report, naming its field (`observables[2].value`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The field, as a JSON path without the leading `$.`.
    pub field: String,
    /// What is wrong, for people.
    pub message: String,
}

impl FieldError {
    /// A problem of `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}
