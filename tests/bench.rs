//! `needle bench` runs end to end on the fixture model and prints its table (no timing
//! assertions: the numbers depend on the machine).

mod common;
use common::*;

#[test]
fn bench_prints_the_table() {
    let out = needle()
        .arg("bench")
        .arg("--model")
        .arg(model())
        .args(["--lines", "3", "--cold-runs", "1"])
        .arg("--tools")
        .arg(example("assistant-20.json"))
        .arg("--queries")
        .arg(root().join("docs/queries.txt"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "bench failed: {stderr}\n{stdout}");
    for row in [
        "| 1 tool |",
        "| 20 tools |",
        "| 200 tools (synthetic) |",
        "per line, 20 tools (median)",
        "cold start to first answer",
        "peak RSS, one-shot child",
        "decoder tokens/s",
        "model files",
        "our time over the floor",
    ] {
        assert!(stdout.contains(row), "no {row:?} in the table:\n{stdout}");
    }
}

#[test]
fn synthetic_tool_set_has_unique_names() {
    let base = needle::tools::load_paths(&[example("assistant-20.json")], &[]).unwrap();
    let set = needle::bench::synthetic_tools(&base, 200).unwrap();
    assert_eq!(set.len(), 200);
    let names: std::collections::HashSet<_> = set.iter().map(|t| t.name.clone()).collect();
    assert_eq!(names.len(), 200);
}
