"""NESTFUL (Apache-2.0): nested call sequences with `$varN.field$` references.

Same treatment as ComplexFuncBench: keep the leading calls without references.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from pipeline.convert.complexfuncbench import convert_rows

SOURCE = "nestful"
PARTS = (("executable", "executable-data.json", "executable-spec.json"),
         ("non-executable", "non-executable-sgd-data.json", "non-executable-sgd-spec.json"),
         ("non-executable", "non-executable-glaive-data.json", "non-executable-glaive-spec.json"))


def convert(corpus_root: Path) -> Iterator[dict]:
    base = Path(corpus_root) / "nestful" / "data"
    for folder, data_file, spec_file in PARTS:
        data = json.loads((base / folder / data_file).read_text())
        specs = json.loads((base / folder / spec_file).read_text())
        yield from convert_rows(data, specs, SOURCE, data_file.replace("-data.json", "") + "-")
