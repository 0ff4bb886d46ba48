//! One-shot and pipe modes against the fixture model, exit codes, errors.
//!
//! The fixture model is tiny and barely trained, so its own answers are arbitrary. Tests that
//! need a known answer use the hidden `--force-output TEXT` flag: the model still runs every
//! step, but decoding is forced to TEXT, which is then validated and printed like any output.

mod common;
use common::*;

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

const LIGHTS_OFF: &str = r#"[{"name":"set_lights","arguments":{"room":"kitchen","on":false}}]"#;

fn base() -> std::process::Command {
    let mut c = needle();
    c.arg("--model")
        .arg(model())
        .arg("--tools")
        .arg(example("assistant-20.json"));
    c
}

fn tool_names() -> Vec<String> {
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(example("assistant-20.json")).unwrap())
            .unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|t| t["function"]["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn one_shot_prints_valid_calls_exit_0() {
    let o = run(
        base().args(["--force-output", LIGHTS_OFF, "turn off the kitchen lights"]),
        None,
    );
    no_panic(&o);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), format!("{LIGHTS_OFF}\n"));
}

#[test]
fn query_may_come_first_or_after_double_dash() {
    let mut c = needle();
    c.arg("--model")
        .arg(model())
        .args([
            "--force-output",
            LIGHTS_OFF,
            "turn off the kitchen lights",
            "--tools",
        ])
        .arg(example("assistant-20.json"));
    let o = run(&mut c, None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = run(
        base().args([
            "--force-output",
            LIGHTS_OFF,
            "--",
            "turn off the kitchen lights",
        ]),
        None,
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), format!("{LIGHTS_OFF}\n"));
}

