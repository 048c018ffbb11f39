//! Supplier risk as STIX (issue 18 part 5): an organisation summarises the findings of a supplier's
//! products (its own SBOMs imported with those product names) as STIX — the supplier's `identity`,
//! `vulnerability` objects, `related-to` relationships and a `note` (`risk::supplier`) — and publishes them
//! to a collection under a TLP through the normal ingest (`Hub::add_objects_for`), so validation, PII
//! screening, ownership, events, audit and the collection's audience apply as for any submission.

use risk::plan::Tlp;
use risk::supplier::{SupplierFinding, summary};
use serde_json::{Value, json};
use taxii::resources::StatusResource;

use crate::{Caller, Hub, HubError, HubResult};

impl Hub {
    /// The STIX objects summarising `supplier`'s `products` from the findings of `org` (the caller's own
    /// when `None`; another organisation's only for hub admins).
    pub async fn supplier_risk(
        &self,
        caller: &Caller,
        org: Option<&str>,
        supplier: &str,
        products: &[String],
        tlp: &str,
    ) -> HubResult<Vec<Value>> {
        risk::plan::check_text("supplier", supplier, 200).map_err(|e| HubError::BadRequest(e.to_string()))?;
        if products.is_empty() {
            return Err(HubError::BadRequest(
                "products: name at least one product".to_owned(),
            ));
        }
        let tlp = Tlp::parse(tlp).map_err(|e| HubError::BadRequest(e.to_string()))?;
        let (findings, _) = self.findings(caller, org, None).await?;
        let findings: Vec<SupplierFinding> = findings
            .into_iter()
            .filter(|f| f.product.as_ref().is_some_and(|p| products.contains(p)))
            .map(|f| SupplierFinding {
                product: f.product.clone().unwrap_or_default(),
                outcome: f
                    .ssvc
                    .as_ref()
                    .map_or_else(|| "track".to_owned(), |d| d.outcome.clone()),
                component: f.component,
                vulnerability: f.vulnerability,
                status: f.status,
                kev: f.kev,
            })
            .collect();
        let now = stix::timestamp::Timestamp::from_unix_nanos(i128::from(crate::now_micros()) * 1000, 3);
        Ok(summary(supplier, &findings, tlp, now.as_str()))
    }

    /// Publishes the summary to `collection` of `api_root` (the caller needs write access), naming
    /// `recipients` as a TAXII POST may (AMBER: organisations and communities).
    pub async fn publish_supplier_risk(
        &self,
        caller: &Caller,
        supplier: &str,
        products: &[String],
        tlp: &str,
        target: (&str, &str),
        recipients: Option<&str>,
    ) -> HubResult<(Vec<Value>, StatusResource)> {
        let objects = self.supplier_risk(caller, None, supplier, products, tlp).await?;
        let bundle = json!({"objects": objects});
        let body = serde_json::to_vec(&bundle).map_err(|err| HubError::Internal(err.to_string()))?;
        let status = self
            .add_objects_for(caller, target.0, target.1, body, recipients)
            .await?;
        Ok((objects, status))
    }
}
