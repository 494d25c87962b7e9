//! Mistakes found before anything is contacted (resources, the query, output paths), and the
//! one found as soon as the tenant list is known (patterns that selected nothing).

use msp_orchestrator::{Columns, Query, Report, ResourceSpec, Selector, WriterOptions};

use msp_orchestrator::Format;

use super::args::CollectArgs;

/// The resources of `collect` (device-inventory when none is named): every one checked, every
/// problem reported at once.
pub(crate) fn resources(args: &CollectArgs) -> Result<Vec<ResourceSpec>, String> {
    if args.resources.is_empty() {
        return Ok(vec![ResourceSpec::Known(
            central_api::Resource::DeviceInventory,
        )]);
    }
    let mut problems = Vec::new();
    let mut specs = Vec::new();
    for name in &args.resources {
        match ResourceSpec::parse_with(name, args.unlisted) {
            Ok(spec) => specs.push(spec),
            Err(e) => problems.push(e),
        }
    }
    if problems.is_empty() {
        Ok(specs)
    } else {
        Err(problems.join("\nerror: "))
    }
}

/// Whether every resource of `collect` is a GreenLake one (`glp/...`, or a path of a GreenLake
/// API family): then no Central gateway is needed, nor checked.
pub(crate) fn greenlake_only(args: &CollectArgs) -> bool {
    !args.resources.is_empty()
        && args.resources.iter().all(|r| {
            ResourceSpec::parse_with(r, args.unlisted).is_ok_and(|spec| spec.is_greenlake())
        })
}

/// Whether `collect` reads the MSP-wide inventory (`msp/device-inventory`): MSP-level, one MSP
/// token per cluster and no exchange, so it is collected on its own, without a per-tenant query
/// or selection.
pub(crate) fn msp_inventory(args: &CollectArgs) -> Result<bool, String> {
    use msp_orchestrator::MSP_INVENTORY;
    if !args.resources.iter().any(|r| r == MSP_INVENTORY) {
        return Ok(false);
    }
    if args.resources.len() > 1 {
        return Err(format!(
            "{MSP_INVENTORY} is MSP-wide (one MSP token per cluster, no token exchange): collect \
             it on its own, and the tenant resources in another run"
        ));
    }
    if args.filter.is_some() || args.sort.is_some() || !args.params.is_empty() {
        return Err(format!(
            "{MSP_INVENTORY} takes no --filter, --sort or --param (they go to tenant requests)"
        ));
    }
    Ok(true)
}

/// `--filter`, `--sort` and `--param KEY=VALUE`, checked.
pub(crate) fn query(args: &CollectArgs) -> Result<Query, String> {
    let mut problems = Vec::new();
    let mut params = Vec::new();
    for param in &args.params {
        match param.split_once('=') {
            Some((key, value)) => params.push((key.trim().to_owned(), value.to_owned())),
            None => problems.push(format!(
                "--param {param}: give KEY=VALUE, e.g. --param site-id=24833497"
            )),
        }
    }
    let query = Query {
        filter: args.filter.clone(),
        sort: args.sort.clone(),
        params,
    };
    if let Err(more) = query.check() {
        problems.extend(more);
    }
    if problems.is_empty() {
        Ok(query)
    } else {
        Err(problems.join("\nerror: "))
    }
}

