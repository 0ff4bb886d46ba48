"""Train the byte-level BPE tokenizer (vocab 8192) on the training split's rendered text.

    scripts/py -m pipeline.tokenizer --rows data/build/train.jsonl --out data/build/tokenizer.json

Special tokens take ids 0..4 in the order of SPECIAL_TOKENS (docs/model-format.md §1).
No post-processor: special ids are placed by hand (pipeline.render.Encoder / crates/core/src/render.rs).
"""
from __future__ import annotations

import argparse
import random
from pathlib import Path

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

from pipeline.contract import SPECIAL_IDS
from pipeline.jsonl import read_jsonl
from pipeline.render import render_answers, render_tool

SPECIAL_TOKENS = ["<pad>", "<s>", "</s>", "<tool>", "<query>"]


def corpus_texts(rows_path: str, max_rows: int, seed: int = 0):
    """Queries, answers and each distinct tool once (tools repeat across rows)."""
    rows = read_jsonl(rows_path)
    random.Random(seed).shuffle(rows)
    seen_tools = set()
    for row in rows[:max_rows]:
        yield row["query"]
        yield render_answers(row["answers"])
        for tool in row["tools"]:
            text = render_tool(tool)
            if text not in seen_tools:
                seen_tools.add(text)
                yield text


def train_tokenizer(texts, vocab_size: int) -> Tokenizer:
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer=trainer)
    for name, idx in SPECIAL_IDS.items():
        assert tok.token_to_id(SPECIAL_TOKENS[idx]) == idx, name
    return tok


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", required=True, help="training rows (JSONL)")
    ap.add_argument("--out", required=True, help="where to write tokenizer.json")
    ap.add_argument("--vocab-size", type=int, default=8192)
    ap.add_argument("--max-rows", type=int, default=200_000, help="rows sampled for training the merges")
    args = ap.parse_args()
    tok = train_tokenizer(corpus_texts(args.rows, args.max_rows), args.vocab_size)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    tok.save(args.out)
    print(f"tokenizer: {tok.get_vocab_size()} tokens -> {args.out}")


if __name__ == "__main__":
    main()
