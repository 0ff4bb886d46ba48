"""Labels for the format 4 heads, derived from a row's gold calls (no hand labelling).

For one (request, tool) pair:
- count: how many calls of the tool the gold answer makes (0, 1, 2, 3 = 3 or more);
- per shown parameter, when the tool is called: a status (absent / span / enum / true / false)
  and, for spans, BIO tags over the request's pieces (every call's value, so repeated calls and
  arrays get several spans); a value found nowhere is UNKNOWN and its loss is masked.

A gold value is located in the request as whole words, case-insensitively, first at an
occurrence no other parameter took; numbers also as written with separators, as number words and,
for a parameter in seconds or minutes, as a duration ("15 minutes" for 900 seconds); an ISO date
also as people write it ("March 11, 2022", "11th March", "3/11/2022" for 2022-03-11): the surface
forms the runtime's value normaliser turns back into the value.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass

from pipeline.sequence import Pair, Param

ABSENT, SPAN, ENUM, TRUE, FALSE = range(5)
STATUS_NAMES = ("absent", "span", "enum", "true", "false")
UNKNOWN = -1                     # a value that could not be located: no loss on this parameter
O, B, I = 0, 1, 2                # span tags
MAX_COUNT = 3

_SMALL = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
          "sixteen seventeen eighteen nineteen twenty").split()
_TENS = {30: "thirty", 40: "forty", 50: "fifty", 60: "sixty", 70: "seventy", 80: "eighty", 90: "ninety"}


def number_words(n: int) -> list[str]:
    if 0 <= n <= 20:
        return [_SMALL[n]] + (["a dozen", "dozen"] if n == 12 else []) + (["a couple of", "a couple"] if n == 2 else [])
    if n in _TENS:
        return [_TENS[n]]
    if 20 < n < 100 and n // 10 * 10 in _TENS:
        return [f"{_TENS[n // 10 * 10]}-{_SMALL[n % 10]}", f"{_TENS[n // 10 * 10]} {_SMALL[n % 10]}"]
    if n == 100:
        return ["a hundred", "one hundred"]
    return []


def number_forms(value, param: Param) -> list[str]:
    """How a request may write a number (longest first where one contains another)."""
    forms = []
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        forms += [f"{value:,}", str(value)] if abs(value) >= 1000 else [str(value)]
        forms += number_words(value)
        text = f"{param.path} {param.schema.get('description') or ''}".lower()
        if re.search(r"\bseconds?\b|\bsecs?\b|_s\b|duration", text) and value >= 60 and value % 60 == 0:
            m = value // 60
            if m % 60 == 0:
                h = m // 60
                forms += [f"{h} hours", f"{h} hour", f"{h}h"] + [f"{w} hours" for w in number_words(h)] + \
                         ([f"an hour", "one hour"] if h == 1 else [])
            forms += [f"{m} minutes", f"{m} minute", f"{m} min", f"{m} mins"] + [f"{w} minutes" for w in number_words(m)]
        if re.search(r"\bminutes?\b|_min\b", text) and value % 60 == 0 and value >= 60:
            h = value // 60
            forms += [f"{h} hours", f"{h} hour"] + [f"{w} hours" for w in number_words(h)] + (["an hour"] if h == 1 else [])
    elif isinstance(value, float):
        forms += [repr(value), f"{value:,}", f"{value:.2f}"]
        if abs(value) < 1 and value > 0:
            forms += [f"{round(value * 100)}%", f"{round(value * 100)} percent", f"{round(value * 100)}"]
    return list(dict.fromkeys(forms))


_MONTHS = ("January February March April May June July August September October November December").split()


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


@functools.lru_cache(maxsize=4096)
def date_forms(value: str) -> tuple[str, ...]:
    """How a request may write the ISO date `value` (longest first where one contains another):
    month names whole or cut ("Sept", "Sep"), the day with or without its ordinal, day first or
    month first, with the year or without it, and slashes either way round."""
    try:
        d = dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return ()
    month = _MONTHS[d.month - 1]
    names = list(dict.fromkeys([month, month[:3], month[:4] if month == "September" else month[:3]]))
    days = [_ordinal(d.day), str(d.day)]
    forms = []
    for y in (f", {d.year}", f" {d.year}", ""):
        for m in names:
            for day in days:
                forms += [f"{m} {day}{y}", f"{m}. {day}{y}", f"{day} {m}{y}", f"{day} of {m}{y}", f"the {day} of {m}{y}"]
    # Slashes are read month first unless the first number is above 12 (the runtime's rule).
    forms += [f"{d.month}/{d.day}/{d.year}", f"{d.month:02d}/{d.day:02d}/{d.year}", f"{d.year}/{d.month:02d}/{d.day:02d}",
              f"{d.day}.{d.month}.{d.year}"]
    if d.day > 12:
        forms += [f"{d.day}/{d.month}/{d.year}", f"{d.day:02d}/{d.month:02d}/{d.year}"]
    # Longest first: "March 11, 2022" before "March 11".
    return tuple(sorted(dict.fromkeys(forms), key=len, reverse=True))


def _whole_word_at(text: str, a: int, b: int) -> bool:
    before = text[a - 1] if a > 0 else " "
    after = text[b] if b < len(text) else " "
    return not (before.isalnum() and text[a].isalnum()) and not (after.isalnum() and text[b - 1].isalnum())


# A date written without its year must not be followed by another year ("March 1, 2023" is
# not 2022-03-01's "March 1").
_YEAR_AFTER = re.compile(r",?\s*(?:\d{4}\b|'\d{2}\b|of \d{4}\b)")


def find_span(request: str, forms: list[str], taken: list[tuple[int, int]], yearless: frozenset = frozenset()) -> tuple[int, int] | None:
    """Character span of the first whole-word occurrence of any form, preferring one that does
    not overlap a span another parameter took; a form in `yearless` (a date without its year)
    is not taken where a year follows it."""
    low = request.lower()
    fallback = None
    for form in forms:
        f = form.strip().lower()
        if not f:
            continue
        start = low.find(f)
        while start >= 0:
            end = start + len(f)
            if form in yearless and _YEAR_AFTER.match(request, end):
                start = low.find(f, start + 1)
                continue
            if _whole_word_at(request, start, end):
                if not any(start < b and a < end for a, b in taken):
                    return start, end
                fallback = fallback or (start, end)
            start = low.find(f, start + 1)
    return fallback


def value_forms(value, param: Param) -> list[str]:
    if isinstance(value, bool):
        return []
    if isinstance(value, (int, float)):
        return number_forms(value, param)
    if isinstance(value, str):
        v = value.strip()
        forms = [v, *date_forms(v)]
        if param.kind in ("integer", "number"):
            try:
                forms += number_forms(float(v), param)
            except ValueError:
                pass
        return forms
    return []


def get_path(arguments: dict, path: str):
    node = arguments
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            return None, False
        node = node[key]
    return node, True


@dataclass
class PairLabels:
    count: int
    status: list[int]              # per shown parameter (UNKNOWN: masked)
    member: list[int]              # per shown parameter: enum member index, or -1
    tags: list[list[int]]          # per shown parameter: a tag per request piece ([] when masked)


def token_span(offsets, a: int, b: int) -> tuple[int, int] | None:
    """Request pieces [first, last] covered by characters [a, b)."""
    hit = [i for i, (s, e) in enumerate(offsets) if s < b and a < e]
    return (hit[0], hit[-1]) if hit else None


def label_pair(request: str, pair: Pair, calls: list[dict]) -> PairLabels:
    """Labels of one pair; `calls` are the gold calls of this pair's tool (possibly none)."""
    n = len(pair.params)
    count = min(len(calls), MAX_COUNT)
    if not calls:
        return PairLabels(0, [UNKNOWN] * n, [-1] * n, [[] for _ in range(n)])
    status, member, tags = [], [], []
    taken: list[tuple[int, int]] = []
    n_req = len(pair.request_offsets)
    for p in pair.params:
        values = []
        for call in calls:
            v, present = get_path(call.get("arguments") or {}, p.path)
            if present and v is not None:
                values.append(v)
        if not values:
            status.append(ABSENT); member.append(-1); tags.append([O] * n_req)
            continue
        flat = [x for v in values for x in (v if isinstance(v, list) else [v])]
        if p.members and all(any(x == m or (isinstance(x, str) and isinstance(m, str) and x.lower() == m.lower())
                                 for m in p.members) for x in flat) and len(set(map(str, flat))) == 1 \
                and not isinstance(values[0], list):
            idx = next(i for i, m in enumerate(p.members)
                       if flat[0] == m or (isinstance(m, str) and isinstance(flat[0], str) and flat[0].lower() == m.lower()))
            status.append(ENUM); member.append(idx); tags.append([O] * n_req)
            continue
        if all(isinstance(x, bool) for x in flat) and len(set(flat)) == 1 and not isinstance(values[0], list):
            status.append(TRUE if flat[0] else FALSE); member.append(-1); tags.append([O] * n_req)
            continue
        row_tags = [O] * n_req
        ok = bool(flat)
        for x in flat:
            if isinstance(x, (dict, list, bool)) or x is None:
                ok = False
                break
            forms = value_forms(x, p)
            # date_forms is cached: value_forms just made the same forms.
            yearless = frozenset(f for f in (date_forms(x) if isinstance(x, str) else ()) if not re.search(r"\d{4}", f))
            span = find_span(request, forms, taken, yearless)
            piece = token_span(pair.request_offsets, *span) if span else None
            if piece is None:
                ok = False
                break
            taken.append(span)
            first, last = piece
            if row_tags[first] != O and row_tags[first] != B:
                ok = False
                break
            row_tags[first] = B
            for t in range(first + 1, last + 1):
                row_tags[t] = I
        if ok:
            status.append(SPAN); member.append(-1); tags.append(row_tags)
        else:
            status.append(UNKNOWN); member.append(-1); tags.append([])
    return PairLabels(count, status, member, tags)


def value_kind(value) -> str:
    """A gold value's kind for the label study's coverage table."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    s = str(value)
    if re.fullmatch(r"(/|~/|\./)[^\s]*", s):
        return "path"
    if re.match(r"https?://", s):
        return "url"
    if re.fullmatch(r"[^@\s]+@[^@\s]+\.\w+", s):
        return "email"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}([T ][\d:.]+Z?)?", s):
        return "date/time"
    if re.fullmatch(r"[\w.-]*\d[\w.-]*", s) and re.search(r"[A-Za-z_]", s):
        return "id"
    if len(s.split()) >= 6:
        return "long text"
    return "text"
