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
        "| 200 tools |",
        "per line, 20 tools (median)",
        "cold start to first answer",
        "cold start, 200 tools",
        "peak RSS, one-shot child",
        "peak RSS, pipe child",
        "request encode ms",
        "tool loading (bi-encoder vectors)",
        "model files (encoder + heads + tokenizer)",
    ] {
        assert!(stdout.contains(row), "no {row:?} in the table:\n{stdout}");
    }
}

/// The 200-tool rows: the 20 example tools plus 180 distinct others, loadable together.
#[test]
fn large_tool_set_is_200_distinct_tools() {
    let base = needle::tools::load_paths(&[example("assistant-20.json")], &[]).unwrap();
    let more = needle::tools::load_paths(&[example("catalogue-180.json")], &base).unwrap();
    assert_eq!(more.len(), 180);
    let set = needle::bench::large_tool_set(&base, &more, 200).unwrap();
    let names: std::collections::HashSet<_> = set.iter().map(|t| t.name.clone()).collect();
    assert_eq!(names.len(), 200);
    assert!(needle::bench::large_tool_set(&base, &more[..10], 200).is_err());
}

/// Bad bench inputs are input errors: exit 2, the file named, before any measuring.
#[test]
fn bad_inputs_exit_2_and_name_the_file() {
    let dir = scratch("bench-inputs");
    let few = write(&dir, "few.json", r#"[{"name": "extra_tool", "description": "One more."}]"#);
    let missing = dir.join("missing.json");
    for (flag, path, says) in [
        ("--more-tools", &missing, "missing.json"),
        ("--more-tools", &few, "200 tools needed, 21 given"),
        ("--queries", &missing, "missing.json"),
    ] {
        let o = run(needle().arg("bench").arg("--model").arg(model()).arg(flag).arg(path), None);
        no_panic(&o);
        assert_eq!(code(&o), 2, "{flag} {}: {}", path.display(), stderr(&o));
        assert!(stderr(&o).contains(says), "{}", stderr(&o));
    }
}
