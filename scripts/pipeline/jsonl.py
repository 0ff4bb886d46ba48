"""JSON Lines, the row format every pipeline step reads and writes: one JSON object a line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Iterator


def iter_jsonl(path: str | Path) -> Iterator[dict]:
    """The rows of `path` one by one (blank lines skipped); a bad line names the file and line."""
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}:{number}: invalid JSON: {e}") from None


def read_jsonl(path: str | Path) -> list[dict]:
    return list(iter_jsonl(path))


def write_jsonl(path: str | Path, rows: Iterable[dict]) -> int:
    """Writes `rows` (UTF-8, not ASCII-escaped); returns how many."""
    n = 0
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    return n


def is_synthetic(row: dict) -> bool:
    """A row made by pipeline.synth (its id is `synth:<n>`), not converted from a corpus people wrote."""
    return str(row.get("id", "")).startswith("synth:")
