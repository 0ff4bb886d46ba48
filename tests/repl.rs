//! The REPL, driven through a pseudo-terminal (rexpect).

mod common;
use common::*;

use rexpect::process::WaitStatus;
use rexpect::session::spawn_command;

fn repl(history: &std::path::Path) -> rexpect::session::PtySession {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_needle"));
    c.arg("--model")
        .arg(model())
        .arg("--tools")
        .arg(example("smart-home.json"))
        .env("NO_COLOR", "1")
        .env("TERM", "xterm")
        .env("NEEDLE_HISTORY", history);
    spawn_command(c, Some(60_000)).unwrap()
}

#[test]
fn repl_session() {
    let d = scratch("repl");
    let history = d.join("history");
    let mut p = repl(&history);
    p.exp_string("5 tool(s)").unwrap();
    p.exp_string("needle> ").unwrap();

    p.send_line(":help").unwrap();
    p.exp_string(":unload").unwrap();
    p.exp_string("needle> ").unwrap();

    p.send_line(":tools").unwrap();
    p.exp_string("brightness (integer)").unwrap();
    p.exp_string("set_thermostat").unwrap();
    p.exp_string("needle> ").unwrap();

    // Tab completion of a command (":unl" -> ":unload") and of a tool name ("lock_d" -> "lock_door").
    p.send(":unl").unwrap();
    p.send("\t").unwrap();
    p.send(" lock_d").unwrap();
    p.send("\t").unwrap();
    p.send_line("").unwrap();
    p.exp_string("unloaded lock_door").unwrap();
    p.exp_string("needle> ").unwrap();

    p.send_line(":unload lock_door").unwrap();
    p.exp_string("no tool named \"lock_door\"").unwrap();

    p.send_line(&format!(":load {}", example("media.json").display()))
        .unwrap();
    p.exp_string("loaded 4 tool(s)").unwrap();
    p.exp_string("needle> ").unwrap();
    p.send_line(&format!(":load {}", example("media.json").display()))
        .unwrap();
    p.exp_string("duplicate tool name").unwrap();
    p.exp_string("needle> ").unwrap();
    p.send_line(":load /nonexistent.json").unwrap();
    p.exp_string("cannot read tool file").unwrap();
    p.exp_string("needle> ").unwrap();

    p.send_line(":time").unwrap();
    p.exp_string("timings on").unwrap();
    p.send_line("turn off the kitchen lights").unwrap();
    // The fixture's answer, indented, then the timing line.
    p.exp_string("\"name\": \"set_lights\"").unwrap();
    p.exp_string("\"room\": \"kitchen\"").unwrap();
    p.exp_string(" ms, confidence ").unwrap();
    p.exp_string("needle> ").unwrap();

    p.send_line(":bogus").unwrap();
    p.exp_string("unknown command :bogus").unwrap();
    p.exp_string("needle> ").unwrap();

    // Ctrl-C cancels the line being typed; the REPL goes on.
    p.send("half a line").unwrap();
    p.send_control('c').unwrap();
    p.exp_string("needle> ").unwrap();
    p.send_line(":tools").unwrap();
    p.exp_string("play_music").unwrap();
    p.exp_string("needle> ").unwrap();

    // Ctrl-D exits with 0 and saves the history.
    p.send_control('d').unwrap();
    p.exp_eof().unwrap();
    match p.process.wait().unwrap() {
        WaitStatus::Exited(_, code) => assert_eq!(code, 0),
        other => panic!("unexpected {other:?}"),
    }
    let h = std::fs::read_to_string(&history).unwrap();
    assert!(
        h.contains(":time") && h.contains("turn off the kitchen lights"),
        "{h}"
    );
    assert!(!h.contains("half a line"));

    // History persists: the next session can recall the previous line with Up.
    let mut p = repl(&history);
    p.exp_string("needle> ").unwrap();
    p.send("\x1b[A").unwrap(); // Up: ":tools"
    p.send_line("").unwrap();
    p.exp_string("set_lights").unwrap();
    p.exp_string("needle> ").unwrap();
    p.send_line(":quit").unwrap();
    p.exp_eof().unwrap();
}
