//! Fuzz harness (issue 17): random and mutated tool files, query lines and raw bytes through the
//! tool loader, the engine (the trained fixture model) and the CLI's pipe mode. Every input ends in one of: a clean error, an answer (a valid JSON array
//! of calls, each naming a loaded tool with arguments its schema accepts, no call twice), or a
//! failure: a panic, an input slower than `HANG_MS`, an invalid answer. The test fails on any
//! failure and prints the counts.
//!
//! Quick (in `scripts/test`, seconds): 20,000 inputs. Long (the counts in docs/reliability.md):
//!
//!     NEEDLE_FUZZ_INPUTS=1000000 cargo test --release --test fuzz -- --ignored --nocapture fuzz_long
//!
//! `NEEDLE_FUZZ_SEED` changes the seed. Inputs are spread over the stages by cost: every tool
//! file goes through the loader, one loaded set in 10 through the engine (milliseconds), and
//! one tool file in 2,500 through the CLI's pipe mode (a process).

mod common;
use common::*;

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

use needle::engine::Engine;
use needle::onnx::ModelOptions;
use needle::tools::{self, Tool};
use needle::values::Context;
use serde_json::{json, Value};

/// An input slower than this is a hang.
const HANG_MS: f64 = 5_000.0;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() % 1_000_000) as f64 / 1e6 < p
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

/// Seeds for mutation: the shipped example tool files, and hostile schemas from issue 17.
fn seeds() -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = std::fs::read_dir(root().join("schemas/examples"))
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .filter(|b| b.len() < 64 * 1024)
        .collect();
    let hostile = [
        json!({"name":"t","parameters":{"type":"object","properties":{"loc":{"type":"object","properties":{"k0":{"type":"integer"},"k1":{"type":"integer"}},"required":["k0","k1"]}},"required":["loc"]}}),
        json!({"name":"refs","parameters":{"type":"object","properties":{"a":{"$ref":"#/properties/a"}},"required":["a"]}}),
        json!({"name":"formats","parameters":{"type":"object","properties":{"x":{"type":"string","format":"email"},"d":{"type":"string","format":"date-time"}},"required":["x","d"]}}),
        json!({"type":"function","function":{"name":"enums","parameters":{"type":"object","properties":{"u":{"enum":["a","b",1,null,true]},"n":{"type":["integer","null"],"minimum":-3,"maximum":3}}}}}),
        json!({"tools":[{"name":"mcp","inputSchema":{"type":"object","properties":{"xs":{"type":"array","items":{"type":"string","maxLength":3},"minItems":2,"maxItems":4}},"required":["xs"]}}]}),
    ];
    out.extend(hostile.iter().map(|v| serde_json::to_vec(v).unwrap()));
    out
}

/// A random byte string (mostly JSON-ish characters).
fn random_bytes(r: &mut Rng, max: usize) -> Vec<u8> {
    let alphabet = b"{}[]\":,0123456789-.eE tfnrualsbjecpyimgqoxz_\\/\n\t";
    (0..r.below(max)).map(|_| if r.chance(0.9) { *r.pick(alphabet) } else { r.next() as u8 }).collect()
}

/// A mutation of `seed`: bytes flipped, inserted, deleted, spans duplicated or cut, or a JSON
/// value replaced by another kind.
fn mutate(r: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut b = seed.to_vec();
    for _ in 0..1 + r.below(4) {
        let n = b.len().max(1);
        match r.below(7) {
            0 if !b.is_empty() => {
                let i = r.below(n);
                b[i] = r.next() as u8;
            }
            1 => {
                let i = r.below(n + 1).min(b.len());
                let ins = random_bytes(r, 8);
                b.splice(i..i, ins);
            }
            2 if !b.is_empty() => {
                let i = r.below(n);
                let j = (i + 1 + r.below(16)).min(b.len());
                b.drain(i..j);
            }
            3 if !b.is_empty() => {
                let i = r.below(n);
                let j = (i + 1 + r.below(64)).min(b.len());
                let span = b[i..j].to_vec();
                let k = r.below(b.len() + 1);
                b.splice(k..k, span);
            }
            4 => b.truncate(r.below(n + 1)),
            5 => {
                // A structured mutation: replace a random value of the parsed JSON.
                if let Ok(mut v) = serde_json::from_slice::<Value>(&b) {
                    replace_random_value(r, &mut v, 0);
                    b = serde_json::to_vec(&v).unwrap();
                }
            }
            _ => {
                let i = r.below(n + 1).min(b.len());
                let odd: &[&[u8]] = &[b"\xef\xbb\xbf", b"\\u0000", b"\xff", b"1e999", b"-0", b"\"\\ud800\""];
                b.splice(i..i, r.pick(odd).iter().copied());
            }
        }
    }
    b
}

