//! `needle tools check` and tool-file loading: every accepted format, every error, exit codes.
//! These need no model.

mod common;
use common::*;

fn check(paths: &[&std::path::Path]) -> std::process::Output {
    let mut c = needle();
    c.args(["tools", "check"]).args(paths);
    let o = run(&mut c, None);
    no_panic(&o);
    o
}

const PARAMS: &str = r#"{"type":"object","properties":{"room":{"type":"string","description":"Room"},"level":{"type":"integer","minimum":0}},"required":["room"]}"#;

#[test]
fn every_format_loads_to_the_same_tool() {
    let d = scratch("formats");
    let forms = [
        ("openai.json", format!(r#"{{"type":"function","function":{{"name":"t","description":"d","parameters":{PARAMS}}}}}"#)),
        ("plain.json", format!(r#"{{"name":"t","description":"d","parameters":{PARAMS}}}"#)),
        ("anthropic.json", format!(r#"[{{"name":"t","description":"d","input_schema":{PARAMS}}}]"#)),
        ("mcp.json", format!(r#"{{"tools":[{{"name":"t","description":"d","inputSchema":{PARAMS}}}]}}"#)),
        ("mcp-rpc.json", format!(r#"{{"jsonrpc":"2.0","id":1,"result":{{"tools":[{{"name":"t","description":"d","inputSchema":{PARAMS}}}]}}}}"#)),
        ("flat.json", r#"{"name":"t","description":"d","parameters":{"room":{"type":"string","description":"Room","required":true},"level":{"type":"integer","minimum":0}}}"#.to_string()),
    ];
    let mut rendered = Vec::new();
    for (name, text) in &forms {
        let p = write(&d, name, text);
        let mut c = needle();
        c.args(["tools", "check", "--rendered"]).arg(&p);
        let o = run(&mut c, None);
        assert_eq!(code(&o), 0, "{name}: {}", stderr(&o));
        let out = stdout(&o);
        assert!(
            out.contains("- room (string, required): Room"),
            "{name}: {out}"
        );
        assert!(out.contains("ok: 1 tool(s)"), "{name}: {out}");
        let line = out
            .lines()
            .find(|l| l.contains("rendered: "))
            .unwrap()
            .trim()
            .to_string();
        rendered.push(line);
    }
    for r in &rendered {
        assert_eq!(r, &rendered[0]);
    }
    // What the bi-encoder reads (docs/model-format.md): name, description, parameter names.
    assert_eq!(rendered[0], "rendered: t: d | room, level");
}

#[test]
fn tools_check_needs_no_model() {
    let d = scratch("check-no-model");
    let p = write(&d, "plain.json", &format!(r#"{{"name":"t","description":"d","parameters":{PARAMS}}}"#));
    let o = run(needle().args(["tools", "check", "--rendered", "--model", "/nonexistent"]).arg(&p), None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).contains("    rendered: t: d | room, level\n"), "{}", stdout(&o));
}

#[test]
fn shipped_examples_are_valid() {
    // Each set on its own (assistant-20.json repeats tools of the others, so the whole
    // directory at once is a duplicate-name error).
    for name in [
        "smart-home.json",
        "messaging.json",
        "calendar-timers.json",
        "media.json",
        "navigation.json",
        "developer-tools.json",
    ] {
        let o = check(&[&example(name)]);
        assert_eq!(code(&o), 0, "{name}: {}", stderr(&o));
    }
    let o = check(&[&root().join("schemas/examples")]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("duplicate tool name"));
    let o = check(&[&example("assistant-20.json")]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).contains("ok: 20 tool(s)"), "{}", stdout(&o));
}

#[test]
fn directories_are_expanded() {
    let d = scratch("dir");
    write(&d, "a.json", r#"{"name":"a"}"#);
    std::fs::create_dir_all(d.join("sub")).unwrap();
    write(&d.join("sub"), "b.json", r#"[{"name":"b"},{"name":"c"}]"#);
    write(&d, "notes.txt", "not a tool");
    let o = check(&[&d]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).contains("ok: 3 tool(s)"));
    let empty = scratch("empty-dir");
    let o = check(&[&empty]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("no .json tool files"), "{}", stderr(&o));
}

/// Each bad file: exit 2, a message naming the file, the pointer and the problem.
#[test]
fn errors_name_file_and_pointer() {
    let d = scratch("errors");
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "missing.json",
            "",
            &["missing.json", "cannot read tool file"],
        ),
        (
            "badjson.json",
            r#"{"name": "x",,}"#,
            &["badjson.json", "invalid JSON", "line 1"],
        ),
        (
            "notool.json",
            r#"42"#,
            &["notool.json", "a tool file must hold"],
        ),
        (
            "noname.json",
            r#"[{"name":"ok"},{"description":"no name"}]"#,
            &["noname.json", "at /1", "name"],
        ),
        (
            "badname.json",
            r#"{"name":"has space"}"#,
            &["badname.json", "at /name"],
        ),
        (
            "badtype.json",
            r#"[{"name":"a","parameters":{"type":"object","properties":{"x":{"type":"strnig"}}}}]"#,
            &[
                "badtype.json",
                "at /0/parameters/properties/x/type",
                "invalid JSON Schema",
            ],
        ),
        (
            "notobject.json",
            r#"{"name":"a","parameters":{"type":"array"}}"#,
            &["notobject.json", "at /parameters/type"],
        ),
        (
            "openai.json",
            r#"{"type":"function","function":{"name":"a","parameters":{"type":"object","required":"x"}}}"#,
            &["openai.json", "at /function/parameters/required"],
        ),
        (
            "mcp.json",
            r#"{"tools":[{"name":"a","inputSchema":{"type":"object"}},{"name":"b","inputSchema":[]}]}"#,
            &["mcp.json", "at /tools/1/inputSchema"],
        ),
        (
            "flat.json",
            r#"{"name":"a","parameters":{"x":{"type":"string","required":"yes"}}}"#,
            &["flat.json", "at /parameters/x/required"],
        ),
        (
            "twoschemas.json",
            r#"{"name":"a","parameters":{"type":"object"},"input_schema":{"type":"object"}}"#,
            &["twoschemas.json", "both \"parameters\" and \"input_schema\""],
        ),
        (
            "flatodd.json",
            r#"{"name":"a","parameters":{"x":{"type":"string"},"y":5}}"#,
            &["flatodd.json", "at /parameters/y", "must be an object with a \"type\""],
        ),
        (
            "deep.json",
            &format!(
                r#"{{"name":"a","parameters":{{"type":"object","properties":{{"x":{}}}}}}}"#,
                (0..50).fold(r#"{"type":"string"}"#.to_string(), |s, _| format!(r#"{{"anyOf":[{s}]}}"#))
            ),
            &["deep.json", "at /parameters", "nest more than 64 JSON levels"],
        ),
        (
            "dup.json",
            r#"[{"name":"a"},{"name":"a"}]"#,
            &[
                "dup.json",
                "at /1",
                "duplicate tool name \"a\"",
                "dup.json#/0",
            ],
        ),
    ];
    for (name, text, needles) in cases {
        let p = if text.is_empty() {
            d.join(name)
        } else {
            write(&d, name, text)
        };
        let o = check(&[&p]);
        assert_eq!(code(&o), 2, "{name}: {}", stderr(&o));
        let err = stderr(&o);
        for n in *needles {
            assert!(err.contains(n), "{name}: expected {n:?} in:\n{err}");
        }
        assert!(stdout(&o).is_empty(), "{name}: nothing on stdout on error");
    }
}

#[test]
fn duplicates_across_files_and_all_problems_reported() {
    let d = scratch("dups");
    let a = write(&d, "a.json", r#"{"name":"same"}"#);
    let b = write(&d, "b.json", r#"{"name":"same"}"#);
    let c = write(&d, "c.json", r#"{"name":"bad name"}"#);
    let o = check(&[&a, &b, &c]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(
        err.contains("b.json: at /: duplicate tool name \"same\""),
        "{err}"
    );
    assert!(err.contains("c.json: at /name"), "{err}");
}

#[test]
fn the_same_file_twice_is_read_once() {
    let d = scratch("twice");
    let a = write(&d, "a.json", r#"{"name":"only"}"#);
    let o = check(&[&a, &a, &d]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).contains("ok: 1 tool(s)"), "{}", stdout(&o));
}

#[test]
fn byte_order_mark_accepted_and_endless_files_refused() {
    let d = scratch("bom");
    let with_bom = write(&d, "bom.json", &format!("\u{feff}{{\"name\":\"lights\",\"parameters\":{PARAMS}}}"));
    let o = check(&[&with_bom]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // /dev/zero never ends: refused after 16 MiB, naming the file, instead of growing without bound.
    let o = check(&[std::path::Path::new("/dev/zero")]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("/dev/zero") && stderr(&o).contains("larger than 16 MiB"), "{}", stderr(&o));
}

#[test]
fn tool_file_errors_exit_2_before_the_model_loads() {
    let d = scratch("early");
    let p = write(&d, "bad.json", "[");
    let mut c = needle();
    c.args(["--model", "/nonexistent", "--tools"])
        .arg(&p)
        .arg("turn on the lights");
    let o = run(&mut c, None);
    no_panic(&o);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("bad.json: invalid JSON"));
}

#[test]
fn usage_errors_exit_2() {
    let o = run(needle().arg("--no-such-flag"), None);
    assert_eq!(code(&o), 2);
    let o = run(needle().args(["--threads", "0", "q"]), None);
    assert_eq!(code(&o), 2);
    let o = run(needle().args(["--device", "tpu", "q"]), None);
    assert_eq!(code(&o), 2);
    let o = run(needle().args(["tools", "check"]), None);
    assert_eq!(code(&o), 2);
    let o = run(
        needle()
            .args(["--tools"])
            .arg(example("media.json"))
            .arg("   "),
        None,
    );
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("the query is empty"));
}

#[test]
fn help_documents_exit_codes() {
    let o = run(needle().arg("--help"), None);
    assert_eq!(code(&o), 0);
    let out = stdout(&o);
    for s in [
        "Exit codes:",
        "2  usage or input error",
        "--tools",
        "--meta",
        "--device",
        "tools",
    ] {
        assert!(out.contains(s), "missing {s:?} in --help");
    }
}

#[test]
fn a_query_that_is_not_utf8_is_an_input_error() {
    use std::os::unix::ffi::OsStrExt;
    let mut c = needle();
    c.arg("--tools")
        .arg(example("smart-home.json"))
        .arg(std::ffi::OsStr::from_bytes(b"turn \xff off"));
    let o = run(&mut c, None);
    no_panic(&o);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("not valid UTF-8"), "{}", stderr(&o));
}
