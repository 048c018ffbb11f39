//! CSAF 2.0 documents (every profile: `csaf_security_advisory`, `csaf_vex`, …). The product tree (branches with
//! vendor / product name / version / version range, `full_product_names`, relationships naming a component
//! within a product) gives each product id an identity; each vulnerability's `product_status` becomes one
//! statement per product (`known_affected`, `first_affected`, `last_affected` → affected; `fixed`,
//! `first_fixed` → fixed; `known_not_affected` → not affected; `under_investigation`), with the justification
//! from `flags`, the detail from `threats` of category `impact`, the action from `remediations`, and the CVSS
//! vectors from `scores` into an advisory entry.

use std::collections::HashMap;

use serde_json::Value;

use super::{
    Advisory, AdvisoryError, Knowledge, Obj, Product, VexStatement, VexStatus, as_object, err, opt_array,
    opt_str, order_aliases, str_items,
};

/// Deepest product-tree branch nesting read.
const MAX_DEPTH: usize = 30;

pub(super) fn parse(obj: &Obj) -> Result<Vec<Knowledge>, AdvisoryError> {
    let document = as_object(obj.get("document").unwrap_or(&Value::Null), "$.document")?;
    let tracking = document.get("tracking").and_then(Value::as_object);
    let source = tracking
        .and_then(|t| t.get("id"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| err("$.document.tracking.id", "required"))?;
    let mut products: HashMap<String, Product> = HashMap::new();
    let mut groups: HashMap<String, Vec<String>> = HashMap::new();
    if let Some(tree) = obj.get("product_tree") {
        let tree = as_object(tree, "$.product_tree")?;
        let ctx = Product::default();
        for (i, b) in opt_array(tree, "branches", "$.product_tree")?.iter().enumerate() {
            branch(
                b,
                &format!("$.product_tree.branches[{i}]"),
                &ctx,
                0,
                &mut products,
            )?;
        }
        for (i, p) in opt_array(tree, "full_product_names", "$.product_tree")?
            .iter()
            .enumerate()
        {
            let path = format!("$.product_tree.full_product_names[{i}]");
            full_product(as_object(p, &path)?, &path, &Product::default(), &mut products)?;
        }
        for (i, r) in opt_array(tree, "relationships", "$.product_tree")?
            .iter()
            .enumerate()
        {
            let path = format!("$.product_tree.relationships[{i}]");
            let r = as_object(r, &path)?;
            let Some(fpn) = r.get("full_product_name") else {
                continue;
            };
            let fpath = format!("{path}.full_product_name");
            let fpn = as_object(fpn, &fpath)?;
            // The statement is about the product the component is part of.
            let parent = opt_str(r, "relates_to_product_reference", &path)?
                .and_then(|id| products.get(&id).cloned())
                .unwrap_or_default();
            full_product(fpn, &fpath, &parent, &mut products)?;
        }
        for (i, g) in opt_array(tree, "product_groups", "$.product_tree")?
            .iter()
            .enumerate()
        {
            let path = format!("$.product_tree.product_groups[{i}]");
            let g = as_object(g, &path)?;
            if let Some(id) = opt_str(g, "group_id", &path)? {
                groups.insert(id, str_items(g, "product_ids", &path)?);
            }
        }
    }
    let mut out = Vec::new();
    for (i, v) in opt_array(obj, "vulnerabilities", "$")?.iter().enumerate() {
        let path = format!("$.vulnerabilities[{i}]");
        vulnerability(as_object(v, &path)?, &path, &source, &products, &groups, &mut out)?;
    }
    Ok(out)
}

fn branch(
    b: &Value,
    path: &str,
    ctx: &Product,
    depth: usize,
    products: &mut HashMap<String, Product>,
) -> Result<(), AdvisoryError> {
    if depth > MAX_DEPTH {
        return Err(err(path, "product tree deeper than 30 levels"));
    }
    let b = as_object(b, path)?;
    let name = opt_str(b, "name", path)?.unwrap_or_default();
    let mut ctx = ctx.clone();
    match opt_str(b, "category", path)?.as_deref() {
        Some("vendor") => ctx.vendor = Some(name),
        Some("product_name" | "product_family") => ctx.name = Some(name),
        Some("product_version") => ctx.version = Some(name),
        Some("product_version_range") => ctx.version_range = Some(name),
        _ => {}
    }
    if let Some(p) = b.get("product") {
        let pp = format!("{path}.product");
        full_product(as_object(p, &pp)?, &pp, &ctx, products)?;
    }
    for (i, child) in opt_array(b, "branches", path)?.iter().enumerate() {
        branch(child, &format!("{path}.branches[{i}]"), &ctx, depth + 1, products)?;
    }
    Ok(())
}

fn full_product(
    p: &Obj,
    path: &str,
    ctx: &Product,
    products: &mut HashMap<String, Product>,
) -> Result<(), AdvisoryError> {
    let id = opt_str(p, "product_id", path)?.ok_or_else(|| err(format!("{path}.product_id"), "required"))?;
    let mut product = ctx.clone();
    if product.name.is_none() {
        product.name = opt_str(p, "name", path)?;
    }
    if let Some(h) = p.get("product_identification_helper") {
        let hp = format!("{path}.product_identification_helper");
        let h = as_object(h, &hp)?;
        product.purl = opt_str(h, "purl", &hp)?.or(product.purl);
        product.cpe = opt_str(h, "cpe", &hp)?.or(product.cpe);
    }
    products.insert(id, product);
    Ok(())
}

fn ids_of(o: &Obj, path: &str, groups: &HashMap<String, Vec<String>>) -> Result<Vec<String>, AdvisoryError> {
    let mut ids = str_items(o, "product_ids", path)?;
    for g in str_items(o, "group_ids", path)? {
        ids.extend(groups.get(&g).into_iter().flatten().cloned());
    }
    Ok(ids)
}

fn vulnerability(
    v: &Obj,
    path: &str,
    source: &str,
    products: &HashMap<String, Product>,
    groups: &HashMap<String, Vec<String>>,
    out: &mut Vec<Knowledge>,
) -> Result<(), AdvisoryError> {
    let mut ids: Vec<String> = opt_str(v, "cve", path)?.into_iter().collect();
    for (i, id) in opt_array(v, "ids", path)?.iter().enumerate() {
        let ip = format!("{path}.ids[{i}]");
        if let Some(text) = opt_str(as_object(id, &ip)?, "text", &ip)? {
            ids.push(text);
        }
    }
    let ids = order_aliases(ids);
    let Some(vuln) = ids.first().cloned() else {
        return Err(err(path, "a vulnerability needs a cve or ids"));
    };
    let aliases: Vec<String> = ids[1..].to_vec();
    // Per product: justification (flags), detail (impact threats), action (remediations).
    let mut justification: HashMap<String, String> = HashMap::new();
    for (i, f) in opt_array(v, "flags", path)?.iter().enumerate() {
        let fp = format!("{path}.flags[{i}]");
        let f = as_object(f, &fp)?;
        if let Some(label) = opt_str(f, "label", &fp)? {
            for id in ids_of(f, &fp, groups)? {
                justification.insert(id, label.clone());
            }
        }
    }
    let mut detail: HashMap<String, Vec<String>> = HashMap::new();
    for (i, t) in opt_array(v, "threats", path)?.iter().enumerate() {
        let tp = format!("{path}.threats[{i}]");
        let t = as_object(t, &tp)?;
        if opt_str(t, "category", &tp)?.as_deref() == Some("impact") {
            let d = opt_str(t, "details", &tp)?.unwrap_or_default();
            for id in ids_of(t, &tp, groups)? {
                detail.entry(id).or_default().push(d.clone());
            }
        }
    }
    let mut action: HashMap<String, Vec<String>> = HashMap::new();
    for (i, r) in opt_array(v, "remediations", path)?.iter().enumerate() {
        let rp = format!("{path}.remediations[{i}]");
        let r = as_object(r, &rp)?;
        let category = opt_str(r, "category", &rp)?.unwrap_or_default();
        let text = format!("{category}: {}", opt_str(r, "details", &rp)?.unwrap_or_default());
        for id in ids_of(r, &rp, groups)? {
            action.entry(id).or_default().push(text.clone());
        }
    }
    let mut cvss = Vec::new();
    for (i, s) in opt_array(v, "scores", path)?.iter().enumerate() {
        let sp = format!("{path}.scores[{i}]");
        let s = as_object(s, &sp)?;
        for key in ["cvss_v3", "cvss_v2"] {
            if let Some(vector) = s
                .get(key)
                .and_then(|c| c.get("vectorString"))
                .and_then(Value::as_str)
                && !cvss.iter().any(|c| c == vector)
            {
                cvss.push(vector.to_owned());
            }
        }
    }
    let title = opt_str(v, "title", path)?;
    out.push(Knowledge::Advisory(Advisory {
        id: vuln.clone(),
        aliases: aliases.clone(),
        summary: title,
        affected: Vec::new(),
        cvss,
        withdrawn: false,
    }));
    let Some(status) = v.get("product_status") else {
        return Ok(());
    };
    let sp = format!("{path}.product_status");
    let status = as_object(status, &sp)?;
    const STATUSES: [(&str, VexStatus); 7] = [
        ("known_affected", VexStatus::Affected),
        ("first_affected", VexStatus::Affected),
        ("last_affected", VexStatus::Affected),
        ("fixed", VexStatus::Fixed),
        ("first_fixed", VexStatus::Fixed),
        ("known_not_affected", VexStatus::NotAffected),
        ("under_investigation", VexStatus::UnderInvestigation),
    ];
    for (key, vex_status) in STATUSES {
        for id in str_items(status, key, &sp)? {
            let product = products.get(&id).cloned().ok_or_else(|| {
                err(
                    format!("{sp}.{key}"),
                    format!("product id {id:?} is not in the product tree"),
                )
            })?;
            out.push(Knowledge::Vex(VexStatement {
                vulnerability: vuln.clone(),
                aliases: aliases.clone(),
                product,
                status: vex_status,
                justification: justification.get(&id).cloned(),
                detail: detail.get(&id).map(|d| d.join(" ")),
                action: action.get(&id).map(|a| a.join(" ")),
                source: source.to_owned(),
            }));
        }
    }
    Ok(())
}
