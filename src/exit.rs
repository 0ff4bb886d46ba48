//! Exit codes and error text: how a failure reaches the shell (documented in the README's
//! "Exit codes" table).

use needle_core::{tools, InputError};

/// Exit codes.
pub const EXIT_OK: u8 = 0;
pub const EXIT_NO_CALL: u8 = 1;
pub const EXIT_INPUT: u8 = 2;
pub const EXIT_MODEL: u8 = 3;

/// The exit code for an error: 2 when it is an input problem (bad tool files, bad query),
/// else 3.
pub fn exit_code_of(err: &anyhow::Error) -> u8 {
    let input = err
        .chain()
        .any(|e| e.is::<InputError>() || e.is::<tools::ToolErrors>());
    if input {
        EXIT_INPUT
    } else {
        EXIT_MODEL
    }
}

/// `outer: inner: innermost`, but without repeating a tool-error list inside context.
pub fn error_text(err: &anyhow::Error) -> String {
    let parts: Vec<String> = err.chain().map(|e| e.to_string()).collect();
    let mut text = parts.join(": ");
    if text.contains('\n') {
        // Multi-line (e.g. one line per tool-file problem): keep each on its own line.
        text = parts.join(":\n  ");
    }
    text
}
