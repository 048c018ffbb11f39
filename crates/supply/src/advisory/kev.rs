//! The CISA Known Exploited Vulnerabilities catalogue (`catalogVersion`, `vulnerabilities[]` with `cveID`,
//! `vendorProject`, `product`, `vulnerabilityName`, `dateAdded`, `dueDate`, `requiredAction`,
//! `knownRansomwareCampaignUse`).

use super::{AdvisoryError, Kev, Knowledge, Obj, as_object, opt_array, opt_str, req_str};

pub(super) fn parse(obj: &Obj) -> Result<Vec<Knowledge>, AdvisoryError> {
    let catalog_version = req_str(obj, "catalogVersion", "$")?;
    let mut out = Vec::new();
    for (i, v) in opt_array(obj, "vulnerabilities", "$")?.iter().enumerate() {
        let p = format!("$.vulnerabilities[{i}]");
        let v = as_object(v, &p)?;
        out.push(Knowledge::Kev(Kev {
            cve: req_str(v, "cveID", &p)?,
            vendor: opt_str(v, "vendorProject", &p)?.unwrap_or_default(),
            product: opt_str(v, "product", &p)?.unwrap_or_default(),
            name: opt_str(v, "vulnerabilityName", &p)?.unwrap_or_default(),
            date_added: req_str(v, "dateAdded", &p)?,
            due_date: opt_str(v, "dueDate", &p)?.unwrap_or_default(),
            known_ransomware: opt_str(v, "knownRansomwareCampaignUse", &p)?.as_deref() == Some("Known"),
            required_action: opt_str(v, "requiredAction", &p)?.unwrap_or_default(),
            catalog_version: catalog_version.clone(),
        }));
    }
    Ok(out)
}
