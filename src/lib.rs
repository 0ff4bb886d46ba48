//! needle, the command-line tool: a thin front end over `needle-core` (crates/core: tools,
//! models, decoding, scoring), whose modules it re-exports.
//!
//! Here: `cli` (arguments), `pipe`, `repl`, `output` (the run modes and JSON printing), `eval`
//! (`needle eval`'s arguments, progress and tables over `needle_core::eval`), `bench`
//! (`needle bench`), `serve` (`needle serve`, the HTTP endpoint), `exit` (exit codes and error text), `load` (the engine, with a spinner) and
//! `answer` (one request as every mode prints it).

mod answer;
pub mod bench;
pub mod cli;
pub mod eval;
mod exit;
mod load;
pub mod output;
pub mod pipe;
pub mod repl;
pub mod serve;

pub use answer::{answer, report_prediction};
pub use exit::{error_text, exit_code_of, EXIT_INPUT, EXIT_MODEL, EXIT_NO_CALL, EXIT_OK};
pub use load::{load_engine, MAX_THREADS_PER_CORE};

pub use needle_core::{calls, engine, model, onnx, ort_lib, tools, values, xdg_needle_dir, InputError};
