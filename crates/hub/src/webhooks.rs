//! Webhook endpoints (issue 13): creating, listing, removing, rotating secrets, dead letters and replay, and
//! the webhook `Channel` of the delivery worker (`webhook_worker`: leases, retries, the gate).
//!
//! The store keeps push endpoints of every channel in one table; an endpoint whose destination is a
//! `mailto:` URI is an e-mail destination (`email`), every other one a webhook. The dead-letter, replay and
//! enable operations below serve both (the id says which).
//!
//! Rules: an account manages its own webhooks; a hub admin manages anyone's; anyone else's and unknown ids
//! answer `NotFound` alike. The filter is checked like a subscription's (every named collection must be one
//! the owner may read now); delivery re-checks everything per event at delivery time. A target URL is read
//! strictly here (`webhook::Target`); whether its addresses may be contacted is the sender's check
//! (`WebhookSender::check_target`), made by the HTTP API before creating and by every delivery attempt.
//! A secret is shown once, when created or rotated, and never listed.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use events::Filter;
use store::{WebhookEndpoint, WebhookSecret};
use webhook::{Answer, Outcome, Secret, Target};

use crate::email::is_mail_destination;

/// True for an endpoint that is a webhook (the others are e-mail destinations and TAXII pushes, issue 17).
pub(crate) fn is_webhook_url(url: &str) -> bool {
    url.starts_with("http://") || url.starts_with("https://")
}
use crate::event_read::DeliveredEvent;
use crate::webhook_worker::{Channel, Plan, WebhookDeliveryConfig};
use crate::{Caller, Hub, HubError, HubResult};

/// How long the previous secret keeps signing after a rotation unless configured.
pub const DEFAULT_ROTATION_GRACE: Duration = Duration::from_secs(24 * 3600);

/// The most webhooks one account may have.
const MAX_WEBHOOKS_PER_ACCOUNT: usize = 100;

/// The HTTP side of delivery, implemented by the server (the hub holds no HTTP client).
#[async_trait]
pub trait WebhookSender: Send + Sync + std::fmt::Debug {
    /// Resolves `url`'s host and checks every address against the SSRF guard; the reason when refused.
    async fn check_target(&self, url: &str) -> Result<(), String>;
    /// POSTs `body` with `headers` to `url` (no redirects followed, bounded in time).
    async fn post(&self, url: &str, headers: &[(&'static str, String)], body: &[u8]) -> Answer;
}

/// A webhook as its owner sees it (never with its secrets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    /// Its id.
    pub id: String,
    /// The owning account.
    pub account: String,
    /// The target URL.
    pub url: String,
    /// Collection ids it is limited to (empty: all the owner may read).
    pub collections: Vec<String>,
    /// STIX types it is limited to (empty: all).
    pub types: Vec<String>,
    /// Delivering or not.
    pub enabled: bool,
    /// Why disabled.
    pub disabled_reason: Option<String>,
    /// The last event position handed to delivery.
    pub position: u64,
    /// Events delivered over its life.
    pub delivered: u64,
    /// Failed attempts over its life.
    pub failed_attempts: u64,
    /// Deliveries waiting for a retry.
    pub pending: u64,
    /// Dead letters.
    pub dead: u64,
    /// Signing secrets in use (2 during a rotation's grace period).
    pub live_secrets: usize,
    /// When created, µs since the epoch.
    pub created_micros: i64,
}

impl Webhook {
    fn from_endpoint(endpoint: WebhookEndpoint, now: i64) -> Webhook {
        Webhook {
            live_secrets: live_secrets(&endpoint.secrets, now).len(),
            id: endpoint.id,
            account: endpoint.account,
            url: endpoint.url,
            collections: endpoint
                .collections
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
            types: endpoint.types,
            enabled: endpoint.enabled,
            disabled_reason: endpoint.disabled_reason,
            position: endpoint.position,
            delivered: endpoint.delivered,
            failed_attempts: endpoint.failed_attempts,
            pending: endpoint.pending,
            dead: endpoint.dead,
            created_micros: endpoint.created_micros,
        }
    }

    /// The event filter its deliveries use.
    pub fn filter(&self) -> Filter {
        Filter {
            collections: self.collections.clone(),
            types: self.types.clone(),
            ..Filter::default()
        }
    }
}

/// What `create_webhook` needs.
#[derive(Debug, Clone, Default)]
pub struct NewWebhook {
    /// The target URL.
    pub url: String,
    /// Collection ids or aliases (empty: all the owner may read).
    pub collections: Vec<String>,
    /// STIX types (empty: all).
    pub types: Vec<String>,
}

/// A webhook with a secret shown once (create and rotate).
#[derive(Debug, Clone)]
pub struct WebhookWithSecret {
    /// The webhook.
    pub webhook: Webhook,
    /// The new signing secret, `whsec_…`.
    pub secret: String,
}

/// One failed delivery (waiting for a retry, or a dead letter).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedDelivery {
    /// The event position (the `webhook-id`).
    pub seq: u64,
    /// Attempts made.
    pub attempts: u32,
    /// What the last attempt got.
    pub last_error: String,
    /// True for a dead letter.
    pub dead: bool,
    /// Next attempt (µs since the epoch) when not dead.
    pub next_attempt_micros: i64,
}

/// The secrets that sign now: the current one, and older ones until their grace period ends.
pub(crate) fn live_secrets(secrets: &[WebhookSecret], now: i64) -> Vec<&WebhookSecret> {
    secrets
        .iter()
        .filter(|s| s.expires_micros.is_none_or(|at| at > now))
        .collect()
}

fn new_secret() -> HubResult<Secret> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|err| HubError::Internal(format!("no randomness: {err}")))?;
    Ok(Secret::from_random(bytes))
}

