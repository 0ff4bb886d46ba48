//! Command-line arguments. Every flag is documented where it is defined.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::onnx::Device;

/// `--device`: where to run the model (`onnx::Device`, which knows nothing of clap).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DeviceArg {
    Cpu,
    Cuda,
    Coreml,
}

impl From<DeviceArg> for Device {
    fn from(d: DeviceArg) -> Device {
        match d {
            DeviceArg::Cpu => Device::Cpu,
            DeviceArg::Cuda => Device::Cuda,
            DeviceArg::Coreml => Device::Coreml,
        }
    }
}

const AFTER_HELP: &str = "\
Modes:
  needle --tools FILE... \"QUERY\"     one-shot: print the JSON array of calls and exit
  ... | needle --tools FILE...       pipe: one JSON line per non-empty input line
  needle --tools FILE...             REPL when stdin is a terminal (:help inside)

Exit codes:
  0  calls printed (pipe: every line answered)
  1  no tool fits: [] printed
  2  usage or input error (bad flags, tool files, query)
  3  model or runtime error (model files, a model of another format, ONNX Runtime)";

#[derive(Debug, Parser)]
#[command(
    name = "needle",
    version,
    about = "Needle: turn a request into tool calls with a tiny on-device model",
    after_help = AFTER_HELP,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub engine: EngineArgs,

    #[command(flatten)]
    pub run: RunArgs,
}

/// Options for loading the model; shared by every mode and subcommand.
#[derive(Debug, Clone, Args)]
pub struct EngineArgs {
    /// Model directory (needle.json, tokenizer.json, encoder.onnx, heads.onnx).
    /// Default: the shipped model, `assets/` found relative to the executable
    /// (../../assets from target/release, or assets/ beside it), else the build checkout's assets/.
    #[arg(long, value_name = "DIR", global = true, env = "NEEDLE_MODEL")]
    pub model: Option<PathBuf>,

    /// Where to run the model. cuda and coreml need the matching cargo feature and provider
    /// library; when unavailable needle warns and uses the CPU.
    #[arg(long, value_enum, value_name = "DEVICE", default_value = "cpu", global = true)]
    pub device: DeviceArg,

    /// ONNX Runtime intra-op threads (default: ONNX Runtime's choice, one per core).
    #[arg(long, value_name = "N", global = true, value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,

    /// The ONNX Runtime shared library (file or directory). Default: ORT_DYLIB_PATH, beside the
    /// executable, .setup/onnxruntime/ (scripts/setup), then a Python onnxruntime package.
    #[arg(long, value_name = "PATH", global = true)]
    pub ort_lib: Option<PathBuf>,

    /// The date that relative dates ("tomorrow", "next Friday") are resolved against, for
    /// scripts and tests. Default: the local clock.
    #[arg(long, value_name = "YYYY-MM-DD", global = true, env = "NEEDLE_TODAY")]
    pub today: Option<String>,

    /// Where tool vectors are kept between runs: a tool loaded before is read from disk instead
    /// of being run through the encoder again (entries are checked against the model and the
    /// tool; the directory is kept under 256 MiB). Default: $XDG_CACHE_HOME/needle, else
    /// ~/.cache/needle (`needle eval` and `needle bench`: off). `off` turns it off.
    #[arg(long, value_name = "DIR", global = true, env = "NEEDLE_TOOL_CACHE")]
    pub tool_cache: Option<PathBuf>,

    /// Print timings (model load, tool encoding, per query) on stderr.
    #[arg(long, short, global = true)]
    pub verbose: bool,
}

impl EngineArgs {
    /// The tool-cache directory: `--tool-cache`, else the default; `None` when it is `off` or
    /// there is no default (no HOME).
    pub fn tool_cache_dir(&self) -> Option<PathBuf> {
        match &self.tool_cache {
            Some(dir) if dir.as_os_str() == "off" => None,
            Some(dir) => Some(dir.clone()),
            None => needle_core::xdg_needle_dir("XDG_CACHE_HOME", ".cache"),
        }
    }
}

/// Options of the default command (one-shot, pipe, REPL).
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Tool files or directories of them (JSON: one tool, an array, or an MCP tools/list result).
    /// Repeatable and multi-valued: `--tools a.json b/ "query"` takes the last value as the
    /// query when it is not an existing path (or put the query first, or after `--`).
    #[arg(long, short, value_name = "PATH", num_args = 1..)]
    pub tools: Vec<PathBuf>,

    /// The request. Without it: pipe mode when stdin is not a terminal, else the REPL.
    #[arg(value_name = "QUERY")]
    pub query: Option<String>,

    /// Indent the JSON output.
    #[arg(long)]
    pub pretty: bool,

    /// Print {"query","calls","confidence","ms"} objects instead of bare call arrays
    /// (plus "invalid" when calls were dropped, "error" for a failed line). "confidence": the
    /// lowest, over the tools the model read, of its probability of what it decided for that
    /// tool (call or no call).
    #[arg(long)]
    pub meta: bool,

    /// Colour the JSON output: auto (terminal and NO_COLOR unset), always, never.
    #[arg(long, value_name = "WHEN", default_value = "auto", value_parser = ["auto", "always", "never"])]
    pub color: String,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Work with tool files.
    #[command(subcommand)]
    Tools(ToolsCommand),
    /// Score the model on BFCL rows (scripts/bfcl_to_jsonl.py output); see docs/accuracy.md.
    Eval(crate::eval::EvalArgs),
    /// Measure speed and footprint (per-line latency with 1/20/200 tools, cold start, RSS).
    /// See docs/performance.md.
    Bench(crate::bench::BenchArgs),
    /// Serve an OpenAI-compatible endpoint (POST /v1/chat/completions with tools, POST
    /// /v1/calls, GET /v1/models, GET /health) for agent frameworks. See docs/serve.md.
    Serve(crate::serve::ServeArgs),
    /// Print a shell completion script: `needle completions bash > ~/.local/share/bash-completion/completions/needle`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): `needle man > needle.1 && man ./needle.1`.
    Man,
}

#[derive(Debug, Subcommand)]
pub enum ToolsCommand {
    /// Validate tool files and list the tools that would load (exit 2 on any problem).
    Check {
        /// Tool files or directories.
        #[arg(value_name = "PATH", required = true)]
        paths: Vec<PathBuf>,
        /// Also print each tool as the model reads it: the one-line text the bi-encoder encodes
        /// to pick tools (docs/model-format.md).
        #[arg(long)]
        rendered: bool,
    },
}

impl RunArgs {
    /// `--tools a.json "query"`: clap gives every value to --tools; the last one is the query
    /// when there is no positional query, there are at least two values and it names no file.
    /// A query that is not UTF-8 is an error (as it is for a positional query and in pipe mode).
    pub fn split_query_from_tools(&mut self) -> Result<(), crate::InputError> {
        if self.query.is_none() && self.tools.len() >= 2 {
            let last = self.tools.last().expect("len >= 2");
            if !last.exists() {
                let q = self.tools.pop().expect("len >= 2");
                let q = q
                    .into_os_string()
                    .into_string()
                    .map_err(|q| crate::InputError(format!("the query is not valid UTF-8: {}", q.to_string_lossy())))?;
                self.query = Some(q);
            }
        }
        Ok(())
    }
}