/// `--filter` against the grammar of Central's filters (and, for the lists `central-api` knows,
/// their fields and operators), when the run reads a Central resource, and against GreenLake's
/// grammar (`glp_workspaces::check_filter`: operators, quoting, parentheses) for a GreenLake
/// resource: a malformed filter is one usage error here rather than an HTTP 400 from every
/// tenant.
pub(crate) fn central_filter(resources: &[ResourceSpec], query: &Query) -> Result<(), String> {
    let mut problems: Vec<String> = Vec::new();
    // `--sort` on a list whose sort fields the spec names (alerts).
    if let Some(sort) = &query.sort {
        for spec in resources {
            if let ResourceSpec::Known(r) = spec
                && let Err(e) = central_api::check_sort(sort, *r)
            {
                problems.push(format!(
                    "--sort \"{}\": {e}",
                    glp_auth::text::escape_control(sort)
                ));
            }
        }
    }
    let Some(filter) = &query.filter else {
        return if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("\nerror: "))
        };
    };
    for spec in resources {
        let checked = match spec {
            ResourceSpec::Known(r) => {
                central_api::check_filter(filter, Some(*r)).map_err(|e| e.to_string())
            }
            spec if spec.is_greenlake() => {
                glp_workspaces::check_filter(filter).map_err(|e| e.to_string())
            }
            _ => central_api::check_filter(filter, None).map_err(|e| e.to_string()),
        };
        if let Err(e) = checked {
            let text = format!(
                "--filter \"{}\": {e}",
                glp_auth::text::escape_control(filter)
            );
            if !problems.contains(&text) {
                problems.push(text);
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\nerror: "))
    }
}

/// `--since`, as the RFC 3339 UTC time the audit log's filter takes: an RFC 3339 time as given
/// (normalised to UTC, to the second), or a duration (`30m`, `24h`, `7d`, `2w`, `90s`) back
/// from `now`. Refused when no resource is time-ordered (only `glp/audit-logs` is).
pub(crate) fn since(
    args: &CollectArgs,
    resources: &[ResourceSpec],
    now: std::time::SystemTime,
) -> Result<Option<String>, String> {
    let Some(given) = &args.since else {
        return Ok(None);
    };
    let cut: String = given.chars().take(64).collect();
    let shown = glp_auth::text::escape_control(&cut).into_owned();
    let timed = resources.iter().any(|r| match r {
        ResourceSpec::GreenLake(g) => g.time_field().is_some(),
        _ => false,
    });
    if !timed {
        return Err(format!(
            "--since {shown}: only glp/audit-logs is read by time; name it among the resources"
        ));
    }
    let text = given.trim();
    if let Some(secs) = glp_core::date::parse_rfc3339(text) {
        return Ok(Some(glp_core::date::rfc3339_from_unix(secs)));
    }
    let bad = || {
        format!(
            "--since {shown}: give a duration back from now (30m, 24h, 7d, 2w; at most 3650d) \
             or an RFC 3339 time (2026-12-01T00:00:00Z)"
        )
    };
    let secs = glp_core::date::parse_ago(text).ok_or_else(bad)?;
    let at = now
        .checked_sub(std::time::Duration::from_secs(secs))
        .ok_or_else(bad)?;
    Ok(Some(glp_core::date::rfc3339(at)))
}

/// Every check of `collect` that needs nothing but the arguments.
pub(crate) fn collect_args(args: &CollectArgs) -> Result<(Vec<ResourceSpec>, Query), String> {
    match (resources(args), query(args)) {
        (Ok(r), Ok(q)) => {
            central_filter(&r, &q)?;
            since(args, &r, std::time::SystemTime::now())?;
            Ok((r, q))
        }
        (Err(a), Err(b)) => Err(format!("{a}\nerror: {b}")),
        (Err(e), _) | (_, Err(e)) => Err(e),
    }
}

/// How the records are written: the CSV columns (`--columns`, else the defaults of the
/// resources). `--columns` with another format than CSV is a usage error.
pub(crate) fn writer_options(args: &CollectArgs, format: Format) -> Result<WriterOptions, String> {
    let columns = match &args.out.columns {
        Some(_) if format != Format::Csv => {
            return Err(
                "--columns chooses CSV columns: add --format csv or write to a .csv file".into(),
            );
        }
        Some(list) => Columns::parse(list)?,
        None => {
            let names: Vec<String> = if msp_inventory(args)? {
                args.resources.clone()
            } else {
                resources(args)?.iter().map(ResourceSpec::name).collect()
            };
            Columns::for_resources(&names)
        }
    };
    Ok(WriterOptions {
        header: true,
        columns: Some(columns),
    })
}

/// Once the whole tenant list was read: the `--include` patterns that selected no tenant (a
/// typo, or a tenant that is gone) are a usage error; `--exclude` patterns that matched none
/// are worth a warning. `None` when all is well or the listing was not read to its end.
pub(crate) fn empty_selection(selector: &Selector, report: &Report) -> Option<String> {
    if report.interrupted || report.source_error.is_some() || report.credential_rejected.is_some() {
        return None;
    }
    for pattern in selector.unmatched_excludes() {
        eprintln!(
            "warning: --exclude {} matched no tenant",
            glp_auth::text::escape_control(&pattern)
        );
    }
    let unmatched = selector.unmatched_include_patterns();
    if unmatched.is_empty() {
        return None;
    }
    let list: Vec<String> = unmatched
        .iter()
        .map(|(flag, p)| format!("{flag} {p}"))
        .collect();
    Some(format!(
        "{} matched no tenant (see `msp-orchestrator tenants` for the names and ids)",
        list.join(", ")
    ))
}

/// The `--include` patterns that matched none of the tenants (`names`: every one's name; `of`:
/// which they are, `listed` or `stored`), one line each with up to three near names; `None`
/// when every one matched.
pub(crate) fn unmatched_includes(
    selector: &Selector,
    names: &[String],
    of: &str,
) -> Option<String> {
    let unmatched = selector.unmatched_include_patterns();
    if unmatched.is_empty() {
        return None;
    }
    let lines: Vec<String> = unmatched
        .iter()
        .map(|(flag, pattern)| {
            let near: Vec<String> = pattern
                .nearest_names(names.iter().map(String::as_str))
                .iter()
                .map(|n| format!("'{}'", glp_auth::text::escape_control(n)))
                .collect();
            let hint = if near.is_empty() {
                String::new()
            } else {
                format!(" (did you mean {}?)", near.join(" or "))
            };
            format!(
                "{flag} {pattern} matched none of the {} {of} tenants{hint}",
                names.len()
            )
        })
        .collect();
    Some(lines.join("\nerror: "))
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use clap::Parser as _;

    use super::*;
    use crate::args::{Cli, Command};

    /// `--since` of `collect RESOURCES --since GIVEN` against a fixed now.
    fn since_of(names: &[&str], given: &str) -> Result<Option<String>, String> {
        let flag = format!("--since={given}");
        let mut argv = vec!["msp-orchestrator", "collect"];
        argv.extend(names);
        argv.push(&flag);
        let Command::Collect(args) = Cli::try_parse_from(argv).expect("parses").command else {
            unreachable!("collect")
        };
        let now = UNIX_EPOCH + Duration::from_secs(1_796_083_200); // 2026-12-01T00:00:00Z
        let specs = resources(&args)?;
        since(&args, &specs, now)
    }

    #[test]
    fn since_takes_durations_and_rfc3339_times_for_the_audit_log_only() {
        let audit = &["glp/audit-logs"][..];
        for (given, want) in [
            ("24h", "2026-11-30T00:00:00Z"),
            ("7d", "2026-11-24T00:00:00Z"),
            ("30m", "2026-11-30T23:30:00Z"),
            ("2w", "2026-11-17T00:00:00Z"),
            ("0s", "2026-12-01T00:00:00Z"),
            ("2026-12-01T00:00:00Z", "2026-12-01T00:00:00Z"),
            ("2026-12-01T02:00:00.5+02:00", "2026-12-01T00:00:00Z"),
        ] {
            assert_eq!(since_of(audit, given), Ok(Some(want.to_owned())), "{given}");
        }
        for bad in [
            "",
            "yesterday",
            "24",
            "h",
            "-1h",
            "1.5h",
            "24 h",
            "3651d",
            "99999999999999999999s",
            "2026-12-01",
            "\u{1b}[31m1h",
        ] {
            let err = since_of(audit, bad).expect_err(bad);
            assert!(err.contains("--since"), "{err}");
            assert!(!err.contains('\u{1b}'), "{err}");
            assert!(err.contains("at most 3650d) or an RFC 3339 time"), "{err}");
        }
        let err = since_of(&["aps", "glp/devices"], "24h").expect_err("not timed");
        assert!(err.contains("glp/audit-logs"), "{err}");
        assert_eq!(
            since_of(&["aps", "glp/audit-logs"], "1h").map(|s| s.is_some()),
            Ok(true)
        );
    }
}