#[test]
fn pretty_and_color() {
    let o = run(
        base().args([
            "--pretty",
            "--force-output",
            LIGHTS_OFF,
            "turn off the kitchen lights",
        ]),
        None,
    );
    assert_eq!(code(&o), 0);
    let out = stdout(&o);
    assert!(
        out.starts_with("[\n  {\n    \"name\": \"set_lights\""),
        "{out}"
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v, serde_json::from_str::<Value>(LIGHTS_OFF).unwrap());
    let o = run(
        base().args([
            "--color",
            "always",
            "--force-output",
            LIGHTS_OFF,
            "turn off the kitchen lights",
        ]),
        None,
    );
    assert!(
        stdout(&o).contains("\x1b[32m\"set_lights\"\x1b[0m"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn no_tool_fits_prints_empty_array_exit_1() {
    let o = run(
        base().args(["--force-output", "[]", "what is the meaning of life"]),
        None,
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(stdout(&o), "[]\n");
}

#[test]
fn invalid_calls_are_dropped_and_reported() {
    let bad = r#"[{"name":"set_lights","arguments":{"room":"kitchen","brightness":500}},{"name":"no_such_tool","arguments":{}},{"name":"set_volume","arguments":{"level":20}}]"#;
    let o = run(base().args(["--force-output", bad, "q"]), None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "[{\"name\":\"set_volume\",\"arguments\":{\"level\":20}}]\n"
    );
    let err = stderr(&o);
    assert!(
        err.contains("dropped invalid call") && err.contains("/brightness"),
        "{err}"
    );
    assert!(err.contains("no tool named \"no_such_tool\""), "{err}");

    // All calls invalid: nothing valid to print -> [] and exit 1.
    let o = run(
        base().args([
            "--meta",
            "--force-output",
            r#"[{"name":"set_volume","arguments":{}}]"#,
            "q",
        ]),
        None,
    );
    assert_eq!(code(&o), 1);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["calls"], serde_json::json!([]));
    assert!(
        v["invalid"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("level"),
        "{v}"
    );
}

#[test]
fn unparseable_output_is_a_model_error_exit_3() {
    let o = run(
        base().args(["--force-output", r#"[{"name":"set_lig"#, "q"]),
        None,
    );
    no_panic(&o);
    assert_eq!(code(&o), 3);
    assert_eq!(stdout(&o), "");
    assert!(
        stderr(&o).contains("not a JSON array of calls"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn meta_object() {
    let o = run(
        base().args([
            "--meta",
            "--force-output",
            LIGHTS_OFF,
            "turn off the kitchen lights",
        ]),
        None,
    );
    assert_eq!(code(&o), 0);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["query", "calls", "confidence", "ms", "tokens", "steps"]);
    // --force-output feeds its tokens one decoder call each (no jump-forward).
    assert_eq!(v["steps"], v["tokens"]);
    assert_eq!(v["query"], "turn off the kitchen lights");
    let c = v["confidence"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&c));
    assert!(v["ms"].as_f64().unwrap() > 0.0);
}

/// The model's own (unforced) answer: whatever it is, the contract holds.
#[test]
fn unforced_answers_keep_the_contract() {
    let names = tool_names();
    for q in [
        "turn off the kitchen lights",
        "set a timer for 10 minutes",
        "play some jazz",
    ] {
        let o = run(base().arg(q), None);
        no_panic(&o);
        match code(&o) {
            0 | 1 => {
                let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
                let calls = v.as_array().unwrap();
                assert_eq!(calls.is_empty(), code(&o) == 1);
                for c in calls {
                    assert!(names.contains(&c["name"].as_str().unwrap().to_string()));
                }
            }
            3 => {
                assert_eq!(stdout(&o), "");
                assert!(stderr(&o).contains("model output"), "{}", stderr(&o));
            }
            other => panic!("unexpected exit {other}: {}", stderr(&o)),
        }
    }
}

#[test]
fn pipe_one_line_per_nonempty_line_in_order() {
    let input = "turn off the kitchen lights\n\n   \nplay some jazz\r\nset a timer\n";
    let o = run(
        base().args(["--force-output", LIGHTS_OFF]),
        Some(input.as_bytes()),
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        format!("{LIGHTS_OFF}\n{LIGHTS_OFF}\n{LIGHTS_OFF}\n")
    );

    // Unforced, --meta: queries come back in order, one line each, each a JSON object.
    let queries: Vec<String> = (0..12)
        .map(|i| format!("request number {i} for the lights"))
        .collect();
    let o = run(
        base().arg("--meta"),
        Some((queries.join("\n") + "\n").as_bytes()),
    );
    no_panic(&o);
    let lines: Vec<&str> = stdout(&o).leak().lines().collect();
    assert_eq!(lines.len(), queries.len(), "{}", stderr(&o));
    for (line, q) in lines.iter().zip(&queries) {
        let v: Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["query"], q.as_str());
        assert!(v.get("calls").is_some() || v.get("error").is_some(), "{v}");
    }
}

#[test]
fn pipe_bad_line_yields_error_object_and_continues() {
    let mut input = b"first\n".to_vec();
    input.extend_from_slice(b"bad \xff\xfe bytes\n");
    input.extend_from_slice(b"third (no newline at the end)");
    let o = run(base().args(["--force-output", "[]"]), Some(&input));
    no_panic(&o);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert_eq!(lines[0], "[]");
    let err: Value = serde_json::from_str(lines[1]).unwrap();
    assert!(err["error"].as_str().unwrap().contains("UTF-8"));
    assert!(err["query"].as_str().unwrap().starts_with("bad "));
    assert_eq!(lines[2], "[]");

    // A line whose output cannot be parsed: an error line, exit 3, the rest still answered.
    let o = run(base().args(["--force-output", "[{"]), Some(b"a\nb\n"));
    assert_eq!(code(&o), 3);
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2);
    for (l, q) in lines.iter().zip(["a", "b"]) {
        let v: Value = serde_json::from_str(l).unwrap();
        assert_eq!(v["query"], q);
        assert!(v["error"].as_str().unwrap().contains("model output"));
    }
}

#[test]
fn pipe_over_long_line_is_an_error_line_not_gigabytes() {
    // 3 MiB on one line between two short ones: refused unread, the neighbours answered in order.
    let mut input = b"first\n".to_vec();
    input.extend(std::iter::repeat(b'x').take(3 << 20));
    input.extend_from_slice(b"\nthird\n");
    let o = run(base().args(["--force-output", "[]"]), Some(&input));
    no_panic(&o);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{}", &out[..out.len().min(300)]);
    assert_eq!(lines[0], "[]");
    let err: Value = serde_json::from_str(lines[1]).unwrap();
    assert!(err["error"].as_str().unwrap().contains("longer than 1 MiB"), "{err}");
    assert!(err["query"].as_str().unwrap().len() < 100);
    assert_eq!(lines[2], "[]");
}

/// `tail -f requests | needle`: every answer is flushed as soon as it is ready.
#[test]
fn pipe_streams_answers_before_stdin_closes() {
    let mut child = base()
        .args(["--force-output", "[]"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    for i in 0..3 {
        writeln!(stdin, "query {i}").unwrap();
        stdin.flush().unwrap();
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("an answer while stdin is still open");
        assert_eq!(line, "[]");
    }
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

#[test]
fn model_and_runtime_errors_exit_3() {
    let d = scratch("model-errors");
    let o = run(
        needle()
            .args(["--model"])
            .arg(&d)
            .args(["--tools"])
            .arg(example("media.json"))
            .arg("play"),
        None,
    );
    no_panic(&o);
    assert_eq!(code(&o), 3);
    assert!(
        stderr(&o).contains("not a needle model directory"),
        "{}",
        stderr(&o)
    );

    // A manifest of an unknown format version.
    let text = std::fs::read_to_string(model().join("needle.json")).unwrap();
    let mut m: Value = serde_json::from_str(&text).unwrap();
    m["format_version"] = 99.into();
    write(&d, "needle.json", &m.to_string());
    let o = run(needle().args(["--model"]).arg(&d).arg("play"), None);
    assert_eq!(code(&o), 3);
    assert!(stderr(&o).contains("format_version 99"), "{}", stderr(&o));

    // ONNX Runtime library missing: a clear error, never a panic.
    let o = run(
        base().args(["--ort-lib", "/nonexistent/libonnxruntime.so", "q"]),
        None,
    );
    no_panic(&o);
    assert_eq!(code(&o), 3);
    assert!(
        stderr(&o).contains("/nonexistent/libonnxruntime.so"),
        "{}",
        stderr(&o)
    );
    let o = run(base().env("ORT_DYLIB_PATH", &d).arg("q"), None);
    no_panic(&o);
    assert_eq!(code(&o), 3);
    assert!(
        stderr(&o).contains("no ONNX Runtime library"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn model_from_env_verbose_threads_device() {
    let mut c = needle();
    c.env("NEEDLE_MODEL", model())
        .args(["--verbose", "--threads", "1", "--device", "cuda", "--tools"])
        .arg(example("assistant-20.json"))
        .args(["--force-output", "[]", "hello"]);
    let o = run(&mut c, None);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("loaded in") && err.contains("20 tool(s)"),
        "{err}"
    );
    assert!(err.contains(" ms, "), "{err}");
    if !cfg!(feature = "cuda") {
        assert!(
            err.contains("warning") && err.contains("using the CPU"),
            "{err}"
        );
    }
}

#[test]
fn too_many_threads_is_an_input_error_not_a_hang() {
    // 65535 intra-op threads never finished starting (issue 17): refused before loading.
    let o = run(base().args(["--threads", "65535", "hello"]), None);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("--threads 65535: at most"), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
}

#[test]
fn tool_cache_gives_the_same_answers_as_encoding() {
    let dir = scratch("tool-cache");
    let cache = dir.join("cache");
    let queries = "turn off the kitchen lights\nwhat's the weather in Paris\nremind me to call mom at 5\n";
    let run_with = |cache: &std::path::Path| {
        let mut c = base();
        c.env("NEEDLE_TOOL_CACHE", cache).args(["--verbose", "--no-constrain"]);
        run(&mut c, Some(queries.as_bytes()))
    };
    let fresh = run_with(&cache);
    let cached = run_with(&cache);
    let off = run_with(std::path::Path::new("off"));
    for o in [&fresh, &cached, &off] {
        no_panic(o);
    }
    assert!(stderr(&fresh).contains("20 tool(s) (0 from the tool cache)"), "{}", stderr(&fresh));
    assert!(stderr(&cached).contains("20 tool(s) (20 from the tool cache)"), "{}", stderr(&cached));
    assert!(stderr(&off).contains("(0 from the tool cache)"), "{}", stderr(&off));
    // Unconstrained free-running output of the fixture is sensitive to every bit of the memory.
    assert_eq!(stdout(&cached), stdout(&fresh));
    assert_eq!(stdout(&off), stdout(&fresh));
    assert_eq!(std::fs::read_dir(&cache).unwrap().count(), 20);
    // A damaged entry is a miss (re-encoded and rewritten), never an error.
    let entry = std::fs::read_dir(&cache).unwrap().next().unwrap().unwrap().path();
    std::fs::write(&entry, b"NEEDLEKV1\n\x01").unwrap();
    let repaired = run_with(&cache);
    assert_eq!(code(&repaired), code(&fresh), "{}", stderr(&repaired));
    assert!(stderr(&repaired).contains("(19 from the tool cache)"), "{}", stderr(&repaired));
    assert_eq!(stdout(&repaired), stdout(&fresh));
}

#[test]
fn no_tools_warns_and_answers() {
    let mut c = needle();
    c.arg("--model")
        .arg(model())
        .args(["--force-output", "[]", "hello"]);
    let o = run(&mut c, None);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("no tools loaded"));
}

/// Files needle writes on its own: the tool cache under `~/.cache/needle` and nothing else (no
/// ONNX Runtime device-id files); `needle eval` writes none (its rows bring one-off tool sets).
#[test]
fn writes_only_its_tool_cache_under_home() {
    let home = scratch("home");
    let files = |dir: &std::path::Path| -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    out.push(p.strip_prefix(dir).unwrap().display().to_string());
                }
            }
        }
        out
    };
    let mut c = base();
    c.env("HOME", &home)
        .env_remove("NEEDLE_TOOL_CACHE")
        .env_remove("XDG_CACHE_HOME")
        .env_remove("ORT_DISABLE_TELEMETRY")
        .args(["--force-output", "[]", "hello"]);
    let o = run(&mut c, None);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let written = files(&home);
    assert_eq!(written.len(), 20, "{written:?}");
    assert!(written.iter().all(|f| f.starts_with(".cache/needle/") && f.ends_with(".kv")), "{written:?}");

    let eval_home = scratch("eval-home");
    let rows = write(
        &eval_home,
        "rows.jsonl",
        r#"{"id":"r1","category":"simple","tools":[{"name":"get_weather","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}],"query":"weather in Oslo","answers":[{"get_weather":{"city":["Oslo"]}}]}"#,
    );
    let mut c = needle();
    c.env("HOME", &eval_home)
        .env_remove("NEEDLE_TOOL_CACHE")
        .env_remove("XDG_CACHE_HOME")
        .arg("eval")
        .arg("--model")
        .arg(model())
        .arg(&rows);
    let o = run(&mut c, None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(files(&eval_home), ["rows.jsonl"]);
}

/// One-shot over a catalogue larger than the shortlist loads only the request's shortlist,
/// and answers exactly as pipe mode does with every tool loaded (which decodes each request
/// over the same shortlist): the same calls, tokens, decoder calls and confidence (the model's
/// probability of its answer, which moves with any difference in the memory).
#[test]
fn one_shot_over_a_large_catalogue_loads_only_the_shortlist() {
    let queries = ["turn off the kitchen lights", "what's the weather in Paris", "book a table for two tonight"];
    let catalogue = |c: &mut std::process::Command| {
        c.arg("--model")
            .arg(model())
            .arg("--tools")
            .arg(example("assistant-20.json"))
            .arg(example("catalogue-180.json"))
            .args(["--meta", "--verbose"]);
    };
    let mut pipe = needle();
    catalogue(&mut pipe);
    let piped = run(&mut pipe, Some((queries.join("\n") + "\n").as_bytes()));
    no_panic(&piped);
    assert!(stderr(&piped).contains("200 tool(s)"), "{}", stderr(&piped));
    let piped_lines: Vec<Value> = stdout(&piped).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(piped_lines.len(), queries.len());
    for (q, piped_line) in queries.iter().zip(&piped_lines) {
        let mut one = needle();
        catalogue(&mut one);
        let o = run(one.arg("--").arg(q), None);
        no_panic(&o);
        let err = stderr(&o);
        assert!(err.contains("one request over 200 tools: loading its shortlist of 20"), "{err}");
        assert!(err.contains("20 tool(s)"), "{err}");
        let line: Value = serde_json::from_str(stdout(&o).trim()).unwrap_or_else(|e| panic!("{q}: {e}: {}", stdout(&o)));
        // `ms` differs from run to run; everything the model wrote must not.
        for key in ["calls", "tokens", "steps", "confidence"] {
            assert_eq!(line.get(key), piped_line.get(key), "{q}: {key}");
        }
    }
}
