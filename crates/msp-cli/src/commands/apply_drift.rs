//! How a saved plan's per-tenant actions (rules, devices) moved: the one comparison that
//! `apply` makes of each kind before carrying a saved plan out.

use std::collections::BTreeSet;

use glp_auth::text::escape_control;
use msp_orchestrator::apply::RuleTenant;

/// What [`tenant_drift`] says of one kind of action: the word that opens each line (`rules`)
/// and what may have moved in a tenant (`rules`, `devices or subscriptions`).
pub(crate) struct DriftWords<'a> {
    /// The word that opens each line.
    pub(crate) kind: &'a str,
    /// What may have moved in a tenant whose actions read the same but for their fingerprint.
    pub(crate) moved: &'a str,
}

/// How the actions read now (`now`) differ from those a saved plan holds (`saved`), one line
/// per tenant (`tenant` of an action) whose actions differ, each action in words (`word`);
/// empty when they are the same.
pub(crate) fn tenant_drift<'a, A: PartialEq>(
    (saved, now): (&'a [A], &'a [A]),
    tenant: impl Fn(&A) -> &RuleTenant,
    word: impl Fn(&A) -> String,
    words: &DriftWords<'_>,
) -> Vec<String> {
    let tenants: BTreeSet<_> = saved.iter().chain(now).map(|a| tenant(a).id).collect();
    let mut lines = Vec::new();
    for id in tenants {
        let of = |actions: &'a [A]| -> Vec<&'a A> {
            actions.iter().filter(|a| tenant(a).id == id).collect()
        };
        let (before, after) = (of(saved), of(now));
        if before == after {
            continue;
        }
        let text = |actions: &[&A]| -> String {
            if actions.is_empty() {
                return "not selected".to_owned();
            }
            let all: Vec<String> = actions.iter().map(|a| word(a)).collect();
            escape_control(&all.join("; ")).into_owned()
        };
        let name = before
            .first()
            .or(after.first())
            .map(|a| tenant(a).name.clone())
            .unwrap_or_default();
        let (was, is) = (text(&before), text(&after));
        let what = if was == is {
            format!("its {} changed since the plan ({is})", words.moved)
        } else {
            format!("planned {was}, now {is}")
        };
        lines.push(format!(
            "{} in '{}': {what}",
            words.kind,
            escape_control(&name)
        ));
    }
    lines
}

/// Tenant `n` of the tests of the plan's parts: the id `0n` then zeros, named `Tenant n`, on
/// no cluster.
#[cfg(test)]
pub(crate) fn test_tenant(n: u8) -> RuleTenant {
    RuleTenant {
        id: glp_auth::WorkspaceId::parse(&format!("{n:02x}{}", "0".repeat(30))).expect("id"),
        name: format!("Tenant {n}"),
        cluster: None,
    }
}
