"""The synthesis generator: tool pool -> rows {query, tools, answers, source, id}.

See the package docstring for how answer values relate to the query text. Every emitted answer is
validated against its tool's schema with ``jsonschema`` and every string argument that is not a
normalised value (enum, ISO date/time) is checked to occur verbatim in the query; samples that fail
are redrawn.
"""

from __future__ import annotations

import json
import random
import re
from typing import Iterator

import jsonschema

from pipeline import schema

from . import patterns as P
from . import values as V
from .nocall import NO_CALL_TEXTS, GENERAL_TOOL_WORDS

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


# ----------------------------------------------------------------------------------------------
# value sampling

_MONEY = ("price", "amount", "budget", "cost", "salary", "fee", "total", "balance", "payment", "income",
          "revenue", "deposit", "loan", "principal", "rent", "bid", "tip", "spend", "fare", "value")
_UNITS = [
    (("minutes", "minute", "mins", "min"), (" minutes", " min")),
    (("seconds", "second", "secs", "sec"), (" seconds", " sec")),
    (("hours", "hour", "hrs"), (" hours",)),
    (("days",), (" days",)),
    (("nights",), (" nights",)),
    (("weeks",), (" weeks",)),
    (("km", "kilometers", "kilometres"), (" km", " kilometers")),
    (("miles", "mi"), (" miles",)),
    (("kg", "kilograms"), (" kg",)),
    (("lbs", "pounds"), (" lbs", " pounds")),
    (("percent", "percentage", "pct"), ("%", " percent")),
    (("calories", "kcal"), (" calories",)),
    (("steps",), (" steps",)),
    (("guests", "people", "adults", "passengers", "persons", "travelers", "travellers", "attendees"),
     (" people", " guests")),
    (("meters", "metres", "m"), (" meters", " m")),
]


