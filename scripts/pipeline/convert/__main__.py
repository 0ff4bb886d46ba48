"""Convert every corpus to the common JSONL row format.

    scripts/py -m pipeline.convert --corpora /work/shared/data/corpora --out data/converted [--only NAME]

Writes `<out>/<name>.jsonl` per corpus, `<out>/tool_pool.jsonl` (every distinct normalised tool,
deduped by name + parameters, with the corpus it first came from) and `<out>/report.json` (rows
in/out/dropped per corpus with reasons, cross-corpus duplicates, BFCL overlaps removed).
Deterministic: corpora run in a fixed order, converters use seeded per-row rngs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from pipeline.convert import CONVERTERS, load
from pipeline.convert.dedupe import BfclIndex, row_key


def dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def load_bfcl(skip: bool) -> BfclIndex | None:
    if skip:
        return None
    from pipeline import bfcl
    return BfclIndex(text for _, _, text in bfcl.iter_questions())


def tool_key(tool: dict) -> str:
    return tool["name"] + "\x00" + json.dumps(tool["parameters"], sort_keys=True, ensure_ascii=False)


def run(corpora: Path, out: Path, only: list[str] | None, bfcl_index: BfclIndex | None) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    seen_rows: set[str] = set()
    pool: dict[str, dict] = {}
    report: dict = {"corpora": {}, "bfcl_check": bfcl_index is not None}
    for name, module in CONVERTERS:
        if only and name not in only:
            continue
        stats = {"in": 0, "out": 0, "dropped": Counter(), "duplicates": 0, "bfcl_overlap": 0}
        with open(out / f"{name}.jsonl", "w", encoding="utf-8") as f:
            for row in load(module).convert(corpora):
                stats["in"] += 1
                if "_drop" in row:
                    stats["dropped"][row["_drop"]] += 1
                    continue
                key = row_key(row)
                if key in seen_rows:
                    stats["duplicates"] += 1
                    continue
                seen_rows.add(key)
                if bfcl_index is not None and bfcl_index.matches(row["query"]):
                    stats["bfcl_overlap"] += 1
                    continue
                for tool in row["tools"]:
                    pool.setdefault(tool_key(tool), {**tool, "source": name})
                f.write(dumps(row) + "\n")
                stats["out"] += 1
        stats["dropped"] = dict(sorted(stats["dropped"].items()))
        report["corpora"][name] = stats
        print(f"{name:18s} in {stats['in']:6d} out {stats['out']:6d} dup {stats['duplicates']:5d} "
              f"bfcl {stats['bfcl_overlap']:4d} dropped {sum(stats['dropped'].values()):5d}",
              file=sys.stderr)
    with open(out / "tool_pool.jsonl", "w", encoding="utf-8") as f:
        for key in sorted(pool):
            f.write(dumps(pool[key]) + "\n")
    c = report["corpora"].values()
    report["totals"] = {"in": sum(s["in"] for s in c), "out": sum(s["out"] for s in c),
                        "duplicates": sum(s["duplicates"] for s in c),
                        "bfcl_overlap": sum(s["bfcl_overlap"] for s in c),
                        "tools_in_pool": len(pool)}
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    return report


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="pipeline.convert", description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpora", type=Path, default=Path("../shared/data/corpora"))
    ap.add_argument("--out", type=Path, default=Path("data/converted"))
    ap.add_argument("--only", action="append", help="corpus name (repeatable)")
    ap.add_argument("--no-bfcl", action="store_true", help="skip BFCL decontamination (tests only)")
    args = ap.parse_args(argv)
    report = run(args.corpora, args.out, args.only, load_bfcl(args.no_bfcl))
    print(json.dumps(report["totals"]), file=sys.stderr)


if __name__ == "__main__":
    main()
