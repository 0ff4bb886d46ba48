"""Tokenize row files once into compact arrays for training (what travels to the GPU machine).

    scripts/py -m pipeline.pack --tokenizer data/build/tokenizer.json \
        --rows data/build/train.jsonl --out data/pack/train.npz

Tools repeat across rows, so each distinct rendered tool is tokenized and stored once and rows
refer to it by index. What training needs to give a row other distractors (pipeline.train's
shared tool pools) is stored too: which of a row's tools are called (row_gold), whether its
distractors are interchangeable (row_swap: synthesised rows whose distractors were drawn at
random; not converted rows, not NOT_SWAPPABLE) and a name id per tool (tool_name, by the holdout
key of pipeline.build_data, so `news.get` and `get_news` are one name).
"""
from __future__ import annotations

import argparse

import numpy as np
from tokenizers import Tokenizer

from pipeline.build_data import tool_key
from pipeline.jsonl import iter_jsonl
from pipeline.render import Encoder, order_arguments, render_answers_classes, render_tool
from pipeline.contract import MAX_OUTPUT_TOKENS, MAX_QUERY_TOKENS, MAX_TOOL_TOKENS, SPECIAL_IDS
# Synthesised rows whose distractors were chosen, not drawn at random: near-miss no-call rows
# (tools similar to the missing one) and chit-chat no-call rows (tools that chit-chat cannot call).
NOT_SWAPPABLE = ("synth:nocall_nearmiss", "synth:nocall_chat")


def make_encoder(tokenizer_path: str) -> Encoder:
    return Encoder(Tokenizer.from_file(tokenizer_path), SPECIAL_IDS,
                   MAX_TOOL_TOKENS, MAX_QUERY_TOKENS, MAX_OUTPUT_TOKENS)


def canonical_answers(row: dict) -> list[dict]:
    """Answers with argument keys in the order of their tool's properties (contract §4)."""
    tools = {t["name"]: t for t in row["tools"]}
    return [{"name": a["name"], "arguments": order_arguments(tools.get(a["name"], {}), a.get("arguments") or {})}
            for a in row["answers"]]


def output_ids_classes(enc: Encoder, answers: list[dict]):
    """Decoder target ids (ending in eos) and a loss class per id; None when too long."""
    text, char_classes = render_answers_classes(answers)
    encoding = enc.tok.encode(text, add_special_tokens=False)
    ids = list(encoding.ids) + [SPECIAL_IDS["eos"]]
    classes = [max(char_classes[a:b], default=0) for a, b in encoding.offsets] + [0]
    if len(ids) > enc.max_output_tokens:
        return None
    return ids, classes


def pack(rows, enc: Encoder) -> dict[str, np.ndarray]:
    """Tokenize rows (batched: the tokenizer runs on all cores) into ragged uint16 arrays."""
    tool_index: dict[str, int] = {}
    tool_texts, queries, answer_texts, answer_classes, row_tools = [], [], [], [], []
    row_gold, row_swap, tool_names, name_ids = [], [], [], {}
    skipped = 0
    for row in rows:
        if not row["tools"]:
            skipped += 1
            continue
        refs = []
        for tool in row["tools"]:
            text = render_tool(tool)
            if text not in tool_index:
                tool_index[text] = len(tool_texts)
                tool_texts.append(text)
                tool_names.append(name_ids.setdefault(tool_key(tool["name"]), len(name_ids)))
            refs.append(tool_index[text])
        text, classes = render_answers_classes(canonical_answers(row))
        queries.append(row["query"].strip())
        answer_texts.append(text)
        answer_classes.append(classes)
        row_tools.append(refs)
        called = {a["name"] for a in row["answers"]}
        row_gold.append([int(t["name"] in called) for t in row["tools"]])
        source = row.get("source", "")
        row_swap.append(int(source.startswith("synth:") and source not in NOT_SWAPPABLE))

    ids = lambda texts: enc.tok.encode_batch(texts, add_special_tokens=False)
    tool_ids = [([SPECIAL_IDS["tool"]] + e.ids)[:enc.max_tool_tokens] for e in ids(tool_texts)]
    q_ids = [([SPECIAL_IDS["query"]] + e.ids)[:enc.max_query_tokens] for e in ids(queries)]
    keep = []
    out_ids, out_cls = [], []
    for i, (e, classes) in enumerate(zip(ids(answer_texts), answer_classes)):
        target = list(e.ids) + [SPECIAL_IDS["eos"]]
        if len(target) > enc.max_output_tokens:
            skipped += 1
            continue
        keep.append(i)
        out_ids.append(target)
        out_cls.append([max(classes[a:b], default=0) for a, b in e.offsets] + [0])
    q_ids = [q_ids[i] for i in keep]
    row_tools = [row_tools[i] for i in keep]
    row_gold = [row_gold[i] for i in keep]

    def ragged(seqs, dtype):
        off = np.zeros(len(seqs) + 1, dtype=np.int64)
        off[1:] = np.cumsum([len(s) for s in seqs])
        flat = np.fromiter((x for s in seqs for x in s), dtype=dtype, count=int(off[-1]))
        return flat, off

    out = {}
    for name, seqs, dtype in [("tool", tool_ids, np.uint16), ("query", q_ids, np.uint16),
                              ("out", out_ids, np.uint16), ("cls", out_cls, np.uint8),
                              ("row_tools", row_tools, np.int32), ("row_gold", row_gold, np.uint8)]:
        out[name], out[name + "_off"] = ragged(seqs, dtype)
    out["row_swap"] = np.asarray([row_swap[i] for i in keep], dtype=np.uint8)
    out["tool_name"] = np.asarray(tool_names, dtype=np.int32)
    print(f"pack: {len(q_ids)} rows, {len(tool_ids)} distinct tools, {skipped} skipped (too long / no tools)")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tokenizer", required=True)
    ap.add_argument("--rows", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    enc = make_encoder(args.tokenizer)
    rows = iter_jsonl(args.rows)
    np.savez_compressed(args.out, **pack(rows, enc))


if __name__ == "__main__":
    main()
