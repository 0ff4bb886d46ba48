"""The curve's fixed 300-row dev subsets (copy_curve's EVAL_ROWS, EVAL_SEED over the rows
pipeline.pack kept) as `needle eval` rows, so the runtime is scored on exactly the rows the
curve scores in PyTorch.

    scripts/py scripts/dev_subset_to_eval.py --build data/build --pack data/pack --out data/eval [--train-rows 120000]

With --train-rows (the `copy_curve prepare --train-rows` of the run), also `calib-600.jsonl`: 600
training rows that `prepare` left out, so no decoder of that data saw them. The no-call floor is
calibrated on them (`copy_curve calibrate`), never on a dev split.
"""
import argparse
from pathlib import Path

import numpy as np

from pipeline.copy_curve import EVAL_ROWS, EVAL_SEED, kept_rows
from pipeline.train import eval_subset
from pipeline.jsonl import write_jsonl
from dev_to_eval import to_eval_row


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", type=Path, required=True)
    ap.add_argument("--pack", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--train-rows", type=int, default=0, help="the training rows prepare kept (its --train-rows)")
    ap.add_argument("--seed", type=int, default=0, help="prepare's --seed")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.train_rows:
        rows = kept_rows(args.build, args.pack, "train")
        # prepare's draw: a permutation's first train_rows rows were trained on.
        left_out = np.random.default_rng(args.seed).permutation(len(rows))[args.train_rows:]
        picked = sorted(left_out[eval_subset(len(left_out), 600, EVAL_SEED)])
        write_jsonl(args.out / "calib-600.jsonl", (to_eval_row(rows[i], "calib", int(i)) for i in picked))
        print(f"calib: {len(picked)} of the {len(left_out)} training rows prepare left out -> {args.out / 'calib-600.jsonl'}")
    for split in ("dev_unseen", "dev_in", "dev_natural"):
        rows = kept_rows(args.build, args.pack, split)
        picked = eval_subset(len(rows), EVAL_ROWS, EVAL_SEED)
        write_jsonl(args.out / f"{split}-{EVAL_ROWS}.jsonl", (to_eval_row(rows[i], split, i) for i in picked))
        print(f"{split}: {len(picked)} rows -> {args.out / f'{split}-{EVAL_ROWS}.jsonl'}")


if __name__ == "__main__":
    main()
