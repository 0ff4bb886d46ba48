"""Query templates mined from natural rows (issue 14, item 2): a person's or an LLM's query with its
argument values and the words naming its tool cut out, refilled for another tool of the same
argument shape.

    "what's the weather like in Oslo tomorrow"   get_weather(city="Oslo", date="tomorrow")
 -> template  "what's the {tool} like in {city} {date}"
 -> "what's the air quality like in Lima on March 4"   get_air_quality(city="Lima", date="on March 4")

Mining (`mine`): a natural single-call row whose every argument is a string or a number that
occurs once in the query, with a run of words outside the values naming its tool (a content word
of the tool's name: "weather" for `get_weather`). Rows that spell a value differently from the
answer, or that never name their tool ("wake me up at 7" for `alarm_set`), give no template.

Filling (`Filler`): a pool tool whose action agrees with the template's (a `delete_*` tool never
fills a template mined from a `get_*` one), whose required parameters are all among the template's
slots and whose other slots are its optional parameters, each slot matched by `slot_key`: the
value category of a named-kind string (city, date, person, ...), or the last word of the
parameter's name for plain strings and numbers ("limit", "people"). The values are sampled for
the new tool's parameters as synthesis samples them; the words around them stay as written.

Templates come from the training rows only (the caller passes them), so no dev query's phrasing is
reused.
"""
from __future__ import annotations

import itertools
import json
import re

from . import patterns as P
from .sampling import sample_number, sample_string
from .tools import Prepared, make_param
from .values import words_of

# Name words that say what a tool does, not what it is about: they never make two tools one domain
# (pipeline.augment's hard distractors), and a template is filled only by a tool of the same action.
ACTION_GROUPS = {
    "read": {"get", "fetch", "retrieve", "find", "search", "lookup", "look", "show", "list", "check", "query", "read",
             "view", "display", "browse", "recommend", "calculate", "compute", "estimate", "analyze", "analyse"},
    "write": {"set", "update", "change", "modify", "edit", "adjust", "configure", "rename", "enable", "disable",
              "turn", "toggle", "mute", "unmute"},
    "create": {"create", "add", "new", "make", "book", "schedule", "reserve", "order", "buy", "post", "submit",
               "register", "generate", "start", "open", "play", "send", "share", "upload", "save"},
    "remove": {"delete", "remove", "cancel", "clear", "stop", "close", "end", "unsubscribe", "pause", "reset"},
}
ACTION_OF = {w: g for g, ws in ACTION_GROUPS.items() for w in ws}
STOP_WORDS = {"the", "a", "an", "of", "by", "for", "to", "in", "on", "and", "or", "with", "from", "info", "information",
              "data", "details", "detail", "api", "v1", "v2", "v3", "all", "my", "user", "id", "tool", "service"}
MAX_SLOTS = 4
NAMED_CATS_EXCLUDED = {"generic", "free_text", "message", "query", "id"}   # too broad to say what a slot is


def action(name: str) -> str:
    """What a tool does, by the first action word of its name; a name with none reads."""
    return next((ACTION_OF[w] for w in words_of(name) if w in ACTION_OF), "read")


def content_words(name: str) -> set[str]:
    """The words of a tool's name that say what it is about (`get_weather_forecast` -> weather, forecast)."""
    return {w for w in words_of(name) if w not in ACTION_OF and w not in STOP_WORDS and len(w) > 2}


def slot_key(p) -> str | None:
    """What a slot must match: a string's value category, else its kind and its name's last word."""
    if p.kind == "string" and p.iso is None and p.cat not in NAMED_CATS_EXCLUDED:
        return "cat:" + p.cat
    if p.kind in ("string", "integer", "number") and p.iso is None and p.words:
        last = p.words[-1]
        last = last[:-1] if last.endswith("s") and len(last) > 3 and not last.endswith("ss") else last
        return ("num:" if p.kind != "string" else "str:") + last
    return None


