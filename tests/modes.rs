//! One-shot and pipe modes against the fixture model, exit codes, errors.
//!
//! The fixture is a tiny model trained by the pipeline on requests over the example tools
//! (`scripts/py -m pipeline.fixture`); its build checks that it answers the requests below right,
//! so these tests assert real answers.

mod common;
use common::*;

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

const LIGHTS: &str = "turn off the kitchen lights";
const LIGHTS_CALL: &str = r#"[{"name":"set_lights","arguments":{"room":"kitchen"}}]"#;
/// A request no tool fits.
const THANKS: &str = "what is the meaning of life";

fn base() -> std::process::Command {
    let mut c = needle();
    c.arg("--model").arg(model()).arg("--tools").arg(example("assistant-20.json"));
    c
}

/// assistant-20.json with `set_lights`' OpenAI `function` object changed by `edit`, written to a
/// scratch file.
fn assistant_with_set_lights(name: &str, edit: impl FnOnce(&mut Value)) -> std::path::PathBuf {
    let text = std::fs::read_to_string(example("assistant-20.json")).unwrap();
    let mut tools: Value = serde_json::from_str(&text).unwrap();
    let lights = tools.as_array_mut().unwrap().iter_mut().find(|t| t["function"]["name"] == "set_lights").unwrap();
    edit(&mut lights["function"]);
    write(&scratch(name), "tools.json", &tools.to_string())
}

fn tool_names() -> Vec<String> {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(example("assistant-20.json")).unwrap()).unwrap();
    v.as_array().unwrap().iter().map(|t| t["function"]["name"].as_str().unwrap().to_string()).collect()
}

#[test]
fn one_shot_prints_the_calls_exit_0() {
    let o = run(base().arg(LIGHTS), None);
    no_panic(&o);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), format!("{LIGHTS_CALL}\n"));
}

