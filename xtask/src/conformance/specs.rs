//! HPE's spec files, merged into one document per API host (Prism takes one document per
//! process; our client has one GreenLake and one Central base URL), and the operation a request
//! path is.
//!
//! The merged documents are generated under `target/conformance/` from the user's download at
//! run time; nothing of HPE's text is kept in the repository.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use serde_json::{Map, Value, json};

/// The GreenLake spec files (under `DIR/greenlake/`) of the operations the project uses (and
/// the audit log's, which issue 21 adds).
pub(crate) const GREENLAKE: &[&str] = &[
    "workspace__workspace-management-v1-nb-openapi-workspace.json",
    "device-management.json",
    "subscription-management.json",
    "service-catalog__service-catalog-v1beta1-service-catalog-v1.json",
    "audit-logs.json",
];

/// The Central spec files (under `DIR/central/mrt/`).
pub(crate) const CENTRAL: &[&str] = &["msp.json", "monitoring.json", "notifications.json"];

/// Where a spec's schema contradicts the spec's own words, the schema is loosened to what the
/// words say before it is checked against: `(file, JSON pointer of a schema in that file, why)`.
/// Each such schema takes `null` too. The report lists them.
pub(crate) const CORRECTIONS: &[(&str, &str, &str)] = &[
    (
        "device-management.json",
        "/components/schemas/RequestApplication/properties/id",
        "the devices PATCH's own description removes an application with `application.id` null",
    ),
    (
        "device-management.json",
        "/components/schemas/PatchDevicesRequest/properties/region",
        "the devices PATCH's own description removes an application with `region` null",
    ),
    (
        "notifications.json",
        "/components/schemas/PaginationResponseProperties/properties/offset",
        "the property's own description says it is null when no page remains",
    ),
];

/// `doc` with the schemas [`CORRECTIONS`] names for `file` made nullable.
fn correct(file: &str, mut doc: Value) -> Result<Value> {
    for (_, pointer, _) in CORRECTIONS.iter().filter(|(f, ..)| *f == file) {
        let Some(schema) = doc.pointer_mut(pointer) else {
            bail!("{file} has no {pointer}: is it the pinned download?");
        };
        match schema.get("type").cloned() {
            Some(Value::String(t)) => schema["type"] = json!([t, "null"]),
            other => bail!("{file}{pointer}: a `type` of {other:?}, not one name"),
        }
    }
    Ok(doc)
}

/// One API's merged document and its operations.
#[derive(Debug, Clone)]
pub(crate) struct Merged {
    /// Where the merged document was written.
    pub(crate) path: PathBuf,
    /// `(METHOD, path template, operationId)` of every operation.
    pub(crate) operations: Vec<(String, String, String)>,
}

impl Merged {
    /// The operation `method path` is, as `GET /a/{b} (opId)`, or `None` when no spec has it.
    /// A template with more literal segments wins over one with fewer.
    pub(crate) fn operation(&self, method: &str, path: &str) -> Option<String> {
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        self.operations
            .iter()
            .filter(|(m, _, _)| m.eq_ignore_ascii_case(method))
            .filter_map(|(m, template, id)| {
                let parts: Vec<&str> = template.trim_matches('/').split('/').collect();
                if parts.len() != segments.len() {
                    return None;
                }
                let mut literal = 0;
                for (p, s) in parts.iter().zip(&segments) {
                    if p.starts_with('{') && p.ends_with('}') {
                        if s.is_empty() {
                            return None;
                        }
                    } else if p == s {
                        literal += 1;
                    } else {
                        return None;
                    }
                }
                Some((literal, format!("{m} {template} ({id})")))
            })
            .max_by_key(|(literal, _)| *literal)
            .map(|(_, name)| name)
    }
}

