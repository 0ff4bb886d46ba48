//! ONNX Runtime for the model's two graphs: where to run them (`Device`, `ModelOptions`), the
//! one process-wide environment with its shared thread pool, a session per graph, and where the
//! model directory is (`locate_model_dir`). What the graphs compute is `model`'s business.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use anyhow::{anyhow, bail, Result};
use ort::session::Session;

/// Where to run the model. A provider that is not compiled in or fails to start falls back to
/// the CPU with a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    Cpu,
    Cuda,
    Coreml,
}

#[derive(Debug, Clone, Default)]
pub struct ModelOptions {
    pub device: Option<Device>,
    /// Intra-op threads of the shared pool (ONNX Runtime's default when `None`: one per core).
    pub threads: Option<usize>,
    /// Explicit ONNX Runtime library (see `ort_lib`).
    pub ort_lib: Option<PathBuf>,
    /// The thread pool's workers spin while waiting for work (faster per request, slower
    /// start; see `environment`). Pipe, REPL and eval spin; one-shot does not.
    pub spin: bool,
}

/// The ONNX Runtime environment; created once per process (the library can be loaded once),
/// with one global intra-op thread pool (`threads` workers; ONNX Runtime's default: one per
/// core) that both sessions share. Two per-session pools on 2 cores fought each other: the
/// global pool took the 20-tool line from ~92 to ~62 ms (measured with format 2's two graphs,
/// docs/performance.md). The first
/// model loaded in a process fixes `threads` and `spin`.
/// The ONNX Runtime library this process loaded (the tool cache keys on it).
static ORT_LIB: OnceLock<PathBuf> = OnceLock::new();

pub fn loaded_ort_lib() -> Option<&'static Path> {
    ORT_LIB.get().map(PathBuf::as_path)
}

pub(crate) fn environment(ort_lib: Option<&Path>, threads: Option<usize>, spin: bool) -> Result<&'static ort::environment::Environment> {
    static ENV: OnceLock<ort::environment::Environment> = OnceLock::new();
    // ONNX Runtime allows one environment per process: two threads loading models at once
    // (the test harness does) must not both build one, so the check and the creation are
    // serialised and a later thread takes the first one's environment. Once per model load,
    // so the lock costs nothing.
    static CREATING: Mutex<()> = Mutex::new(());
    let _creating = CREATING.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(env) = ENV.get() {
        return Ok(env);
    }
    let lib = crate::ort_lib::locate(ort_lib)?;
    let _ = ORT_LIB.set(lib.clone());
    let builder = ort::init_from(&lib)
        .map_err(|e| anyhow!("cannot load ONNX Runtime from {}: {e}", lib.display()))?;
    let mut pool = ort::environment::GlobalThreadPoolOptions::default();
    if let Some(n) = threads {
        pool = pool.with_intra_threads(n).map_err(|e| anyhow!("--threads {n}: {e}"))?;
    }
    // Spinning workers answer each graph run sooner (measured with format 2: 20-tool line ~64 ->
    // ~56 ms) but on 2 cores they take the CPU from the thread preparing the other session at
    // load (sessions ~150 -> ~200 ms): worth it for many lines, not for one (docs/performance.md).
    // `NEEDLE_ORT_SPIN=0|1` overrides, for measurements.
    let spin = match std::env::var("NEEDLE_ORT_SPIN").as_deref() {
        Ok("0") => false,
        Ok("1") => true,
        _ => spin,
    };
    pool = pool.with_spin_control(spin).map_err(|e| anyhow!("{e}"))?;
    let env = builder
        .with_name("needle")
        .with_telemetry(false)
        .with_global_thread_pool(pool)
        .build()
        .map_err(|e| anyhow!("cannot start ONNX Runtime ({}): {e}", lib.display()))?;
    Ok(ENV.get_or_init(|| env))
}

pub(crate) fn session(
    env: &ort::environment::Environment,
    path: &Path,
    opts: &ModelOptions,
    pre_optimized: bool,
    warn: bool,
) -> Result<(Session, Device)> {
    let mut builder = Session::builder(env).map_err(|e| anyhow!("{e}"))?; // uses the global pool
    if pre_optimized {
        builder = builder
            .with_optimization_level(ort::session::builder::GraphOptimizationLevel::Disable)
            .map_err(|e| anyhow!("{e}"))?;
    }
    builder = measurement_knobs(builder)?;
    let (builder, device) = with_device(builder, opts.device.unwrap_or(Device::Cpu), warn);
    let mut builder = builder;
    let session = builder
        .commit_from_file(path)
        .map_err(|e| anyhow!("cannot load {}: {e}", path.display()))?;
    Ok((session, device))
}

