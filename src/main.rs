//! needle: a tiny tool-calling model on the command line.
//!
//! Modes (see `cli.rs`): one-shot (a query argument), pipe (stdin not a terminal), REPL
//! (stdin a terminal), `needle tools check`, `needle eval`, `needle bench`, `needle serve`
//! (HTTP), `needle completions` and `needle man`. Exit codes: 0 calls printed, 1 no tool fits,
//! 2 usage or input error, 3 model or runtime error.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;

use needle::cli::{Cli, Command, EngineArgs, RunArgs, ToolsCommand};
use needle::engine::Engine;
use needle::{answer, error_text, exit_code_of, load_engine, output, pipe, repl, tools, InputError, EXIT_NO_CALL, EXIT_OK};

fn main() -> ExitCode {
    // ONNX Runtime otherwise writes a device id and a small database under
    // ~/.cache/Microsoft/DeveloperTools on every start: a local tool should leave no trace it
    // was not asked for. Set before any thread exists; an explicit setting is kept.
    if std::env::var_os("ORT_DISABLE_TELEMETRY").is_none() {
        std::env::set_var("ORT_DISABLE_TELEMETRY", "1");
    }
    // An empty variable means unset (`NEEDLE_TOOL_CACHE= needle ...`), as for XDG_CACHE_HOME;
    // clap would refuse an empty path. Single-threaded here, so changing the environment is safe.
    for var in ["NEEDLE_MODEL", "NEEDLE_TOOL_CACHE", "NEEDLE_TODAY"] {
        if std::env::var_os(var).is_some_and(|v| v.is_empty()) {
            std::env::remove_var(var);
        }
    }
    let mut cli = Cli::parse();
    match run(&mut cli) {
        Ok(code) => ExitCode::from(code),
        // A closed stdout (`needle ... | head`) is not an error.
        Err(err) if is_broken_pipe(&err) => ExitCode::from(EXIT_OK),
        Err(err) => {
            eprintln!("needle: error: {}", error_text(&err));
            ExitCode::from(exit_code_of(&err))
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain()
        .any(|e| e.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe))
}

fn run(cli: &mut Cli) -> Result<u8> {
    match &cli.command {
        Some(Command::Tools(ToolsCommand::Check { paths, rendered })) => {
            tools_check(paths, *rendered)
        }
        Some(Command::Eval(args)) => {
            let mut engine = load_engine(&cli.engine, Vec::new(), false)?;
            if cli.engine.tool_cache.is_none() {
                // Off unless asked for: an evaluation's thousands of tools would crowd out the
                // user's own (the answers are the same either way).
                engine.tool_cache = None;
            }
            needle::eval::run(args, &mut engine)?;
            Ok(EXIT_OK)
        }
        Some(Command::Bench(args)) => {
            needle::bench::run(args, &cli.engine)?;
            Ok(EXIT_OK)
        }
        Some(Command::Serve(args)) => {
            needle::serve::run(args, &cli.engine)?;
            Ok(EXIT_OK)
        }
        // Both are written to a buffer first: clap_complete panics on a failed write, and a
        // closed stdout (`needle man | head`) is not an error.
        Some(Command::Completions { shell }) => {
            let mut text = Vec::new();
            clap_complete::generate(*shell, &mut <Cli as clap::CommandFactory>::command(), "needle", &mut text);
            std::io::stdout().write_all(&text)?;
            Ok(EXIT_OK)
        }
        Some(Command::Man) => {
            let mut text = Vec::new();
            clap_mangen::Man::new(<Cli as clap::CommandFactory>::command()).render(&mut text)?;
            std::io::stdout().write_all(&text)?;
            Ok(EXIT_OK)
        }
        None => {
            cli.run.split_query_from_tools()?;
            run_default(&cli.engine, &cli.run)
        }
    }
}

/// `needle tools check PATH...`; with `rendered` also each tool as the model reads it (the
/// bi-encoder's one-line text; no model is loaded).
fn tools_check(paths: &[PathBuf], rendered: bool) -> Result<u8> {
    let tools = tools::load_paths(paths, &[])?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for tool in &tools {
        write!(out, "{}", tool.listing(false))?;
        if rendered {
            writeln!(out, "    rendered: {}", needle::model::sequence::tool_line(&tool.name, &tool.description, &tool.parameters))?;
        }
    }
    writeln!(out, "ok: {} tool(s) from {} path(s)", tools.len(), paths.len())?;
    Ok(EXIT_OK)
}

fn run_default(eargs: &EngineArgs, args: &RunArgs) -> Result<u8> {
    let query = args.query.clone();
    if let Some(q) = &query {
        if q.trim().is_empty() {
            return Err(InputError("the query is empty".into()).into());
        }
    }
    let tools = if args.tools.is_empty() {
        Vec::new()
    } else {
        tools::load_paths(&args.tools, &[])?
    };
    if tools.is_empty() && (query.is_some() || !std::io::stdin().is_terminal()) {
        eprintln!("needle: warning: no tools loaded (--tools PATH); every answer will be []");
    }
    match query {
        Some(q) => {
            let mut engine = load_engine(eargs, tools, true)?;
            let code = one_shot(&mut engine, &q, eargs, args);
            // The process ends here: skip tearing down the sessions and buffers (~15 ms of a
            // ~300 ms cold start); the OS reclaims all of it.
            std::mem::forget(engine);
            code
        }
        None if !std::io::stdin().is_terminal() => {
            let mut engine = load_engine(eargs, tools, false)?;
            pipe::run(&mut engine, eargs, args)
        }
        None => {
            let engine = load_engine(eargs, tools, false)?;
            repl::run(engine, eargs, args)
        }
    }
}

fn one_shot(engine: &mut Engine, query: &str, eargs: &EngineArgs, args: &RunArgs) -> Result<u8> {
    let (pred, value) = answer(engine, query, args, eargs.verbose)?;
    let text = output::format(&value, args.pretty, output::use_color(&args.color));
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    writeln!(out, "{text}").and_then(|_| out.flush()).context("cannot write to stdout")?;
    Ok(if pred.calls.is_empty() { EXIT_NO_CALL } else { EXIT_OK })
}
