"""Calibrate a format 4 model's `no_call_threshold` on tools its run never saw.

    scripts/py -m pipeline.extract.calibrate --run runs/x4 --model DIR [--rows 600]

`train.py` holds a share of the training tools out and writes every row that offers one to
RUN/heldout.jsonl; a seeded sample of those rows is scored through the runtime (`needle eval`) at
each threshold, and the best threshold is written into DIR/needle.json. Rows of seen tools would
set it where the model is sure of itself, which is not where it stands on a user's tools (the
70-minute run's threshold from seen-tool rows, 0.1, was the strictest that scored well and cost
calls on dev_unseen). No dev split is read.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from pipeline.jsonl import read_jsonl, write_jsonl

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "scripts"))
from dev_to_eval import to_eval_row  # noqa: E402

THRESHOLDS = (0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9)


def heldout_rows(run: Path, n: int, seed: int = 0) -> list[dict]:
    path = run / "heldout.jsonl"
    if not path.exists():
        raise SystemExit(f"calibrate: {path} is missing: the run held no tools out (train.py --heldout-tools)")
    rows = read_jsonl(path)
    random.Random(seed).shuffle(rows)
    return rows[:n]


def score(model: Path, rows: Path, settings: dict) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for f in model.iterdir():
            if f.name != "needle.json":
                os.symlink(f.resolve(), tmp / f.name)
        manifest = json.loads((model / "needle.json").read_text())
        manifest.update(settings)
        (tmp / "needle.json").write_text(json.dumps(manifest))
        out = subprocess.run([str(ROOT / "target/release/needle"), "eval", "--model", str(tmp), str(rows), "--json"],
                             capture_output=True, text=True, check=True, env={**os.environ, "NEEDLE_TODAY": "2026-12-07"})
    return json.loads(out.stdout)["overall"]["micro_accuracy"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", type=Path, required=True)
    ap.add_argument("--model", type=Path, required=True)
    ap.add_argument("--rows", type=int, default=600)
    args = ap.parse_args()
    rows = [to_eval_row(r, "calib", i) for i, r in enumerate(heldout_rows(args.run, args.rows))]
    path = args.run / "calib.jsonl"
    write_jsonl(path, rows)
    scores = {t: score(args.model, path, {"no_call_threshold": t, "second_call_threshold": None}) for t in THRESHOLDS}
    for t, s in scores.items():
        print(f"no_call_threshold {t}: {s:.3f} of {len(rows)} rows of held-out tools exactly right")
    best = max(scores, key=lambda t: (scores[t], -abs(t - 0.5)))
    # Then how sure a second tool must be to be called as well (at most as loose as the first).
    seconds = {t: score(args.model, path, {"no_call_threshold": best, "second_call_threshold": t})
               for t in THRESHOLDS if t <= best}
    for t, s in seconds.items():
        print(f"second_call_threshold {t}: {s:.3f}")
    second = max(seconds, key=lambda t: (seconds[t], t))
    manifest = json.loads((args.model / "needle.json").read_text())
    manifest["no_call_threshold"] = best
    manifest["second_call_threshold"] = second
    manifest.setdefault("training", {})["calibration"] = {"rows": len(rows), "scores": scores, "chosen": best,
                                                          "second_call_scores": seconds, "second_call_chosen": second}
    (args.model / "needle.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"calibrate: no_call_threshold {best}, second_call_threshold {second} written to {args.model / 'needle.json'}")


if __name__ == "__main__":
    main()