/// Reads `dir/sub/FILE` for every file of `files`, merges them and writes `out`.
pub(crate) fn merge(dir: &Path, sub: &str, files: &[&str], out: &Path) -> Result<Merged> {
    let mut paths = Map::new();
    let mut components: Map<String, Value> = Map::new();
    let mut operations = Vec::new();
    for (i, file) in files.iter().enumerate() {
        let path = dir.join(sub).join(file);
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "reading {} (is --specs the `vendor` folder of the pinned download?)",
                path.display()
            )
        })?;
        let doc: Value =
            serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        let doc = correct(file, doc)?;
        let tag = format!("s{i}_");
        let security = doc.get("security").cloned();
        for (template, item) in doc["paths"].as_object().into_iter().flatten() {
            if paths.contains_key(template) {
                bail!("{template} is in two spec files ({file} and an earlier one)");
            }
            let mut item = rewrite(item, &tag);
            for (method, op) in item.as_object_mut().into_iter().flatten() {
                if !is_method(method) {
                    continue;
                }
                if op.get("security").is_none()
                    && let Some(s) = &security
                {
                    op["security"] = s.clone();
                }
                if let Some(reqs) = op.get_mut("security").and_then(Value::as_array_mut) {
                    for req in reqs.iter_mut() {
                        if let Some(m) = req.as_object() {
                            *req = Value::Object(
                                m.iter()
                                    .map(|(k, v)| (format!("{tag}{k}"), v.clone()))
                                    .collect(),
                            );
                        }
                    }
                }
                let id = op["operationId"].as_str().unwrap_or("no operationId");
                operations.push((method.to_uppercase(), template.clone(), id.to_owned()));
            }
            paths.insert(template.clone(), item);
        }
        for (section, items) in doc["components"].as_object().into_iter().flatten() {
            let target = components
                .entry(section.clone())
                .or_insert_with(|| json!({}));
            for (name, value) in items.as_object().into_iter().flatten() {
                target[format!("{tag}{name}")] = rewrite(value, &tag);
            }
        }
    }
    let merged = json!({
        "openapi": "3.1.0",
        "info": {"title": format!("{sub}: {}", files.join(", ")), "version": "merged"},
        "paths": paths,
        "components": components,
    });
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    std::fs::write(out, serde_json::to_vec(&merged)?)
        .with_context(|| format!("writing {}", out.display()))?;
    Ok(Merged {
        path: out.to_owned(),
        operations,
    })
}

fn is_method(key: &str) -> bool {
    matches!(
        key,
        "get" | "put" | "post" | "delete" | "patch" | "head" | "options" | "trace"
    )
}

/// `value` with every local component reference `#/components/SECTION/NAME` renamed to
/// `#/components/SECTION/{tag}NAME`, so the files' components cannot clash.
fn rewrite(value: &Value, tag: &str) -> Value {
    match value {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let v = match (k.as_str(), v.as_str()) {
                        ("$ref", Some(r)) if r.starts_with("#/components/") => {
                            let mut parts: Vec<&str> = r.splitn(4, '/').collect();
                            let name = format!("{tag}{}", parts.get(3).copied().unwrap_or(""));
                            if parts.len() == 4 {
                                parts[3] = &name;
                            }
                            Value::String(parts.join("/"))
                        }
                        _ => rewrite(v, tag),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|v| rewrite(v, tag)).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_renamed_and_operations_found() {
        let v = rewrite(
            &json!({"a": {"$ref": "#/components/schemas/X"}, "b": [{"$ref": "#/x"}]}),
            "s1_",
        );
        assert_eq!(v["a"]["$ref"], "#/components/schemas/s1_X");
        assert_eq!(v["b"][0]["$ref"], "#/x");
        let m = Merged {
            path: PathBuf::new(),
            operations: vec![
                ("GET".into(), "/a/{id}".into(), "one".into()),
                ("GET".into(), "/a/b".into(), "two".into()),
            ],
        };
        assert_eq!(
            m.operation("GET", "/a/b").as_deref(),
            Some("GET /a/b (two)")
        );
        assert_eq!(
            m.operation("get", "/a/c").as_deref(),
            Some("GET /a/{id} (one)")
        );
        assert_eq!(m.operation("POST", "/a/c"), None);
        assert_eq!(m.operation("GET", "/a/c/d"), None);
    }

    #[test]
    fn a_corrected_schema_takes_null_and_a_missing_one_is_an_error() {
        let doc = json!({"components": {"schemas": {"PaginationResponseProperties": {
            "properties": {"offset": {"type": "integer"}}}}}});
        let fixed = correct("notifications.json", doc.clone()).expect("corrected");
        assert_eq!(
            fixed
                .pointer("/components/schemas/PaginationResponseProperties/properties/offset/type"),
            Some(&json!(["integer", "null"]))
        );
        assert_eq!(
            correct("monitoring.json", doc.clone()).expect("untouched"),
            doc
        );
        assert!(correct("device-management.json", json!({})).is_err());
    }
}