/// Every request the fixture's build checks (`scripts/pipeline/fixture.py`, CHECKS): a word, a
/// path, a number, a clock time through the value normaliser, and no call.
#[test]
fn the_fixture_answers_its_checked_requests() {
    for (request, want, exit) in [
        ("what's the weather in Paris", r#"[{"name":"get_weather","arguments":{"location":"Paris"}}]"#, 0),
        ("open the file src/main.rs", r#"[{"name":"open_file","arguments":{"path":"src/main.rs"}}]"#, 0),
        ("set the volume to 30", r#"[{"name":"set_volume","arguments":{"level":30}}]"#, 0),
        ("set an alarm for 7am", r#"[{"name":"set_alarm","arguments":{"time":"07:00"}}]"#, 0),
        (THANKS, "[]", 1),
    ] {
        let o = run(base().arg(request), None);
        assert_eq!(code(&o), exit, "{request}: {}", stderr(&o));
        assert_eq!(stdout(&o), format!("{want}\n"), "{request}");
    }
}

/// A tool with a 100 KiB description loads and is read like any other: the model reads the
/// first pieces of it (the tokenizer gets at most 16 KiB of any text).
#[test]
fn a_huge_description_is_read_in_part() {
    let file = assistant_with_set_lights("huge-description", |f| {
        let long = format!("{} {}", f["description"].as_str().unwrap(), "more words ".repeat(10_000));
        f["description"] = long.into();
    });
    let mut c = needle();
    c.arg("--model").arg(model()).arg("--tools").arg(&file).arg(LIGHTS);
    let o = run(&mut c, None);
    no_panic(&o);
    assert!(matches!(code(&o), 0 | 1), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(v.is_array(), "{v}");
}

#[test]
fn query_may_come_first_or_after_double_dash() {
    let mut c = needle();
    c.arg("--model").arg(model()).args([LIGHTS, "--tools"]).arg(example("assistant-20.json"));
    let o = run(&mut c, None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), format!("{LIGHTS_CALL}\n"));
    let o = run(base().args(["--", LIGHTS]), None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), format!("{LIGHTS_CALL}\n"));
}

#[test]
fn pretty_and_color() {
    let o = run(base().args(["--pretty", LIGHTS]), None);
    assert_eq!(code(&o), 0);
    let out = stdout(&o);
    assert!(out.starts_with("[\n  {\n    \"name\": \"set_lights\""), "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v, serde_json::from_str::<Value>(LIGHTS_CALL).unwrap());
    let o = run(base().args(["--color", "always", LIGHTS]), None);
    assert!(stdout(&o).contains("\x1b[32m\"set_lights\"\x1b[0m"), "{}", stdout(&o));
}

#[test]
fn no_tool_fits_prints_empty_array_exit_1() {
    let o = run(base().arg(THANKS), None);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(stdout(&o), "[]\n");
}

/// A call whose arguments break the tool's schema is not printed: it is reported on stderr
/// (and under "invalid" with --meta), and with nothing valid left the answer is `[]`, exit 1.
/// Here the room must be written in capitals, and the request's "kitchen" is not.
#[test]
fn invalid_calls_are_dropped_and_reported() {
    let file = assistant_with_set_lights("invalid", |f| {
        f["parameters"]["properties"]["room"]["pattern"] = "^[A-Z]+$".into();
    });
    let mut c = needle();
    c.arg("--model").arg(model()).arg("--tools").arg(&file).args(["--meta", LIGHTS]);
    let o = run(&mut c, None);
    no_panic(&o);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["calls"], serde_json::json!([]));
    assert_eq!(v["invalid"][0]["call"]["name"], "set_lights", "{v}");
    let err = stderr(&o);
    assert!(err.contains("dropped invalid call") && err.contains("set_lights"), "{err}");
}

#[test]
fn meta_object() {
    let o = run(base().args(["--meta", LIGHTS]), None);
    assert_eq!(code(&o), 0);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["query", "calls", "confidence", "ms"]);
    assert_eq!(v["query"], LIGHTS);
    assert_eq!(v["calls"], serde_json::from_str::<Value>(LIGHTS_CALL).unwrap());
    let c = v["confidence"].as_f64().unwrap();
    assert!((0.5..=1.0).contains(&c), "{c}");
    assert!(v["ms"].as_f64().unwrap() > 0.0);
}

/// Whatever the model answers, the contract holds: an array of calls to loaded tools, exit 0
/// with calls and 1 without.
#[test]
fn answers_keep_the_contract() {
    let names = tool_names();
    for q in ["set a timer for 10 minutes", "play some jazz", "zzz", "réserve une table 🍝", "1234"] {
        let o = run(base().arg(q), None);
        no_panic(&o);
        assert!(matches!(code(&o), 0 | 1), "{q}: exit {}: {}", code(&o), stderr(&o));
        let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
        let calls = v.as_array().unwrap();
        assert_eq!(calls.is_empty(), code(&o) == 1);
        for c in calls {
            assert!(names.contains(&c["name"].as_str().unwrap().to_string()), "{q}: {c}");
        }
    }
}

#[test]
fn pipe_one_line_per_nonempty_line_in_order() {
    let input = format!("{LIGHTS}\n\n   \n{THANKS}\r\n{LIGHTS}\n");
    let o = run(&mut base(), Some(input.as_bytes()));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), format!("{LIGHTS_CALL}\n[]\n{LIGHTS_CALL}\n"));

    // --meta: queries come back in order, one line each, each a JSON object.
    let queries: Vec<String> = (0..12).map(|i| format!("request number {i} for the lights")).collect();
    let o = run(base().arg("--meta"), Some((queries.join("\n") + "\n").as_bytes()));
    no_panic(&o);
    let lines: Vec<&str> = stdout(&o).leak().lines().collect();
    assert_eq!(lines.len(), queries.len(), "{}", stderr(&o));
    for (line, q) in lines.iter().zip(&queries) {
        let v: Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["query"], q.as_str());
        assert!(v["calls"].is_array(), "{v}");
    }
}

#[test]
fn pipe_bad_line_yields_error_object_and_continues() {
    let mut input = format!("{THANKS}\n").into_bytes();
    input.extend_from_slice(b"bad \xff\xfe bytes\n");
    input.extend_from_slice(format!("{LIGHTS}").as_bytes()); // no newline at the end
    let o = run(&mut base(), Some(&input));
    no_panic(&o);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert_eq!(lines[0], "[]");
    let err: Value = serde_json::from_str(lines[1]).unwrap();
    assert!(err["error"].as_str().unwrap().contains("UTF-8"));
    assert!(err["query"].as_str().unwrap().starts_with("bad "));
    assert_eq!(lines[2], LIGHTS_CALL);
}