fn replace_random_value(r: &mut Rng, v: &mut Value, depth: usize) {
    let children = match v {
        Value::Object(o) => o.len(),
        Value::Array(a) => a.len(),
        _ => 0,
    };
    if children == 0 || depth > 8 || r.chance(0.25) {
        *v = match r.below(9) {
            0 => Value::Null,
            1 => json!(r.chance(0.5)),
            2 => json!(r.next() as i64),
            3 => json!(-1e300),
            4 => json!("x".repeat(r.below(300))),
            5 => json!([]),
            6 => json!({}),
            7 => json!({"type": *r.pick(&["string", "integer", "number", "boolean", "array", "object", "null", "strnig"])}),
            _ => json!({"anyOf": [{"type": "string"}, {"type": "integer", "minimum": 5}]}),
        };
        return;
    }
    let i = r.below(children);
    match v {
        Value::Object(o) => {
            let key = o.keys().nth(i).unwrap().clone();
            replace_random_value(r, o.get_mut(&key).unwrap(), depth + 1);
        }
        Value::Array(a) => replace_random_value(r, &mut a[i], depth + 1),
        _ => {}
    }
}

/// A random query line: words, unicode, control bytes, very long, empty.
fn random_query(r: &mut Rng) -> String {
    let words = ["turn", "off", "the", "kitchen", "lights", "set", "a", "timer", "for", "10", "minutes", "weather",
                 "in", "Oslo", "send", "email", "to", "bob@example.com", "play", "jazz", "😀", "日本", "\u{0}", "\t",
                 "\"", "\\", "[]", "{", "null", "-1e999", "ünïcödé", "\u{202e}"];
    let n = match r.below(10) {
        0 => 0,
        1 => 500 + r.below(3000),
        _ => 1 + r.below(20),
    };
    (0..n).map(|_| *r.pick(&words)).collect::<Vec<_>>().join(" ")
}

#[derive(Default)]
struct Counts {
    by_outcome: BTreeMap<String, u64>,
    failures: Vec<String>,
    slowest_ms: f64,
}

impl Counts {
    fn add(&mut self, stage: &str, outcome: &str) {
        *self.by_outcome.entry(format!("{stage}: {outcome}")).or_insert(0) += 1;
    }
    fn fail(&mut self, stage: &str, what: String) {
        self.add(stage, "FAILURE");
        if self.failures.len() < 20 {
            self.failures.push(format!("{stage}: {what}"));
        }
    }
    fn total(&self) -> u64 {
        self.by_outcome.values().sum()
    }
}

/// Checks an answer: a JSON array of calls to loaded tools, arguments valid, no call twice.
fn check_answer(tools: &[Tool], text: &str) -> Result<usize, String> {
    let calls: Vec<Value> = serde_json::from_str(text).map_err(|e| format!("not a JSON array of calls ({e}): {text}"))?;
    for (i, c) in calls.iter().enumerate() {
        let name = c["name"].as_str().ok_or(format!("call without a name: {text}"))?;
        let tool = tools.iter().find(|t| t.name == name).ok_or(format!("unknown tool {name}: {text}"))?;
        tool.validate_arguments(&c["arguments"]).map_err(|e| format!("invalid arguments ({e}): {text}"))?;
        if calls[..i].contains(c) {
            return Err(format!("call {i} repeats an earlier one: {text}"));
        }
    }
    Ok(calls.len())
}

fn fuzz(inputs: u64, seed: u64) -> Counts {
    let mut r = Rng(seed);
    let seeds = seeds();
    let mut counts = Counts::default();
    let dir = root().join("tests/fixtures/tiny-model");
    let mut engine = Engine::load(&dir, &ModelOptions::default(), Context::on("2026-12-07").unwrap())
        .unwrap_or_else(|e| panic!("{}: {e:#}", dir.display()));
    let cli_dir = scratch("fuzz-cli");
    let (mut i, mut loaded_sets) = (0u64, 0u64);
    while counts.total() < inputs {
        i += 1;
        // A tool file: random bytes, a mutated seed, or a seed as it is.
        let bytes = match r.below(10) {
            0 => random_bytes(&mut r, 300),
            1 => r.pick(&seeds).clone(),
            _ => {
                let s = r.pick(&seeds).clone();
                mutate(&mut r, &s)
            }
        };
        // The CLI: pipe mode on this file (loadable or not), N lines in, N lines out.
        if i % 2500 == 1 {
            cli_stage(&mut r, &cli_dir, &bytes, &mut counts);
        }
        let start = Instant::now();
        let loaded = catch_unwind(|| tools::parse_tool_file(&bytes, "fuzz.json"));
        let ms = start.elapsed().as_secs_f64() * 1e3;
        counts.slowest_ms = counts.slowest_ms.max(ms);
        let tools = match loaded {
            Err(_) => {
                counts.fail("loader", format!("panic on {:?}", String::from_utf8_lossy(&bytes)));
                continue;
            }
            Ok(Err(_)) => {
                counts.add("loader", "clean error");
                continue;
            }
            Ok(Ok(t)) => {
                counts.add("loader", "tools");
                t
            }
        };
        if ms > HANG_MS {
            counts.fail("loader", format!("{ms:.0} ms on {:?}", String::from_utf8_lossy(&bytes)));
        }
        if tools.is_empty() || tools.iter().enumerate().any(|(k, t)| tools[..k].iter().any(|u| u.name == t.name)) {
            continue; // duplicate names are a load error across files; the engines assume none
        }
        // The engine, with random queries.
        loaded_sets += 1;
        if loaded_sets % 10 == 1 {
            let stage = "engine";
            if let Err(e) = engine.set_tools(tools.clone()) {
                counts.fail(stage, format!("set_tools: {e:#}; tools {}", tool_json(&tools)));
                continue;
            }
            let query = random_query(&mut r);
            let start = Instant::now();
            let out = catch_unwind(AssertUnwindSafe(|| engine.predict(&query)));
            let ms = start.elapsed().as_secs_f64() * 1e3;
            counts.slowest_ms = counts.slowest_ms.max(ms);
            match out {
                Err(_) => counts.fail(stage, format!("panic on {query:?}; tools {}", tool_json(&tools))),
                Ok(Err(e)) => counts.fail(stage, format!("error {e:#} on {query:?}; tools {}", tool_json(&tools))),
                Ok(Ok(p)) => {
                    // What needle prints is the validated calls; the model's own calls must not
                    // repeat either.
                    if p.proposed.iter().enumerate().any(|(i, c)| p.proposed[..i].contains(c)) {
                        counts.fail(stage, format!("a repeated call proposed on {query:?}; tools {}", tool_json(&tools)));
                    }
                    let printed = serde_json::to_string(&p.calls).unwrap();
                    let dropped = if p.invalid.is_empty() { "" } else { ", some dropped by validation" };
                    match check_answer(&tools, &printed) {
                        Ok(0) => counts.add(stage, &format!("[]{dropped}")),
                        Ok(_) => counts.add(stage, &format!("calls{dropped}")),
                        Err(e) => counts.fail(stage, format!("{e} on {query:?}; tools {}", tool_json(&tools))),
                    }
                }
            }
            if ms > HANG_MS {
                counts.fail(stage, format!("{ms:.0} ms on {query:?}; tools {}", tool_json(&tools)));
            }
        }
    }
    counts
}

