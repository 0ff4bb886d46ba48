"""The learning-curve benchmark: how much the model learns per minute of this machine.

    scripts/py -m pipeline.curve --data data/pack --out runs/curve-baseline            # 60 minutes
    scripts/py -m pipeline.curve --data data/pack --out runs/curve-x --budget-min 30 --lr 1e-3
    scripts/py -m pipeline.curve --data data/pack --out runs/x --score runs/x/model.pt   # one checkpoint

Trains with pipeline.train for a wall-clock budget of training time and, every --every-min
minutes and at the end, saves the checkpoint and scores it greedily on fixed subsets (300 rows
each, drawn by a fixed seed) of dev_unseen, dev_in and dev_natural. Evaluation time is not
counted in the budget. Each point prints one line; --out gets curve.json (the whole curve, the
configuration and the host), metrics.json and model.pt. Every other flag is a pipeline.train
flag (the recipe under test). The data order, initialisation and dev subsets are fixed by the
seeds; how far a run gets in its budget depends on the machine, which curve.json names.
"""
from __future__ import annotations

import argparse
import json
import platform
from pathlib import Path

import torch

from pipeline.train import (DEV_SPLITS, PackedRows, Precision, TrainConfig, add_config_flags, cpu_name, eval_subset,
                            evaluate, train)

EVAL_ROWS = 300
EVAL_MAX_TOKENS = 96       # gold outputs are ~25 tokens; a longer greedy run is already wrong


def host() -> dict:
    flags = set()
    if Path("/proc/cpuinfo").exists():
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                break
    return {"cpu": cpu_name(), "cores": torch.get_num_threads(), "amx_bf16": "amx_bf16" in flags,
            "avx512_bf16": "avx512_bf16" in flags, "gpu": torch.cuda.get_device_name() if torch.cuda.is_available() else None,
            "torch": torch.__version__, "python": platform.python_version()}


def score(checkpoint: Path, data: Path, cfg: TrainConfig) -> dict:
    """Score a saved checkpoint (model.pt) on the benchmark's dev subsets, as a curve point does.

    For runs of other code: the baseline curve in docs/training.md trained with the preview's step
    and was scored by this, because its own greedy decoding took over 10 minutes a point."""
    from tokenizers import Tokenizer
    from pipeline.export import load_checkpoint
    model = load_checkpoint(checkpoint)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = model.to(device)
    prec = Precision.resolve(cfg, device)
    tokenizer = Tokenizer.from_file(str(data / "tokenizer.json"))
    out = {}
    for split in DEV_SPLITS:
        if (data / f"{split}.npz").exists():
            rows = PackedRows(data / f"{split}.npz")
            out[split] = evaluate(model, rows, tokenizer, prec, eval_subset(rows.n, EVAL_ROWS, cfg.eval_seed),
                                  max_len=EVAL_MAX_TOKENS)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, type=Path, help="folder with train/dev .npz and tokenizer.json")
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--budget-min", type=float, default=60.0, help="training minutes (evaluation excluded)")
    ap.add_argument("--every-min", type=float, default=10.0, help="minutes of training between curve points")
    ap.add_argument("--score", type=Path, help="only score this checkpoint on the dev subsets; print JSON")
    add_config_flags(ap, skip={"model", "budget_s", "eval_every_s", "eval_rows", "eval_max_tokens", "log_every"})
    args = vars(ap.parse_args())
    data, out = args.pop("data"), args.pop("out")
    budget_min, every_min, checkpoint = args.pop("budget_min"), args.pop("every_min"), args.pop("score")
    if checkpoint:
        print(json.dumps(score(checkpoint, data, TrainConfig(**args))))
        return
    cfg = TrainConfig(**args, budget_s=budget_min * 60, eval_every_s=every_min * 60, eval_rows=EVAL_ROWS,
                      eval_max_tokens=EVAL_MAX_TOKENS, log_every=10)
    info = host()
    print(f"curve: {budget_min:g} min, a point every {every_min:g} min, host {json.dumps(info)}", flush=True)
    _, metrics = train(cfg, data, out)
    (out / "curve.json").write_text(json.dumps({"host": info, "budget_min": budget_min, "every_min": every_min,
                                                "train_config": metrics["train_config"], "curve": metrics["curve"]},
                                               indent=1))


if __name__ == "__main__":
    main()
