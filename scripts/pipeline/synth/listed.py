"""Listed repeated calls: "the factorial of 5, 10 and 15" -> three calls of one tool.

Synthesis writes a repeated call as two whole clauses ("play Imagine, then play Hey Jude"), so the
count head learned that a tool is called twice only when its request is said twice. People (and
BFCL's parallel category) list the values of one parameter instead and let the rest serve every
call: "the weather in Paris and Tokyo", "the factorial of 5,10 and 15", "songs by Adele and Sting
for 20 and 15 minutes respectively", "3000 sq ft in New York and 4000 sq ft in Boston". This turns a single-call synthetic training row into that
shape: a parameter whose value the request writes once, verbatim, gets one or two more values
(other values the same tool's parameter takes in other synthetic rows), the request lists them in
place, and the answer repeats the call once per value. With a second such parameter, a third
of the rows list both: as two lists ending in "respectively", or, where the two values stand a
few words apart, as the words from one to the other said once per call ("3000 sq ft in New York
and 4000 sq ft in Boston": interleaved). A third of the rows that list one parameter say the
request whole once and the other values after it ("..., then repeat with depth of 10", "Do the
same for Tokyo."). Not listed: free text (a message, a body),
quoted values (a quoted "Imagine and Hey Jude" reads as one title), a value written twice or
inside a date, path or decimal; no "or" (one choice, not two calls).

Only training rows are read and written: the dev splits keep their own synthesis.
"""
from __future__ import annotations

import random
import re

LIST_OF_TWO = ("{0} and {1}", "{0} and {1}", "{0} and {1}", "both {0} and {1}", "{0} as well as {1}",
               "{0} and also {1}", "{0}, and {1}", "{0} & {1}")
LIST_OF_THREE = ("{0}, {1} and {2}", "{0}, {1}, and {2}", "{0}, {1} and {2}", "{0}, {1}, {2}",
                 "{0},{1} and {2}", "{0}, {1} as well as {2}")
# Parameters whose value is free text: two messages in one request read as one message.
FREE_TEXT = {"message", "text", "body", "content", "subject", "note", "notes", "comment", "description", "prompt"}
QUOTES = "\"'\u201c\u201d\u2018\u2019`"
# Interleaved lists: the words from one value to the other, once per call.
INTERLEAVED_OF_TWO = ("{0} and {1}", "{0} and {1}", "{0}, and {1}", "{0} as well as {1}", "{0}, and also {1}")
INTERLEAVED_OF_THREE = ("{0}, {1} and {2}", "{0}, {1}, and {2}")
# At most this many words between the two values of an interleaved list, none of them a break.
INTERLEAVE_GAP_WORDS = 4
# Said again after the request ("..., then repeat with a change in time of 10 seconds", "Do the
# same for Tokyo."): a third of the rows that list one parameter. BFCL's count head failures read
# like this (the request said whole once, the other values after it), and synthesis never says it.
SAID_AGAIN_SHARE = 0.3
SAID_AGAIN_CLAUSE = (", then do the same for {}", ", then repeat with {}", ", and again for {}", ", and the same for {}",
                     ", then again with {} instead", ", and then for {}", " and repeat it for {}")
SAID_AGAIN_SENTENCE = ("Do the same for {}.", "Then repeat with {}.", "Also for {}.", "Now do it again for {}.",
                       "Same for {}.", "What about {}?", "And then for {}.", "Repeat that with {}.")
# A value's lead words are said again with it ("depth of 5" -> "then repeat with depth of 10").
LEAD_WORDS = {"of", "for", "to", "in", "at", "with", "on", "from", "by", "as"}


