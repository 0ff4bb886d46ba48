"""Listed repeated calls: "the factorial of 5, 10 and 15" -> three calls of one tool.

Synthesis writes a repeated call as two whole clauses ("play Imagine, then play Hey Jude"), so the
count head learned that a tool is called twice only when its request is said twice. People (and
BFCL's parallel category) list the values of one parameter instead and let the rest serve every
call: "the weather in Paris and Tokyo", "the factorial of 5,10 and 15", "songs by Adele and Sting
for 20 and 15 minutes respectively". This turns a single-call synthetic training row into that
shape: a parameter whose value the request writes once, verbatim, gets one or two more values
(other values the same tool's parameter takes in other synthetic rows), the request lists them in
place, and the answer repeats the call once per value. With a second such parameter, sometimes
both are listed and the request ends in "respectively".

Only training rows are read and written: the dev splits keep their own synthesis.
"""
from __future__ import annotations

import random
import re

LIST_OF_TWO = ("{0} and {1}", "{0} and {1}", "{0} and {1}", "both {0} and {1}", "{0} as well as {1}",
               "{0} and also {1}", "{0}, and {1}", "{0} & {1}", "{0} or {1}")
LIST_OF_THREE = ("{0}, {1} and {2}", "{0}, {1}, and {2}", "{0}, {1} and {2}", "{0}, {1}, {2}",
                 "{0},{1} and {2}", "{0}, {1} as well as {2}")


def listable(value) -> bool:
    """A value that can stand in a spoken list: a short string or a whole number, not a bool."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, str) and 0 < len(value) <= 40 and not re.search(r",| and | or |&", value)


def occurrences(query: str, text: str) -> list[int]:
    """Where `text` stands in the query as whole words (not inside a longer word or number)."""
    return [m.start() for m in re.finditer(rf"(?<![\w.\-/]){re.escape(text)}(?![\w\-/]|\.\d)", query)]


def values_by_parameter(rows: list[dict]) -> dict[tuple[str, str], list]:
    """(tool name, parameter) -> the listable values its single calls take, each written in its request."""
    pool: dict[tuple[str, str], list] = {}
    for r in rows:
        if len(r["answers"]) != 1:
            continue
        call = r["answers"][0]
        for key, value in call["arguments"].items():
            if listable(value) and occurrences(r["query"], str(value)):
                values = pool.setdefault((call["name"], key), [])
                if value not in values:
                    values.append(value)
    return pool


def listed_row(row: dict, pool: dict, rng: random.Random) -> dict | None:
    """The row with one (or two) of its call's values listed, or None where it does not fit."""
    if len(row["answers"]) != 1:
        return None
    call = row["answers"][0]
    query = row["query"]
    args = call["arguments"]
    texts = {k: str(v) for k, v in args.items() if not isinstance(v, (dict, list))}

    def fits(key):
        value = args[key]
        if not listable(value) or len(occurrences(query, texts[key])) != 1:
            return False
        # The written value must not share words with another argument's ("New York" and "York").
        return not any(k != key and (texts[key] in t or t in texts[key]) for k, t in texts.items())

    keys = [k for k in args if fits(k)]
    rng.shuffle(keys)
    chosen = []
    for key in keys:
        others = [v for v in pool.get((call["name"], key), [])
                  if v != args[key] and type(v) is type(args[key]) and not occurrences(query, str(v))]
        if others:
            chosen.append((key, others))
        if len(chosen) == (2 if rng.random() < 0.25 else 1):
            break
    if not chosen:
        return None
    n_calls = 3 if rng.random() < 0.3 else 2
    if any(len(others) < n_calls - 1 for _, others in chosen):
        n_calls = 2
    lists = {key: [args[key]] + rng.sample(others, n_calls - 1) for key, others in chosen}
    form = rng.choice(LIST_OF_THREE if n_calls == 3 else LIST_OF_TWO)
    # Replace from the end of the request so earlier positions stay right.
    for key in sorted(lists, key=lambda k: -occurrences(query, texts[k])[0]):
        at = occurrences(query, texts[key])[0]
        written = form.format(*map(str, lists[key]))
        query = query[:at] + written + query[at + len(texts[key]):]
    if len(lists) == 2:
        end = len(query.rstrip(".!?"))
        query = query[:end] + rng.choice((" respectively", ", respectively")) + query[end:]
    answers = [{"name": call["name"], "arguments": {k: (lists[k][i] if k in lists else v) for k, v in args.items()}}
               for i in range(n_calls)]
    return dict(row, query=query, answers=answers, source="synth:listed", id=f"{row['id']}:listed")


def listed_rows(rows: list[dict], share: float, seed: int) -> list[dict]:
    """New rows: a `share` of the single-call synthetic rows, each with its values listed."""
    rng = random.Random(seed)
    single = [r for r in rows if str(r.get("id", "")).startswith("synth:") and len(r["answers"]) == 1]
    pool = values_by_parameter(single)
    out = []
    for r in single:
        if rng.random() < share:
            made = listed_row(r, pool, rng)
            if made is not None:
                out.append(made)
    return out
