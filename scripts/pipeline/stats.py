"""Write the data stats report (docs/data-stats.md): what the training rows are made of (kinds,
corpora, natural-phrasing share, examples) and build_data's stats.json.

    scripts/py -m pipeline.stats --build data/build --out docs/data-stats.md
"""
from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from pathlib import Path

from pipeline.augment import NATURAL_SOURCES
from pipeline.synth.mined import content_words
from pipeline.jsonl import read_jsonl


def kind(row: dict) -> str:
    source = row.get("source", "?")
    if source.startswith("synth"):
        return source
    head = source.split(":")[0]
    return head if head in ("relex", "joined", "nearmiss", "nocall") else "natural"


def natural_phrasing(row: dict) -> bool:
    return not row.get("source", "").startswith("synth")


def mined(row: dict) -> bool:
    """A template mined from a natural row, filled for another tool: a person's words around the
    values, the tool's words and the values new (pipeline.synth.mined). Counted apart."""
    return row.get("source") == "synth:mined"


def hard_negative(row: dict) -> bool:
    """A distractor shares a content word of its name with a gold tool's (same domain)."""
    gold = {c["name"] for c in row["answers"]}
    words = set().union(*(content_words(n) for n in gold)) if gold else set()
    return any(content_words(t["name"]) & words for t in row["tools"] if t["name"] not in gold)


def composition(rows: list[dict], stats: dict) -> list[str]:
    """The training rows by kind and by corpus, the shares issue 14 asks for, MiniLM WordPieces."""
    from pipeline.minilm import tokenizer as minilm_tokenizer
    n = len(rows)
    kinds = Counter(kind(r) for r in rows)
    sources = Counter(r.get("source", "?").split(":")[-1].split("+")[0] if not r.get("source", "").startswith("synth")
                      else "synth" for r in rows)
    no_call = Counter(kind(r) for r in rows if not r["answers"])
    parallel = sum(len(r["answers"]) > 1 for r in rows)
    natural = sum(natural_phrasing(r) for r in rows)
    mined_rows = sum(mined(r) for r in rows)
    hard = sum(hard_negative(r) for r in rows if r["answers"])
    tok = minilm_tokenizer()
    q_tokens = sum(len(e.ids) for e in tok.encode_batch([r["query"] for r in rows]))
    a_tokens = sum(len(e.ids) for e in tok.encode_batch([json.dumps(r["answers"]) for r in rows]))
    lines = ["## What the training rows are made of", "",
             f"Data version {stats.get('data_version', 1)}. Kinds: `natural` (a converted row, written by people or "
             "LLMs), `relex`, `joined`, `nearmiss`, `nocall` (pipeline.augment: the phrasing is still theirs), `synth:*` "
             "(synthesis: hand-written patterns, and `synth:mined`, templates mined from natural rows).", "",
             f"- training rows: {n:,}",
             f"- natural phrasing (written by people or LLMs, or re-lexicalised / joined from such rows): "
             f"{natural:,} ({natural / n:.1%})",
             f"- mined templates (a natural row's words around new values, for another tool): {mined_rows:,} "
             f"({mined_rows / n:.1%}); natural phrasing and mined templates together: "
             f"{natural + mined_rows:,} ({(natural + mined_rows) / n:.1%})",
             f"- no-call rows: {sum(no_call.values()):,} ({sum(no_call.values()) / n:.1%})",
             f"- parallel / multi-call rows: {parallel:,} ({parallel / n:.1%})",
             f"- rows with a hard negative (a distractor of the gold tool's domain): "
             f"{hard:,} ({hard / max(1, n - sum(no_call.values())):.1%} of rows with a call)",
             f"- MiniLM WordPieces: {q_tokens:,} in queries, {a_tokens:,} in answers (as JSON)", "",
             "## Rows by kind", "", "| kind | rows | share | no-call rows |", "|---|---|---|---|"]
    for k, c in kinds.most_common():
        lines.append(f"| {k} | {c:,} | {c / n:.1%} | {no_call.get(k, 0):,} |")
    lines += ["", "## Rows by the corpus their phrasing comes from", "", "| corpus | rows | natural source |", "|---|---|---|"]
    for s, c in sources.most_common():
        lines.append(f"| {s} | {c:,} | {'yes' if s in NATURAL_SOURCES else 'no'} |")
    if stats.get("mined"):
        lines += ["", "Mined templates (build_data `--mined-share`): `" + json.dumps(stats["mined"], sort_keys=True) + "`"]
    if stats.get("augmented"):
        lines += ["", "pipeline.augment's counts (including the rows it could not make): `"
                  + json.dumps(stats["augmented"], sort_keys=True) + "`"]
    return lines + [""]


def examples(rows: list[dict], per_kind: int = 12, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    kinds = Counter(kind(r) for r in rows)
    lines = ["## Training rows, verbatim", "",
              f"{per_kind} random rows of each kind: the query, the answer, the offered tools' names."]
    for k, _ in kinds.most_common():
        pick = [r for r in rows if kind(r) == k]
        lines += ["", f"### {k}", "", "```"]
        for r in rng.sample(pick, min(per_kind, len(pick))):
            lines.append(f"Q: {r['query'][:300]}")
            lines.append(f"A: {json.dumps(r['answers'], ensure_ascii=False)[:300]}")
            lines.append(f"T: {', '.join(t['name'] for t in r['tools'])}"[:300])
            lines.append("")
        lines[-1] = "```"
    return lines + [""]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    build = json.loads((args.build / "stats.json").read_text())
    conv_report = args.build.parent / "converted" / "report.json"
    train = read_jsonl(args.build / "train.jsonl")
    lines = ["# Training data statistics", "",
             f"Produced by `scripts/py -m pipeline.stats --build {args.build}` from the output of "
             "pipeline.build_data. Sources and licences: `docs/data-sources.md`.", "",
             f"Tools: {build['tools_train']} for training, {build['tools_held_out']} held out "
             f"({build['holdout_percent']}% by name hash; their rows form `dev_unseen`).", ""]
    lines += composition(train, build)
    for split, s in build["splits"].items():
        lines += [f"## {split}", "", f"- rows: {s['rows']}", f"- no-call share: {s['no_call_share']:.3f}",
                  f"- mean tools per row: {s['mean_tools_per_row']:.2f}",
                  f"- calls per row: {json.dumps(s['calls_per_row'])}",
                  f"- tools per row: {json.dumps(s['tools_per_row'])}",
                  f"- distinct gold tools: {s['distinct_gold_tools']}", "", "| source | rows |", "|---|---|"]
        lines += [f"| {k} | {v} |" for k, v in s["by_source"].items()]
        lines.append("")
    if conv_report.exists():
        lines += ["## Converters", "", "```json", conv_report.read_text().strip(), "```", ""]
    lines += examples(train)
    args.out.write_text("\n".join(lines))
    print(f"stats -> {args.out}")


if __name__ == "__main__":
    main()