impl Hub {
    /// The owner as a caller: the actor itself, or (hub admins only) another existing account.
    async fn webhook_owner(&self, actor: &Caller, account: &str) -> HubResult<Caller> {
        if actor.account == account {
            return Ok(actor.clone());
        }
        if !actor.is_admin {
            return Err(HubError::Forbidden);
        }
        self.account_caller(account)
            .await
            .map_err(|_| HubError::BadRequest(format!("no account {account:?}")))
    }

    /// Creates a webhook for `account` (the actor's own, or anyone's for a hub admin), delivering events
    /// committed from now on. The secret is in the answer and nowhere else. With `targets`, the URL's
    /// addresses are checked last (after everything that needs no network), a refusal being a `BadRequest`.
    pub async fn create_webhook(
        &self,
        actor: &Caller,
        account: &str,
        new: NewWebhook,
        targets: Option<&dyn WebhookSender>,
    ) -> HubResult<WebhookWithSecret> {
        let owner = self.webhook_owner(actor, account).await?;
        Target::parse(&new.url).map_err(|err| HubError::BadRequest(err.to_string()))?;
        let mut collections = Vec::with_capacity(new.collections.len());
        for (idx, id_or_alias) in new.collections.iter().enumerate() {
            let found = self.store.find_collection(id_or_alias).await?;
            let readable = match &found {
                Some(collection) => self.access(&owner, collection).await?.can_read,
                None => false,
            };
            match found {
                Some(collection) if readable => collections.push(collection.id.as_str().to_owned()),
                _ => {
                    return Err(HubError::BadRequest(format!(
                        "collections[{idx}]: no readable collection {id_or_alias:?}"
                    )));
                }
            }
        }
        let filter = Filter {
            collections,
            types: new.types,
            ..Filter::default()
        };
        self.check_event_filter(&owner, &filter).await?;
        if self.store.webhooks(Some(&owner.account)).await?.len() >= MAX_WEBHOOKS_PER_ACCOUNT {
            return Err(HubError::Conflict(format!(
                "an account has at most {MAX_WEBHOOKS_PER_ACCOUNT} webhooks"
            )));
        }
        if let Some(targets) = targets {
            targets
                .check_target(&new.url)
                .await
                .map_err(HubError::BadRequest)?;
        }
        let secret = new_secret()?;
        let now = crate::now_micros();
        let endpoint = WebhookEndpoint {
            id: uuid::Uuid::new_v4().to_string(),
            account: owner.account.clone(),
            url: new.url,
            secrets: vec![WebhookSecret {
                secret: secret.expose(),
                expires_micros: None,
            }],
            collections: filter
                .collections
                .iter()
                .map(|c| store::CollectionId::new(c.clone()))
                .collect(),
            types: filter.types,
            enabled: true,
            disabled_reason: None,
            position: self.store.event_bounds().await?.latest,
            created_micros: now,
            delivered: 0,
            failed_attempts: 0,
            pending: 0,
            dead: 0,
        };
        self.store.create_webhook(endpoint.clone()).await?;
        let details = serde_json::json!({"webhook": endpoint.id, "account": endpoint.account});
        self.audit(&actor.account, "webhook.create", 0, details).await?;
        Ok(WebhookWithSecret {
            webhook: Webhook::from_endpoint(endpoint, now),
            secret: secret.expose(),
        })
    }

    /// The webhooks of `account` (`None`: the actor's own; hub admins may name anyone, or `"*"` for all).
    pub async fn webhooks(&self, actor: &Caller, account: Option<&str>) -> HubResult<Vec<Webhook>> {
        let wanted = match account {
            None => Some(actor.account.as_str()),
            Some(name) if name == actor.account => Some(name),
            Some(_) if !actor.is_admin => return Err(HubError::Forbidden),
            Some("*") => None,
            Some(name) => Some(name),
        };
        let now = crate::now_micros();
        Ok(self
            .store
            .webhooks(wanted)
            .await?
            .into_iter()
            .filter(|e| is_webhook_url(&e.url))
            .map(|e| Webhook::from_endpoint(e, now))
            .collect())
    }

