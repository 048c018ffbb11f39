//! E-mail destinations (issue 13, "E-mail for people without a SIEM"): an account's subscription may mail
//! its events to an address, one mail per event (`each`) or one digest per interval (`digest`).
//!
//! An e-mail destination is a push endpoint like a webhook (same store rows, lease, position, retries, dead
//! letters and replay; `webhook_worker`) whose destination is `mailto:ADDRESS?subscription=ID[&digest=SECS]`.
//! Its filter is its subscription's, read at every round, so changing or removing the subscription takes
//! effect at once (removing it removes its destinations).
//!
//! Rules: an account manages its own destinations, a hub admin anyone's; others' and unknown ids answer
//! `NotFound` alike. Every mailed event is what `Hub::read_events` releases to the owner at that attempt (the
//! same gate as a TAXII read, anonymity included; thin for RED/AMBER+STRICT when the subscription asks), and
//! the mail text is built from that released JSON only (`mail::text`), so a mail never says more than the
//! gate let through. SMTP is the server's (`MailSender`); a 4xx is retried, a 5xx is a dead letter.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use mail::text::Item;
use mail::{Address, Message, SendError};
use serde_json::Value;
use store::{WebhookEndpoint, WebhookSecret};
use webhook::Outcome;

use crate::event_read::DeliveredEvent;
use crate::webhook_worker::{Channel, Plan, WebhookDeliveryConfig};
use crate::{Caller, Hub, HubError, HubResult};

/// The most e-mail destinations one account may have.
const MAX_EMAILS_PER_ACCOUNT: usize = 100;
/// The shortest and longest digest interval.
pub const DIGEST_RANGE: (Duration, Duration) = (Duration::from_secs(1), Duration::from_secs(7 * 24 * 3600));

/// The SMTP side of delivery, implemented by the server (the hub holds no socket).
#[async_trait]
pub trait MailSender: Send + Sync + std::fmt::Debug {
    /// The configured sender (`From:` and envelope).
    fn sender(&self) -> &Address;
    /// Hands one RFC 5322 message for `to` to the relay.
    async fn send(&self, to: &Address, message: &[u8]) -> Result<(), SendError>;
}

/// True for an endpoint destination that is an e-mail address.
pub(crate) fn is_mail_destination(url: &str) -> bool {
    url.starts_with("mailto:")
}

/// An e-mail destination as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailDestination {
    /// Its id.
    pub id: String,
    /// The owning account.
    pub account: String,
    /// The subscription whose events it mails.
    pub subscription: String,
    /// The recipient.
    pub address: String,
    /// One digest per this interval (`None`: one mail per event).
    pub digest: Option<Duration>,
    /// Delivering or not.
    pub enabled: bool,
    /// Why disabled.
    pub disabled_reason: Option<String>,
    /// The last event position handed to delivery.
    pub position: u64,
    /// Events mailed over its life.
    pub delivered: u64,
    /// Failed attempts over its life.
    pub failed_attempts: u64,
    /// Events waiting for a retry.
    pub pending: u64,
    /// Dead letters.
    pub dead: u64,
    /// When created, µs since the epoch.
    pub created_micros: i64,
}

/// The parts of a `mailto:` destination.
struct Destination {
    address: Address,
    subscription: String,
    digest: Option<Duration>,
}

impl Destination {
    fn to_uri(&self) -> String {
        let mut uri = format!("mailto:{}?subscription={}", self.address, self.subscription);
        if let Some(digest) = self.digest {
            uri.push_str(&format!("&digest={}", digest.as_secs()));
        }
        uri
    }

    /// Reads what `to_uri` wrote (the store's text is the hub's own).
    fn parse(uri: &str) -> Option<Destination> {
        let (address, query) = uri.strip_prefix("mailto:")?.split_once('?')?;
        let mut subscription = None;
        let mut digest = None;
        for pair in query.split('&') {
            match pair.split_once('=')? {
                ("subscription", id) => subscription = Some(id.to_owned()),
                ("digest", secs) => digest = Some(Duration::from_secs(secs.parse().ok()?)),
                _ => {}
            }
        }
        Some(Destination {
            address: Address::parse(address).ok()?,
            subscription: subscription?,
            digest,
        })
    }
}

impl EmailDestination {
    fn from_endpoint(endpoint: WebhookEndpoint) -> Option<EmailDestination> {
        let destination = Destination::parse(&endpoint.url)?;
        Some(EmailDestination {
            id: endpoint.id,
            account: endpoint.account,
            subscription: destination.subscription,
            address: destination.address.to_string(),
            digest: destination.digest,
            enabled: endpoint.enabled,
            disabled_reason: endpoint.disabled_reason,
            position: endpoint.position,
            delivered: endpoint.delivered,
            failed_attempts: endpoint.failed_attempts,
            pending: endpoint.pending,
            dead: endpoint.dead,
            created_micros: endpoint.created_micros,
        })
    }
}

