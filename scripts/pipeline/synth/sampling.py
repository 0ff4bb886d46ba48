"""Synthesis values: a value for a parameter and the text that says it in the query (numbers,
units, dates and times, strings, enums, lists), the strings an answer must find in the query,
and tool-name styles."""

from __future__ import annotations

import re

from . import patterns as P
from . import values as V
from .tools import Param

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

def grounding_strings(p: Param, v, out: list):
    if p.kind == "string" and not p.iso:
        out.append(v)
    elif p.kind == "array" and p.item.kind == "string" and not p.item.iso:
        out.extend(v)
    elif p.kind == "object":
        for sp in p.props:
            if sp.name in v:
                grounding_strings(sp, v[sp.name], out)


# ----------------------------------------------------------------------------------------------
# name styles

NAME_STYLES = ["orig"] * 9 + ["snake"] * 3 + ["camel"] * 3 + ["pascal"] * 2 + ["dotted"] * 2 + ["kebab"]


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
