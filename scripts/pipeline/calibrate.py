"""Calibrate a format 4 model's `no_call_threshold` on tools its run never saw.

    scripts/py -m pipeline.calibrate --run runs/x4 --model DIR [--rows 600]

`train.py` holds a share of the training tools out and writes every row that offers one to
RUN/heldout.jsonl; a seeded sample of those rows, half from sources people wrote and half from
synthesis, is scored through the runtime (`needle eval`) at each setting of the decision (which tool is the likeliest:
`similarity_weight`; how sure the count head must be to call it: `no_call_threshold`, and how
much the bi-encoder's similarity counts in that: `call_similarity_weight`; and to call another
tool as well: `second_call_threshold`), and the best is written into DIR/needle.json. Half written rows, although they are a tenth of the held-out
rows: a user's requests are written, not templated, and on template rows the model is surer of
unseen tools than on written ones (the x4-hn run: the likeliest tool's decision right for 94% of
template rows, 79% of written ones), so a template-only sample sets the thresholds for templates. Rows of seen tools would
set it where the model is sure of itself, which is not where it stands on a user's tools (the
70-minute run's threshold from seen-tool rows, 0.1, was the strictest that scored well and cost
calls on dev_unseen). No dev split is read.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

from pipeline.jsonl import is_synthetic, read_jsonl, write_jsonl

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from dev_to_eval import to_eval_row  # noqa: E402

# The grid (48 settings, ~10 minutes on 2 cores). Left out, as they never won on the 180- and
# 240-minute models: no_call_threshold 0.95, second_call_threshold 0.3 / 0.5, similarity_weight 20.
THRESHOLDS = (0.5, 0.7, 0.9)
SECOND_THRESHOLDS = (0.05, 0.1)
SIMILARITY_WEIGHTS = (0.0, 10.0)
CALL_SIMILARITY_WEIGHTS = (0.0, 3.0, 6.0, 9.0)


def heldout_rows(run: Path, n: int, seed: int = 0) -> list[dict]:
    """n rows offering a held-out tool: half from written sources, half synthesis (as many written
    rows as there are when fewer)."""
    path = run / "heldout.jsonl"
    if not path.exists():
        raise SystemExit(f"calibrate: {path} is missing: the run held no tools out (train.py --heldout-tools)")
    rows = read_jsonl(path)
    random.Random(seed).shuffle(rows)
    written = [r for r in rows if not is_synthetic(r)][: n // 2]
    return written + [r for r in rows if is_synthetic(r)][: n - len(written)]


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
    sample = heldout_rows(args.run, args.rows)
    rows = [to_eval_row(r, "calib", i) for i, r in enumerate(sample)]
    path = args.run / "calib.jsonl"
    write_jsonl(path, rows)
    # Every setting together (a second tool is never held to a looser bar than the likeliest).
    keys = ("similarity_weight", "call_similarity_weight", "no_call_threshold", "second_call_threshold")
    grid = [dict(zip(keys, (w, c, t, u))) for w in SIMILARITY_WEIGHTS for c in CALL_SIMILARITY_WEIGHTS
            for t in THRESHOLDS for u in SECOND_THRESHOLDS if u <= t]
    scores = []
    for settings in grid:
        exact = score(args.model, path, settings)
        scores.append({**settings, "exact": exact})
        print(", ".join(f"{k} {v}" for k, v in settings.items()) +
              f": {exact:.3f} of {len(rows)} rows of held-out tools exactly right", flush=True)
    # Ties go to the smaller weights and the threshold nearest 0.5 (the head's own argmax).
    best = max(scores, key=lambda s: (s["exact"], -s["similarity_weight"], -s["call_similarity_weight"],
                                      -abs(s["no_call_threshold"] - 0.5), s["second_call_threshold"]))
    chosen = {k: best[k] for k in keys}
    manifest = json.loads((args.model / "needle.json").read_text())
    manifest.update(chosen)
    manifest.setdefault("training", {})["calibration"] = {
        "rows": len(rows), "written_rows": sum(not is_synthetic(r) for r in sample), "scores": scores, "chosen": chosen}
    (args.model / "needle.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"calibrate: {chosen} written to {args.model / 'needle.json'}")


if __name__ == "__main__":
    main()