    /// The endpoint `id` (a webhook or an e-mail destination) if the actor owns it (hub admins: any);
    /// `NotFound` otherwise.
    pub(crate) async fn owned_endpoint(&self, actor: &Caller, id: &str) -> HubResult<WebhookEndpoint> {
        match self.store.webhook(id).await? {
            Some(endpoint) if actor.is_admin || endpoint.account == actor.account => Ok(endpoint),
            _ => Err(HubError::NotFound),
        }
    }

    /// One webhook the actor owns (hub admins: any).
    pub async fn webhook(&self, actor: &Caller, id: &str) -> HubResult<Webhook> {
        let endpoint = self.owned_endpoint(actor, id).await?;
        if !is_webhook_url(&endpoint.url) {
            return Err(HubError::NotFound);
        }
        Ok(Webhook::from_endpoint(endpoint, crate::now_micros()))
    }

    /// Removes a webhook with its pending deliveries and dead letters.
    pub async fn delete_webhook(&self, actor: &Caller, id: &str) -> HubResult<()> {
        let endpoint = self.owned_endpoint(actor, id).await?;
        if !self.store.delete_webhook(&endpoint.id).await? {
            return Err(HubError::NotFound);
        }
        let details = serde_json::json!({"webhook": endpoint.id, "account": endpoint.account});
        self.audit(&actor.account, "webhook.delete", 0, details).await
    }

    /// Rotates the signing secret: the new one signs from now on; the current one keeps signing beside it for
    /// `grace` (receivers switch over without losing a message); older ones are dropped.
    pub async fn rotate_webhook_secret(
        &self,
        actor: &Caller,
        id: &str,
        grace: Duration,
    ) -> HubResult<WebhookWithSecret> {
        let endpoint = self.owned_endpoint(actor, id).await?;
        if !is_webhook_url(&endpoint.url) {
            return Err(HubError::NotFound);
        }
        let now = crate::now_micros();
        let expires = now.saturating_add(i64::try_from(grace.as_micros()).unwrap_or(i64::MAX));
        let secret = new_secret()?;
        let mut secrets = vec![WebhookSecret {
            secret: secret.expose(),
            expires_micros: None,
        }];
        if let Some(current) = endpoint.secrets.iter().find(|s| s.expires_micros.is_none()) {
            secrets.push(WebhookSecret {
                secret: current.secret.clone(),
                expires_micros: Some(expires),
            });
        }
        self.store
            .set_webhook_secrets(&endpoint.id, secrets.clone())
            .await?;
        let details = serde_json::json!({"webhook": endpoint.id, "account": endpoint.account});
        self.audit(&actor.account, "webhook.rotate", 0, details).await?;
        let rotated = WebhookEndpoint { secrets, ..endpoint };
        Ok(WebhookWithSecret {
            webhook: Webhook::from_endpoint(rotated, now),
            secret: secret.expose(),
        })
    }

    /// Enables (clearing the reason) or disables a webhook or an e-mail destination.
    pub async fn set_webhook_enabled(&self, actor: &Caller, id: &str, enabled: bool) -> HubResult<()> {
        let endpoint = self.owned_endpoint(actor, id).await?;
        let reason = (!enabled).then(|| format!("disabled by {}", actor.account));
        self.store
            .set_webhook_enabled(&endpoint.id, enabled, reason)
            .await?;
        let action = if enabled {
            "webhook.enable"
        } else {
            "webhook.disable"
        };
        self.audit(
            &actor.account,
            action,
            0,
            serde_json::json!({"webhook": endpoint.id}),
        )
        .await
    }

    /// A webhook's or e-mail destination's failed deliveries: its dead letters (`dead`), or those waiting for a retry.
    pub async fn webhook_failures(
        &self,
        actor: &Caller,
        id: &str,
        dead: bool,
        limit: usize,
    ) -> HubResult<Vec<FailedDelivery>> {
        let endpoint = self.owned_endpoint(actor, id).await?;
        let rows = if dead {
            self.store.webhook_dead_letters(&endpoint.id, limit).await?
        } else {
            self.store
                .due_webhook_deliveries(&endpoint.id, i64::MAX, limit)
                .await?
        };
        Ok(rows
            .into_iter()
            .map(|d| FailedDelivery {
                seq: d.seq,
                attempts: d.attempts,
                last_error: d.last_error,
                dead: d.dead,
                next_attempt_micros: d.next_attempt_micros,
            })
            .collect())
    }

