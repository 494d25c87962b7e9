//! A notification rule's body as HPE's notifications spec types it: the create input
//! (`NotificationRuleConfigInput`: `name` required, at most 128 characters; `description` at
//! most 512; `enabled`; `sourceTypes` of `ALERTS`; `source.alerts` with `enabled` and
//! `alertNames` required, `minAlertSeverity` one of four; `destination.email|webhook|syslog`
//! each with `enabled` required and its list of ids), the update input (the same without
//! `name`), both wrapped in `{"notificationRuleInput": {...}}`, and the merge patch (RFC 7396)
//! an update applies.

use serde_json::{Map, Value};

/// The most characters of a rule's name.
const MAX_NAME: usize = 128;
/// The most characters of a rule's description.
const MAX_DESCRIPTION: usize = 512;
/// The most characters of one alert name, email address or id in a list.
const MAX_ITEM: usize = 512;
/// The most items of one list (alert names: the list's `alertCount` is at most 300).
const MAX_LIST: usize = 300;
/// The severities of `minAlertSeverity`.
const SEVERITIES: [&str; 4] = ["CRITICAL", "MAJOR", "MINOR", "INFO"];

/// How a body is refused: 400 (not the spec's shape) or 422 (the shape, but not a rule that can
/// exist: no destination enabled, the alert source disabled).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Invalid {
    /// 400.
    Shape(String),
    /// 422.
    Unprocessable(String),
}

fn shape(m: impl Into<String>) -> Invalid {
    Invalid::Shape(m.into())
}

/// The `notificationRuleInput` object of a write's body.
pub(crate) fn input(bytes: &[u8]) -> Result<Map<String, Value>, Invalid> {
    let v: Value = serde_json::from_slice(bytes)
        .map_err(|e| shape(format!("The request body is not valid JSON: {e}")))?;
    let Value::Object(mut top) = v else {
        return Err(shape("The request body must be a JSON object"));
    };
    if let Some(k) = top.keys().find(|k| *k != "notificationRuleInput") {
        return Err(shape(format!(
            "'{}' is not a field of the body (it holds notificationRuleInput)",
            clip(k)
        )));
    }
    match top.remove("notificationRuleInput") {
        Some(Value::Object(m)) => Ok(m),
        Some(_) => Err(shape("'notificationRuleInput' must be an object")),
        None => Err(shape("'notificationRuleInput' is required")),
    }
}

fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}

/// An object of the body and where it is (`source.alerts.`; empty for the rule itself), which
/// every refusal of one of its fields names.
struct Place<'a> {
    obj: &'a Map<String, Value>,
    at: String,
}

impl<'a> Place<'a> {
    /// The object `obj[key]`, if present; refused if it is not an object.
    fn child(&self, key: &str) -> Result<Option<Place<'a>>, Invalid> {
        let Some(v) = self.obj.get(key) else {
            return Ok(None);
        };
        let at = format!("{}{key}", self.at);
        match v.as_object() {
            Some(obj) => Ok(Some(Place {
                obj,
                at: format!("{at}."),
            })),
            None => Err(shape(format!("'{at}' must be an object"))),
        }
    }

    /// Refuses a key not in `known`.
    fn only(&self, known: &[&str]) -> Result<(), Invalid> {
        match self.obj.keys().find(|k| !known.contains(&k.as_str())) {
            Some(k) => Err(shape(format!(
                "'{}{}' is not a field of a rule",
                self.at,
                clip(k)
            ))),
            None => Ok(()),
        }
    }

    /// `obj[key]`, refused if absent and `required`.
    fn field(&self, key: &str, required: bool) -> Result<Option<&'a Value>, Invalid> {
        match self.obj.get(key) {
            None if required => Err(shape(format!("'{}{key}' is required", self.at))),
            v => Ok(v),
        }
    }

    fn boolean(&self, key: &str, required: bool) -> Result<Option<bool>, Invalid> {
        match self.field(key, required)? {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(shape(format!("'{}{key}' must be true or false", self.at))),
        }
    }

    fn text(&self, key: &str, max: usize) -> Result<Option<String>, Invalid> {
        let at = &self.at;
        match self.field(key, false)? {
            None => Ok(None),
            Some(Value::String(s)) if s.chars().count() <= max => Ok(Some(s.clone())),
            Some(Value::String(_)) => Err(shape(format!(
                "'{at}{key}' is longer than {max} characters"
            ))),
            Some(_) => Err(shape(format!("'{at}{key}' must be a string"))),
        }
    }

    fn list(&self, key: &str, required: bool) -> Result<Vec<String>, Invalid> {
        let at = &self.at;
        let items = match self.field(key, required)? {
            None => return Ok(Vec::new()),
            Some(Value::Array(a)) => a,
            Some(_) => return Err(shape(format!("'{at}{key}' must be an array"))),
        };
        if items.len() > MAX_LIST {
            return Err(shape(format!(
                "'{at}{key}' holds more than {MAX_LIST} items"
            )));
        }
        items
            .iter()
            .map(|i| match i.as_str() {
                Some(s) if !s.trim().is_empty() && s.chars().count() <= MAX_ITEM => {
                    Ok(s.to_owned())
                }
                _ => Err(shape(format!(
                    "'{at}{key}' must hold non-blank strings of at most {MAX_ITEM} characters"
                ))),
            })
            .collect()
    }
}

