//! Feeds out (issue 17, docs/federation.md): a subscription's events pushed as objects to another TAXII
//! server's collection, by the one push worker (`webhook_worker`) as a third channel beside webhooks and
//! e-mail — so leases, retries on the webhook schedule, dead letters and replay are the same.
//!
//! A push is a store endpoint whose destination is `taxii-push:{subscription}`; its target (collection URL,
//! sealed credential, TLS files) is a record `push/{endpoint}` in namespace `feed`.
//!
//! Invariants:
//! - Each object is released to the subscription's owner at delivery time (`Hub::read_events`), and pushed as
//!   served to that owner: nothing an owner may not read leaves, and anonymity holds.
//! - An answer the target will repeat (a 4xx, an object refused in the status) is a dead letter at once; a
//!   transient one (connection, timeout, 5xx, 429) is retried per schedule.

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use store::{RecordWrite, WebhookEndpoint, WebhookSecret};
use webhook::Outcome;

use crate::event_read::DeliveredEvent;
use crate::feeds::{FeedCredential, FeedSource, NS, Upstream, json};
use crate::webhook_worker::{Channel, Plan};
use crate::{Caller, Hub, HubError, HubResult, WebhookDeliveryConfig};

const SCHEME: &str = "taxii-push:";
/// The most pushes an account keeps.
const MAX_PUSHES_PER_ACCOUNT: usize = 50;

/// What a push to a TAXII collection answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushFailure {
    /// Worth retrying (connection, timeout, 5xx, 429).
    Transient(String),
    /// Will fail again (a 4xx, an object refused).
    Permanent(String),
}

/// A push destination as its owner sees it (never the credential).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaxiiPush {
    /// The endpoint id (for `dead-letters`, `replay`, `enable`, `disable`).
    pub id: String,
    /// The owning account.
    pub account: String,
    /// The subscription whose events are pushed.
    pub subscription: String,
    /// The target collection URL.
    pub url: String,
    /// Enabled.
    pub enabled: bool,
    /// Events pushed.
    pub delivered: u64,
    /// Failed attempts.
    pub failed_attempts: u64,
    /// Waiting for a retry.
    pub pending: u64,
    /// Dead letters.
    pub dead: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct PushTarget {
    url: String,
    auth_kind: String,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    sealed_secret: Option<String>,
    #[serde(default)]
    ca_file: Option<String>,
    #[serde(default)]
    client_certificate: Option<(String, String)>,
}

pub(crate) fn is_push_destination(url: &str) -> bool {
    url.starts_with(SCHEME)
}

fn push_key(id: &str) -> String {
    format!("push/{id}")
}

