"""Assemble the training and dev splits from converted corpora and synthesis.

    scripts/py -m pipeline.build_data --converted data/converted --out data/build --synth-rows 400000

Splits (data/build/):
- train.jsonl       converted rows + synthesis over the training tools
- dev_in.jsonl      in-distribution: tools seen in training, queries not
- dev_unseen.jsonl  generalisation: every row has a gold tool held out of training entirely
- dev_natural.jsonl queries written by people or LLMs only (no template synthesis), every gold
                    tool held out of training entirely: the split closest to what users type

A tool is held out when a hash of its name's words (tool_key) falls in the bottom HOLDOUT_PERCENT.
Held-out tools that are only distractors in a converted row are removed from that row's tool
list (its answer does not change), so no held-out tool appears anywhere in training.

Converted rows over held-out tools are dev rows. Those from NATURAL_SOURCES whose gold tools
are all held out, and a hashed share of those sources' no-call rows, go to dev_natural (at most
DEV_NATURAL_PER_SOURCE per source, so the big intent sets do not crowd out the LLM-written ones);
the others fill dev_unseen's converted half, which synthesis over the held-out tools tops up.
The three dev splits are disjoint.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
from collections import Counter
from pathlib import Path

from pipeline.augment import NATURAL_SOURCES, augment, is_natural   # NATURAL_SOURCES: corpora written by people or LLMs
from pipeline.jsonl import read_jsonl, write_jsonl
from pipeline.synth.howto import how_to_rows
from pipeline.synth.listed import listed_rows

HOLDOUT_PERCENT = 12
DEV_IN_FRACTION = 0.02
DEV_ROWS = 2000
DEV_NATURAL_PER_SOURCE = 250


def tool_key(name: str) -> str:
    """A name's words, sorted: every spelling synthesis may give a tool (snake, camel, dotted
    `news.get` for `get_news`) has the same key, so a held-out tool stays out under any of them."""
    from pipeline.synth.values import words_of
    return " ".join(sorted(words_of(name))) or re.sub(r"[^a-z0-9]", "", name.lower())


def _hashed_out(key: str) -> bool:
    return int(hashlib.sha1(key.encode()).hexdigest(), 16) % 100 < HOLDOUT_PERCENT


def held_out(name: str) -> bool:
    return _hashed_out(tool_key(name))


def split_converted(rows, rng):
    """-> (train, dev_in, dev_unseen) from converted rows, following the module docstring."""
    train, dev_in, dev_unseen = [], [], []
    for row in rows:
        gold = {a["name"] for a in row["answers"]}
        # Natural no-call rows have no gold tool to hold out: a share of them, by query, are dev rows.
        natural_no_call = not gold and row.get("source") in NATURAL_SOURCES and _hashed_out("query " + row["query"])
        if any(held_out(n) for n in gold) or natural_no_call:
            dev_unseen.append(row)
            continue
        row = dict(row, tools=[t for t in row["tools"] if not held_out(t["name"])])
        if not row["tools"]:
            continue
        (dev_in if rng.random() < DEV_IN_FRACTION else train).append(row)
    return train, dev_in, dev_unseen


def split_natural(held_rows, rng):
    """Held-out converted rows -> (dev_natural, the rest), following the module docstring."""
    by_source: dict[str, list] = {}
    rest = []
    for row in held_rows:
        source = row.get("source", "")
        natural = source in NATURAL_SOURCES and all(held_out(a["name"]) for a in row["answers"])
        (by_source.setdefault(source, []) if natural else rest).append(row)
    natural = []
    for source in sorted(by_source):
        rows = by_source[source]
        rng.shuffle(rows)
        natural += rows[:DEV_NATURAL_PER_SOURCE]
        rest += rows[DEV_NATURAL_PER_SOURCE:]
    rng.shuffle(natural)
    return natural[:DEV_ROWS], rest + natural[DEV_ROWS:]


def stats(rows) -> dict:
    n = max(len(rows), 1)
    calls = Counter(min(len(r["answers"]), 4) for r in rows)
    tools = Counter(len(r["tools"]) for r in rows)
    return {
        "rows": len(rows),
        "by_source": dict(sorted(Counter(r.get("source", "?").split(":")[0] if r.get("source", "").startswith("synth")
                                         else r.get("source", "?") for r in rows).items())),
        "no_call_share": sum(not r["answers"] for r in rows) / n,
        "calls_per_row": {("4+" if k == 4 else str(k)): v for k, v in sorted(calls.items())},
        "mean_tools_per_row": sum(len(r["tools"]) for r in rows) / n,
        "tools_per_row": {str(k): v for k, v in sorted(tools.items())},
        "distinct_gold_tools": len({a["name"] for r in rows for a in r["answers"]}),
    }


LISTED_SHARE = 0.15  # share of synthesis's single-call training rows copied with a value listed (issue 32)
HOWTO_SHARE = 0.05   # share of them copied as a how-to question ("how do I open the wifi page?"; issue 32)
SYNTH_CHUNKS = 16   # synthesis runs in this many seeded chunks (in parallel); fixed, so output is reproducible


def _generate_chunk(job):
    from pipeline.synth.generate import generate
    pool, n, seed, templates, mined_share = job
    return list(generate(pool, n, seed=seed, templates=templates, mined_share=mined_share))


def synthesize(pool, n_rows: int, seed: int, templates=None, mined_share: float = 0.0) -> list[dict]:
    """n_rows rows over `pool`, generated in SYNTH_CHUNKS seeded chunks on all cores; with templates
    (pipeline.synth.mined), mined_share of the single-call rows fill them."""
    import multiprocessing as mp
    sizes = [n_rows // SYNTH_CHUNKS + (i < n_rows % SYNTH_CHUNKS) for i in range(SYNTH_CHUNKS)]
    jobs = [(pool, n, seed * 1000 + i, templates, mined_share) for i, n in enumerate(sizes) if n]
    with mp.get_context("fork").Pool(min(len(jobs), mp.cpu_count())) as workers:
        return [row for chunk in workers.map(_generate_chunk, jobs) for row in chunk]


def main():
    from pipeline.synth.handwritten_tools import HANDWRITTEN_TOOLS as HANDWRITTEN

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--converted", type=Path, required=True, help="output folder of pipeline.convert")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--synth-rows", type=int, default=400_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data-version", type=int, default=1, choices=[1, 2],
                    help="1: converted rows and synthesis; 2: also pipeline.augment's rows (issue 14; every "
                         "variant so far lost to 1 on dev_unseen and early refusing, docs/training.md)")
    ap.add_argument("--mined-share", type=float, default=0.0,
                    help="share of synthesis's single-call rows that fill a query template mined from the natural "
                         "training rows instead of a hand-written pattern (pipeline.synth.mined; issue 14)")
    args = ap.parse_args()
    if not 0 <= args.mined_share <= 1:
        ap.error(f"--mined-share {args.mined_share}: a share of rows, from 0 to 1")
    rng = random.Random(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)

    converted = []
    for path in sorted(args.converted.glob("*.jsonl")):
        if path.name != "tool_pool.jsonl":
            converted += read_jsonl(path)
    train, dev_in, dev_unseen = split_converted(converted, rng)
    assert not any(held_out(t["name"]) for r in train for t in r["tools"]), "held-out tool in training"
    dev_natural, dev_unseen = split_natural(dev_unseen, random.Random(args.seed + 5))

    pool = read_jsonl(args.converted / "tool_pool.jsonl") + [dict(t, source="handwritten") for t in HANDWRITTEN]
    train_pool = [t for t in pool if not held_out(t["name"])]
    holdout_pool = [t for t in pool if held_out(t["name"])]
    print(f"tools: {len(train_pool)} for training, {len(holdout_pool)} held out")

    # Templates are mined from the natural training rows only: no dev query's phrasing is reused.
    templates, mined_report = None, {}
    if args.mined_share > 0:
        from pipeline.synth.mined import mine
        templates, why_not = mine([r for r in train if is_natural(r)])
        mined_report = {"templates": len(templates), "share": args.mined_share, "rows_without_template": why_not}
        print(f"mined: {len(templates)} templates; rows without one: {why_not}")
    # Synthesis draws gold tools and distractors only from the pool it is given.
    synthesized = synthesize(train_pool, args.synth_rows, seed=args.seed, templates=templates, mined_share=args.mined_share)
    # Repeated calls written as a list ("the weather in Paris and Tokyo"): training rows only.
    listed = listed_rows(synthesized, LISTED_SHARE, seed=args.seed + 7)
    # Commands asked as how-to questions ("where do I go to turn on wifi?"): training rows only.
    how_to = how_to_rows(synthesized, HOWTO_SHARE, seed=args.seed + 8)
    train += synthesized + listed + how_to
    print(f"listed: {len(listed)} rows with one parameter's values listed (pipeline.synth.listed)")
    print(f"how-to: {len(how_to)} rows asked as how-to questions (pipeline.synth.howto)")
    dev_in += synthesize(train_pool, DEV_ROWS // 2, seed=args.seed + 1)
    # Separate generators per shuffle: the dev splits must not depend on how many rows are synthesised.
    random.Random(args.seed + 1).shuffle(dev_unseen)
    dev_unseen = dev_unseen[: DEV_ROWS // 2]
    dev_unseen += synthesize(holdout_pool, DEV_ROWS - len(dev_unseen), seed=args.seed + 2)

    # Data v2 (pipeline.augment): more rows with natural phrasing, from the training rows and tools only.
    augmented = {}
    if args.data_version >= 2:
        extra, augmented = augment(train, train_pool, seed=args.seed + 6)
        train += extra
        print(f"augment: {len(extra)} rows {augmented}")

    # Rows whose query also occurs in a dev split leave training (synthesis can repeat a query).
    dev_queries = {r["query"].strip().lower() for r in dev_in + dev_unseen + dev_natural}
    before = len(train)
    train = [r for r in train if r["query"].strip().lower() not in dev_queries]
    random.Random(args.seed + 2).shuffle(train)
    random.Random(args.seed + 3).shuffle(dev_in)
    dev_in = dev_in[:DEV_ROWS]
    random.Random(args.seed + 4).shuffle(dev_unseen)
    # A restyled random-id name ("b36yFMixvp" -> "B36yFMixvp") can split into other words: drop those few rows.
    before_restyle = len(train)
    train = [r for r in train if not any(held_out(t["name"]) for t in r["tools"])]
    dropped_restyled = before_restyle - len(train)
    natural_tools = {tool_key(a["name"]) for r in dev_natural for a in r["answers"]}
    assert not any(tool_key(t["name"]) in natural_tools for r in train for t in r["tools"]), \
        "a dev_natural gold tool is in training"

    splits = [("train", train), ("dev_in", dev_in), ("dev_unseen", dev_unseen), ("dev_natural", dev_natural)]
    for name, rows in splits:
        write_jsonl(args.out / f"{name}.jsonl", rows)
    report = {"holdout_percent": HOLDOUT_PERCENT, "train_rows_dropped_as_dev_query_duplicates": before - before_restyle,
              "train_rows_dropped_as_restyled_into_held_out": dropped_restyled,
              "tools_train": len(train_pool), "tools_held_out": len(holdout_pool),
              "data_version": args.data_version, "listed_rows": len(listed), "how_to_rows": len(how_to), "augmented": augmented, "mined": mined_report,
              "splits": {n: stats(r) for n, r in splits}}
    (args.out / "stats.json").write_text(json.dumps(report, indent=1))
    print(json.dumps(report["splits"]["train"], indent=1))


if __name__ == "__main__":
    main()
