//! What every kind of action shares when it is carried out: [`never_twice`], the write whose
//! lost answer is settled by a re-read before it is ever sent again, and [`drive`], which runs
//! the writing actions with bounded concurrency and hands each result on as it is known, and
//! [`run_batches`], one action's batches one after the other, and [`write_and_follow`], an
//! asynchronous write sent never twice and its operation followed to its end, and
//! [`not_carried_out`], the words of an action left alone.

use std::collections::BTreeSet;
use std::future::Future;

use futures::StreamExt as _;
use glp_transport::ApiError;
use glp_workspaces::{DeviceOperation, OperationStatus, WriteAnswer};

use super::execute::{ActionResult, ActionStatus};
use crate::{Cancel, StopLevel};

/// How one write ended.
#[derive(Debug)]
pub(crate) enum Settled<T> {
    /// The server answered it.
    Answered(T),
    /// Its answer was lost and a re-read shows it in effect (with the re-read's note).
    InEffect(String),
    /// Refused, or its outcome could not be established: why, in words.
    Failed(String),
}

/// Sends a write with `send`, at most once, or twice when `resendable` and a re-read
/// (`check`: `Ok(Some(note))` in effect, `Ok(None)` not, `Err(why)` could not tell) shows
/// that the first did not take effect after its answer was lost ([`ApiError::OutcomeUnknown`]).
/// `r` counts the writes sent, notes a lost answer and keeps the last HTTP status.
pub(crate) async fn never_twice<T, S, C>(
    r: &mut ActionResult,
    resendable: bool,
    send: impl Fn() -> S,
    check: impl Fn() -> C,
) -> Settled<T>
where
    S: Future<Output = Result<T, ApiError>>,
    C: Future<Output = Result<Option<String>, String>>,
{
    let mut attempts_left = if resendable { 2 } else { 1 };
    loop {
        attempts_left -= 1;
        r.writes_sent += 1;
        let e = match send().await {
            Ok(answer) => return Settled::Answered(answer),
            Err(e @ ApiError::OutcomeUnknown { .. }) => e,
            Err(e) => {
                r.http_status = e.status();
                return Settled::Failed(e.to_string());
            }
        };
        r.answer_lost = true;
        r.http_status = e.status();
        match check().await {
            Ok(Some(note)) => return Settled::InEffect(note),
            Ok(None) if attempts_left > 0 => {}
            Ok(None) => {
                return Settled::Failed(format!(
                    "{e}; a re-read shows it did not take effect (not sent again: apply again to \
                     retry)"
                ));
            }
            Err(why) => return Settled::Failed(format!("{e}; {why}")),
        }
    }
}

/// Carries out the writing actions of `count` actions, `pending(i)` the result of action `i`
/// not yet carried out: those in no group (nothing to write) go to `done` at once; each group's positions are
/// run by `run` one after the other (none once `cancel` asks to stop), at most `concurrency`
/// groups at once, each result handed to `done` as it is known. The results, in order.
pub(crate) async fn drive<F>(
    count: usize,
    pending: impl Fn(usize) -> ActionResult,
    groups: Vec<Vec<usize>>,
    run: impl Fn(usize, ActionResult) -> F,
    concurrency: usize,
    cancel: &Cancel,
    mut done: impl FnMut(&ActionResult),
) -> Vec<ActionResult>
where
    F: Future<Output = ActionResult>,
{
    let mut results: Vec<ActionResult> = (0..count).map(&pending).collect();
    let grouped: BTreeSet<usize> = groups.iter().flatten().copied().collect();
    for (i, r) in results.iter().enumerate() {
        if !grouped.contains(&i) {
            done(r);
        }
    }
    let run = &run;
    let work: Vec<_> = groups
        .into_iter()
        .map(|group| {
            let pending: Vec<(usize, ActionResult)> =
                group.into_iter().map(|i| (i, results[i].clone())).collect();
            async move {
                let mut out = Vec::new();
                for (i, r) in pending {
                    let r = if cancel.level() == StopLevel::Run {
                        run(i, r).await
                    } else {
                        r
                    };
                    out.push((i, r));
                }
                out
            }
        })
        .collect();
    let mut stream = futures::stream::iter(work).buffer_unordered(concurrency.max(1));
    while let Some(finished) = stream.next().await {
        for (i, r) in finished {
            done(&r);
            results[i] = r;
        }
    }
    results
}