def locate(text: str, value_str: str):
    """Spans of value_str in text, case-insensitive, not inside a longer word or number."""
    if len(value_str) < 2 and not value_str.isdigit():
        return []
    pattern = r"(?<![\w.])" + re.escape(value_str) + r"(?![\w]|\.\d)"
    return [m.span() for m in re.finditer(pattern, text, flags=re.IGNORECASE)]


def mine(rows: list[dict]) -> tuple[list[dict], dict]:
    """Templates from natural single-call rows (module docstring), de-duplicated, and a count of
    why rows gave none. A template is {pieces, slots, action, source}: pieces are ("text", str),
    ("slot", i) or ("tool", None); slots[i] is a slot_key."""
    out, seen, why = [], set(), {}
    for row in rows:
        template, reason = delexicalise(row)
        if template is not None:
            sig = json.dumps([template["pieces"], template["slots"]]).lower()
            template, reason = (None, "duplicate template") if sig in seen else (template, None)
            seen.add(sig)
        if template is None:
            why[reason] = why.get(reason, 0) + 1
        else:
            out.append(template)
    return out, why


def delexicalise(row: dict) -> tuple[dict | None, str | None]:
    """(the row's template, None), or (None, why it has none)."""
    if len(row["answers"]) != 1:
        return None, "not one call"
    call = row["answers"][0]
    tool = next((t for t in row["tools"] if t["name"] == call["name"]), None)
    args = call["arguments"]
    props = ((tool or {}).get("parameters") or {}).get("properties") or {}
    if tool is None or not args or len(args) > MAX_SLOTS:
        return None, "no arguments or too many"
    query = row["query"]
    spans, keys = [], []          # spans: (start, end, slot index)
    for name, value in args.items():
        if isinstance(value, bool) or not isinstance(value, (str, int, float)) or name not in props:
            return None, "a value not a plain string or number"
        p = make_param(name, props[name], True)
        key = slot_key(p) if p is not None and p.enum is None else None
        found = locate(query, value if isinstance(value, str) else json.dumps(value))
        if key is None or len(found) != 1 or any(a < e and s < b for a, b in found for s, e, _ in spans):
            return None, "a value not located once, or of no slot kind"
        spans.append((*found[0], len(keys)))
        keys.append(key)
    run = _tool_run(query, content_words(call["name"]), spans)
    if run is None:
        return None, "tool not named in the query"
    pieces, last = [], 0
    for a, b, i in sorted(spans + [(run[0], run[1], -1)]):
        if a > last:
            pieces.append(("text", query[last:a]))
        pieces.append(("slot", i) if i >= 0 else ("tool", None))
        last = b
    if last < len(query):
        pieces.append(("text", query[last:]))
    return {"pieces": pieces, "slots": keys, "action": action(call["name"]),
            "source": row.get("source", "").split(":")[-1]}, None


def _tool_run(query: str, words: set[str], spans) -> tuple[int, int] | None:
    """The first run of adjacent query words that are content words of the tool's name (a plural
    counts), outside every value span."""
    if not words:
        return None
    run = None
    for m in re.finditer(r"[A-Za-z]+", query):
        w = m.group().lower()
        hit = (w in words or (w.endswith("s") and w[:-1] in words)) and \
            not any(a < m.end() and m.start() < b for a, b, _ in spans)
        if hit and run and query[run[1]:m.start()].strip() == "":
            run = (run[0], m.end())
        elif hit and run is None:
            run = (m.start(), m.end())
        elif run is not None:
            break
    return run