/// Checks a rule as it would be stored (`with_name`: a create's input, where `name` is required;
/// else an update's, where `name` is no field).
pub(crate) fn check(rule: &Map<String, Value>, with_name: bool) -> Result<(), Invalid> {
    let mut known = vec![
        "description",
        "destination",
        "enabled",
        "source",
        "sourceTypes",
    ];
    if with_name {
        known.push("name");
    }
    let rule = Place {
        obj: rule,
        at: String::new(),
    };
    rule.only(&known)?;
    if with_name {
        match rule.text("name", MAX_NAME)? {
            Some(n) if !n.trim().is_empty() && !n.chars().any(char::is_control) => {}
            Some(_) => {
                return Err(shape(
                    "'name' must not be blank nor hold control characters",
                ));
            }
            None => return Err(shape("'name' is required")),
        }
    }
    rule.text("description", MAX_DESCRIPTION)?;
    rule.boolean("enabled", false)?;
    for t in rule.list("sourceTypes", false)? {
        if t != "ALERTS" {
            return Err(shape("'sourceTypes' may hold only ALERTS"));
        }
    }
    if let Some(source) = rule.child("source")? {
        source.only(&["alerts"])?;
        if let Some(alerts) = source.child("alerts")? {
            alerts.only(&["alertNames", "enabled", "minAlertSeverity"])?;
            let enabled = alerts.boolean("enabled", true)?;
            alerts.list("alertNames", true)?;
            match alerts.obj.get("minAlertSeverity") {
                None => {}
                Some(Value::String(s)) if SEVERITIES.contains(&s.as_str()) => {}
                Some(_) => {
                    return Err(shape(
                        "'source.alerts.minAlertSeverity' must be CRITICAL, MAJOR, MINOR or INFO",
                    ));
                }
            }
            if enabled == Some(false) {
                return Err(Invalid::Unprocessable(
                    "'source.alerts.enabled' must be true for a rule on alerts".into(),
                ));
            }
        }
    }
    let mut any_enabled = false;
    if let Some(destination) = rule.child("destination")? {
        destination.only(&["email", "syslog", "webhook"])?;
        for (kind, ids) in [
            ("email", "emailIds"),
            ("webhook", "webhookIds"),
            ("syslog", "serverIds"),
        ] {
            let Some(d) = destination.child(kind)? else {
                continue;
            };
            d.only(&["enabled", ids])?;
            any_enabled |= d.boolean("enabled", true)? == Some(true);
            let listed = d.list(ids, false)?;
            if kind == "email"
                && let Some(bad) = listed.iter().find(|e| {
                    !e.split_once('@')
                        .is_some_and(|(a, b)| !a.is_empty() && b.contains('.'))
                })
            {
                return Err(shape(format!("'{}' is not an email address", clip(bad))));
            }
        }
    }
    if !any_enabled {
        return Err(Invalid::Unprocessable(
            "at least one destination (email, webhook or syslog) must be enabled".into(),
        ));
    }
    Ok(())
}

/// `target` with the merge patch `patch` applied (RFC 7396: an object merges key by key, a
/// `null` removes the key, anything else replaces).
pub(crate) fn merge(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(t) = target {
        for (k, v) in p {
            if v.is_null() {
                t.remove(k);
            } else {
                merge(t.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn rule(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn the_specs_rules_are_checked() {
        let good = json!({
            "name": "NOC critical",
            "sourceTypes": ["ALERTS"],
            "source": {"alerts": {"enabled": true, "alertNames": ["AP Down"], "minAlertSeverity": "CRITICAL"}},
            "destination": {"email": {"enabled": true, "emailIds": ["noc@msp.example"]}}
        });
        assert_eq!(check(&rule(good.clone()), true), Ok(()));
        let mut no_name = rule(good.clone());
        no_name.remove("name");
        assert_eq!(check(&no_name, true), Err(shape("'name' is required")));
        assert!(
            matches!(check(&rule(good.clone()), false), Err(Invalid::Shape(m)) if m.contains("'name'"))
        );
        let mut off = good.clone();
        merge(
            &mut off,
            &json!({"destination": {"email": {"enabled": false}}}),
        );
        assert!(matches!(
            check(&rule(off), true),
            Err(Invalid::Unprocessable(_))
        ));
        let mut sev = good.clone();
        merge(
            &mut sev,
            &json!({"source": {"alerts": {"minAlertSeverity": "HUGE"}}}),
        );
        assert!(matches!(check(&rule(sev), true), Err(Invalid::Shape(_))));
        let mut long = good;
        merge(&mut long, &json!({"name": "x".repeat(129)}));
        assert!(matches!(check(&rule(long), true), Err(Invalid::Shape(m)) if m.contains("128")));
    }

    #[test]
    fn a_merge_patch_merges_objects_and_removes_nulls() {
        let mut v = json!({"a": 1, "b": {"c": 2, "d": 3}, "e": [1]});
        merge(&mut v, &json!({"a": null, "b": {"c": 5}, "e": [2, 3]}));
        assert_eq!(v, json!({"b": {"c": 5, "d": 3}, "e": [2, 3]}));
    }

    #[test]
    fn the_body_must_wrap_the_input() {
        assert!(input(br#"{"notificationRuleInput": {"name": "x"}}"#).is_ok());
        assert!(input(br#"{"name": "x"}"#).is_err());
        assert!(input(b"[").is_err());
    }
}
