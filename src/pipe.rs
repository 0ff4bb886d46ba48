//! Pipe mode: one compact JSON line per non-empty input line, in order, flushed per line.
//!
//! Each non-empty (after trimming) line of stdin gets exactly one line on stdout: the array of
//! calls (`--meta`: a `{"query","calls","confidence","ms"}` object). A line that fails (not
//! UTF-8, longer than [`MAX_LINE_BYTES`], a model error) gets `{"query": ..., "error": ...}` and
//! processing continues. `--pretty` is ignored here: one answer per line is the contract.
//! A line over [`MAX_LINE_BYTES`] gets an error object without being read into memory.
//! Exit: 0 when every line was answered, 2 when some line was bad input, 3 when some line hit
//! a model or runtime error (3 wins over 2). A closed stdout ends the run quietly.

use std::io::{BufRead, Read, Write};

use anyhow::{Context, Result};
use serde_json::Value;

use crate::cli::{EngineArgs, RunArgs};
use crate::engine::Engine;
use crate::{exit_code_of, output, EXIT_INPUT, EXIT_OK};

pub fn run(engine: &mut Engine, eargs: &EngineArgs, args: &RunArgs) -> Result<u8> {
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut code = EXIT_OK;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let n = (&mut input)
            .take(MAX_LINE_BYTES as u64 + 1)
            .read_until(b'\n', &mut buf)
            .context("cannot read stdin")?;
        if n == 0 {
            break;
        }
        let (value, line_code) = if buf.len() > MAX_LINE_BYTES && buf.last() != Some(&b'\n') {
            skip_rest_of_line(&mut input).context("cannot read stdin")?;
            too_long(&buf)
        } else {
            answer(engine, &buf, eargs, args)
        };
        let Some(value) = value else { continue };
        code = code.max(line_code);
        let line = serde_json::to_string(&value).expect("Value serialises");
        // One write of the whole line, then flush: never a half-written line from us.
        match writeln!(out, "{line}").and_then(|_| out.flush()) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(code),
            Err(e) => return Err(e).context("cannot write to stdout"),
        }
    }
    Ok(code)
}

/// A longer input line is answered with an error object (and exit 2) without being read into
/// memory: the model reads a few hundred tokens of a query, and a 200 MB line once used 4 GB.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// Consumes input up to and including the next newline (or the end), keeping none of it.
fn skip_rest_of_line(input: &mut impl BufRead) -> std::io::Result<()> {
    loop {
        let chunk = input.fill_buf()?;
        if chunk.is_empty() {
            return Ok(());
        }
        if let Some(i) = chunk.iter().position(|&b| b == b'\n') {
            input.consume(i + 1);
            return Ok(());
        }
        let n = chunk.len();
        input.consume(n);
    }
}

/// The error object of an over-long line, quoting its start.
fn too_long(start: &[u8]) -> (Option<Value>, u8) {
    let head = String::from_utf8_lossy(&start[..start.len().min(80)]).trim().to_string();
    let msg = format!("input line longer than {} MiB: not read", MAX_LINE_BYTES >> 20);
    eprintln!("needle: {msg}");
    (Some(output::error_object(&format!("{head}..."), &msg)), EXIT_INPUT)
}

/// The output for one raw input line (`None` for a blank line) and its exit code.
fn answer(
    engine: &mut Engine,
    raw: &[u8],
    eargs: &EngineArgs,
    args: &RunArgs,
) -> (Option<Value>, u8) {
    let text = match std::str::from_utf8(raw) {
        Ok(t) => t,
        Err(e) => {
            let lossy = String::from_utf8_lossy(raw);
            let query = lossy.trim();
            if query.is_empty() {
                return (None, EXIT_OK);
            }
            let msg = format!("input line is not valid UTF-8: {e}");
            eprintln!("needle: {msg}");
            return (Some(output::error_object(query, &msg)), EXIT_INPUT);
        }
    };
    let query = text.trim();
    if query.is_empty() {
        return (None, EXIT_OK);
    }
    match crate::answer(engine, query, args, eargs.verbose) {
        Ok((_, value)) => (Some(value), EXIT_OK),
        Err(err) => {
            let msg = crate::error_text(&err);
            eprintln!("needle: error: {msg}");
            (Some(output::error_object(query, &msg)), exit_code_of(&err))
        }
    }
}
