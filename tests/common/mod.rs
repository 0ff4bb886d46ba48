//! Helpers shared by the integration tests: they drive the real `needle` binary.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The fixture model (a tiny trained model in exactly the release format).
pub fn model() -> PathBuf {
    let dir = root().join("tests/fixtures/tiny-model");
    assert!(
        dir.join("needle.json").is_file(),
        "fixture model missing: {} (scripts/py -m pipeline.fixture)",
        dir.display()
    );
    dir
}

/// The format 3 fixture (MiniLM-shaped encoder, copy decoder; random weights, real code).
pub fn copy_model() -> PathBuf {
    root().join("tests/fixtures/tiny-copy-model")
}

pub fn example(name: &str) -> PathBuf {
    root().join("schemas/examples").join(name)
}

/// A fresh scratch directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("needle-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// `needle` with a clean environment for tests (no colour, private history file, private
/// tool cache).
pub fn needle() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_needle"));
    let tmp = std::env::temp_dir();
    c.env("NO_COLOR", "1")
        .env_remove("NEEDLE_MODEL")
        .env("NEEDLE_HISTORY", tmp.join(format!("needle-test-history-{}", std::process::id())))
        .env("NEEDLE_TOOL_CACHE", tmp.join(format!("needle-test-cache-{}", std::process::id())));
    c
}

/// Runs with the given stdin bytes (None: stdin is /dev/null).
pub fn run(cmd: &mut Command, stdin: Option<&[u8]>) -> Output {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    match stdin {
        None => {
            cmd.stdin(Stdio::null());
            cmd.output().unwrap()
        }
        Some(bytes) => {
            cmd.stdin(Stdio::piped());
            let mut child = cmd.spawn().unwrap();
            let mut pipe = child.stdin.take().unwrap();
            let data = bytes.to_vec();
            let writer = std::thread::spawn(move || {
                let _ = pipe.write_all(&data);
            });
            let out = child.wait_with_output().unwrap();
            writer.join().unwrap();
            out
        }
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn code(o: &Output) -> i32 {
    o.status
        .code()
        .expect("exited normally (no signal, no panic abort)")
}

/// Asserts the process did not panic.
pub fn no_panic(o: &Output) {
    let err = stderr(o);
    assert!(!err.contains("panicked"), "needle panicked:\n{err}");
}

/// A model of format 2 for the measurements of format 2 features (the token
/// shortlist's growth): `NEEDLE_V2_MODEL`, else the shipped `assets/` when it is format 2.
/// None (skipped, said on stderr) otherwise: the shipped model is format 3 since needle-copy-80min.
pub fn format2_model() -> Option<PathBuf> {
    let dir = std::env::var_os("NEEDLE_V2_MODEL").map(PathBuf::from).unwrap_or_else(|| root().join("assets"));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("needle.json")).ok()?).ok()?;
    if manifest["format_version"] != 2 {
        eprintln!("{}: not a format 2 model, skipped (set NEEDLE_V2_MODEL to one)", dir.display());
        return None;
    }
    Some(dir)
}

/// Held-out dev rows (`scripts/dev_to_eval.py` writes `data/eval/<split>.jsonl`) for the
/// ignored measurements; `None` when the file is missing.
pub fn dev_rows(split: &str) -> Option<Vec<needle::eval::Row>> {
    let path = root().join(format!("data/eval/{split}.jsonl"));
    if !path.is_file() {
        eprintln!("{}: missing, skipped", path.display());
        return None;
    }
    Some(needle::eval::read_rows(&[path], None).unwrap())
}

/// The tools of a row that the runtime can load (some names break its rules).
pub fn row_tools(row: &needle::eval::Row) -> Vec<needle::tools::Tool> {
    row.tools.iter().filter_map(|t| needle::tools::normalize(t).ok()).collect()
}

/// Every distinct loadable tool of `rows` (by name), in order of appearance.
pub fn tool_pool(rows: &[needle::eval::Row]) -> Vec<needle::tools::Tool> {
    let mut seen = std::collections::HashSet::new();
    rows.iter().flat_map(row_tools).filter(|t| seen.insert(t.name.clone())).collect()
}

/// A catalogue of `size` tools for `row`: its own tools plus distractors drawn from `pool`,
/// shuffled (rows list their own tools first; load order must give no hint). `seed` is a
/// small LCG state the caller carries from row to row.
pub fn catalogue(row: &needle::eval::Row, pool: &[needle::tools::Tool], size: usize, seed: &mut u64) -> Vec<needle::tools::Tool> {
    let mut catalogue = row_tools(row);
    let mut names: std::collections::HashSet<String> = catalogue.iter().map(|t| t.name.clone()).collect();
    while catalogue.len() < size.min(pool.len()) {
        let t = &pool[next_random(seed) % pool.len()];
        if names.insert(t.name.clone()) {
            catalogue.push(t.clone());
        }
    }
    shuffle(&mut catalogue, seed);
    catalogue
}

/// The next value of a small LCG (reproducible draws for the measurements).
pub fn next_random(seed: &mut u64) -> usize {
    *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (*seed >> 33) as usize
}

/// Fisher-Yates with [`next_random`].
pub fn shuffle<T>(items: &mut [T], seed: &mut u64) {
    for i in (1..items.len()).rev() {
        items.swap(i, next_random(seed) % (i + 1));
    }
}

/// Names of the tools a row's answer calls.
pub fn gold_tools(row: &needle::eval::Row) -> std::collections::HashSet<String> {
    row.answers
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a.as_object())
        .flat_map(|a| a.keys().cloned())
        .collect()
}
