"""Synthesis tools: the pool normalised and loaded, and each tool prepared for sampling (its
parameters as `Param`s, the words its name and description give the query patterns)."""

from __future__ import annotations

import json
import re

from pipeline import schema

from . import patterns as P
from . import values as V
from .nocall import GENERAL_TOOL_WORDS

# ----------------------------------------------------------------------------------------------
# tool normalisation: the one normaliser of the pipeline (pipeline.schema), None for a tool it refuses


def normalize_tool(raw) -> dict | None:
    """A tool in any known shape -> {name, description, parameters}, or None if it is unusable."""
    try:
        return schema.normalize_tool(raw)
    except ValueError:
        return None


def load_tool_pool(path: str) -> list[dict]:
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                raw = json.loads(line)
            except json.JSONDecodeError:
                continue
            t = normalize_tool(raw)
            if t is not None:
                if isinstance(raw, dict) and raw.get("source"):
                    t["source"] = raw["source"]
                out.append(t)
    return out


# ----------------------------------------------------------------------------------------------
# prepared tools

_ISO_DATE_HINT = re.compile(r"yyyy-mm-dd|\d{4}-\d{2}-\d{2}|iso ?8601|iso format|iso date", re.I)
_ISO_TIME_HINT = re.compile(r"hh:mm|\b\d{2}:\d{2}\b|24-hour", re.I)
_DT_SPACE_HINT = re.compile(r"yyyy-mm-dd hh:mm|\d{4}-\d{2}-\d{2} \d{2}:\d{2}", re.I)


class Param:
    __slots__ = ("name", "schema", "required", "kind", "cat", "examples", "iso", "item", "props",
                 "explicit", "desc", "words", "enum", "dt_space")

    def __init__(self, name, schema, required):
        self.name = name
        self.schema = schema
        self.required = required
        self.desc = schema.get("description") or ""
        if not isinstance(self.desc, str):
            self.desc = ""
        self.words = V.words_of(name)
        self.enum = None
        self.iso = None
        self.item = None
        self.props = None
        self.explicit = False
        self.examples = []
        self.dt_space = False
        self.kind = None
        self.cat = "generic"


def _simple_enum(schema):
    e = schema.get("enum")
    if isinstance(e, list) and e and all(isinstance(x, (str, int, float)) and not isinstance(x, bool) for x in e):
        if all(isinstance(x, str) and 0 < len(x) <= 40 for x in e) or all(not isinstance(x, str) for x in e):
            return list(e)
    return None


