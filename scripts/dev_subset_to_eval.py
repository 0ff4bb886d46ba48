"""The curve's fixed 300-row dev subsets (copy_curve's EVAL_ROWS, EVAL_SEED over the rows
pipeline.pack kept) as `needle eval` rows, so the runtime is scored on exactly the rows the
curve scores in PyTorch.

    scripts/py scripts/dev_subset_to_eval.py --build data/build --pack data/pack --out data/eval
"""
import argparse
from pathlib import Path

from pipeline.copy_curve import EVAL_ROWS, EVAL_SEED, kept_rows
from pipeline.train import eval_subset
from pipeline.jsonl import write_jsonl
from dev_to_eval import to_eval_row


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", type=Path, required=True)
    ap.add_argument("--pack", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for split in ("dev_unseen", "dev_in", "dev_natural"):
        rows = kept_rows(args.build, args.pack, split)
        picked = eval_subset(len(rows), EVAL_ROWS, EVAL_SEED)
        write_jsonl(args.out / f"{split}-{EVAL_ROWS}.jsonl", (to_eval_row(rows[i], split, i) for i in picked))
        print(f"{split}: {len(picked)} rows -> {args.out / f'{split}-{EVAL_ROWS}.jsonl'}")


if __name__ == "__main__":
    main()
