"""Corpus converters: one module per corpus, each with `convert(corpus_root) -> Iterator[dict]`.

`CONVERTERS` fixes the processing order, which matters for cross-corpus de-duplication: the
first copy of a duplicated row is kept, so original corpora come before re-packagings (hammer).
"""

from __future__ import annotations

import importlib

# (output name, module) in processing order
CONVERTERS = [
    ("seal_tools", "seal_tools"),
    ("acebench", "acebench"),
    ("apibank", "apibank"),
    ("toolalpaca", "toolalpaca"),
    ("hammer", "hammer"),
    ("hammerbench", "hammerbench"),
    ("droidcall", "droidcall"),
    ("complexfuncbench", "complexfuncbench"),
    ("nestful", "nestful"),
    ("toolrl", "toolrl"),
    ("toolace", "toolace"),
    ("glaive", "glaive"),
    ("hwu64", "hwu64"),
    ("snips", "snips"),
    ("clinc150", "clinc150"),
    ("metatool", "metatool"),
]


def load(module: str):
    return importlib.import_module(f"pipeline.convert.{module}")