impl Hub {
    /// Pushes the events of `subscription` (any account's; hub admins only) from now on to the TAXII
    /// collection at `url`; returns the push.
    pub async fn create_push(
        &self,
        actor: &Caller,
        subscription: &str,
        url: &str,
        credential: FeedCredential,
        ca_file: Option<String>,
        client_certificate: Option<(String, String)>,
    ) -> HubResult<TaxiiPush> {
        // The hub connects wherever a push points (no SSRF guard as for webhooks): hub admins only.
        self.authorize(actor, crate::delegation::AdminAction::HubAdministration)
            .await?;
        let subscription = self.subscription(actor, subscription).await?;
        if !(url.starts_with("http://") || url.starts_with("https://"))
            || url.contains('@')
            || url.len() > 2048
        {
            return Err(HubError::BadRequest(
                "url: an http:// or https:// collection URL".to_owned(),
            ));
        }
        let existing = self.store.webhooks(Some(&subscription.account)).await?;
        if existing.iter().filter(|e| is_push_destination(&e.url)).count() >= MAX_PUSHES_PER_ACCOUNT {
            return Err(HubError::Conflict(format!(
                "an account has at most {MAX_PUSHES_PER_ACCOUNT} pushes"
            )));
        }
        let (auth_kind, user, sealed_secret) = self.seal_credential(&credential).await?;
        let endpoint = WebhookEndpoint {
            id: uuid::Uuid::new_v4().to_string(),
            account: subscription.account.clone(),
            url: format!("{SCHEME}{}", subscription.id),
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
        let target = PushTarget {
            url: url.to_owned(),
            auth_kind,
            user,
            sealed_secret,
            ca_file,
            client_certificate,
        };
        // The target first: an endpoint is never delivered without one.
        self.store
            .write_records(
                vec![RecordWrite::put(NS, push_key(&endpoint.id), json(&target)?)],
                crate::now_micros(),
            )
            .await?;
        self.store.create_webhook(endpoint.clone()).await?;
        let details = serde_json::json!({"push": endpoint.id, "account": endpoint.account, "subscription": subscription.id});
        self.audit(&actor.account, "push.create", 0, details).await?;
        Ok(view(&endpoint, &target))
    }

    /// The actor's pushes (hub admins: everyone's).
    pub async fn pushes(&self, actor: &Caller) -> HubResult<Vec<TaxiiPush>> {
        let owner = (!actor.is_admin).then_some(actor.account.as_str());
        let mut pushes = Vec::new();
        for endpoint in self.store.webhooks(owner).await? {
            if !is_push_destination(&endpoint.url) {
                continue;
            }
            if let Some(target) = self.push_target(&endpoint.id).await? {
                pushes.push(view(&endpoint, &target));
            }
        }
        Ok(pushes)
    }

    /// Removes a push with its pending deliveries and dead letters.
    pub async fn delete_push(&self, actor: &Caller, id: &str) -> HubResult<()> {
        let endpoint = self.owned_endpoint(actor, id).await?;
        if !is_push_destination(&endpoint.url) || !self.store.delete_webhook(&endpoint.id).await? {
            return Err(HubError::NotFound);
        }
        self.store
            .write_records(vec![RecordWrite::delete(NS, push_key(id))], crate::now_micros())
            .await?;
        let details = serde_json::json!({"push": endpoint.id, "account": endpoint.account});
        self.audit(&actor.account, "push.delete", 0, details).await
    }

    /// Pushes subscriptions' events to TAXII collections until the process ends (see `webhook_worker`).
    pub async fn run_push_deliveries(
        self: Arc<Hub>,
        source: Arc<dyn FeedSource>,
        config: WebhookDeliveryConfig,
    ) {
        self.run_deliveries(Arc::new(PushChannel { source }), config)
            .await;
    }

    async fn push_target(&self, id: &str) -> HubResult<Option<PushTarget>> {
        match self.store.record(NS, &push_key(id)).await? {
            Some(record) => Ok(serde_json::from_str(&record.body).ok()),
            None => Ok(None),
        }
    }

    async fn push_upstream(&self, target: &PushTarget) -> HubResult<Upstream> {
        Ok(Upstream {
            url: target.url.clone(),
            credential: self
                .open_credential(
                    &target.auth_kind,
                    target.user.as_deref(),
                    target.sealed_secret.as_deref(),
                )
                .await?,
            ca_file: target.ca_file.clone(),
            client_certificate: target.client_certificate.clone(),
        })
    }
}

fn view(endpoint: &WebhookEndpoint, target: &PushTarget) -> TaxiiPush {
    TaxiiPush {
        id: endpoint.id.clone(),
        account: endpoint.account.clone(),
        subscription: endpoint.url.strip_prefix(SCHEME).unwrap_or_default().to_owned(),
        url: target.url.clone(),
        enabled: endpoint.enabled,
        delivered: endpoint.delivered,
        failed_attempts: endpoint.failed_attempts,
        pending: endpoint.pending,
        dead: endpoint.dead,
    }
}

/// TAXII pushes as a delivery channel: one `POST objects/` per event.
#[derive(Debug)]
struct PushChannel {
    source: Arc<dyn FeedSource>,
}

#[derive(Deserialize)]
struct EventWire<'a> {
    #[serde(borrow, default)]
    object: Option<&'a serde_json::value::RawValue>,
}

#[async_trait]
impl Channel for PushChannel {
    fn handles(&self, endpoint: &WebhookEndpoint) -> bool {
        is_push_destination(&endpoint.url)
    }

    async fn plan(&self, hub: &Hub, endpoint: &WebhookEndpoint) -> HubResult<Option<Plan>> {
        let Some(subscription_id) = endpoint.url.strip_prefix(SCHEME) else {
            return Ok(None);
        };
        let subscription = hub
            .store
            .subscriptions(Some(endpoint.account.clone()))
            .await?
            .into_iter()
            .find(|s| s.id == subscription_id);
        let Some(subscription) = subscription else {
            return Ok(None);
        };
        let filter = events::Filter::from_json(&subscription.filter)
            .map_err(|err| HubError::Internal(format!("stored subscription {}: {err}", subscription.id)))?;
        Ok(Some(Plan {
            filter,
            digest: None,
            label: format!("the stixhub subscription \"{}\"", subscription.name),
        }))
    }

    async fn send(
        &self,
        hub: &Hub,
        endpoint: &WebhookEndpoint,
        _plan: &Plan,
        events: &[DeliveredEvent],
        _more: u64,
    ) -> Outcome {
        let target = match hub.push_target(&endpoint.id).await {
            Ok(Some(target)) => target,
            Ok(None) => return Outcome::Rejected("the push has no target".to_owned()),
            Err(err) => return Outcome::Failed(err.to_string()),
        };
        let upstream = match hub.push_upstream(&target).await {
            Ok(upstream) => upstream,
            Err(err) => return Outcome::Rejected(err.to_string()),
        };
        let mut objects = Vec::with_capacity(events.len());
        for event in events {
            // Deletions and other non-object events have no TAXII form to push: they are passed over.
            if event.kind != "object-added" {
                continue;
            }
            match serde_json::from_str::<EventWire<'_>>(&event.json) {
                Ok(EventWire { object: Some(object) }) => objects.push(object.get().to_owned()),
                _ => {
                    return Outcome::Rejected(
                        "the event was delivered thin (the owner may not receive the object)".to_owned(),
                    );
                }
            }
        }
        if objects.is_empty() {
            return Outcome::Delivered;
        }
        let envelope = format!("{{\"objects\":[{}]}}", objects.join(","));
        match self.source.push(&upstream, envelope.into_bytes()).await {
            Ok(()) => Outcome::Delivered,
            Err(PushFailure::Transient(reason)) => Outcome::Failed(reason),
            Err(PushFailure::Permanent(reason)) => Outcome::Rejected(reason),
        }
    }
}