def make_param(name: str, schema: dict, required: bool, depth: int = 0) -> Param | None:
    """A fillable parameter, or None when it cannot be filled sensibly."""
    if not isinstance(schema, dict):
        return None
    p = Param(name, schema, required)
    t = schema.get("type")
    if t is None:
        for k in ("anyOf", "oneOf"):
            for alt in schema.get(k) or []:
                if isinstance(alt, dict) and alt.get("type") in ("string", "integer", "number", "boolean"):
                    t = alt["type"]
                    break
            if t:
                break
    if "const" in schema:
        return None
    enum = _simple_enum(schema)
    if schema.get("enum") is not None and enum is None:
        return None
    if enum is not None:
        p.kind, p.enum = "enum", enum
        return p
    if t == "string":
        p.kind = "string"
        fmt = schema.get("format")
        hint = p.desc + " " + " ".join(p.words)
        if fmt == "date":
            p.iso = "date"
        elif fmt == "time":
            p.iso = "time"
        elif fmt == "date-time":
            p.iso = "datetime"
        elif "pattern" in schema:
            return None
        p.cat = V.classify(name, p.desc)
        if p.iso is None and p.cat in ("date", "datetime", "time"):
            if p.cat == "date" and _ISO_DATE_HINT.search(hint):
                p.iso = "datetime" if _ISO_TIME_HINT.search(p.desc) else "date"
            elif p.cat == "datetime" and _ISO_DATE_HINT.search(hint):
                p.iso = "datetime"
            elif p.cat == "time" and _ISO_TIME_HINT.search(p.desc):
                p.iso = "time"
            if p.iso == "datetime" and _DT_SPACE_HINT.search(p.desc):
                p.dt_space = True
        if p.iso is None:
            exs = schema.get("examples")
            exs = [e for e in exs if isinstance(e, str) and 0 < len(e) <= 40] if isinstance(exs, list) else []
            p.examples = [e for e in exs + V.examples_from_description(p.desc) if not V.is_iso_normalised(e)]
            if p.cat == "generic" and not p.examples and not p.desc and len(p.words) < 2:
                return None
        return p
    if t in ("integer", "number"):
        p.kind = t
        return p
    if t == "boolean":
        p.kind = "boolean"
        return p
    if t == "array":
        items = schema.get("items")
        if not isinstance(items, dict):
            items = {"type": "string"}
        if items.get("type") not in ("string", "integer", "number") and _simple_enum(items) is None:
            return None
        it = make_param(name, dict(items, description=items.get("description") or p.desc), True, depth + 1)
        if it is None or it.kind not in ("string", "integer", "number", "enum") or it.iso:
            return None
        p.kind, p.item, p.cat = "array", it, it.cat
        return p
    if t == "object":
        if depth >= 1:
            return None
        props = schema.get("properties")
        if not isinstance(props, dict) or not props:
            return None
        req = schema.get("required") or []
        sub = []
        for pn, ps in props.items():
            sp = make_param(pn, ps, pn in req, depth + 1)
            if sp is None:
                if pn in req:
                    return None
                continue
            if sp.kind in ("object",):
                return None
            sub.append(sp)
        if not sub:
            return None
        p.kind, p.props = "object", sub
        return p
    return None


class Prepared:
    __slots__ = ("tool", "params", "phr", "validator", "keywords", "noun_words", "idx", "hand", "general")


_STOPWORDS = set("""a an the of for to in on at by with from and or is are be this that it its as into
using given specified specific based provided information details data get set list retrieve user
new current api tool function""".split())


def prepare(tool: dict, idx: int) -> Prepared | None:
    params = tool["parameters"]
    props = params.get("properties") or {}
    req = params.get("required") or []
    if not isinstance(props, dict) or not isinstance(req, list):
        return None
    if any(r not in props for r in req):
        return None
    validator = None  # built lazily (schema checking is the slow part of preparing a pool)
    plist = []
    hints = tool.get("hints") or {}
    for pn, ps in props.items():
        p = make_param(pn, ps, pn in req)
        if p is None:
            if pn in req:
                return None
            continue
        if pn in hints:
            p.cat = hints[pn]
            if p.item is not None:
                p.item.cat = hints[pn]
        plist.append(p)
    if sum(1 for p in plist if p.required) > 6:
        return None
    # parameters of a shared category must name themselves ("start date 2024-01-01")
    cats = {}
    for p in plist:
        for q in ([p] + (p.props or [])):
            cats.setdefault(q.cat, []).append(q)
    for c, ps in cats.items():
        if len(ps) > 1 or c in ("generic", "id"):
            for q in ps:
                q.explicit = True
    pr = Prepared()
    pr.tool = {"name": tool["name"], "description": tool.get("description") or "", "parameters": params}
    pr.params = plist
    pr.phr = P.ToolPhrases(tool["name"], pr.tool["description"])
    pr.validator = validator
    name_ws = [w for w in P.human_words(tool["name"]) if w.lower() not in P.VERBS]
    pr.noun_words = [w.lower() for w in name_ws if w.lower() not in _STOPWORDS and len(w) > 2]
    dws = [w for w in re.findall(r"[a-z]{3,}", pr.tool["description"].lower()) if w not in _STOPWORDS][:8]
    kws = []
    for w in pr.noun_words + dws:
        if w not in kws:
            kws.append(w)
    pr.keywords = kws
    pr.idx = idx
    pr.hand = tool.get("source") == "handwritten"
    allw = set(V.words_of(tool["name"])) | set(re.findall(r"[a-z]+", pr.tool["description"].lower()))
    pr.general = bool(allw & GENERAL_TOOL_WORDS)
    return pr
