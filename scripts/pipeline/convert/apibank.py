"""API-Bank (Apache-2.0): gold calls are strings `API-Request: [Name(k='v', n=3)]`.

- training-data/lv3-api-train.json: one user request; the tools are ToolSearcher plus the tool(s)
  it retrieved earlier in the prompt (`API-Request: [ToolSearcher(...)]->{tool dict}`).
  Rows whose gold call is ToolSearcher itself are skipped: their keywords are free paraphrases
  written by the data generator, not values a reader can find in the request.
  Rows with an earlier non-ToolSearcher call are skipped (the answer may depend on its output).
- test-data/level-{1,2}-api.json: dialogues. The query is the user turns after the last earlier
  API call; a row is dropped when a gold value appears verbatim only before that point.
The call strings are parsed with Python's `ast` (never eval).
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Iterator

from pipeline.convert.common import Skip, rows_from, row

SOURCE = "apibank"
_REQUEST = re.compile(r"API-Request:\s*(\[.*\])", re.S)
_TIME = re.compile(r"TIME:\s*([\d-]+ [\d:]+)")


class _NamesAsStrings(ast.NodeTransformer):
    """Generated text sometimes writes `'type': str` or `city=Boston`: read bare names as strings."""

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in ("True", "False", "None"):
            return node
        return ast.copy_location(ast.Constant(node.id), node)


def literal(text_or_node):
    """ast.literal_eval that reads bare identifiers as strings."""
    node = ast.parse(text_or_node, mode="eval").body if isinstance(text_or_node, str) else text_or_node
    return ast.literal_eval(_NamesAsStrings().visit(node))


def parse_call_string(text: str) -> list[dict]:
    """`API-Request: [A(x='1'), B(y=2)]` -> [{"name": "A", "arguments": {"x": "1"}}, ...]."""
    m = _REQUEST.search(text)
    expr = m.group(1).strip() if m else text.strip()
    if not expr.startswith("["):
        expr = f"[{expr}]"
    try:
        tree = ast.parse(expr, mode="eval").body
    except SyntaxError:
        return _parse_unquoted(expr)
    if not isinstance(tree, ast.List):
        raise Skip("unparsable_call")
    calls = []
    for node in tree.elts:
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name) or node.args:
            raise Skip("unparsable_call")
        args = {kw.arg: literal(kw.value) for kw in node.keywords}
        calls.append({"name": node.func.id, "arguments": args})
    return calls


_UNQUOTED = re.compile(r"^\[\s*(\w+)\((.*)\)\s*\]$", re.S)


def _parse_unquoted(expr: str) -> list[dict]:
    """Some generated calls leave string values unquoted: `[F(city=New York, n=2)]`.
    Split on `, key=` boundaries; a value that is not a Python literal is taken as a string."""
    m = _UNQUOTED.match(expr.strip())
    if not m:
        raise Skip("unparsable_call")
    args = {}
    body = m.group(2).strip()
    for part in re.split(r",\s*(?=\w+\s*=)", body) if body else []:
        key, _, value = part.partition("=")
        value = value.strip()
        try:
            args[key.strip()] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            args[key.strip()] = value
    return [{"name": m.group(1), "arguments": args}]


def split_history(text: str) -> list[tuple[str, str]]:
    """Dialogue text -> [(speaker, text)] with speakers User / AI / API."""
    turns = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("User:"):
            turns.append(("User", line[5:].strip()))
        elif line.startswith("AI:"):
            turns.append(("AI", line[3:].strip()))
        elif line.startswith("API-Request:"):
            turns.append(("API", line))
    return turns


def _retrieved_tools(text: str) -> list[dict]:
    """Tool dicts that ToolSearcher returned in the prompt history."""
    tools = []
    for line in text.splitlines():
        if line.startswith("API-Request: [ToolSearcher(") and "]->" in line:
            tools.append(literal(line.split("]->", 1)[1].strip()))
    return tools


def _string_values(args: dict) -> list[str]:
    return [v for v in args.values() if isinstance(v, str) and len(v) > 2]


def convert_train(sample: dict) -> Iterator[dict]:
    gold = parse_call_string(sample["output"])
    if any(c["name"] == "ToolSearcher" for c in gold):
        raise Skip("toolsearcher_call")
    text = sample["input"]
    if any(not t.startswith("API-Request: [ToolSearcher(") for s, t in split_history(text) if s == "API"):
        raise Skip("dialogue_with_earlier_calls")
    searcher = json.loads(text.splitlines()[0])
    tools = [searcher] + _retrieved_tools(text)
    user = " ".join(t for s, t in split_history(text) if s == "User")
    m = _TIME.search(user)
    query = _TIME.sub("", user).strip()
    # keep the request time only when the gold arguments use it (relative dates)
    if m and any(m.group(1)[:4] in v for v in _string_values(gold[0]["arguments"]) if isinstance(v, str)):
        query = f"{query} (Current time: {m.group(1)})"
    yield row(SOURCE, f"lv3-train-{sample['_index']}", query, tools, gold)


def convert_test(sample: dict, level: int) -> Iterator[dict]:
    gold = parse_call_string(sample["expected_output"])
    if any(c["name"] == "ToolSearcher" for c in gold):
        raise Skip("toolsearcher_call")
    turns = split_history(sample["input"])
    last_api = max((i for i, (s, _) in enumerate(turns) if s == "API"), default=-1)
    recent = [t for s, t in turns[last_api + 1:] if s == "User"]
    earlier = " ".join(t for s, t in turns[:last_api + 1])
    query = " ".join(recent)
    for call in gold:
        for v in _string_values(call["arguments"]):
            if v.lower() not in query.lower() and v.lower() in earlier.lower():
                raise Skip("value_from_earlier_turns")
    desc = sample["instruction"].split("API descriptions:", 1)[1]
    tools = [json.loads(l) for l in desc.strip().splitlines() if l.strip().startswith("{")]
    yield row(SOURCE, f"lv{level}-{sample['file']}-{sample['id']}", query, tools, gold)


def convert(corpus_root: Path) -> Iterator[dict]:
    base = Path(corpus_root) / "apibank"
    train = json.loads((base / "training-data" / "lv3-api-train.json").read_text())
    for i, s in enumerate(train):
        s["_index"] = i
    yield from rows_from(train, convert_train)
    for level in (1, 2):
        test = json.loads((base / "test-data" / f"level-{level}-api.json").read_text())
        yield from rows_from(test, lambda s: convert_test(s, level))