def listable(key: str, value) -> bool:
    """A value that can stand in a spoken list: a whole number or a short string (not free text)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return (isinstance(value, str) and 0 < len(value) <= 40 and len(value.split()) <= 3 and key.lower() not in FREE_TEXT
            and not re.search(r",| and | or |&|[\"'`]", value))


def occurrences(query: str, text: str) -> list[int]:
    """Where `text` stands in the query, case-insensitively, between non-alphanumerics: the way
    pipeline.labels finds a value (a superset of `standalone`)."""
    return [m.start() for m in re.finditer(rf"(?<![A-Za-z0-9]){re.escape(text)}(?![A-Za-z0-9])", query, re.I)]


def standalone(query: str, at: int, text: str) -> bool:
    """The occurrence at `at` is a value of its own: not part of a date, path, decimal or
    hyphenated word, and not quoted ("Imagine and Hey Jude" in quotes reads as one title)."""
    before, after = query[at - 1:at] if at else "", query[at + len(text):at + len(text) + 1]
    if before and (re.match(r"[\w.\-/]", before) or before in QUOTES):
        return False
    if after and (re.match(r"[\w\-/]", after) or after in QUOTES):
        return False
    return not re.match(r"\.\d", query[at + len(text):at + len(text) + 2])


def values_by_parameter(rows: list[dict]) -> dict[tuple[str, str], list]:
    """(tool name, parameter) -> the listable values its single calls take, each written in its request."""
    pool: dict[tuple[str, str], list] = {}
    for r in rows:
        if len(r["answers"]) != 1:
            continue
        call = r["answers"][0]
        for key, value in call["arguments"].items():
            if listable(key, value) and occurrences(r["query"], str(value)):
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
        if not listable(key, value):
            return False
        at = occurrences(query, texts[key])
        if len(at) != 1 or not standalone(query, at[0], texts[key]):
            return False
        # The written value must not share words with another argument's ("New York" and "York").
        return not any(k != key and (texts[key].lower() in t.lower() or t.lower() in texts[key].lower())
                       for k, t in texts.items())

    keys = [k for k in args if fits(k)]
    rng.shuffle(keys)
    want = 2 if rng.random() < 0.35 else 1       # parameters listed: two as "respectively" or interleaved
    chosen = []
    for key in keys:
        others = [v for v in pool.get((call["name"], key), [])
                  if v != args[key] and type(v) is type(args[key]) and not occurrences(query, str(v))
                  and not any(str(v).lower() in t.lower() or t.lower() in str(v).lower() for t in texts.values())]
        if others:
            chosen.append((key, others))
        if len(chosen) == want:
            break
    if not chosen:
        return None
    n_calls = 3 if rng.random() < 0.3 else 2
    if any(len(others) < n_calls - 1 for _, others in chosen):
        n_calls = 2
    lists = {key: [args[key]] + rng.sample(others, n_calls - 1) for key, others in chosen}
    forms = LIST_OF_THREE if n_calls == 3 else LIST_OF_TWO
    if any(isinstance(v, int) for values in lists.values() for v in values):
        forms = [f for f in forms if "},{" not in f]     # "5,100 and 15" reads as 5100
    form = rng.choice(forms)
    segment = interleavable(query, [(k, texts[k]) for k in lists])
    again = None
    if len(lists) == 1 and rng.random() < SAID_AGAIN_SHARE:
        (key, values), = lists.items()
        again = said_again(query, key, texts[key], [str(v) for v in values[1:]], args, rng)
    if again is not None:
        query = again
    elif segment is not None and rng.random() < 0.5:
        # "3000 sq ft in New York" -> "3000 sq ft in New York and 4000 sq ft in Boston".
        (first, second), (start, middle, end) = segment
        said = [f"{lists[first][i]}{middle}{lists[second][i]}" for i in range(n_calls)]
        joined = rng.choice(INTERLEAVED_OF_THREE if n_calls == 3 else INTERLEAVED_OF_TWO).format(*said)
        query = query[:start] + joined + query[end:]
    else:
        # Replace from the end of the request so earlier positions stay right.
        for key in sorted(lists, key=lambda k: -occurrences(query, texts[k])[0]):
            at = occurrences(query, texts[key])[0]
            written = form.format(*map(str, lists[key]))
            query = query[:at] + written + query[at + len(texts[key]):]
        if len(lists) == 2:
            end = len(query.rstrip(".!?"))
            query = query[:end] + rng.choice((" respectively", ", respectively")) + query[end:]
    # Every listed value, and every other value, is written once, where the labels will find it.
    for key, text in texts.items():
        if key in lists:
            if any(len(occurrences(query, str(v))) != 1 for v in lists[key]):
                return None
        elif len(occurrences(query, text)) != len(occurrences(row["query"], text)):
            return None
    answers = [{"name": call["name"], "arguments": {k: (lists[k][i] if k in lists else v) for k, v in args.items()}}
               for i in range(n_calls)]
    return dict(row, query=query, answers=answers, source="synth:listed", id=f"{row['id']}:listed")


def said_again(query: str, key: str, text: str, more: list[str], args: dict, rng: random.Random) -> str | None:
    """The request, then the call asked again for the `more` values of parameter `key`, written
    `text` ("Find the area with base 6 and height 10, then repeat with height 12"). The words
    that say which parameter goes with the value: its own name when the request writes it just
    before the value ("height 10"), else a word and a preposition ("depth of 5"). None where
    neither is written and another argument takes the same type of value (a bare "then repeat
    with 12" could be either)."""
    words = query[:occurrences(query, text)[0]].split()
    said = more[0] if len(more) == 1 else rng.choice(("{0} and {1}", "{0} and also {1}", "{0}, and {1}")).format(*more)
    name = key.replace("_", " ").lower().split()
    before = [w.lower().strip(",:=") for w in words[-4:]]
    lead = None
    if name and name[-1] in before:
        lead = " ".join(words[len(words) - len(before) + before.index(name[-1]):])
    elif (len(words) >= 2 and words[-1].lower() in LEAD_WORDS and words[-2].isalpha()
          and words[-2].lower() not in {"the", "a", "an", "and", "then", "it", "me"}):
        lead = f"{words[-2]} {words[-1]}"
    same_type = any(k != key and type(v) is type(args[key]) for k, v in args.items())
    if lead is None and same_type:
        return None
    if lead is not None and (same_type or rng.random() < 0.5):
        said = f"{lead.rstrip(',')} {said}"
    body = query.rstrip()
    if body.endswith("?") or rng.random() < 0.5:
        end = body if body.endswith("?") else body.rstrip(".!") + "."
        return f"{end} {rng.choice(SAID_AGAIN_SENTENCE).format(said)}"
    return body.rstrip(".!") + rng.choice(SAID_AGAIN_CLAUSE).format(said) + "."


def interleavable(query: str, listed: list[tuple[str, str]]):
    """For two listed parameters whose written values stand a few words apart with no break
    between ("3000 sq ft in New York"): ((first key, second key), (start, the words between,
    end)), else None."""
    if len(listed) != 2:
        return None
    (k1, t1), (k2, t2) = sorted(listed, key=lambda kt: occurrences(query, kt[1])[0])
    a, b = occurrences(query, t1)[0], occurrences(query, t2)[0]
    middle = query[a + len(t1):b]
    if b < a + len(t1) or not 1 <= len(middle.split()) <= INTERLEAVE_GAP_WORDS or re.search(r"[,.;:!?()\"]| and | or ", middle):
        return None
    return (k1, k2), (a, middle, b + len(t2))


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
