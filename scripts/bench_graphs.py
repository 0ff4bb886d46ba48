"""Time the shipped ONNX graphs alone, single-threaded (what `needle bench` cannot separate).

    scripts/py scripts/bench_graphs.py [--model assets]

Prints: session creation of each graph (as the runtime creates them: optimisation off when
the manifest says `ort_optimized`), one decoder call (1 new token, 10 cached positions) with
an empty memory (20 rows) and with the 20-tool example set's 1,526 rows, the query encoder
pass at 16 tokens, the node count of each graph, and ONNX Runtime's cost per node (a chain of
500 `Add` nodes on a [1, 512] tensor against a chain of 1). Random inputs: it measures time only.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper

ROOT = Path(__file__).resolve().parents[1]


def session(path: Path, pre_optimized: bool):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.log_severity_level = 3
    if pre_optimized:
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    start = time.perf_counter()
    sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    return sess, (time.perf_counter() - start) * 1e3


def median_ms(sess, feeds, runs=40):
    for _ in range(3):
        sess.run(None, feeds)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        sess.run(None, feeds)
        times.append(time.perf_counter() - t)
    return float(np.median(times) * 1e3)


def add_chain_ms(nodes: int) -> float:
    """One run of a graph of `nodes` chained `Add`s on a [1, 512] tensor (single-threaded)."""
    graph = helper.make_graph(
        [helper.make_node("Add", [f"y{i - 1}" if i else "x", "c"], [f"y{i}"]) for i in range(nodes)],
        "chain", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 512])],
        [helper.make_tensor_value_info(f"y{nodes - 1}", TensorProto.FLOAT, [1, 512])],
        initializer=[helper.make_tensor("c", TensorProto.FLOAT, [1], [1.0])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    return median_ms(sess, {"x": np.ones((1, 512), np.float32)}, runs=200)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=ROOT / "assets")
    args = ap.parse_args()
    manifest = json.loads((args.model / "needle.json").read_text())
    c, pre = manifest["config"], "ort_optimized" in manifest
    rng = np.random.default_rng(0)
    for name in ("encoder", "decoder"):
        print(f"{name}.onnx: {len(onnx.load(str(args.model / manifest['files'][name])).graph.node)} nodes")
    enc, enc_ms = session(args.model / manifest["files"]["encoder"], pre)
    dec, dec_ms = session(args.model / manifest["files"]["decoder"], pre)
    print(f"session creation (optimisation {'off' if pre else 'on'}): encoder {enc_ms:.0f} ms, decoder {dec_ms:.0f} ms")
    layers, heads, dim = c["n_decoder_layers"], c["n_kv_heads"], c["head_dim"]
    for rows in (20, 1526):
        past = rng.standard_normal((layers, 1, heads, 10, dim), dtype=np.float32)
        feeds = {"input_ids": np.array([[7]], np.int64), "past_k": past, "past_v": past,
                 "memory_mask": np.ones((1, rows), np.int64)}
        for kind in "kv":
            for l in range(layers):
                feeds[f"cross_{kind}_{l}"] = rng.standard_normal((1, heads, rows, dim), dtype=np.float32)
        print(f"decoder call, {rows} memory rows: {median_ms(dec, feeds):.2f} ms")
    feeds = {"input_ids": rng.integers(5, c["vocab_size"], (1, 16)), "attention_mask": np.ones((1, 16), np.int64)}
    print(f"encoder pass, 16 tokens: {median_ms(enc, feeds):.2f} ms")
    one, many = add_chain_ms(1), add_chain_ms(500)
    print(f"per node: {(many - one) / 499 * 1e3:.2f} us (500-node Add chain {many:.3f} ms, 1 node {one:.3f} ms)")


if __name__ == "__main__":
    main()
