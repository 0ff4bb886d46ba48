//! Loading the engine for a run mode: the model folder, ONNX Runtime options, the tools, a
//! spinner while it loads on a terminal, and `--verbose` timings.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::cli::EngineArgs;
use needle_core::engine::Engine;
use needle_core::onnx::{self, ModelOptions};
use needle_core::tool_cache::{self, ToolCache};
use needle_core::{tools, InputError};

/// More intra-op threads than [`MAX_THREADS_PER_CORE`] per core only slow ONNX Runtime down (and
/// tens of thousands never finish starting): such a `--threads` is an input error.
pub const MAX_THREADS_PER_CORE: usize = 4;

fn check_threads(threads: usize, cores: usize) -> Result<()> {
    let max = MAX_THREADS_PER_CORE * cores;
    if threads > max {
        return Err(InputError(format!(
            "--threads {threads}: at most {max} on this machine ({MAX_THREADS_PER_CORE} per core, {cores} cores)"
        ))
        .into());
    }
    Ok(())
}

/// Loads the engine with a spinner on a terminal; `--verbose` prints timings. `one_shot`: the
/// process answers one request (threads tuned for a fast start, see `ModelOptions::spin`).
pub fn load_engine(args: &EngineArgs, tools: Vec<tools::Tool>, one_shot: bool) -> Result<Engine> {
    let start = Instant::now();
    if let Some(n) = args.threads {
        check_threads(usize::from(n), std::thread::available_parallelism().map_or(1, |c| c.get()))?;
    }
    let dir = onnx::locate_model_dir(args.model.as_deref())?;
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.set_draw_target(if std::io::stderr().is_terminal() {
        indicatif::ProgressDrawTarget::stderr()
    } else {
        indicatif::ProgressDrawTarget::hidden()
    });
    spinner.set_message(format!("loading model {}", dir.display()));
    spinner.enable_steady_tick(Duration::from_millis(100));
    let opts = ModelOptions {
        device: Some(args.device.into()),
        threads: args.threads.map(usize::from),
        ort_lib: args.ort_lib.clone(),
        spin: !one_shot,
    };
    if let Some(day) = &args.today {
        // Checked here so a bad --today is a usage error; the value normaliser reads NEEDLE_TODAY.
        needle_core::values::Context::on(day).map_err(|e| InputError(format!("--today: {e}")))?;
        std::env::set_var("NEEDLE_TODAY", day.trim());
    }
    let result = (|| {
        let context = needle_core::values::Context::from_env().map_err(|e| InputError(format!("NEEDLE_TODAY: {e}")))?;
        let mut engine =
            Engine::load(&dir, &opts, context).with_context(|| format!("cannot load model {}", dir.display()))?;
        let loaded_ms = start.elapsed().as_secs_f64() * 1e3;
        if let Some(cache_dir) = args.tool_cache_dir() {
            // Best effort: a cache that cannot be opened is no cache (`--verbose` says why).
            let runtime = tool_cache::runtime_key(&format!("{:?}", engine.device()));
            match ToolCache::open(&cache_dir, &dir, &engine.model.manifest.files.encoder, &runtime) {
                Ok(cache) => engine.tool_cache = Some(cache),
                Err(e) if args.verbose => eprintln!("needle: tool cache {} off: {e:#}", cache_dir.display()),
                Err(_) => {}
            }
        }
        spinner.set_message(format!("encoding {} tool(s)", tools.len()));
        engine.set_tools(tools).context("cannot encode tools")?;
        if args.verbose {
            eprintln!(
                "needle: model {} ({}, device {:?}) loaded in {loaded_ms:.1} ms; {} tool(s) encoded ({} tokens), {} read from the tool cache, in {:.1} ms",
                dir.display(),
                engine.name(),
                engine.device(),
                engine.last_encode.tools,
                engine.last_encode.rows,
                engine.last_encode.from_cache,
                engine.last_encode.ms,
            );
            if let Some(problem) = engine.tool_cache.as_ref().and_then(|c| c.problem.as_ref()) {
                eprintln!("needle: tool cache: {problem}");
            }
        }
        Ok(engine)
    })();
    spinner.finish_and_clear();
    result
}
