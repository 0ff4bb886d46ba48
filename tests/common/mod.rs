//! Helpers shared by the integration tests: they drive the real `needle` binary.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The fixture model: a tiny model trained and exported by the pipeline (`scripts/py -m
/// pipeline.fixture`), in exactly the shipped format; it answers the requests of the
/// pipeline's `fixture.CHECKS` right.
pub fn model() -> PathBuf {
    let dir = root().join("tests/fixtures/tiny-model");
    assert!(
        dir.join("needle.json").is_file(),
        "fixture model missing: {} (scripts/py -m pipeline.fixture)",
        dir.display()
    );
    dir
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

/// `needle` with a clean environment for tests (no colour, private history file and tool cache,
/// a fixed date for relative dates).
pub fn needle() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_needle"));
    let tmp = std::env::temp_dir();
    c.env("NO_COLOR", "1")
        .env_remove("NEEDLE_MODEL")
        .env("NEEDLE_HISTORY", tmp.join(format!("needle-test-history-{}", std::process::id())))
        .env("NEEDLE_TOOL_CACHE", tmp.join(format!("needle-test-cache-{}", std::process::id())))
        .env("NEEDLE_TODAY", "2026-12-07");
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
