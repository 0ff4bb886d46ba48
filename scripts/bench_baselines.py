#!/usr/bin/env python3
"""Baselines for `needle bench --baselines` (docs/performance.md).

    scripts/py scripts/bench_baselines.py --inputs FILE [--lines 20] [--budget-s 40]

FILE is written by `needle bench`: the exact token-id segments the Rust runtime uses
(tool segments, query segments), the model directory, the PyTorch checkpoint and
max_output_tokens, so every side runs the same model on the same inputs. Prints one JSON object:

- `ort_naive` (baseline a): a straightforward Python loop over onnxruntime (default session
  options): every line re-encodes all tools plus the query (one padded encoder batch), then
  greedy decoding with **no KV cache**: each step re-runs decoder.onnx over the whole prefix
  with an empty past and takes the last position's logits.
- `torch_eager` (baseline b): PyTorch eager on the float checkpoint
  (`pipeline.export.torch_greedy`: every line encodes every segment, greedy decoding with the
  KV cache).
- `matmul`: float32 matrix-multiply rate (torch.mm 512x512x512 and 64x512x512, 1 and 2 threads).

Both baselines decode greedily without constraints up to max_output_tokens; `tokens` counts the
emitted tokens per line plus eos, so times can be compared per token as well as per line. Each
baseline stops after `--lines` lines or when its time budget is spent (at least 2 lines).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

EOS_DEFAULT = 2
BOS_DEFAULT = 1


def summary(ms, tokens, name, note):
    ms_sorted = sorted(ms)
    n = len(ms_sorted)
    p95 = ms_sorted[min(n - 1, max(0, int(round(0.95 * n)) - 1))] if n else None
    return {
        "name": name,
        "lines": n,
        "median_ms": statistics.median(ms) if ms else None,
        "p95_ms": p95,
        "mean_tokens": statistics.mean(tokens) if tokens else None,
        "ms_per_token": (sum(ms) / sum(tokens)) if tokens and sum(tokens) else None,
        "note": note,
    }


def ort_naive(inp, lines, budget_s):
    import onnxruntime as ort
    from pipeline.export import cross_names

    model_dir = Path(inp["model_dir"])
    manifest = json.loads((model_dir / "needle.json").read_text())
    c = manifest["config"]
    sp = manifest["special_tokens"]
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    enc = ort.InferenceSession(str(model_dir / manifest["files"]["encoder"]), opts, providers=["CPUExecutionProvider"])
    dec = ort.InferenceSession(str(model_dir / manifest["files"]["decoder"]), opts, providers=["CPUExecutionProvider"])
    empty = np.zeros((c["n_decoder_layers"], 1, c["n_kv_heads"], 0, c["head_dim"]), dtype=np.float32)
    max_out = inp["max_output_tokens"]
    ms, toks = [], []
    start_all = time.perf_counter()
    for q in inp["queries"][:lines]:
        t0 = time.perf_counter()
        segs = inp["tools"] + [q]
        width = max(len(s) for s in segs)
        ids = np.full((len(segs), width), sp["pad"], dtype=np.int64)
        mask = np.zeros_like(ids)
        for i, s in enumerate(segs):
            ids[i, :len(s)], mask[i, :len(s)] = s, 1
        k, v = enc.run(["cross_k", "cross_v"], {"input_ids": ids, "attention_mask": mask})
        ck = np.ascontiguousarray(np.concatenate([k[:, i:i + 1, :, :len(s)] for i, s in enumerate(segs)], axis=3))
        cv = np.ascontiguousarray(np.concatenate([v[:, i:i + 1, :, :len(s)] for i, s in enumerate(segs)], axis=3))
        mmask = np.ones((1, ck.shape[3]), dtype=np.int64)
        cross = dict(zip(cross_names(c["n_decoder_layers"]), [*ck, *cv]))
        prefix = [sp["bos"]]
        n = 0
        for _ in range(max_out + 1):
            logits, _, _ = dec.run(["logits", "present_k", "present_v"], {
                "input_ids": np.array([prefix], dtype=np.int64), "past_k": empty, "past_v": empty,
                "memory_mask": mmask, **cross})
            tok = int(logits[0, -1].argmax())
            n += 1
            if tok == sp["eos"] or n > max_out:
                break
            prefix.append(tok)
        ms.append((time.perf_counter() - t0) * 1e3)
        toks.append(n)
        if time.perf_counter() - start_all > budget_s and len(ms) >= 2:
            break
    return summary(ms, toks, "ort_naive", "onnxruntime (Python), default session options, all tools re-encoded per line, no KV cache")


def torch_eager(inp, lines, budget_s):
    import torch
    from pipeline.export import load_checkpoint, torch_greedy

    ckpt = inp.get("checkpoint")
    if not ckpt or not Path(ckpt).is_file():
        return {"name": "torch_eager", "skipped": f"no checkpoint ({ckpt})"}
    model = load_checkpoint(ckpt)
    manifest = json.loads((Path(inp["model_dir"]) / "needle.json").read_text())
    want = manifest["config"]
    got = model.cfg.to_dict() if hasattr(model.cfg, "to_dict") else vars(model.cfg)
    diff = {k: (got.get(k), v) for k, v in want.items() if k in got and got.get(k) != v}
    if diff:
        return {"name": "torch_eager", "skipped": f"checkpoint {ckpt} does not match the model's config: {diff}"}
    max_out = inp["max_output_tokens"]
    ms, toks = [], []
    start_all = time.perf_counter()
    for q in inp["queries"][:lines]:
        t0 = time.perf_counter()
        out, _ = torch_greedy(model, inp["tools"] + [q], max_len=max_out)
        ms.append((time.perf_counter() - t0) * 1e3)
        toks.append(len(out) + (1 if len(out) < max_out else 0))
        if time.perf_counter() - start_all > budget_s and len(ms) >= 2:
            break
    return summary(ms, toks, "torch_eager", f"PyTorch {torch.__version__} eager, float32 checkpoint, {torch.get_num_threads()} threads, KV cache, all segments encoded per line")


def matmul_rates():
    import torch
    res = {}
    for threads in (1, 2):
        torch.set_num_threads(threads)
        for m in (512, 64):
            a = torch.randn(m, 512)
            b = torch.randn(512, 512)
            for _ in range(5):
                a @ b
            reps = max(20, int(2e9 / (2 * m * 512 * 512)))
            t0 = time.perf_counter()
            for _ in range(reps):
                a @ b
            dt = time.perf_counter() - t0
            res[f"torch_mm_{m}x512x512_t{threads}_gflops"] = 2 * m * 512 * 512 * reps / dt / 1e9
    torch.set_num_threads(2)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--inputs", required=True, help="JSON written by `needle bench`")
    ap.add_argument("--lines", type=int, default=20)
    ap.add_argument("--budget-s", type=float, default=40.0, help="time budget per baseline (seconds)")
    ap.add_argument("--skip", default="", help="comma-separated: ort_naive,torch_eager,matmul")
    args = ap.parse_args()
    inp = json.loads(Path(args.inputs).read_text())
    skip = set(filter(None, args.skip.split(",")))
    out = {"python": sys.version.split()[0]}
    try:
        import onnxruntime
        out["onnxruntime"] = onnxruntime.__version__
    except ImportError:
        pass
    if "ort_naive" not in skip:
        out["ort_naive"] = ort_naive(inp, args.lines, args.budget_s)
    if "torch_eager" not in skip:
        out["torch_eager"] = torch_eager(inp, args.lines, args.budget_s)
    if "matmul" not in skip:
        out["matmul"] = matmul_rates()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