    /// Queues dead letters again (all when `seqs` is empty), each with a fresh retry schedule; how many.
    pub async fn replay_webhook(&self, actor: &Caller, id: &str, seqs: Vec<u64>) -> HubResult<u64> {
        let endpoint = self.owned_endpoint(actor, id).await?;
        let replayed = self
            .store
            .replay_webhook_dead_letters(&endpoint.id, seqs, crate::now_micros())
            .await?;
        let details = serde_json::json!({"webhook": endpoint.id, "replayed": replayed});
        self.audit(&actor.account, "webhook.replay", replayed, details)
            .await?;
        Ok(replayed)
    }
}

/// Hub-wide webhook figures for `/metrics`: sums only, so an unauthenticated scraper learns no URL, id or
/// account.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WebhookTotals {
    /// Webhooks delivering.
    pub enabled: u64,
    /// Webhooks disabled (by a `410` or an owner).
    pub disabled: u64,
    /// Events delivered, over every webhook's life.
    pub delivered: u64,
    /// Failed attempts, over every webhook's life.
    pub failed_attempts: u64,
    /// Deliveries waiting for a retry.
    pub pending: u64,
    /// Dead letters.
    pub dead: u64,
}

impl Hub {
    /// The sums over every webhook (for metrics).
    pub async fn webhook_totals(&self) -> HubResult<WebhookTotals> {
        self.push_totals(false).await
    }

    /// The sums over every e-mail destination (for metrics; "delivered" counts mailed events).
    pub async fn email_totals(&self) -> HubResult<WebhookTotals> {
        self.push_totals(true).await
    }

    async fn push_totals(&self, mail: bool) -> HubResult<WebhookTotals> {
        let mut totals = WebhookTotals::default();
        let all = self.store.webhooks(None).await?;
        for endpoint in all.into_iter().filter(|e| {
            if mail {
                is_mail_destination(&e.url)
            } else {
                is_webhook_url(&e.url)
            }
        }) {
            if endpoint.enabled {
                totals.enabled += 1;
            } else {
                totals.disabled += 1;
            }
            totals.delivered += endpoint.delivered;
            totals.failed_attempts += endpoint.failed_attempts;
            totals.pending += endpoint.pending;
            totals.dead += endpoint.dead;
        }
        Ok(totals)
    }
}

/// The `webhook-id` of an event: its position (a `resync` signal gets its own namespace, since it reuses the
/// position of the event it stands for).
fn message_id(event: &DeliveredEvent) -> String {
    if event.kind == "resync" {
        format!("resync-{}", event.seq)
    } else {
        event.seq.to_string()
    }
}

/// Webhooks as a delivery channel: one signed POST per event.
#[derive(Debug)]
struct WebhookChannel {
    sender: Arc<dyn WebhookSender>,
}

#[async_trait]
impl Channel for WebhookChannel {
    fn handles(&self, endpoint: &WebhookEndpoint) -> bool {
        is_webhook_url(&endpoint.url)
    }

    async fn plan(&self, _hub: &Hub, endpoint: &WebhookEndpoint) -> HubResult<Option<Plan>> {
        let filter = Filter {
            collections: endpoint
                .collections
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
            types: endpoint.types.clone(),
            ..Filter::default()
        };
        Ok(Some(Plan {
            filter,
            digest: None,
            label: String::new(),
        }))
    }

    async fn send(
        &self,
        _hub: &Hub,
        endpoint: &WebhookEndpoint,
        _plan: &Plan,
        events: &[DeliveredEvent],
        _more: u64,
    ) -> Outcome {
        let Some(event) = events.first() else {
            return Outcome::Delivered;
        };
        let now = crate::now_micros();
        let secrets: Vec<Secret> = live_secrets(&endpoint.secrets, now)
            .into_iter()
            .filter_map(|s| Secret::parse(&s.secret).ok())
            .collect();
        let id = message_id(event);
        let timestamp = now / 1_000_000;
        let signature = webhook::sign(&id, timestamp, event.json.as_bytes(), &secrets);
        let headers = [
            ("webhook-id", id),
            ("webhook-timestamp", timestamp.to_string()),
            ("webhook-signature", signature),
        ];
        let answer = self
            .sender
            .post(&endpoint.url, &headers, event.json.as_bytes())
            .await;
        answer.outcome(timestamp)
    }
}

impl Hub {
    /// Delivers webhooks until the process ends (see `webhook_worker`).
    pub async fn run_webhook_deliveries(
        self: Arc<Hub>,
        sender: Arc<dyn WebhookSender>,
        config: WebhookDeliveryConfig,
    ) {
        self.run_deliveries(Arc::new(WebhookChannel { sender }), config)
            .await;
    }
}
