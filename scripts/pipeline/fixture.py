"""Build the test fixture: a tiny real model in exactly the release format, plus the goldens.

    scripts/py -m pipeline.fixture            # writes tests/fixtures/tiny-model/ and tests/golden/render.jsonl

Needs no corpora: the rows are synthesised from the hand-written tools, so a clean checkout
reproduces it. The model is the `tiny` preset trained for a fixed number of CPU steps, so it
emits JSON-shaped output (often wrong): it exists to exercise the runtime, not to be accurate.
"""
from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import numpy as np

from pipeline.jsonl import iter_jsonl, write_jsonl
from pipeline.export import dev_segments, export
from pipeline.golden import write_goldens
from pipeline.pack import make_encoder, pack
from pipeline.synth.generate import generate
from pipeline.synth.handwritten_tools import HANDWRITTEN_TOOLS as TOOLS
from pipeline.tokenizer import corpus_texts, train_tokenizer
from pipeline.train import TrainConfig, train

ROOT = Path(__file__).resolve().parents[2]
VOCAB = 2048


def make_packed_data(work: Path, train_rows: int, dev_rows: int, vocab: int = VOCAB):
    """Synthesised rows over the hand-written tools -> tokenizer + packed splits in work/."""
    dev = list(generate(TOOLS, dev_rows, seed=1))
    dev_queries = {r["query"] for r in dev}     # dev queries stay out of training (pipeline.train asserts it)
    write_jsonl(work / "train.jsonl", (r for r in generate(TOOLS, train_rows, seed=0) if r["query"] not in dev_queries))
    write_jsonl(work / "dev_in.jsonl", dev)
    train_tokenizer(corpus_texts(str(work / "train.jsonl"), train_rows), vocab).save(str(work / "tokenizer.json"))
    enc = make_encoder(str(work / "tokenizer.json"))
    for split in ("train", "dev_in"):
        rows = iter_jsonl(work / f"{split}.jsonl")
        np.savez_compressed(work / f"{split}.npz", **pack(rows, enc))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "tests" / "fixtures" / "tiny-model")
    ap.add_argument("--steps", type=int, default=60)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        make_packed_data(work, train_rows=4000, dev_rows=100)
        cfg = TrainConfig(preset="tiny", vocab_size=VOCAB, batch_rows=16, lr=3e-3, budget_s=3600,
                          max_steps=args.steps, eval_rows=8, eval_max_tokens=64, log_every=10)
        train(cfg, work, work / "run")
        if args.out.exists():
            shutil.rmtree(args.out)
        export(work / "run" / "model.pt", work / "tokenizer.json", args.out, "needle-tiny-fixture", True,
               list(dev_segments(work / "dev_in.npz", 10)))
        shutil.copy(work / "run" / "model.pt", args.out.parent / "tiny-checkpoint.pt")
    write_goldens(str(args.out / "tokenizer.json"), str(ROOT / "tests" / "golden" / "render.jsonl"))
    print(f"fixture: {args.out}")


if __name__ == "__main__":
    main()
