"""CLI: scripts/py -m pipeline.synth --tool-pool data/converted/tool_pool.jsonl --n 200000 --seed 1 --out data/synth.jsonl"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import time

from .generate import generate
from .tools import load_tool_pool
from .handwritten_tools import HANDWRITTEN_TOOLS


def _read_no_call(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            if line.startswith("{"):
                try:
                    d = json.loads(line)
                except json.JSONDecodeError:
                    continue
                t = d.get("query") or d.get("text")
                if isinstance(t, str) and t.strip():
                    out.append(t.strip())
            else:
                out.append(line)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(prog="pipeline.synth", description=__doc__)
    ap.add_argument("--tool-pool", action="append", default=[],
                    help="JSONL, one tool per line ({name, description, parameters}); repeatable")
    ap.add_argument("--no-handwritten", action="store_true", help="do not add the hand-written tools")
    ap.add_argument("--no-call-texts", action="append", default=[],
                    help="extra no-call queries: text lines or JSONL with a 'query' field; repeatable")
    ap.add_argument("--n", type=int, default=200000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)

    pool = [] if a.no_handwritten else [dict(t) for t in HANDWRITTEN_TOOLS]
    for p in a.tool_pool:
        pool.extend(load_tool_pool(p))
    no_call = []
    for p in a.no_call_texts:
        no_call.extend(_read_no_call(p))
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    t0 = time.time()
    kinds = collections.Counter()
    with open(a.out, "w", encoding="utf-8") as f:
        for row in generate(pool, a.n, a.seed, no_call or None):
            kinds[row["source"]] += 1
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    dt = time.time() - t0
    n = sum(kinds.values())
    print(f"wrote {n} rows to {a.out} in {dt:.1f}s ({n / max(dt, 1e-9):.0f} rows/s) from {len(pool)} tools",
          file=sys.stderr)
    for k, c in sorted(kinds.items()):
        print(f"  {k:28s} {c:8d}  {100 * c / max(n, 1):5.1f}%", file=sys.stderr)


if __name__ == "__main__":
    main()
