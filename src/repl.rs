//! The interactive REPL (stdin a terminal).
//!
//! Type a request to see its calls; `:help` lists the commands. History persists in
//! `$NEEDLE_HISTORY`, else `$XDG_STATE_HOME/needle/history`, else
//! `~/.local/state/needle/history`. Tab completes commands, tool names (after `:unload`, and in
//! requests) and paths (after `:load`). Ctrl-C cancels the line, Ctrl-D exits.

use std::path::PathBuf;

use anyhow::Result;
use rustyline::completion::{Completer, FilenameCompleter, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::Validator;
use rustyline::{Context, Editor, Helper};

use crate::cli::{EngineArgs, RunArgs};
use crate::engine::Engine;
use crate::{output, tools, EXIT_OK};

const COMMANDS: &[(&str, &str)] = &[
    (":help", "this help"),
    (":tools", "list loaded tools and their parameters"),
    (":load", "PATH...  load tool files or directories"),
    (":unload", "NAME...  remove tools"),
    (":time", "toggle timings and confidence after each answer"),
    (":quit", "exit (or Ctrl-D)"),
];

struct NeedleHelper {
    tool_names: Vec<String>,
    files: FilenameCompleter,
}

impl Completer for NeedleHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = &line[..pos];
        if before.starts_with(":load ") {
            return self.files.complete(line, pos, ctx);
        }
        let start = before.rfind(char::is_whitespace).map_or(0, |i| i + 1);
        let word = &before[start..];
        let pairs = |items: Vec<String>| -> Vec<Pair> {
            items
                .into_iter()
                .filter(|c| c.starts_with(word))
                .map(|c| Pair {
                    display: c.clone(),
                    replacement: c,
                })
                .collect()
        };
        if start == 0 && word.starts_with(':') {
            return Ok((
                0,
                pairs(COMMANDS.iter().map(|(c, _)| c.to_string()).collect()),
            ));
        }
        Ok((start, pairs(self.tool_names.clone())))
    }
}

impl Hinter for NeedleHelper {
    type Hint = String;
}
impl Highlighter for NeedleHelper {}
impl Validator for NeedleHelper {}
impl Helper for NeedleHelper {}

fn history_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("NEEDLE_HISTORY").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    Some(crate::xdg_needle_dir("XDG_STATE_HOME", ".local/state")?.join("history"))
}

struct Repl {
    engine: Engine,
    color: bool,
    pretty: bool,
    timings: bool,
    verbose: bool,
    args: RunArgs,
}

pub fn run(engine: Engine, eargs: &EngineArgs, args: &RunArgs) -> Result<u8> {
    let color = output::use_color(&args.color);
    let mut repl = Repl {
        engine,
        color,
        pretty: args.pretty || std::io::IsTerminal::is_terminal(&std::io::stdout()),
        timings: eargs.verbose,
        verbose: eargs.verbose,
        args: args.clone(),
    };
    let mut rl: Editor<NeedleHelper, DefaultHistory> = Editor::new()?;
    rl.set_helper(Some(NeedleHelper {
        tool_names: repl.tool_names(),
        files: FilenameCompleter::new(),
    }));
    let history = history_path();
    if let Some(h) = &history {
        let _ = rl.load_history(h);
    }
    let n = repl.engine.tools().count();
    println!(
        "needle {} — model {}, {n} tool(s). Type a request, :help for commands, Ctrl-D to exit.",
        env!("CARGO_PKG_VERSION"),
        repl.engine.name()
    );
    let prompt_styled = if color {
        "\x1b[1;32mneedle>\x1b[0m "
    } else {
        "needle> "
    };
    loop {
        match rl.readline(&("needle> ", prompt_styled)) {
            Ok(line) => {
                let line = line.trim();
                if line.is_empty() {
                    continue;
                }
                let _ = rl.add_history_entry(line);
                if line.starts_with(':') {
                    if !repl.command(line) {
                        break;
                    }
                    if let Some(h) = rl.helper_mut() {
                        h.tool_names = repl.tool_names();
                    }
                } else {
                    repl.query(line);
                }
            }
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(e.into()),
        }
    }
    if let Some(h) = &history {
        if let Some(dir) = h.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Err(e) = rl.save_history(h) {
            eprintln!(
                "needle: warning: cannot save history to {}: {e}",
                h.display()
            );
        }
    }
    Ok(EXIT_OK)
}

impl Repl {
    fn tool_names(&self) -> Vec<String> {
        self.engine.tools().map(|t| t.name.clone()).collect()
    }

    fn query(&mut self, line: &str) {
        match crate::answer(&mut self.engine, line, &self.args, self.verbose) {
            Ok((pred, value)) => {
                println!("{}", output::format(&value, self.pretty, self.color));
                if self.timings {
                    let t = format!("({:.1} ms, confidence {:.3})", pred.ms, pred.confidence);
                    println!("{}", if self.color { format!("\x1b[2m{t}\x1b[0m") } else { t });
                }
            }
            Err(e) => eprintln!("error: {}", crate::error_text(&e)),
        }
    }

    /// Runs a `:command`; false means exit.
    fn command(&mut self, line: &str) -> bool {
        let mut words = line.split_whitespace();
        let cmd = words.next().unwrap_or("");
        let rest: Vec<&str> = words.collect();
        match cmd {
            ":help" | ":h" | ":?" => {
                println!("Type a request to get its tool calls. Commands:");
                for (c, d) in COMMANDS {
                    println!("  {c:<9} {d}");
                }
            }
            ":tools" => self.list_tools(),
            ":load" if rest.is_empty() => eprintln!("usage: :load PATH..."),
            ":load" => {
                let paths: Vec<PathBuf> = rest.iter().map(PathBuf::from).collect();
                let existing: Vec<tools::Tool> = self.engine.tools().cloned().collect();
                match tools::load_paths(&paths, &existing) {
                    Ok(new) => {
                        let names: Vec<String> = new.iter().map(|t| t.name.clone()).collect();
                        match self.engine.add_tools(new) {
                            Ok(()) => println!(
                                "loaded {} tool(s) in {:.1} ms: {}",
                                names.len(),
                                self.engine.last_encode.ms,
                                names.join(", ")
                            ),
                            Err(e) => eprintln!("error: {}", crate::error_text(&e)),
                        }
                    }
                    Err(e) => eprintln!("error: {e}"),
                }
            }
            ":unload" if rest.is_empty() => eprintln!("usage: :unload NAME..."),
            ":unload" => {
                for name in rest {
                    match self.engine.remove_tool(name) {
                        Ok(true) => println!("unloaded {name}"),
                        Ok(false) => eprintln!("error: no tool named \"{name}\" (see :tools)"),
                        Err(e) => eprintln!("error: {}", crate::error_text(&e)),
                    }
                }
            }
            ":time" => {
                self.timings = !self.timings;
                println!("timings {}", if self.timings { "on" } else { "off" });
            }
            ":quit" | ":q" | ":exit" => return false,
            _ => eprintln!("unknown command {cmd}; :help lists the commands"),
        }
        true
    }

    fn list_tools(&self) {
        let tools: Vec<&tools::Tool> = self.engine.tools().collect();
        if tools.is_empty() {
            println!("no tools loaded (:load PATH)");
        }
        for tool in tools {
            print!("{}", tool.listing(self.color));
        }
    }
}