/// Sends one action's `batches` one after the other with `send` (none once `cancel` asks to
/// stop), then sets `r`'s status (done; skipped when none was sent; failed) and its detail,
/// escaped for the terminal: `describe`, how many batches were done, whether an answer was
/// lost, and the first failure (`failed` names its batch beside why).
pub(crate) async fn run_batches<B>(
    r: &mut ActionResult,
    (describe, batches): (&str, &[B]),
    cancel: &Cancel,
    failed: impl Fn(&B, String) -> String,
    mut send: impl AsyncFnMut(&B, &mut ActionResult) -> Result<(), String>,
) {
    let mut failures = Vec::new();
    let mut sent = 0;
    for batch in batches {
        if cancel.level() != StopLevel::Run {
            break;
        }
        sent += 1;
        if let Err(why) = send(batch, r).await {
            failures.push(failed(batch, why));
        }
    }
    let done = sent - failures.len();
    r.status = if failures.is_empty() && sent == batches.len() {
        ActionStatus::Done
    } else if sent == 0 {
        ActionStatus::Skipped
    } else {
        ActionStatus::Failed
    };
    let lost = if r.answer_lost {
        "; an answer was lost, a re-read decided"
    } else {
        ""
    };
    r.detail = glp_core::text::escape_control(&format!(
        "{describe}: {done} of {} batches done{lost}{}",
        batches.len(),
        failures
            .first()
            .map(|f| format!("; {f}"))
            .unwrap_or_default()
    ))
    .into_owned();
}

/// An asynchronous write sent [`never_twice`] (with `resendable`, `send` and `check` as
/// there), then, once accepted, its operation (its id found in the answer by `operation_of`)
/// followed to its end with `wait`. `Ok` when it succeeded (or a re-read after its lost answer
/// shows it in effect); `Err` with why otherwise: its status and the server's detail when it
/// ended otherwise. An operation not followed to its end may still complete, so it is never
/// sent again: the re-read decides whether it is in effect already.
pub(crate) async fn write_and_follow<S, C, W>(
    r: &mut ActionResult,
    (resendable, send): (bool, impl Fn() -> S),
    check: impl Fn() -> C,
    operation_of: impl FnOnce(&WriteAnswer) -> Option<String>,
    wait: impl FnOnce(String) -> W,
) -> Result<(), String>
where
    S: Future<Output = Result<WriteAnswer, ApiError>>,
    C: Future<Output = Result<Option<String>, String>>,
    W: Future<Output = Result<DeviceOperation, ApiError>>,
{
    let answer = match never_twice(r, resendable, send, &check).await {
        Settled::Answered(answer) => answer,
        Settled::InEffect(_) => return Ok(()),
        Settled::Failed(why) => return Err(why),
    };
    r.http_status = Some(answer.status);
    let polled = match operation_of(&answer) {
        Some(op) => wait(op).await,
        None => Err(ApiError::InvalidRequest(
            "accepted without an operation to follow".into(),
        )),
    };
    let what = match polled {
        Ok(op) if op.status == OperationStatus::Succeeded => return Ok(()),
        Ok(op) if op.status.is_terminal() => {
            return Err(format!(
                "the operation ended {:?}: {}",
                op.status,
                op.detail.unwrap_or_else(|| "no detail given".into())
            ));
        }
        Ok(op) => format!("the operation is still {:?}", op.status),
        Err(e) => format!("the operation could not be followed: {e}"),
    };
    match check().await {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err(format!(
            "{what}; a re-read shows it not in effect yet (not sent again: apply again)"
        )),
        Err(why) => Err(format!("{what}; {why}")),
    }
}

/// The detail of an action of `kind` not carried out (yet), after `what` it is: nothing to do,
/// skipped or cannot be done (`why`, for the kinds `skip` and `cannot`), or not started
/// because the run stopped first.
pub(crate) fn not_carried_out(what: &str, kind: &str, why: Option<&str>) -> String {
    match (kind, why) {
        ("nothing", _) => format!("{what}: nothing to do"),
        ("skip", Some(why)) => format!("{what}: skipped: {why}"),
        ("cannot", Some(why)) => format!("{what}: cannot: {why}"),
        _ => format!("{what}: not started (stopped)"),
    }
}
