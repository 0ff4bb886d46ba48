"""The label study (issue 32): how each gold value of a split is reachable by the format 4 heads.

    scripts/py -m pipeline.label_study data/build/train.jsonl data/build/dev_unseen.jsonl ... [--sample 20000]

Per file: the share of gold values that are a span of the request, an enum member, a boolean, or
none of these (by value kind), and the share of call rows whose every value is reachable. BFCL
files (needle eval rows, `answers` in BFCL's possible-answer form) are read too, to count only:
their first acceptable value is taken as the gold value.
"""
from __future__ import annotations

import argparse
import json
import random
from collections import Counter, defaultdict
from pathlib import Path

from pipeline.labels import ENUM, FALSE, SPAN, TRUE, UNKNOWN, label_pair, value_kind, get_path
from pipeline.sequence import encode_pair
from pipeline.jsonl import iter_jsonl
from pipeline.minilm import tokenizer

OUTCOME = {SPAN: "span", ENUM: "enum", TRUE: "boolean", FALSE: "boolean", UNKNOWN: "none"}


def gold_calls(row: dict) -> list[dict]:
    """Rows of the pipeline (`answers: [{name, arguments}]`) or of `needle eval` (BFCL's form)."""
    calls = []
    for a in row.get("answers") or []:
        if "name" in a and "arguments" in a:
            calls.append(a)
        else:
            (name, args), = a.items()
            picked = {k: v[0] for k, v in args.items() if isinstance(v, list) and v and v[0] != ""}
            calls.append({"name": name, "arguments": picked})
    return calls


def study(path: Path, sample: int, tok) -> dict:
    rows = list(iter_jsonl(path))
    if sample and len(rows) > sample:
        rows = random.Random(0).sample(rows, sample)
    by_kind = defaultdict(Counter)
    outcomes = Counter()
    call_rows = reachable_rows = 0
    for row in rows:
        calls = gold_calls(row)
        if not calls:
            continue
        call_rows += 1
        ok = True
        by_name = {t["name"]: t for t in row["tools"]}
        for name in dict.fromkeys(c["name"] for c in calls):
            tool = by_name.get(name)
            if tool is None:
                ok = False
                continue
            mine = [c for c in calls if c["name"] == name]
            pair = encode_pair(tok, row["query"], tool)
            lab = label_pair(row["query"], pair, mine)
            shown = {p.path for p in pair.params}
            for p, status in zip(pair.params, lab.status):
                values = [v for c in mine for v, present in [get_path(c.get("arguments") or {}, p.path)] if present and v is not None]
                if not values:
                    continue
                outcome = OUTCOME[status]
                outcomes[outcome] += 1
                by_kind[value_kind(values[0])][outcome] += 1
                ok &= outcome != "none"
            # arguments the sequence does not show (past MAX_PARAMS / MAX_LEN, or not a property)
            for c in mine:
                for k in (c.get("arguments") or {}):
                    if not any(s == k or s.startswith(k + ".") for s in shown):
                        outcomes["not shown"] += 1
                        by_kind["(not shown)"]["none"] += 1
                        ok = False
        reachable_rows += ok
    total = sum(outcomes.values())
    return {"file": str(path), "rows": len(rows), "call_rows": call_rows,
            "rows_all_reachable": reachable_rows / max(call_rows, 1),
            "values": total, "shares": {k: v / total for k, v in outcomes.most_common()},
            "by_kind": {k: dict(v) for k, v in sorted(by_kind.items(), key=lambda kv: -sum(kv[1].values()))}}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--sample", type=int, default=0, help="rows per file at most (a seeded sample)")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    tok = tokenizer()
    results = [study(f, args.sample, tok) for f in args.files]
    for r in results:
        shares = ", ".join(f"{k} {v:.1%}" for k, v in r["shares"].items())
        print(f"{r['file']}: {r['call_rows']} call rows, every value reachable {r['rows_all_reachable']:.1%}; "
              f"{r['values']} values: {shares}")
    if args.out:
        args.out.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