impl Hub {
    /// Adds an e-mail destination to one of `actor`'s subscriptions (hub admins: anyone's): `address` gets
    /// the subscription's events committed from now on, one mail each or one `digest` per interval.
    pub async fn create_email(
        &self,
        actor: &Caller,
        subscription: &str,
        address: &str,
        digest: Option<Duration>,
    ) -> HubResult<EmailDestination> {
        let subscription = self.subscription(actor, subscription).await?;
        let address =
            Address::parse(address).map_err(|err| HubError::BadRequest(format!("address: {err}")))?;
        if let Some(interval) = digest
            && (interval < DIGEST_RANGE.0 || interval > DIGEST_RANGE.1)
        {
            return Err(HubError::BadRequest(
                "digest: between 1 second and 7 days".to_owned(),
            ));
        }
        let existing = self.store.webhooks(Some(&subscription.account)).await?;
        if existing.iter().filter(|e| is_mail_destination(&e.url)).count() >= MAX_EMAILS_PER_ACCOUNT {
            return Err(HubError::Conflict(format!(
                "an account has at most {MAX_EMAILS_PER_ACCOUNT} e-mail destinations"
            )));
        }
        let destination = Destination {
            address,
            subscription: subscription.id.clone(),
            digest: digest.map(|d| Duration::from_secs(d.as_secs())),
        };
        let endpoint = WebhookEndpoint {
            id: uuid::Uuid::new_v4().to_string(),
            account: subscription.account.clone(),
            url: destination.to_uri(),
            // Mail is not signed; the row's secret list stays empty.
            secrets: Vec::<WebhookSecret>::new(),
            collections: Vec::new(),
            types: Vec::new(),
            enabled: true,
            disabled_reason: None,
            position: self.store.event_bounds().await?.latest,
            created_micros: crate::now_micros(),
            delivered: 0,
            failed_attempts: 0,
            pending: 0,
            dead: 0,
        };
        self.store.create_webhook(endpoint.clone()).await?;
        let details = serde_json::json!({
            "email": endpoint.id, "account": endpoint.account, "subscription": subscription.id,
        });
        self.audit(&actor.account, "email.create", 0, details).await?;
        EmailDestination::from_endpoint(endpoint)
            .ok_or_else(|| HubError::Internal("an e-mail destination does not read back".to_owned()))
    }

    /// The e-mail destinations of `account` (`None`: the actor's own; hub admins may name anyone, or `"*"`).
    pub async fn emails(&self, actor: &Caller, account: Option<&str>) -> HubResult<Vec<EmailDestination>> {
        let wanted = match account {
            None => Some(actor.account.as_str()),
            Some(name) if name == actor.account => Some(name),
            Some(_) if !actor.is_admin => return Err(HubError::Forbidden),
            Some("*") => None,
            Some(name) => Some(name),
        };
        Ok(self
            .store
            .webhooks(wanted)
            .await?
            .into_iter()
            .filter_map(EmailDestination::from_endpoint)
            .collect())
    }

    /// One e-mail destination the actor owns (hub admins: any); others' and unknown ids are `NotFound`.
    pub async fn email(&self, actor: &Caller, id: &str) -> HubResult<EmailDestination> {
        let endpoint = self.owned_endpoint(actor, id).await?;
        EmailDestination::from_endpoint(endpoint).ok_or(HubError::NotFound)
    }

    /// Removes an e-mail destination with its pending deliveries and dead letters.
    pub async fn delete_email(&self, actor: &Caller, id: &str) -> HubResult<()> {
        let endpoint = self.owned_endpoint(actor, id).await?;
        if !is_mail_destination(&endpoint.url) || !self.store.delete_webhook(&endpoint.id).await? {
            return Err(HubError::NotFound);
        }
        let details = serde_json::json!({"email": endpoint.id, "account": endpoint.account});
        self.audit(&actor.account, "email.delete", 0, details).await
    }

    /// Removes the e-mail destinations of a subscription that is being removed.
    pub(crate) async fn delete_subscription_emails(
        &self,
        account: &str,
        subscription: &str,
    ) -> HubResult<()> {
        for endpoint in self.store.webhooks(Some(account)).await? {
            let of_it = Destination::parse(&endpoint.url).is_some_and(|d| d.subscription == subscription);
            if of_it {
                self.store.delete_webhook(&endpoint.id).await?;
            }
        }
        Ok(())
    }

    /// Mails subscriptions' events until the process ends (see `webhook_worker`); `web_url` is the hub's
    /// address as people reach it (links in mails).
    pub async fn run_mail_deliveries(
        self: Arc<Hub>,
        mailer: Arc<dyn MailSender>,
        web_url: String,
        config: WebhookDeliveryConfig,
    ) {
        let web_url = web_url.trim_end_matches('/').to_owned();
        self.run_deliveries(Arc::new(MailChannel { mailer, web_url }), config)
            .await;
    }
}

