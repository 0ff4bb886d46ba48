"""Calibrate a format 4 model's decision settings on tools its run never saw.

    scripts/py -m pipeline.calibrate --run runs/x4 --model DIR [--rows 3000]

`train.py` holds a share of the training tools out and writes every row that offers one to
RUN/heldout.jsonl; a seeded sample of those rows, half from sources people wrote and half from
synthesis, is scored through the runtime at every setting of the decision (which tool is the
likeliest: `similarity_weight`; how sure the count head must be to call it: `no_call_threshold`,
and how much the bi-encoder's similarity counts in that: `call_similarity_weight`; and to call
another tool as well: `second_call_threshold`; how doubtful a piece may be and still continue a
value's span: `span_continue_threshold`), and the best is written into DIR/needle.json.
One `needle eval --decisions` run scores every setting, the model run once per row (a run per
setting took 25 s for 600 rows; the 240 call settings over 3,000 rows took about 5 minutes, the
960 with the span settings about 6).

Half written rows, although they are a tenth of the held-out rows: a user's requests are
written, not templated, and on template rows the model is surer of unseen tools than on written
ones (the x4-hn run: the likeliest tool's decision right for 94% of template rows, 79% of written
ones), so a template-only sample sets the thresholds for templates. Rows of seen tools would set
it where the model is sure of itself, which is not where it stands on a user's tools (the
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

THRESHOLDS = (0.5, 0.7, 0.9, 0.95)
SECOND_THRESHOLDS = (0.05, 0.1, 0.3)
SIMILARITY_WEIGHTS = (0.0, 5.0, 10.0, 20.0)
CALL_SIMILARITY_WEIGHTS = (0.0, 2.0, 4.0, 6.0, 9.0)
# None: a span continues only through pieces whose likeliest tag is "inside" (the head's argmax).
SPAN_CONTINUE_THRESHOLDS = (None, 0.4, 0.3, 0.2)
KEYS = ("similarity_weight", "call_similarity_weight", "no_call_threshold", "second_call_threshold",
        "span_continue_threshold")


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


def score_all(model: Path, rows: Path, grid: list[dict]) -> list[float]:
    """The share of rows exactly right under each setting of `grid`, in order."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Path(tmp) / "decisions.json"
        settings.write_text(json.dumps(grid))
        out = subprocess.run([str(ROOT / "target/release/needle"), "eval", "--model", str(model), str(rows),
                              "--decisions", str(settings), "--json"],
                             capture_output=True, text=True, check=True, env={**os.environ, "NEEDLE_TODAY": "2026-12-07"})
    return [o["overall"]["micro_accuracy"] for o in json.loads(out.stdout)]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", type=Path, required=True)
    ap.add_argument("--model", type=Path, required=True)
    ap.add_argument("--rows", type=int, default=3000)
    args = ap.parse_args()
    sample = heldout_rows(args.run, args.rows)
    # A setting left out of a grid point means "absent", so the manifest must not supply it.
    manifest_path = args.model / "needle.json"
    manifest = json.loads(manifest_path.read_text())
    if manifest.pop("span_continue_threshold", None) is not None:
        manifest_path.write_text(json.dumps(manifest, indent=1) + "\n")
    rows = [to_eval_row(r, "calib", i) for i, r in enumerate(sample)]
    path = args.run / "calib.jsonl"
    write_jsonl(path, rows)
    # Every setting together (a second tool is never held to a looser bar than the likeliest).
    grid = [{k: v for k, v in zip(KEYS, (w, c, t, u, s)) if v is not None}
            for w in SIMILARITY_WEIGHTS for c in CALL_SIMILARITY_WEIGHTS
            for t in THRESHOLDS for u in SECOND_THRESHOLDS if u <= t for s in SPAN_CONTINUE_THRESHOLDS]
    scores = [{**settings, "exact": exact} for settings, exact in zip(grid, score_all(args.model, path, grid))]
    for s in sorted(scores, key=lambda s: -s["exact"])[:10]:
        print(", ".join(f"{k} {s.get(k)}" for k in KEYS) + f": {s['exact']:.4f} of {len(rows)} rows exactly right")
    # Ties go to the smaller weights, the thresholds nearest the head's own argmax (0.5; no span
    # threshold).
    best = max(scores, key=lambda s: (s["exact"], -s["similarity_weight"], -s["call_similarity_weight"],
                                      -abs(s["no_call_threshold"] - 0.5), s["second_call_threshold"],
                                      s.get("span_continue_threshold", 1.0)))
    chosen = {k: best[k] for k in KEYS if k in best}
    manifest = json.loads(manifest_path.read_text())
    manifest.update(chosen)
    manifest.setdefault("training", {})["calibration"] = {
        "rows": len(rows), "written_rows": sum(not is_synthetic(r) for r in sample), "scores": scores, "chosen": chosen}
    (args.model / "needle.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"calibrate: {chosen} written to {args.model / 'needle.json'}")


if __name__ == "__main__":
    main()
