//! The `needle` binary itself, spawned as a user would run it: cold start to first answer
//! (one-shot mode) and a pipe-mode run, each with its wall time and peak RSS (`wait4`).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use super::{f1, mark, median, BenchArgs, Inputs};
use crate::cli::EngineArgs;
use crate::tools::Tool;

/// What the children measured.
pub struct ChildStats {
    /// One-shot, 20 tools.
    pub cold: Vec<f64>,
    pub cold_rss: u64,
    /// One-shot, the first tool alone.
    pub cold1: Vec<f64>,
    /// One-shot, 200 tools.
    pub cold200: Vec<f64>,
    pub cold200_rss: u64,
    /// One-shot, 20 and 200 tools, their vectors in a tool cache filled by a run before.
    pub cached20: Vec<f64>,
    pub cached200: Vec<f64>,
    /// A pipe-mode child answering `--lines` lines with the 20 tools.
    pub pipe_ms: f64,
    pub pipe_rss: u64,
    pub lines: usize,
}

/// Runs a child to exit; (wall ms, peak RSS KiB of the child, exit code).
fn timed_child(mut cmd: Command, stdin_text: Option<&str>) -> Result<(f64, u64, i32)> {
    let t = Instant::now();
    let mut child = cmd
        .stdin(if stdin_text.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("cannot spawn needle")?;
    if let Some(text) = stdin_text {
        let mut sin = child.stdin.take().expect("piped stdin");
        sin.write_all(text.as_bytes())?;
    }
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: plain wait4 on our own child; rusage is plain data.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let ms = t.elapsed().as_secs_f64() * 1e3;
    if r != pid {
        bail!("wait4 failed: {}", std::io::Error::last_os_error());
    }
    std::mem::forget(child); // already reaped
    let code = if libc::WIFEXITED(status) { libc::WEXITSTATUS(status) } else { -1 };
    Ok((ms, usage.ru_maxrss as u64, code))
}

/// A child reading no tool cache unless `tool_cache` names one (a cold start encodes every tool).
fn child_base(eargs: &EngineArgs, model_dir: &Path, tools: &Path, tool_cache: Option<&Path>) -> Result<Command> {
    let mut c = Command::new(std::env::current_exe()?);
    c.arg("--model").arg(model_dir).arg("--tools").arg(tools);
    c.arg("--tool-cache").arg(tool_cache.unwrap_or(Path::new("off")));
    if let Some(n) = eargs.threads {
        c.arg("--threads").arg(n.to_string());
    }
    if let Some(p) = &eargs.ort_lib {
        c.arg("--ort-lib").arg(p);
    }
    Ok(c)
}

/// Runs every child. Call it first, while the bench process is still small: a forked child's
/// peak RSS (wait4's ru_maxrss) includes the parent's image it started from.
pub fn measure(args: &BenchArgs, eargs: &EngineArgs, model_dir: &Path, inputs: &Inputs) -> Result<ChildStats> {
    let query = &inputs.queries[0];
    let one_shot_cached = |tools: &Path, cache: Option<&Path>| -> Result<(f64, u64)> {
        let mut c = child_base(eargs, model_dir, tools, cache)?;
        c.arg("--").arg(query);
        let (ms, rss, code) = timed_child(c, None)?;
        if code != 0 && code != 1 {
            bail!("one-shot child exited with {code}");
        }
        Ok((ms, rss))
    };
    let one_shot = |tools: &Path| one_shot_cached(tools, None);
    let runs = args.cold_runs.max(1);
    let (mut cold, mut cold_rss) = (Vec::new(), 0u64);
    for _ in 0..runs {
        let (ms, rss) = one_shot(&inputs.tools_path)?;
        cold.push(ms);
        cold_rss = cold_rss.max(rss);
    }
    let temp_file = |what: &str, tools: &[Tool]| -> Result<std::path::PathBuf> {
        let path = std::env::temp_dir().join(format!("needle-bench-{what}-{}.json", std::process::id()));
        std::fs::write(&path, serde_json::to_string(&tools.iter().map(Tool::to_json).collect::<Vec<_>>())?)?;
        Ok(path)
    };
    let one = temp_file("1tool", &inputs.tools1)?;
    let mut cold1 = Vec::new();
    for _ in 0..runs {
        cold1.push(one_shot(&one)?.0);
    }
    let _ = std::fs::remove_file(&one);
    let all = temp_file("200tools", &inputs.tools200)?;
    let (mut cold200, mut cold200_rss) = (Vec::new(), 0u64);
    for _ in 0..runs {
        let (ms, rss) = one_shot(&all)?;
        cold200.push(ms);
        cold200_rss = cold200_rss.max(rss);
    }
    // The same one-shot runs with a tool cache that an unmeasured run filled first.
    let cache = std::env::temp_dir().join(format!("needle-bench-cache-{}", std::process::id()));
    let cached = |tools: &Path| -> Result<Vec<f64>> {
        one_shot_cached(tools, Some(&cache))?;
        (0..runs).map(|_| Ok(one_shot_cached(tools, Some(&cache))?.0)).collect()
    };
    let (cached20, cached200) = (cached(&inputs.tools_path), cached(&all));
    let _ = std::fs::remove_dir_all(&cache);
    let _ = std::fs::remove_file(&all);
    let (cached20, cached200) = (cached20?, cached200?);
    let lines = args.lines.max(1);
    let text: String = (0..lines).map(|i| format!("{}\n", inputs.queries[i % inputs.queries.len()])).collect();
    let (pipe_ms, pipe_rss, _) = timed_child(child_base(eargs, model_dir, &inputs.tools_path, None)?, Some(&text))?;
    Ok(ChildStats {
        cold,
        cold_rss,
        cold1,
        cold200,
        cold200_rss,
        cached20,
        cached200,
        pipe_ms,
        pipe_rss,
        lines,
    })
}

impl ChildStats {
    /// The table rows of the children.
    pub fn rows(&self) -> String {
        let mut o = String::new();
        let min = self.cold.iter().copied().fold(f64::INFINITY, f64::min);
        let max = self.cold.iter().copied().fold(0.0, f64::max);
        o += &format!(
            "| cold start to first answer (one-shot child, 20 tools; median of {}) | {} ms (min {}, max {}) | <= 300 ms: {} |\n",
            self.cold.len(),
            f1(median(&self.cold)),
            f1(min),
            f1(max),
            mark(median(&self.cold) <= 300.0)
        );
        o += &format!("| cold start, 1 tool (median) | {} ms | |\n", f1(median(&self.cold1)));
        o += &format!(
            "| cold start, 200 tools (median) | {} ms, peak RSS {:.1} MiB | |\n",
            f1(median(&self.cold200)),
            self.cold200_rss as f64 / 1024.0
        );
        o += &format!(
            "| cold start with the tool cache filled by a run before, 20 / 200 tools (median) | {} / {} ms | |\n",
            f1(median(&self.cached20)),
            f1(median(&self.cached200))
        );
        o += &format!(
            "| peak RSS, one-shot child (20 tools) | {:.1} MiB | <= 150 MiB: {} |\n",
            self.cold_rss as f64 / 1024.0,
            mark(self.cold_rss as f64 / 1024.0 <= 150.0)
        );
        o += &format!(
            "| peak RSS, pipe child (20 tools, {} lines; {} ms wall) | {:.1} MiB | <= 150 MiB: {} |\n",
            self.lines,
            f1(self.pipe_ms),
            self.pipe_rss as f64 / 1024.0,
            mark(self.pipe_rss as f64 / 1024.0 <= 150.0)
        );
        o
    }

    pub fn to_json(&self) -> Value {
        json!({
            "cold_start_ms": self.cold, "cold_start_1tool_ms": self.cold1, "cold_start_200tools_ms": self.cold200,
            "cold_start_tool_cache_ms": {"20": self.cached20, "200": self.cached200},
            "peak_rss_kib_200tools_one_shot": self.cold200_rss,
            "peak_rss_kib": {"one_shot": self.cold_rss, "pipe": self.pipe_rss},
            "pipe_wall_ms": self.pipe_ms,
        })
    }
}
