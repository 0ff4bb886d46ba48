"""Time the training step of the needle preset under variants, side by side in one run.

    scripts/py scripts/bench_train_step.py --data data/pack/train.npz --rows 64 --steps 2 \
        dtype=fp32,share=0 dtype=bf16,share=0 dtype=bf16,share=1 dtype=bf16,share=1,compile=1

A variant is comma-separated key=value: dtype (bf16|fp32), attn (sdpa|matmul), share (1|0: shared
tool pools), compile (1|0), opt (adamw|muon). Each variant trains from the same initialisation on
the same batches (the seed-0 order): one untimed step, then --steps timed ones. Prints one JSON
line per variant: seconds per step, rows/s, effective TFLOP/s (pipeline.model.training_flops)
and encoder tokens per row. docs/training.md has the results.
"""
import argparse
import json
import time
from pathlib import Path

import torch

from pipeline.model import Needle, training_flops
from pipeline.train import (PRESETS, WORK_KEYS, BatchStream, PackedRows, Precision, TrainConfig, optimisers, step_loss,
                            to_device)


def run(data: PackedRows, spec: str, rows: int, steps: int) -> dict:
    opts = dict(kv.split("=") for kv in spec.split(","))
    cfg = TrainConfig(dtype=opts.get("dtype", "bf16"), attention=opts.get("attn", "sdpa"),
                      share_tools=opts.get("share", "1") == "1", compile=opts.get("compile", "0") == "1",
                      optimizer=opts.get("opt", "adamw"), batch_rows=rows)
    torch.manual_seed(0)
    model_cfg = PRESETS["needle"]
    model = Needle(model_cfg)
    if cfg.compile:
        for block in list(model.encoder) + list(model.decoder):
            block.compile(dynamic=True)
    prec = Precision.resolve(cfg, "cpu")
    optims = optimisers(model, cfg, "cpu")
    batches = iter(BatchStream(data, rows, 0, cfg.share_tools))
    timed, flops, enc_tokens = [], 0.0, 0
    for i in range(steps + 1):
        chunks = next(batches)
        t = time.time()
        work = dict(zip(WORK_KEYS, chunks[0].pop("work").tolist()))
        model.zero_grad(set_to_none=True)
        step_loss(model, prec, to_device(chunks, "cpu"))
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        for opt in optims:
            opt.step()
        if i == 0:
            first = time.time() - t
            continue
        timed.append(time.time() - t)
        flops += training_flops(model_cfg, work)
        enc_tokens += work["enc_tokens"]
    total = sum(timed)
    return {"variant": spec, "first_step_s": round(first, 1), "s_per_step": round(total / steps, 2),
            "rows_per_s": round(rows * steps / total, 2), "tflops": round(flops / total / 1e12, 3),
            "enc_tokens_per_row": round(enc_tokens / steps / rows)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, required=True, help="a packed training split (pipeline.pack)")
    ap.add_argument("--rows", type=int, default=64)
    ap.add_argument("--steps", type=int, default=2)
    ap.add_argument("variants", nargs="+")
    args = ap.parse_args()
    data = PackedRows(args.data)
    for spec in args.variants:
        print(json.dumps(run(data, spec, args.rows, args.steps)), flush=True)


if __name__ == "__main__":
    main()
