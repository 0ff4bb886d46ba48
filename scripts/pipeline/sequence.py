"""Model format 4: what the cross-encoder reads for one (request, tool) pair (docs/model-format.md).

    [CLS] request [SEP] name : description [SEP] [P] param 1 text [P] param 2 text ... [SEP]

One function, `encode_pair`, builds it; training, export, the goldens and the Rust runtime
(`crates/core/src/model/sequence.rs`) all build exactly these ids. Every piece of text is
tokenized on its own (WordPiece splits at whitespace and punctuation anyway, so this is what
tokenizing the whole line would give) and cut to a fixed number of pieces, so both languages
agree without sharing a truncation routine.

A parameter is one marker `[P]` (the unused WordPiece `[unused0]`, id 1) followed by
`name ( type , required ) : description`, then `; one of : a , b , c` for an enum and
`; default x` for a default. Nested object properties are parameters of their own with dotted
names (`filter.status`). Each enum member's pieces are recorded, so the model can score a member
by its own words.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

CLS, SEP, PARAM = 101, 102, 1          # [CLS], [SEP], [unused0] as the parameter marker
MAX_REQUEST = 96                       # pieces of the request
MAX_HEADER = 40                        # pieces of "name : description"
MAX_PARAM_TEXT = 28                    # pieces of "name ( type ) : description"
MAX_MEMBERS = 24                       # enum members shown (the rest cannot be chosen)
MAX_MEMBER = 6                         # pieces of one member
MAX_PARAMS = 24                        # parameters shown (the rest are never filled)
MAX_DEFAULT = 6
MAX_LEN = 384                          # the whole sequence; parameters past it are dropped


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@dataclass
class Param:
    """One fillable parameter: a top-level property or a nested object's property."""
    path: str                      # dotted: "filter.status"
    schema: dict
    required: bool
    kind: str                      # string | integer | number | boolean | array | object | any
    members: list = field(default_factory=list)   # enum members (of the items for an array)


def kind_of(schema: dict) -> str:
    t = schema.get("type", "any")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), "any")
    return str(t)


def params_of(tool: dict) -> list[Param]:
    """Parameters in property order, nested object properties after their parent (depth-first).
    An object with properties is not itself a parameter: its children are."""
    out: list[Param] = []

    def walk(schema: dict, prefix: str):
        required = set(schema.get("required") or [])
        for key, sub in (schema.get("properties") or {}).items():
            if not isinstance(sub, dict):
                continue
            path = f"{prefix}.{key}" if prefix else key
            kind = kind_of(sub)
            if kind == "object" and isinstance(sub.get("properties"), dict) and sub["properties"]:
                walk(sub, path)
                continue
            items = sub.get("items") if isinstance(sub.get("items"), dict) else {}
            enum = sub.get("enum") if isinstance(sub.get("enum"), list) else items.get("enum")
            members = list(enum) if isinstance(enum, list) else []
            out.append(Param(path, sub, key in required, kind, members[:MAX_MEMBERS]))

    walk(tool.get("parameters") or {}, "")
    return out[:MAX_PARAMS]


def member_text(member) -> str:
    return member if isinstance(member, str) else dumps(member)


def param_text(p: Param) -> str:
    """`name (type, required): description` (the enum and default are added as pieces)."""
    kind = p.kind
    items = p.schema.get("items") if isinstance(p.schema.get("items"), dict) else {}
    if kind == "array" and items.get("type"):
        kind = f"array of {kind_of(items)}"
    text = f"{p.path} ({kind}{', required' if p.required else ''})"
    if isinstance(p.schema.get("description"), str) and p.schema["description"].strip():
        text += f": {p.schema['description'].strip()}"
    return text


@dataclass
class Pair:
    """One encoded (request, tool) pair."""
    ids: list[int]
    request_offsets: list[tuple[int, int]]     # character offsets of the request's pieces
    request_start: int                         # sequence position of the request's first piece
    param_pos: list[int]                       # sequence position of each shown parameter's [P]
    params: list[Param]                        # the shown parameters (param_pos's order)
    member_spans: list[list[tuple[int, int]]]  # per shown parameter: [start, end) of each member


def _pieces(tok, text: str, cap: int) -> list[int]:
    return tok.encode(text, add_special_tokens=False).ids[:cap] if text else []


def encode_pair(tok, request: str, tool: dict) -> Pair:
    """The sequence for one request and one tool (the module docstring); `tok` is MiniLM's
    tokenizer (`tokenizers.Tokenizer`, no padding or truncation)."""
    enc = tok.encode(request, add_special_tokens=False)
    req_ids, offsets = enc.ids[:MAX_REQUEST], [tuple(o) for o in enc.offsets[:MAX_REQUEST]]
    header = f"{tool['name']}: {(tool.get('description') or '').strip()}"
    ids = [CLS] + req_ids + [SEP] + _pieces(tok, header, MAX_HEADER) + [SEP]
    params, param_pos, member_spans = [], [], []
    for p in params_of(tool):
        seg = [PARAM] + _pieces(tok, param_text(p), MAX_PARAM_TEXT)
        spans = []
        if p.members:
            seg += _pieces(tok, "; one of:", 8)
            for i, m in enumerate(p.members):
                if i:
                    seg += _pieces(tok, ",", 1)
                piece = _pieces(tok, member_text(m), MAX_MEMBER) or _pieces(tok, "empty", 1)
                spans.append((len(seg), len(seg) + len(piece)))
                seg += piece
        if "default" in p.schema:
            seg += _pieces(tok, "; default", 4) + _pieces(tok, dumps(p.schema["default"]), MAX_DEFAULT)
        if len(ids) + len(seg) + 1 > MAX_LEN:
            break
        base = len(ids)
        params.append(p)
        param_pos.append(base)
        member_spans.append([(base + a, base + b) for a, b in spans])
        ids += seg
    ids.append(SEP)
    return Pair(ids, offsets, 1, param_pos, params, member_spans)


# -- the bi-encoder's texts (which tools get a pass) ----------------------------------------------
MAX_TOOL_LINE = 62                     # pieces of a tool's line


def tool_line(tool: dict) -> str:
    """A tool for the bi-encoder: `name: description | param, param, ...`."""
    names = ", ".join(p.path for p in params_of(tool))
    return f"{tool['name']}: {(tool.get('description') or '').strip()} | {names}"


def request_ids(tok, request: str) -> list[int]:
    return [CLS] + tok.encode(request, add_special_tokens=False).ids[:MAX_REQUEST] + [SEP]


def tool_line_ids(tok, tool: dict) -> list[int]:
    return [CLS] + tok.encode(tool_line(tool), add_special_tokens=False).ids[:MAX_TOOL_LINE] + [SEP]