fn cli_stage(r: &mut Rng, dir: &std::path::Path, tool_file: &[u8], counts: &mut Counts) {
    let path = dir.join("tools.json");
    std::fs::write(&path, tool_file).unwrap();
    let lines: Vec<String> = (0..1 + r.below(5)).map(|_| random_query(r).replace(['\n', '\r'], " ")).collect();
    let asked = lines.iter().filter(|l| !l.trim().is_empty()).count();
    let mut input = lines.join("\n").into_bytes();
    input.push(b'\n');
    let mut c = needle();
    c.arg("--model").arg(model()).arg("--tools").arg(&path);
    let start = Instant::now();
    let o = run(&mut c, Some(&input));
    let ms = start.elapsed().as_secs_f64() * 1e3;
    let err = stderr(&o);
    if err.contains("panicked") {
        counts.fail("cli", format!("panic: {err}"));
    } else if ms > HANG_MS * 4.0 {
        counts.fail("cli", format!("{ms:.0} ms"));
    } else {
        match code(&o) {
            // Blank lines (after trimming) get no output line, by design.
            0 if stdout(&o).lines().count() == asked => counts.add("cli", "answers"),
            0 => counts.fail("cli", format!("{asked} non-blank lines in, {} out", stdout(&o).lines().count())),
            2 if stdout(&o).is_empty() => counts.add("cli", "clean error (exit 2)"),
            n => counts.fail("cli", format!("exit {n}: {err}")),
        }
    }
}

fn tool_json(tools: &[Tool]) -> String {
    let s = serde_json::to_string(&tools.iter().map(Tool::to_json).collect::<Vec<_>>()).unwrap();
    s.chars().take(2000).collect()
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| l.split_whitespace().nth(1).unwrap_or("0").parse().unwrap_or(0.0)))
        .unwrap_or(0.0)
        / 1024.0
}

fn report_and_assert(counts: Counts, start: Instant) {
    eprintln!("fuzz: {} inputs in {:.1} s, slowest {:.1} ms, peak RSS {:.0} MB", counts.total(), start.elapsed().as_secs_f64(),
              counts.slowest_ms, peak_rss_mb());
    for (k, v) in &counts.by_outcome {
        eprintln!("  {k}: {v}");
    }
    assert!(counts.failures.is_empty(), "failures:\n{}", counts.failures.join("\n"));
}

fn seed() -> u64 {
    std::env::var("NEEDLE_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(17)
}

#[test]
fn fuzz_quick() {
    let start = Instant::now();
    // The hook would print every caught panic; the counts say it instead.
    std::panic::set_hook(Box::new(|_| {}));
    let counts = fuzz(20_000, seed());
    let _ = std::panic::take_hook();
    report_and_assert(counts, start);
}

#[test]
#[ignore]
fn fuzz_long() {
    let inputs = std::env::var("NEEDLE_FUZZ_INPUTS").ok().and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    let start = Instant::now();
    std::panic::set_hook(Box::new(|_| {}));
    let counts = fuzz(inputs, seed());
    let _ = std::panic::take_hook();
    report_and_assert(counts, start);
}