/// E-mail as a delivery channel.
#[derive(Debug)]
struct MailChannel {
    mailer: Arc<dyn MailSender>,
    web_url: String,
}

fn tlp_name(object: &Value) -> Option<String> {
    let refs = object["object_marking_refs"].as_array()?;
    let level = crate::search::tlp_of_markings(refs.iter().filter_map(Value::as_str))?;
    Some(
        match level {
            stix::markings::TlpLevel::Clear => "CLEAR",
            stix::markings::TlpLevel::Green => "GREEN",
            stix::markings::TlpLevel::Amber => "AMBER",
            stix::markings::TlpLevel::AmberStrict => "AMBER+STRICT",
            stix::markings::TlpLevel::Red => "RED",
        }
        .to_owned(),
    )
}

impl MailChannel {
    /// The mail item of one released event (its JSON is all it reads).
    async fn item(&self, hub: &Hub, event: &DeliveredEvent) -> Item {
        let data: Value = serde_json::from_str(&event.json).unwrap_or(Value::Null);
        let collection_id = data["collection"].as_str().unwrap_or_default();
        let collection = match collection_id {
            "" => None,
            id => hub.store.find_collection(id).await.ok().flatten(),
        };
        let title = collection
            .as_ref()
            .map_or_else(|| collection_id.to_owned(), |c| c.title.clone());
        let object = &data["object"];
        let (thin, served) = if object.is_object() {
            (false, object)
        } else {
            (data["kind"] == "object-added", &data)
        };
        let id = served["id"].as_str().map(str::to_owned);
        let link = match (&collection, &id, event.kind.as_str()) {
            (Some(c), Some(id), "object-added") => Some(format!(
                "{}/ui/c/{}/{}/objects/{id}/",
                self.web_url,
                c.api_root,
                c.id.as_str()
            )),
            _ => Some(format!("{}/ui/alerts", self.web_url)),
        };
        Item {
            kind: event.kind.clone(),
            collection: title,
            object_type: served["type"].as_str().map(str::to_owned),
            id,
            name: (!thin)
                .then(|| served["name"].as_str().or(served["value"].as_str()))
                .flatten()
                .map(str::to_owned),
            tlp: if thin { None } else { tlp_name(served) },
            link,
            thin,
        }
    }
}

#[async_trait]
impl Channel for MailChannel {
    fn handles(&self, endpoint: &WebhookEndpoint) -> bool {
        is_mail_destination(&endpoint.url)
    }

    async fn plan(&self, hub: &Hub, endpoint: &WebhookEndpoint) -> HubResult<Option<Plan>> {
        let Some(destination) = Destination::parse(&endpoint.url) else {
            return Ok(None);
        };
        let subscription = hub
            .store
            .subscriptions(Some(endpoint.account.clone()))
            .await?
            .into_iter()
            .find(|s| s.id == destination.subscription);
        let Some(subscription) = subscription else {
            return Ok(None);
        };
        let filter = events::Filter::from_json(&subscription.filter)
            .map_err(|err| HubError::Internal(format!("stored subscription {}: {err}", subscription.id)))?;
        Ok(Some(Plan {
            filter,
            digest: destination.digest,
            label: format!("the stixhub subscription \"{}\"", subscription.name),
        }))
    }

    async fn send(
        &self,
        hub: &Hub,
        endpoint: &WebhookEndpoint,
        plan: &Plan,
        events: &[DeliveredEvent],
        more: u64,
    ) -> Outcome {
        let Some(destination) = Destination::parse(&endpoint.url) else {
            return Outcome::Rejected("not an e-mail destination".to_owned());
        };
        let mut items = Vec::with_capacity(events.len());
        for event in events {
            items.push(self.item(hub, event).await);
        }
        let (first, last) = match (events.first(), events.last()) {
            (Some(first), Some(last)) => (first.seq, last.seq),
            _ => return Outcome::Delivered,
        };
        let ((subject, body), id) = match (plan.digest, items.as_slice()) {
            (None, [item]) => (
                mail::text::each(item, &plan.label),
                format!("{first}.{}", endpoint.id),
            ),
            _ => {
                let more_link = format!("{}/ui/alerts", self.web_url);
                let text = mail::text::digest(&items, more, &more_link, &plan.label);
                (text, format!("{first}-{last}.{}", endpoint.id))
            }
        };
        let message = Message {
            from: self.mailer.sender().clone(),
            to: destination.address.clone(),
            subject,
            body,
            id,
            date_secs: crate::now_micros() / 1_000_000,
        };
        match self.mailer.send(&destination.address, &message.to_bytes()).await {
            Ok(()) => Outcome::Delivered,
            Err(SendError::Transient(reason)) => Outcome::Failed(reason),
            Err(SendError::Permanent(reason)) => Outcome::Rejected(reason),
        }
    }
}