def _int_range(p: Param):
    s, ws = p.schema, p.words
    j = " ".join(ws)
    lo, hi, step = 1, 100, 1
    if "year" in ws or "yr" in ws:
        lo, hi = 1990, 2026
    elif "age" in ws:
        lo, hi = 5, 85
    elif "month" in ws:
        lo, hi = 1, 12
    elif "day" in ws and "days" not in ws:
        lo, hi = 1, 28
    elif "hour" in ws:
        lo, hi = 0, 23
    elif any(w in ws for w in ("minutes", "minute", "mins", "min")) and "max" not in ws:
        lo, hi, step = 5, 90, 5
    elif any(w in ws for w in ("seconds", "second", "secs")):
        lo, hi, step = 10, 120, 5
    elif any(w in ws for w in ("percent", "percentage", "volume", "brightness", "level", "humidity", "pct")):
        lo, hi, step = 0, 100, 5
    elif any(w in ws for w in ("rating", "stars", "star")):
        lo, hi = 1, 5
    elif "temperature" in ws or "temp" in ws:
        lo, hi = 16, 78
    elif any(w in ws for w in ("limit", "count", "num", "number", "max", "results", "size", "top", "k", "n",
                               "quantity", "qty")):
        lo, hi = 1, 20
    elif "page" in ws:
        lo, hi = 1, 10
    elif any(w in ws for w in ("guests", "people", "adults", "children", "kids", "passengers", "seats",
                               "rooms", "tickets", "servings", "nights", "persons", "travelers", "players")):
        lo, hi = 1, 8
    elif any(w in ws for w in _MONEY):
        lo, hi, step = 5, 3000, 5
    elif "id" in ws:
        lo, hi = 100, 99999
    elif any(w in ws for w in ("days", "weeks", "duration")):
        lo, hi = 1, 30
    elif any(w in ws for w in ("distance", "radius", "km", "miles")):
        lo, hi = 1, 50
    elif "calories" in ws:
        lo, hi, step = 100, 3000, 50
    elif "steps" in ws:
        lo, hi, step = 1000, 20000, 500
    elif "weight" in ws:
        lo, hi = 40, 120
    elif "height" in ws:
        lo, hi = 150, 200
    elif "zip" in j or "postal" in j:
        lo, hi = 10000, 99999
    mn, mx = s.get("minimum"), s.get("maximum")
    if isinstance(s.get("exclusiveMinimum"), (int, float)) and not isinstance(s.get("exclusiveMinimum"), bool):
        mn = s["exclusiveMinimum"] + 1
    if isinstance(s.get("exclusiveMaximum"), (int, float)) and not isinstance(s.get("exclusiveMaximum"), bool):
        mx = s["exclusiveMaximum"] - 1
    if isinstance(mn, (int, float)) and not isinstance(mn, bool):
        lo = int(-(-mn // 1))
        if hi < lo:
            hi = lo + 20
    if isinstance(mx, (int, float)) and not isinstance(mx, bool):
        hi = int(mx // 1)
        if lo > hi:
            lo = max(hi - 20, int(mn) if isinstance(mn, (int, float)) else hi - 20)
    if lo > hi:
        return None
    if step > 1 and (hi - lo) < step * 3:
        step = 1
    return lo, hi, step


def _unit_for(ws):
    for keys, units in _UNITS:
        if any(w in keys for w in ws):
            return units
    return None


def _num_text(rng, p: Param, value, is_int: bool):
    """Surface text of a number; the answer keeps the number."""
    ws = p.words
    digits = str(value)
    money = any(w in ws for w in _MONEY)
    if money and rng.random() < 0.7:
        r = rng.random()
        if r < 0.55:
            return "$" + digits, True
        if r < 0.75:
            return digits + " dollars", True
        if r < 0.87:
            return "€" + digits, True
        return digits + " bucks", True
    units = _unit_for(ws)
    if is_int and 1 <= value <= 12 and rng.random() < 0.15:
        digits = V.NUM_WORDS[value]
    if units and rng.random() < 0.65:
        return digits + rng.choice(units), True
    return digits, False


def sample_number(rng, p: Param):
    rg = _int_range(p)
    if rg is None:
        return None
    lo, hi, step = rg
    if p.kind == "integer":
        if step > 1:
            v = lo + step * rng.randint(0, (hi - lo) // step)
        else:
            v = rng.randint(lo, hi) if rng.random() < 0.7 else rng.randint(lo, min(hi, lo + 9))
        return v, _num_text(rng, p, v, True)
    ws = p.words
    mn, mx = p.schema.get("minimum"), p.schema.get("maximum")
    if "latitude" in ws or "lat" in ws:
        v = round(rng.uniform(-60, 70), 4)
    elif "longitude" in ws or "lon" in ws or "lng" in ws:
        v = round(rng.uniform(-170, 170), 4)
    elif any(w in ws for w in _MONEY):
        v = round(rng.uniform(lo, min(hi, 500)), rng.choice((0, 2, 2)))
    elif any(w in ws for w in ("rate", "ratio", "probability", "threshold", "alpha", "factor")) and not (isinstance(mx, (int, float)) and mx > 1):
        v = round(rng.uniform(0.01, 0.95), 2)
    else:
        v = round(rng.uniform(lo, hi), rng.choice((0, 1, 1, 2)))
    if isinstance(mn, (int, float)) and v < mn:
        v = mn
    if isinstance(mx, (int, float)) and v > mx:
        v = mx
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return v, _num_text(rng, p, v, False)


def _iso_time_text(rng, h, mi):
    ap = "am" if h < 12 else "pm"
    h12 = h % 12 or 12
    forms = [f"{h12}:{mi:02d} {ap}", f"{h:02d}:{mi:02d}", f"{h12}:{mi:02d}{ap}"]
    if mi == 0:
        forms.append(f"{h12} {ap}")
    return rng.choice(forms)


def sample_string(rng, p: Param):
    """-> (value, text, norm)."""
    if p.iso == "date":
        y, m, d = V._rand_date(rng)
        iso = f"{y:04d}-{m:02d}-{d:02d}"
        return iso, (iso if rng.random() < 0.35 else V.date_surface(rng, y, m, d, True)), True
    if p.iso == "time":
        h, mi = V._rand_time(rng)
        iso = f"{h:02d}:{mi:02d}"
        if "hh:mm:ss" in p.desc.lower():
            iso += ":00"
        return iso, _iso_time_text(rng, h, mi), True
    if p.iso == "datetime":
        y, m, d = V._rand_date(rng)
        h, mi = V._rand_time(rng)
        iso = f"{y:04d}-{m:02d}-{d:02d}" + (" " if p.dt_space else "T") + f"{h:02d}:{mi:02d}" + ("" if p.dt_space else ":00")
        if rng.random() < 0.3:
            return iso, iso, True
        return iso, f"{V.date_surface(rng, y, m, d, True)} at {_iso_time_text(rng, h, mi)}", True
    v, _ = V.sample_string(rng, p.cat, p.words, p.desc, p.examples)
    if v is None:
        v = rng.choice(p.examples) if p.examples else V.generic_string(rng, p.words)
    ml, xl = p.schema.get("minLength"), p.schema.get("maxLength")
    if (isinstance(ml, int) and len(v) < ml) or (isinstance(xl, int) and len(v) > xl):
        return None
    return v, v, False


def _enum_text(rng, v):
    if not isinstance(v, str):
        return str(v)
    r = rng.random()
    if r < 0.65:
        return v
    t = v.replace("_", " ").replace("-", " ") if re.search(r"[a-z]", v.lower()) else v
    if r < 0.85 and t.isupper() and len(t) > 3:
        return t.lower()
    return t


def _join_list(rng, items):
    if len(items) == 1:
        return items[0]
    r = rng.random()
    if r < 0.55:
        return ", ".join(items[:-1]) + " and " + items[-1]
    if r < 0.75:
        return ", ".join(items[:-1]) + (", and " if len(items) > 2 else " and ") + items[-1]
    if r < 0.9:
        return ", ".join(items)
    return " & ".join(items) if len(items) == 2 else ", ".join(items)


def sample_param(rng, p: Param):
    """-> (value, slots, protected_texts) or None. slots: list of segment lists."""
    k = p.kind
    if k == "enum":
        v = rng.choice(p.enum)
        return v, [P.slot_segments(rng, p.name, "enum", p.cat, _enum_text(rng, v), v, p.explicit)]
    if k == "boolean":
        v = rng.random() < 0.6
        return v, [P.slot_segments(rng, p.name, "boolean", p.cat, "", v, p.explicit)]
    if k in ("integer", "number"):
        r = sample_number(rng, p)
        if r is None:
            return None
        v, (text, units) = r
        return v, [P.slot_segments(rng, p.name, k, p.cat, text, v, p.explicit, units)]
    if k == "string":
        r = sample_string(rng, p)
        if r is None:
            return None
        v, text, _ = r
        return v, [P.slot_segments(rng, p.name, "string", p.cat, text, v, p.explicit)]
    if k == "array":
        s = p.schema
        lo = max(1, s.get("minItems") or 1) if isinstance(s.get("minItems"), int) else 1
        hi = s.get("maxItems") if isinstance(s.get("maxItems"), int) else 3
        hi = min(hi, 4)
        if lo > hi:
            return None
        n = rng.randint(max(lo, 2 if hi >= 2 and rng.random() < 0.8 else lo), hi) if hi > lo else lo
        vals, texts = [], []
        it = p.item
        for _ in range(n * 3):
            if len(vals) >= n:
                break
            if it.kind == "enum":
                v = rng.choice(it.enum)
                t = str(v)
            elif it.kind == "string":
                r = sample_string(rng, it)
                if r is None:
                    return None
                v, t, _ = r
            else:
                r = sample_number(rng, it)
                if r is None:
                    return None
                v = r[0]
                t = str(v)
            if v in vals or any(t in o or o in t for o in texts):
                continue
            vals.append(v)
            texts.append(t)
        if len(vals) < lo:
            return None
        text = _join_list(rng, texts)
        return vals, [P.slot_segments(rng, p.name, "array", p.cat, text, vals, p.explicit)]
    if k == "object":
        val, slots = {}, []
        for sp in p.props:
            if not sp.required and rng.random() < 0.5:
                continue
            r = sample_param(rng, sp)
            if r is None:
                if sp.required:
                    return None
                continue
            val[sp.name] = r[0]
            slots.extend(r[1])
        if not val:
            return None
        return val, slots
    return None


# ----------------------------------------------------------------------------------------------
# grounding

def _grounding_strings(p: Param, v, out: list):
    if p.kind == "string" and not p.iso:
        out.append(v)
    elif p.kind == "array" and p.item.kind == "string" and not p.item.iso:
        out.extend(v)
    elif p.kind == "object":
        for sp in p.props:
            if sp.name in v:
                _grounding_strings(sp, v[sp.name], out)


# ----------------------------------------------------------------------------------------------
# name styles

_STYLES = ["orig"] * 9 + ["snake"] * 3 + ["camel"] * 3 + ["pascal"] * 2 + ["dotted"] * 2 + ["kebab"]


def restyle(name: str, style: str) -> str:
    if style == "orig":
        return name
    ws = V.words_of(name)
    if not ws:
        return name
    if style == "snake":
        return "_".join(ws)
    if style == "kebab":
        return "-".join(ws)
    if style == "camel":
        return ws[0] + "".join(w[:1].upper() + w[1:] for w in ws[1:])
    if style == "pascal":
        return "".join(w[:1].upper() + w[1:] for w in ws)
    if style == "dotted":
        if len(ws) > 1 and ws[0] in P.VERBS:
            return "_".join(ws[1:]) + "." + ws[0]
        if len(ws) > 1:
            return ws[0] + "." + "_".join(ws[1:])
        return name
    return name


# ----------------------------------------------------------------------------------------------
# the generator

KINDS = [("single", 0.745), ("parallel_same", 0.06), ("parallel_multi", 0.06), ("nocall_chat", 0.065),
         ("nocall_nearmiss", 0.07)]
_N_TOOLS_W = [(1, 7), (2, 12), (3, 14), (4, 14), (5, 12), (6, 10), (7, 9), (8, 8), (9, 7), (10, 7)]
_QTYPES = [("imperative", 30), ("question", 18), ("indirect", 20), ("question_noun", 8), ("terse", 7),
           ("polite", 12), ("plain", 5)]


def _wchoice(rng, pairs):
    tot = sum(w for _, w in pairs)
    r = rng.random() * tot
    for x, w in pairs:
        r -= w
        if r < 0:
            return x
    return pairs[-1][0]


class _Gen:
    def __init__(self, tool_pool, seed, no_call_pool):
        self.rng = random.Random(seed)
        seen = set()
        preps = []
        for t in tool_pool:
            nt = normalize_tool(t)
            if nt is None:
                continue
            key = nt["name"] + "\x00" + json.dumps(nt["parameters"], sort_keys=True, ensure_ascii=False)
            if key in seen:
                continue
            seen.add(key)
            if t.get("source") and "source" not in nt:
                nt = dict(nt, source=t["source"])
            if isinstance(t.get("hints"), dict):
                nt = dict(nt, hints=t["hints"])
            pr = prepare(nt, len(preps))
            if pr is not None:
                preps.append(pr)
        if not preps:
            raise ValueError("no usable tools in the pool")
        self.preps = preps
        self.hand = [p for p in preps if p.hand]
        self.gold_ok = [p for p in preps if p.params or len(preps) < 3]
        self.index: dict[str, list[int]] = {}
        for p in preps:
            for w in p.keywords:
                self.index.setdefault(w, []).append(p.idx)
        self.nongeneral = [p.idx for p in preps if not p.general] or [p.idx for p in preps]
        texts = list(NO_CALL_TEXTS)
        for t in no_call_pool or []:
            if t and t not in texts:
                texts.append(t)
        self.no_call = texts

    # -- tools --------------------------------------------------------------------------------
    def pick_gold(self):
        rng = self.rng
        if self.hand and rng.random() < 0.3:
            return rng.choice(self.hand)
        return rng.choice(self.gold_ok)

    def distractors(self, gold: list, n: int, similar_rate=0.4, avoid_nouns=False, pool=None):
        rng = self.rng
        names = {g.tool["name"] for g in gold}
        nouns = set(w for g in gold for w in g.noun_words) if avoid_nouns else set()
        out, out_ids = [], set(g.idx for g in gold)
        tries = 0
        while len(out) < n and tries < n * 6:
            tries += 1
            cand = None
            if gold and not avoid_nouns and rng.random() < similar_rate:
                g = rng.choice(gold)
                if g.keywords:
                    lst = self.index.get(rng.choice(g.keywords))
                    if lst and len(lst) > 1:
                        cand = self.preps[rng.choice(lst)]
            if cand is None:
                cand = self.preps[rng.choice(pool)] if pool else rng.choice(self.preps)
            if cand.idx in out_ids or cand.tool["name"] in names:
                continue
            if nouns and (set(cand.noun_words) & nouns):
                continue
            out.append(cand)
            out_ids.add(cand.idx)
            names.add(cand.tool["name"])
        return out

    def render_tools(self, preps: list, style: str):
        rng = self.rng
        shuffle_props = rng.random() < 0.15
        names = {}
        tools = []
        for p in preps:
            nm = restyle(p.tool["name"], style)
            if len(nm) > 64 or nm in names.values():
                return None
            names[p.idx] = nm
            params = p.tool["parameters"]
            if shuffle_props and len(params.get("properties", {})) > 1 and rng.random() < 0.6:
                items = list(params["properties"].items())
                rng.shuffle(items)
                params = dict(params)
                params["properties"] = dict(items)
            tools.append({"name": nm, "description": p.tool["description"], "parameters": params})
        return tools, names

    # -- calls ---------------------------------------------------------------------------------
    def sample_call(self, pr: Prepared, opt_rate: float):
        """-> (args dict in tool order, slots, ground strings) or None."""
        rng = self.rng
        args, slots, ground = {}, [], []
        n_opt = 0
        for p in pr.params:
            if not p.required:
                if rng.random() >= opt_rate or n_opt >= 3 or len(args) >= 6:
                    continue
            r = sample_param(rng, p)
            if r is None:
                if p.required:
                    return None
                continue
            v, sl = r
            args[p.name] = v
            slots.extend(sl)
            _grounding_strings(p, v, ground)
            if not p.required:
                n_opt += 1
        if pr.validator is None:
            try:
                cls = jsonschema.validators.validator_for(pr.tool["parameters"], default=jsonschema.Draft7Validator)
                cls.check_schema(pr.tool["parameters"])
                pr.validator = cls(pr.tool["parameters"])
            except Exception:
                pr.validator = False
        if pr.validator is False:
            return None
        try:
            if not pr.validator.is_valid(args):
                return None
        except Exception:
            return None
        return args, slots, ground

    def clause(self, pr: Prepared, slots, qtype):
        rng = self.rng
        vp = pr.phr.verb_phrase(rng)
        noun = pr.phr.noun_phrase()
        if qtype == "polite":
            segs, _ = P.wrap(rng, vp, noun, slots, "imperative")
            if rng.random() < 0.5:
                segs.insert(0, (rng.choice(("please ", "kindly ", "if you could, ", "would you kindly ")), False))
            else:
                segs.append((rng.choice((", please", " please", ", thank you", ". Thanks in advance!",
                                         ", I'd appreciate it")), False))
            return segs
        if qtype == "question_noun" and (not noun or (pr.phr.verb not in (None, "get", "retrieve", "fetch", "check",
                                                                             "find", "lookup", "calculate"))):
            qtype = "question"
        if qtype == "plain":
            qtype = "imperative"
        segs, _ = P.wrap(rng, vp, noun, slots, qtype)
        return segs

    def make_query(self, segs, qtype):
        rng = self.rng
        segs = P.finish(rng, segs, qtype)
        if rng.random() < 0.1:
            segs = P.typo_noise(rng, segs, 0.06)
        if rng.random() < 0.12:
            segs = P.lowercase_all(segs)
        return P.join(segs)

    def answer(self, pr, name, args, tool):
        order = list(tool["parameters"].get("properties", {}).keys())
        return {"name": name, "arguments": {k: args[k] for k in order if k in args}}

    # -- rows ----------------------------------------------------------------------------------
    def row(self, kind):
        rng = self.rng
        style = rng.choice(_STYLES)
        n_tools = _wchoice(rng, _N_TOOLS_W)
        opt_rate = rng.choice((0.0, 0.25, 0.5, 0.8))
        qtype = _wchoice(rng, _QTYPES)
        if kind.startswith("parallel") and qtype == "terse":
            qtype = "imperative"
        if kind == "nocall_chat":
            q = rng.choice(self.no_call)
            r = rng.random()
            if r < 0.45:
                q = q[:1].upper() + q[1:]
            elif r < 0.55:
                q = q.lower()
            if rng.random() < 0.15:
                q = rng.choice(P._FILLER_PRE) + q
            if rng.random() < 0.15 and q[-1:] in "?!.":
                q = q[:-1]
            if rng.random() < 0.08:
                q = P.join(P.typo_noise(rng, [(q, False)], 0.08))
            tools = self.distractors([], n_tools, pool=self.nongeneral)
            r = self.render_tools(tools, style)
            if r is None:
                return None
            return {"query": q, "tools": r[0], "answers": []}
        gold = [self.pick_gold()]
        if kind == "parallel_multi":
            g2 = self.pick_gold()
            if g2.idx == gold[0].idx or g2.tool["name"] == gold[0].tool["name"]:
                return None
            gold.append(g2)
        calls = []
        for g in gold:
            c = self.sample_call(g, opt_rate)
            if c is None:
                return None
            calls.append((g, c))
        if kind == "parallel_same":
            g = gold[0]
            if not g.params:
                return None
            c2 = self.sample_call(g, opt_rate)
            if c2 is None or c2[0] == calls[0][1][0]:
                return None
            calls.append((g, c2))
        # query
        segs = self.clause(calls[0][0], calls[0][1][1], qtype)
        for g, c in calls[1:]:
            joiner = rng.choice((" and ", " and also ", ", then ", ". Also ", ", and then ", "; also ", " then ",
                                 ". After that, ", " as well as "))
            q2 = rng.choice(("imperative", "imperative", "plain", "indirect")) if joiner != " as well as " else "imperative"
            if joiner.startswith(". "):
                q2 = "imperative"
            s2 = self.clause(g, c[1], q2)
            if s2 and s2[0][0].startswith(("I ", "let's")) and not joiner.startswith("."):
                s2[0] = (s2[0][0], s2[0][1])
            segs = segs + [(joiner, False)] + s2
        query = self.make_query(segs, qtype)
        if len(query) > 400:
            return None
        for _, c in calls:
            for s in c[2]:
                if s not in query:
                    return None
        if kind == "nocall_nearmiss":
            tools = self.distractors(gold, max(1, n_tools - 1), avoid_nouns=True)
            if not tools:
                return None
            r = self.render_tools(tools, style)
            if r is None:
                return None
            return {"query": query, "tools": r[0], "answers": []}
        n_d = max(0, n_tools - len(set(g.idx for g in gold)))
        dis = self.distractors(list({g.idx: g for g in gold}.values()), n_d)
        allp = list({g.idx: g for g in gold}.values()) + dis
        rng.shuffle(allp)
        r = self.render_tools(allp, style)
        if r is None:
            return None
        tools, names = r
        by_idx = {p.idx: t for p, t in zip(allp, tools)}
        answers = [self.answer(g, names[g.idx], c[0], by_idx[g.idx]) for g, c in calls]
        return {"query": query, "tools": tools, "answers": answers}


def generate(tool_pool: list[dict], n_rows: int, seed: int, no_call_pool: list[str] | None = None) -> Iterator[dict]:
    """Yield ``n_rows`` synthetic rows, deterministic for a given pool, seed and no-call pool."""
    g = _Gen(tool_pool, seed, no_call_pool)
    rng = g.rng
    made = 0
    while made < n_rows:
        kind = _wchoice(rng, KINDS)
        row = None
        for _ in range(30):
            row = g.row(kind)
            if row is not None:
                break
        if row is None:
            continue
        row["source"] = "synth:" + kind
        row["id"] = f"synth:{made}"
        yield row
        made += 1
