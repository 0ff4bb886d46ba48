"""Convert a dev split (pipeline rows) into `needle eval` rows (BFCL possible-answer convention).

    scripts/py scripts/dev_to_eval.py data/build/dev_unseen.jsonl --split dev_unseen --out data/eval/dev_unseen.jsonl

Each gold value becomes the only acceptable value; optional arguments the gold call omits may be
omitted. Category: `<split>_irrelevance` (no call), `<split>_multiple` (one call; the checker
uses the answer's function, as in BFCL "multiple"), `<split>_parallel_multiple` (several calls,
unordered matching).
"""
import argparse
from pathlib import Path

from pipeline.jsonl import read_jsonl, write_jsonl


def to_eval_row(row: dict, split: str, index: int) -> dict:
    answers = []
    for call in row["answers"]:
        tool = next((t for t in row["tools"] if t["name"] == call["name"]), {})
        props = ((tool.get("parameters") or {}).get("properties") or {})
        args = {k: [v] for k, v in (call.get("arguments") or {}).items()}
        for k in props:   # optional arguments the gold call leaves out may be left out
            args.setdefault(k, [""])
        answers.append({call["name"]: args})
    kind = "irrelevance" if not answers else "multiple" if len(answers) == 1 else "parallel_multiple"
    return {"id": row.get("id") or f"{split}:{index}", "category": f"{split}_{kind}", "tools": row["tools"],
            "query": row["query"], "answers": answers}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("rows", type=Path)
    ap.add_argument("--split", required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    rows = read_jsonl(args.rows)
    if args.limit:
        rows = rows[: args.limit]
    write_jsonl(args.out, (to_eval_row(row, args.split, i) for i, row in enumerate(rows)))
    print(f"{len(rows)} rows -> {args.out}")


if __name__ == "__main__":
    main()
