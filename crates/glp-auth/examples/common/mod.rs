//! What the examples share (the examples of glp-workspaces and central-api include this file
//! by its path): how an example ends.

use std::error::Error;
use std::process::ExitCode;

/// The exit code of an example whose `run` ended with `result`: success, or failure with the
/// error on stderr (its `Display`, which carries the hints and never a token) followed by the
/// causes not already part of that message (e.g. "connection refused").
pub(crate) fn exit_code(result: Result<(), Box<dyn Error>>) -> ExitCode {
    let Err(error) = result else {
        return ExitCode::SUCCESS;
    };
    eprintln!("error: {error}");
    let mut shown = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !shown.contains(&text) {
            eprintln!("  caused by: {text}");
            shown.push_str(&text);
        }
        source = cause.source();
    }
    ExitCode::FAILURE
}