#[test]
fn pipe_over_long_line_is_an_error_line_not_gigabytes() {
    // 3 MiB on one line between two short ones: refused unread, the neighbours answered in order.
    let mut input = format!("{THANKS}\n").into_bytes();
    input.extend(std::iter::repeat(b'x').take(3 << 20));
    input.extend_from_slice(format!("\n{THANKS}\n").as_bytes());
    let o = run(&mut base(), Some(&input));
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
    let mut child = base().stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
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
    for _ in 0..3 {
        writeln!(stdin, "{LIGHTS}").unwrap();
        stdin.flush().unwrap();
        let line = rx.recv_timeout(Duration::from_secs(60)).expect("an answer while stdin is still open");
        assert_eq!(line, LIGHTS_CALL);
    }
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

#[test]
fn model_and_runtime_errors_exit_3() {
    let d = scratch("model-errors");
    let o = run(needle().args(["--model"]).arg(&d).args(["--tools"]).arg(example("media.json")).arg("play"), None);
    no_panic(&o);
    assert_eq!(code(&o), 3);
    assert!(stderr(&o).contains("not a needle model directory"), "{}", stderr(&o));

    // A model of another format (an older needle's, or a newer one): named, with where to go.
    let text = std::fs::read_to_string(model().join("needle.json")).unwrap();
    for version in [3, 99] {
        let mut m: Value = serde_json::from_str(&text).unwrap();
        m["format_version"] = version.into();
        write(&d, "needle.json", &m.to_string());
        let o = run(needle().args(["--model"]).arg(&d).arg("play"), None);
        assert_eq!(code(&o), 3);
        let err = stderr(&o);
        assert!(err.contains(&format!("model format {version}")) && err.contains("reads model format 4 only"), "{err}");
        assert!(err.contains(needle::model::LAST_OLD_FORMATS_COMMIT), "{err}");
    }

    // ONNX Runtime library missing: a clear error, never a panic.
    let o = run(base().args(["--ort-lib", "/nonexistent/libonnxruntime.so", "q"]), None);
    no_panic(&o);
    assert_eq!(code(&o), 3);
    assert!(stderr(&o).contains("/nonexistent/libonnxruntime.so"), "{}", stderr(&o));
    let o = run(base().env("ORT_DYLIB_PATH", &d).arg("q"), None);
    no_panic(&o);
    assert_eq!(code(&o), 3);
    assert!(stderr(&o).contains("no ONNX Runtime library"), "{}", stderr(&o));
}

#[test]
fn model_from_env_verbose_threads_device() {
    let mut c = needle();
    c.env("NEEDLE_MODEL", model())
        .args(["--verbose", "--threads", "1", "--device", "cuda", "--tool-cache", "off", "--tools"])
        .arg(example("assistant-20.json"))
        .arg(THANKS);
    let o = run(&mut c, None);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("loaded in") && err.contains("20 tool(s) encoded"), "{err}");
    assert!(err.contains(" ms, confidence "), "{err}");
    // Each tool read, with why it was not called (the fixture reads three tools).
    assert_eq!(err.lines().filter(|l| l.contains(": similarity ") && l.contains("P(calls = 0 / 1 / 2 / 3+)")).count(), 3, "{err}");
    if !cfg!(feature = "cuda") {
        assert!(err.contains("warning") && err.contains("using the CPU"), "{err}");
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
fn no_tools_warns_and_answers() {
    let mut c = needle();
    c.arg("--model").arg(model()).arg(LIGHTS);
    let o = run(&mut c, None);
    assert_eq!(code(&o), 1);
    assert_eq!(stdout(&o), "[]\n");
    assert!(stderr(&o).contains("no tools loaded"));
}

/// Files needle writes on its own: the tool cache under `~/.cache/needle` and nothing else (no
/// ONNX Runtime device-id files); `needle eval` writes none (its rows bring one-off tool sets).
#[test]
fn writes_only_its_tool_cache_under_home() {
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
    let home = scratch("home");
    let mut c = base();
    // An empty variable is unset: the default cache.
    c.env("HOME", &home)
        .env("NEEDLE_TOOL_CACHE", "")
        .env_remove("XDG_CACHE_HOME")
        .env_remove("ORT_DISABLE_TELEMETRY")
        .arg(LIGHTS);
    let o = run(&mut c, None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let written = files(&home);
    assert_eq!(written.len(), 20, "{written:?}");
    assert!(written.iter().all(|f| f.starts_with(".cache/needle/") && f.ends_with(".vec")), "{written:?}");

    let eval_home = scratch("eval-home");
    let rows = write(
        &eval_home,
        "rows.jsonl",
        r#"{"id":"r1","category":"simple","tools":[{"name":"get_weather","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}],"query":"weather in Oslo","answers":[{"get_weather":{"city":["Oslo"]}}]}"#,
    );
    let mut c = needle();
    c.env("HOME", &eval_home).env_remove("NEEDLE_TOOL_CACHE").env_remove("XDG_CACHE_HOME");
    c.arg("eval").arg("--model").arg(model()).arg(&rows);
    let o = run(&mut c, None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(files(&eval_home), ["rows.jsonl"]);
}

/// Vectors read back from the tool cache answer exactly as encoding the tools does (the same
/// calls and the same confidence, which moves with any bit of a vector); a damaged entry is a
/// miss that is encoded again and rewritten, never an error.
#[test]
fn tool_cache_gives_the_same_answers_as_encoding() {
    let cache = scratch("tool-cache").join("cache");
    let queries = format!("{LIGHTS}\nwhat's the weather in Paris\nset the volume to 30\n{THANKS}\n");
    let run_with = |cache: &std::path::Path| {
        let mut c = base();
        c.env("NEEDLE_TOOL_CACHE", cache).args(["--verbose", "--meta"]);
        run(&mut c, Some(queries.as_bytes()))
    };
    let fresh = run_with(&cache);
    let cached = run_with(&cache);
    let off = run_with(std::path::Path::new("off"));
    for o in [&fresh, &cached, &off] {
        no_panic(o);
    }
    assert!(stderr(&fresh).contains("20 tool(s) encoded") && stderr(&fresh).contains("0 read from the tool cache"), "{}", stderr(&fresh));
    assert!(stderr(&cached).contains("0 tool(s) encoded") && stderr(&cached).contains("20 read from the tool cache"), "{}", stderr(&cached));
    assert!(stderr(&off).contains("20 tool(s) encoded"), "{}", stderr(&off));
    let answers = |o: &std::process::Output| -> Vec<(Value, Value)> {
        stdout(o).lines().map(|l| serde_json::from_str::<Value>(l).unwrap()).map(|v| (v["calls"].clone(), v["confidence"].clone())).collect()
    };
    assert_eq!(answers(&fresh).len(), 4);
    assert_eq!(answers(&cached), answers(&fresh));
    assert_eq!(answers(&off), answers(&fresh));
    assert_eq!(std::fs::read_dir(&cache).unwrap().count(), 20);
    // A damaged entry (a flipped bit in a float, the size unchanged) is a miss, encoded again.
    let entry = std::fs::read_dir(&cache).unwrap().next().unwrap().unwrap().path();
    let mut bytes = std::fs::read(&entry).unwrap();
    let at = bytes.len() - 20;
    bytes[at] ^= 0x80;
    std::fs::write(&entry, &bytes).unwrap();
    let repaired = run_with(&cache);
    assert!(stderr(&repaired).contains("1 tool(s) encoded") && stderr(&repaired).contains("19 read from the tool cache"), "{}", stderr(&repaired));
    assert!(stderr(&repaired).contains("checksum"), "{}", stderr(&repaired));
    assert_eq!(answers(&repaired), answers(&fresh));
    assert_eq!(run_with(&cache).status.code(), fresh.status.code());
}

/// One-shot over a 200-tool catalogue answers exactly as pipe mode does with the same tools
/// loaded: the same calls and the same confidence (which moves with any difference in what
/// the model read).
#[test]
fn one_shot_answers_as_pipe_mode_over_a_large_catalogue() {
    let queries = [LIGHTS, "what's the weather in Paris", "book a table for two tonight"];
    let catalogue = |c: &mut std::process::Command| {
        c.arg("--model")
            .arg(model())
            .arg("--tools")
            .arg(example("assistant-20.json"))
            .arg(example("catalogue-180.json"))
            .args(["--meta", "--verbose", "--tool-cache", "off"]);
    };
    let mut pipe = needle();
    catalogue(&mut pipe);
    let piped = run(&mut pipe, Some((queries.join("\n") + "\n").as_bytes()));
    no_panic(&piped);
    assert!(stderr(&piped).contains("200 tool(s)"), "{}", stderr(&piped));
    let piped_lines: Vec<Value> = stdout(&piped).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(piped_lines.len(), queries.len());
    // Among 200 tools the fixture also calls one it never trained on; the right call comes first.
    assert_eq!(piped_lines[0]["calls"][0], serde_json::from_str::<Value>(LIGHTS_CALL).unwrap()[0]);
    for (q, piped_line) in queries.iter().zip(&piped_lines) {
        let mut one = needle();
        catalogue(&mut one);
        let o = run(one.arg("--").arg(q), None);
        no_panic(&o);
        let line: Value = serde_json::from_str(stdout(&o).trim()).unwrap_or_else(|e| panic!("{q}: {e}: {}", stdout(&o)));
        for key in ["calls", "confidence"] {
            assert_eq!(line.get(key), piped_line.get(key), "{q}: {key}");
        }
    }
}

/// `needle eval --decisions`: one summary per decision setting from one pass of the model; the
/// model's own setting scores as plain `needle eval` does, a setting that never calls passes only
/// the no-call row, and a bad settings file is an input error naming it.
#[test]
fn eval_scores_each_decision_setting() {
    let dir = scratch("eval-decisions");
    // BFCL rows carry bare function objects.
    let openai: Value = serde_json::from_str(&std::fs::read_to_string(example("assistant-20.json")).unwrap()).unwrap();
    let tools: Vec<Value> = openai.as_array().unwrap().iter().map(|t| t["function"].clone()).collect();
    let rows: Vec<String> = [
        ("lights", "multiple", LIGHTS, serde_json::json!([{"set_lights": {"room": ["kitchen"]}}])),
        ("weather", "multiple", "what's the weather in Paris", serde_json::json!([{"get_weather": {"location": ["Paris"]}}])),
        ("volume", "multiple", "set the volume to 30", serde_json::json!([{"set_volume": {"level": [30]}}])),
        ("none", "irrelevance", THANKS, serde_json::json!([])),
    ]
    .iter()
    .map(|(id, category, query, answers)| {
        serde_json::json!({"id": id, "category": category, "tools": tools, "query": query, "answers": answers}).to_string()
    })
    .collect();
    let rows = write(&dir, "rows.jsonl", &rows.join("\n"));
    let manifest: Value = serde_json::from_str(&std::fs::read_to_string(model().join("needle.json")).unwrap()).unwrap();
    let own: serde_json::Map<String, Value> = ["similarity_weight", "call_similarity_weight", "no_call_threshold", "second_call_threshold"]
        .iter()
        .filter_map(|k| manifest.get(*k).map(|v| (k.to_string(), v.clone())))
        .collect();
    let never = serde_json::json!({"no_call_threshold": 0.000001, "second_call_threshold": 0.000001, "call_similarity_weight": 0});
    let settings = write(&dir, "settings.json", &serde_json::json!([own, never]).to_string());
    let eval = |extra: &[&std::ffi::OsStr]| {
        let mut c = needle();
        c.arg("eval").arg("--model").arg(model()).arg(&rows).arg("--json").args(extra);
        run(&mut c, None)
    };
    let plain = eval(&[]);
    let each = eval(&["--decisions".as_ref(), settings.as_os_str()]);
    assert_eq!(code(&each), 0, "{}", stderr(&each));
    let plain: Value = serde_json::from_str(&stdout(&plain)).unwrap();
    let each: Value = serde_json::from_str(&stdout(&each)).unwrap();
    assert_eq!(each[0]["overall"]["correct"], 4, "{each}");
    assert_eq!(each[0]["overall"], plain["overall"]);
    assert_eq!(each[0]["settings"], Value::Object(own));
    assert_eq!(each[1]["overall"]["correct"], 1, "{each}");
    // A typo in a setting: exit 2 before any row is read, naming the file and the setting.
    let bad = write(&dir, "bad.json", r#"[{"no_call_threshold": 0.5}, {"no_call_treshold": 0.5}]"#);
    let o = eval(&["--decisions".as_ref(), bad.as_os_str()]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("bad.json: setting 2: unknown decision setting \"no_call_treshold\""), "{}", stderr(&o));
    let o = eval(&["--decisions".as_ref(), settings.as_os_str(), "--failures".as_ref(), dir.join("f.jsonl").as_os_str()]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
}
