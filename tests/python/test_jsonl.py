"""pipeline.jsonl: rows round-trip (UTF-8 kept, blank lines skipped) and a bad line is named."""

import pytest

from pipeline.jsonl import iter_jsonl, read_jsonl, write_jsonl


def test_rows_round_trip_and_blank_lines_are_skipped(tmp_path):
    path = tmp_path / "rows.jsonl"
    rows = [{"query": "dim the kitchen to 10 °", "answers": []}, {"n": 1}]
    assert write_jsonl(path, rows) == 2
    assert "°" in path.read_text(encoding="utf-8")  # not \u-escaped
    with open(path, "a", encoding="utf-8") as f:
        f.write("\n   \n")
    assert read_jsonl(path) == rows
    assert list(iter_jsonl(path)) == rows


def test_a_bad_line_names_the_file_and_line(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text('{"ok": 1}\n\n{"broken": \n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"rows\.jsonl:3: invalid JSON"):
        read_jsonl(path)