class Filler:
    """Fills templates with pool tools (module docstring), for one generator. A mined row draws its
    tool first, uniformly over the pool tools that fill some template, then one of that tool's
    templates: drawing the template first puts most rows on the few tools that the big intent
    sets' templates fit (SNIPS's playlist and book slots fit a handful of tools)."""

    def __init__(self, templates: list[dict], preps: list[Prepared]):
        self.templates = templates
        # (action, required slot keys) -> [(tool, its parameters with a slot key)]
        by_required: dict[tuple, list[tuple[Prepared, list]]] = {}
        self.nouns: dict[int, str] = {}     # tool index -> tool_noun, worked out once
        for pr in preps:
            params = [(p, slot_key(p)) for p in pr.params]
            required = [k for p, k in params if p.required]
            noun = tool_noun(pr)
            if None in required or not noun:
                continue
            self.nouns[pr.idx] = noun
            by_required.setdefault((action(pr.tool["name"]), tuple(sorted(required))), []).append(
                (pr, [(p, k) for p, k in params if k is not None]))
        self.fits: dict[int, list[tuple[int, dict]]] = {}      # tool index -> [(template index, slot -> parameter)]
        self.tools: dict[int, Prepared] = {}
        for t_idx, t in enumerate(templates):
            for pr, mapping in _fitting_tools(t, by_required):
                self.fits.setdefault(pr.idx, []).append((t_idx, mapping))
                self.tools[pr.idx] = pr
        self.order = sorted(self.fits)

    def fill(self, rng):
        """-> (tool, arguments, query, grounding strings), or None (no tool fits any template, or a
        value could not be sampled)."""
        if not self.order:
            return None
        pr = self.tools[rng.choice(self.order)]
        t_idx, mapping = rng.choice(self.fits[pr.idx])
        args, texts, ground = {}, {}, []
        for i, p in mapping.items():
            if p.kind == "string":
                r = sample_string(rng, p)
                if r is None:
                    return None
                args[p.name], texts[i] = r[0], r[1]
                ground.append(r[0])
            else:
                r = sample_number(rng, p)
                if r is None:
                    return None
                v, (text, units) = r
                args[p.name], texts[i] = v, (json.dumps(v) if units else text)
        out = []
        for kind, x in self.templates[t_idx]["pieces"]:
            word = texts[x] if kind == "slot" else self.nouns[pr.idx] if kind == "tool" else x
            if kind != "text" and out:
                out[-1] = _agree_article(out[-1], word)
            out.append(word)
        return pr, args, "".join(out), ground


def _fitting_tools(t: dict, by_required: dict) -> list[tuple[Prepared, dict]]:
    """(tool, {slot index: parameter}) for every tool of the same action whose required parameters
    are among the template's slots and whose optional ones cover the rest. by_required: Filler's
    tools by (action, required slot keys)."""
    slots = t["slots"]
    out = []
    subsets = {tuple(sorted(c)) for r in range(len(slots) + 1) for c in itertools.combinations(slots, r)}
    for req in sorted(subsets):
        for pr, params in by_required.get((t["action"], req), ()):
            mapping = {}
            # Required parameters first, so an optional one never takes a required one's slot.
            for p, k in sorted(params, key=lambda pk: not pk[0].required):
                i = next((i for i, key in enumerate(slots) if key == k and i not in mapping), None)
                if i is not None:
                    mapping[i] = p
            if len(mapping) == len(slots):
                out.append((pr, mapping))
    return out


LEADING_PREPOSITIONS = {"to", "from", "for", "of", "on", "in", "by", "with", "into", "at"}


def tool_noun(pr: Prepared) -> str:
    """What the query calls the tool: its name's words after the verb, without a leading
    preposition (`add_to_playlist` -> "playlist")."""
    words = pr.phr.noun.split()
    while words and words[0].lower() in LEADING_PREPOSITIONS:
        words = words[1:]
    return " ".join(words)


def _agree_article(before: str, word: str) -> str:
    """The text before a filled slot, its trailing a/an agreeing with the word, or dropped when
    the word brings its own article ("add an {item}" with "a laptop stand")."""
    m = re.search(r"\b(a|an)(\s+)$", before, flags=re.I)
    if m is None:
        return before
    if re.match(r"(a|an|the)\s", word, flags=re.I):
        return before[:m.start()]
    article = P._an(word)
    return before[:m.start()] + (article.capitalize() if m.group(1)[0].isupper() else article) + m.group(2)