/// Session levers for measurements (docs/performance.md), read from the environment; unset
/// means needle's defaults. `NEEDLE_ORT_OPT=off|basic|extended|all` (graph optimisation
/// level; default: off for pre-optimised graphs, else all), `NEEDLE_ORT_MEM_PATTERN=0` (no
/// memory-pattern planning). (`NEEDLE_ORT_SPIN=1`: see `environment`.)
fn measurement_knobs(builder: ort::session::builder::SessionBuilder) -> Result<ort::session::builder::SessionBuilder> {
    use ort::session::builder::GraphOptimizationLevel as G;
    let mut b = builder;
    if let Ok(v) = std::env::var("NEEDLE_ORT_OPT") {
        let level = match v.as_str() {
            "off" => G::Disable,
            "basic" => G::Level1,
            "extended" => G::Level2,
            "all" => G::All,
            _ => bail!("NEEDLE_ORT_OPT={v}: expected off, basic, extended or all"),
        };
        b = b.with_optimization_level(level).map_err(|e| anyhow!("{e}"))?;
    }
    if std::env::var("NEEDLE_ORT_MEM_PATTERN").is_ok_and(|v| v == "0") {
        b = b.with_memory_pattern(false).map_err(|e| anyhow!("{e}"))?;
    }
    Ok(b)
}

#[allow(unused_mut)]
fn with_device(
    builder: ort::session::builder::SessionBuilder,
    device: Device,
    warn: bool,
) -> (ort::session::builder::SessionBuilder, Device) {
    let warn_fallback = |why: String| {
        if warn {
            eprintln!("needle: warning: {why}; using the CPU");
        }
    };
    match device {
        Device::Cpu => (builder, Device::Cpu),
        Device::Cuda => {
            #[cfg(feature = "cuda")]
            {
                let ep = ort::ep::CUDA::default().build().error_on_failure();
                return match builder.with_execution_providers([ep]) {
                    Ok(b) => (b, Device::Cuda),
                    Err(e) => {
                        warn_fallback(format!("CUDA is unavailable ({e})"));
                        (e.recover(), Device::Cpu)
                    }
                };
            }
            #[cfg(not(feature = "cuda"))]
            {
                warn_fallback("this needle was built without the `cuda` feature".into());
                (builder, Device::Cpu)
            }
        }
        Device::Coreml => {
            #[cfg(feature = "coreml")]
            {
                let ep = ort::ep::CoreML::default().build().error_on_failure();
                return match builder.with_execution_providers([ep]) {
                    Ok(b) => (b, Device::Coreml),
                    Err(e) => {
                        warn_fallback(format!("CoreML is unavailable ({e})"));
                        (e.recover(), Device::Cpu)
                    }
                };
            }
            #[cfg(not(feature = "coreml"))]
            {
                warn_fallback("this needle was built without the `coreml` feature".into());
                (builder, Device::Cpu)
            }
        }
    }
}

/// Finds the model directory: `explicit` (`--model` / `NEEDLE_MODEL`), else the shipped model
/// in `assets/`, looked up relative to the executable: `<exe dir>/../../assets` (the checkout,
/// from `target/release/needle`), `<exe dir>/assets` (an installed copy beside it), then the
/// compile-time fallback `assets/` of the checkout it was built from ([`crate::checkout_dir`]). A directory counts when it holds
/// `needle.json`.
pub fn locate_model_dir(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(dir) = explicit {
        if dir.join("needle.json").is_file() {
            return Ok(dir.to_path_buf());
        }
        bail!(
            "{}: not a needle model directory (no needle.json)",
            dir.display()
        );
    }
    let candidates = default_model_dirs();
    for dir in &candidates {
        if dir.join("needle.json").is_file() {
            return Ok(dir.clone());
        }
    }
    let looked: Vec<String> = candidates
        .iter()
        .map(|d| format!("  {}", d.display()))
        .collect();
    bail!(
        "no model found (pass --model DIR). Looked in:\n{}",
        looked.join("\n")
    )
}

/// The default model locations, in search order.
pub fn default_model_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(exe_dir) = std::env::current_exe()
        .ok()
        .and_then(|p| p.canonicalize().ok())
        .and_then(|p| p.parent().map(Path::to_path_buf))
    {
        if let Some(up2) = exe_dir.parent().and_then(Path::parent) {
            dirs.push(up2.join("assets"));
        }
        dirs.push(exe_dir.join("assets"));
    }
    dirs.push(crate::checkout_dir().join("assets"));
    dirs
}
