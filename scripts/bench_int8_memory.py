"""Measure the next decoder lever before building it: cross-attention over an int8 memory.

    scripts/py scripts/bench_int8_memory.py [--rows 1526]

One decoder call attends over the memory in all 6 layers: scores = q·Kᵀ, softmax, then the
weighted sum of V. With the 20-tool example set that memory is 1,526 rows, 17.6 MB of float32
K/V, read from DRAM on every call (docs/performance.md). This builds two small ONNX graphs of
just that part, one layer's worth per layer with distinct random buffers so nothing stays in
cache, and times them single-threaded with ONNX Runtime:

- float32, as the shipped decoder does it (`FusedMatMul` with transposed K, `Softmax`, `MatMul`);
- int8: K stored transposed with one scale per memory row, V with one scale per column, the
  query and the softmax output quantised per call (`DynamicQuantizeLinear`), and
  `MatMulIntegerToFloat` per kv head (its scales are per column of a 2-D weight).

Random values: it measures time, not accuracy.
"""
from __future__ import annotations

import argparse

import numpy as np
import onnxruntime as ort
from onnx import TensorProto, helper

from bench_graphs import median_ms

HEADS, QUERY_ROWS, HEAD_DIM, LAYERS = 4, 2, 64, 6   # kv heads, query heads per kv head, D, L
MS = "com.microsoft"


def session(nodes, inputs, outputs, initializers=()):
    graph = helper.make_graph(nodes, "cross_attention", inputs,
                              [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outputs],
                              initializer=list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid(MS, 1)])
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.log_severity_level = 3
    return ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])


def float_graph(rows, rng):
    inputs = [helper.make_tensor_value_info("q", TensorProto.FLOAT, [HEADS, QUERY_ROWS, HEAD_DIM])]
    feeds = {"q": rng.standard_normal((HEADS, QUERY_ROWS, HEAD_DIM), dtype=np.float32)}
    nodes, outputs = [], []
    for l in range(LAYERS):
        for name in (f"k{l}", f"v{l}"):
            inputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, [HEADS, rows, HEAD_DIM]))
            feeds[name] = rng.standard_normal((HEADS, rows, HEAD_DIM), dtype=np.float32)
        nodes += [helper.make_node("FusedMatMul", ["q", f"k{l}"], [f"s{l}"], domain=MS, transB=1),
                  helper.make_node("Softmax", [f"s{l}"], [f"p{l}"], axis=-1),
                  helper.make_node("MatMul", [f"p{l}", f"v{l}"], [f"o{l}"])]
        outputs.append(f"o{l}")
    return session(nodes, inputs, outputs), feeds


def int8_graph(rows, rng):
    inputs, feeds, nodes, outputs = [], {}, [], []
    for h in range(HEADS):
        inputs.append(helper.make_tensor_value_info(f"q{h}", TensorProto.FLOAT, [QUERY_ROWS, HEAD_DIM]))
        feeds[f"q{h}"] = rng.standard_normal((QUERY_ROWS, HEAD_DIM), dtype=np.float32)
        nodes.append(helper.make_node("DynamicQuantizeLinear", [f"q{h}"], [f"qq{h}", f"qs{h}", f"qz{h}"]))
    for l in range(LAYERS):
        for h in range(HEADS):
            t = f"{l}_{h}"
            tensors = {f"kt{t}": (rng.integers(-127, 127, (HEAD_DIM, rows), dtype=np.int8), TensorProto.INT8),
                       f"v{t}": (rng.integers(-127, 127, (rows, HEAD_DIM), dtype=np.int8), TensorProto.INT8),
                       f"ks{t}": (np.full(rows, 0.01, np.float32), TensorProto.FLOAT),
                       f"vs{t}": (np.full(HEAD_DIM, 0.01, np.float32), TensorProto.FLOAT)}
            for name, (value, kind) in tensors.items():
                inputs.append(helper.make_tensor_value_info(name, kind, list(value.shape)))
                feeds[name] = value
            nodes += [
                helper.make_node("MatMulIntegerToFloat", [f"qq{h}", f"kt{t}", f"qs{h}", f"ks{t}", f"qz{h}"], [f"s{t}"], domain=MS),
                helper.make_node("Softmax", [f"s{t}"], [f"p{t}"], axis=-1),
                helper.make_node("DynamicQuantizeLinear", [f"p{t}"], [f"pq{t}", f"ps{t}", f"pz{t}"]),
                helper.make_node("MatMulIntegerToFloat", [f"pq{t}", f"v{t}", f"ps{t}", f"vs{t}", f"pz{t}"], [f"o{t}"], domain=MS),
            ]
            outputs.append(f"o{t}")
    return session(nodes, inputs, outputs), feeds


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1526, help="memory rows (1526: the 20-tool example set + query area)")
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    graphs = {"float32": float_graph(args.rows, rng), "int8": int8_graph(args.rows, rng)}
    for rnd in range(2):   # alternate, so drift affects both alike
        for name, (sess, feeds) in graphs.items():
            print(f"round {rnd + 1}: {name:7s} cross-attention, {LAYERS} layers, {args.rows} rows: "
                  f"{median_ms(sess, feeds):.2f} ms")


if __name__ == "__main__":
    main()
