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
        "decoder tokens/s",
        "model files",
        "our time over the floor",
        "our time over the traffic floor",
    ] {
        assert!(stdout.contains(row), "no {row:?} in the table:\n{stdout}");
    }
}

/// A format 3 model gets its own table: the line sets, the children, the model's five files.
#[test]
fn bench_prints_the_table_of_a_format_3_model() {
    let out = needle()
        .arg("bench")
        .arg("--model")
        .arg(copy_model())
        .args(["--lines", "3", "--cold-runs", "1"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "bench failed: {stderr}\n{stdout}");
    for row in [
        "format 3: MiniLM encoder + copy decoder",
        "| 1 tool |",
        "| 20 tools |",
        "| 200 tools |",
        "| 20 tools, unconstrained |",
        "per line, 20 tools (median)",
        "cold start to first answer (one-shot child, 20 tools, no tool cache in this format",
        "cold start, 200 tools (one-shot loads and encodes the request's shortlist",
        "peak RSS, pipe child",
        "model files (encoder + memory + decoder + tokenizer + output vocabulary)",
    ] {
        assert!(stdout.contains(row), "no {row:?} in the table:\n{stdout}");
    }
    assert!(!stdout.contains("shortlist 0"), "format 3 has no shortlist row:\n{stdout}");
}

/// The traffic floor's byte count: encoder weights once, then decoder weights and the memory's
/// f32 K and V per decoder call.
#[test]
fn line_bytes_counts_weights_and_memory_per_call() {
    let c: needle::model::Config = serde_json::from_value(serde_json::json!({
        "vocab_size": 8192, "d_model": 512, "n_heads": 8, "n_kv_heads": 4, "head_dim": 64,
        "n_encoder_layers": 16, "n_decoder_layers": 6, "rope_theta": 10000.0
    }))
    .unwrap();
    let kv_per_row = 2.0 * 6.0 * 4.0 * 64.0 * 4.0; // K and V, 6 layers, 4 heads, 64 dims, f32
    assert_eq!(needle::bench::line_bytes(&c, (100.0, 10.0), 0, 3), 130.0);
    assert_eq!(needle::bench::line_bytes(&c, (100.0, 10.0), 1526, 10), 100.0 + 10.0 * (10.0 + 1526.0 * kv_per_row));
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
