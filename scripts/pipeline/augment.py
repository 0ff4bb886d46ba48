"""Training data v2 (issue 14): more rows that keep the phrasing of people and LLMs, made by rules
from the natural training rows (no LLM teacher can run here).

- relexicalise: a natural row with its argument values swapped for other values of the same
  parameter. Each value is located in the query (as written, case-insensitive, on word
  boundaries) and replaced there and in the answer alike, so the words around it stay a
  person's. A value that cannot be located stays as it is; a row with no located value makes
  no variant. Small whole numbers are sometimes written as words in the query ("ten" -> 10), so
  the model learns the normalisation a checker expects.
- hard distractors: the other tools of a variant are redrawn, half of them from the gold tool's
  domain (a tool sharing a content word of its name: `get_weather` next to
  `get_weather_forecast`), so choosing needs the description and the arguments, not the domain.
- joined: two natural single-call requests joined into one ("... and ..."), both calls the
  answer: parallel and multi-tool rows with natural phrasing.
- no-call with other tools: each natural no-call row (chit-chat, out-of-scope requests,
  requests no offered tool can do) again with tools drawn from the pool, none of whose name words
  the query uses, so refusing is learned over real tool lists and not only the row's own.
- renamed gold tool: a variant's gold tool gets other words for its name and its parameters'
  names (`playlist` -> `collection`, `city` -> `town`) and another naming style, the answer
  renamed alike. The intent sets are a few dozen tools with fixed slot names, which a model
  can memorise instead of reading the schema; renamed, the same phrasing teaches binding a span
  to a parameter by its name's meaning, as synthesis over thousands of tools does.

Everything is drawn from the training rows and the training tool pool only (the caller passes
them), so no dev tool, query or value reaches training through here. Deterministic under a seed.
"""
from __future__ import annotations

import copy
import json
import random
import re
from collections import defaultdict

from pipeline.synth.mined import content_words, locate
from pipeline.synth.sampling import NAME_STYLES, restyle
from pipeline.synth.values import words_of

# Corpora whose queries were written by people (intent sets) or by LLMs (pipeline.build_data).
INTENT_SOURCES = ("snips", "hwu64", "clinc150")
LLM_SOURCES = ("seal_tools", "acebench", "apibank", "toolalpaca", "hammerbench", "droidcall", "toolrl", "toolace",
               "glaive")
NATURAL_SOURCES = LLM_SOURCES + INTENT_SOURCES

# Variants per natural row (LLM-written rows are few and varied; the intent sets are big and narrow).
VARIANTS = {**{s: 4 for s in LLM_SOURCES}, **{s: 1 for s in INTENT_SOURCES}}
NO_CALL_VARIANTS = 2       # variants of each natural no-call row, with other tools
RENAME_WORD_P = 0.5        # chance that a name word with synonyms is swapped in a renamed tool
JOINED_SHARE = 0.12        # joined rows, as a share of the natural rows and their variants
HARD_DISTRACTOR_P = 0.5    # chance that a redrawn distractor comes from the gold tool's domain

NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                "twelve"]
CONNECTORS = (" and ", ", and also ", ". Also, ", ", then ", " and then ", "; ")

# Other words a schema writer might use in a tool or parameter name: the frequent words of the
# natural rows' parameter names (SNIPS and HWU64 slots among them) and of common tool names.
NAME_SYNONYMS = {
    "type": ["kind", "category"], "item": ["object", "entry", "thing"], "rating": ["score", "stars"],
    "title": ["name", "heading"], "playlist": ["collection", "mix", "list"], "name": ["title", "label"],
    "artist": ["performer", "musician", "singer"], "time": ["when", "moment", "datetime"],
    "restaurant": ["eatery", "venue", "diner"], "movie": ["film", "picture"], "party": ["group", "guests"],
    "size": ["count", "number"], "date": ["day", "when"], "best": ["top", "highest"],
    "place": ["location", "spot", "venue"], "location": ["place", "where", "area"], "distance": ["range", "radius"],
    "service": ["provider", "platform", "app"], "country": ["nation"], "city": ["town", "municipality"],
    "cinema": ["theater", "theatre"], "business": ["company", "shop", "store"], "sort": ["order", "ranking"],
    "description": ["details", "summary"], "state": ["province", "region"], "device": ["appliance", "gadget"],
    "media": ["content"], "person": ["contact", "who"], "event": ["occasion", "activity"], "series": ["show"],
    "room": ["area", "space"], "number": ["count", "num"], "food": ["meal", "dish"], "genre": ["style", "category"],
    "dish": ["meal", "course"], "track": ["song", "tune"], "song": ["track", "tune"], "end": ["finish", "until"],
    "message": ["text", "body", "content"], "cuisine": ["food"], "transport": ["vehicle", "travel"],
    "language": ["lang", "locale"], "album": ["record"], "topic": ["subject", "theme"], "period": ["duration", "span"],
    "color": ["colour", "hue"], "condition": ["status"], "text": ["content", "message"], "product": ["article", "goods"],
    "query": ["search", "keywords", "terms"], "day": ["date"], "phone": ["telephone", "mobile"], "begin": ["start"],
    "start": ["begin", "from"], "amount": ["sum", "quantity"], "length": ["duration"], "destination": ["target", "to"],
    "level": ["grade", "degree"], "user": ["account", "member"], "email": ["mail"], "author": ["writer", "creator"],
    "book": ["novel", "title"], "weather": ["forecast", "conditions"], "music": ["audio", "tunes"],
    "play": ["start", "stream"], "get": ["fetch", "retrieve", "find"], "search": ["find", "look_up", "query"],
    "add": ["append", "insert", "put"], "set": ["configure", "change"], "create": ["make", "new"],
    "remove": ["delete", "drop"], "delete": ["remove", "erase"], "send": ["deliver", "post"], "check": ["verify"],
    "calendar": ["schedule", "agenda"], "alarm": ["wakeup", "reminder"], "reminder": ["alert", "note"],
    "list": ["collection"], "address": ["location"], "duration": ["length", "period"], "quantity": ["amount", "count"],
}


def base_source(row: dict) -> str:
    """The corpus a row's phrasing comes from (`relex:snips` -> `snips`)."""
    return row.get("source", "").split(":")[-1]


def is_natural(row: dict) -> bool:
    return base_source(row) in NATURAL_SOURCES


# -- values ---------------------------------------------------------------------------------------
def leaf_values(args, path=()):
    """(path, value) of every string and number in an arguments object (booleans are not values
    a query spells; lists and nested objects are walked)."""
    if isinstance(args, dict):
        for k, v in args.items():
            yield from leaf_values(v, path + (k,))
    elif isinstance(args, list):
        for i, v in enumerate(args):
            yield from leaf_values(v, path + (i,))
    elif isinstance(args, (str, int, float)) and not isinstance(args, bool):
        yield path, args


def param_name(path) -> str:
    """The parameter a leaf belongs to: its last key (list indices skipped), lowercased."""
    return next((str(p).lower() for p in reversed(path) if isinstance(p, str)), "")


def value_text(v) -> str:
    return v if isinstance(v, str) else json.dumps(v)


class ValuePools:
    """Values seen for each parameter in the training rows: by (tool, parameter), then by
    parameter name across tools."""

    def __init__(self, rows):
        self.by_tool = defaultdict(set)
        self.by_name = defaultdict(set)
        for row in rows:
            for call in row["answers"]:
                for path, v in leaf_values(call["arguments"]):
                    if isinstance(v, str) and not (1 < len(v) <= 60) or isinstance(v, str) and "\n" in v:
                        continue
                    key = (type(v).__name__, param_name(path))
                    self.by_tool[(call["name"],) + key].add(v)
                    self.by_name[key].add(v)
        self.by_tool = {k: sorted(v, key=str) for k, v in self.by_tool.items()}
        self.by_name = {k: sorted(v, key=str) for k, v in self.by_name.items()}

    def other(self, tool: str, path, v, schema: dict | None, rng: random.Random):
        """Another value for this parameter, or None. Enums give another member; numbers are
        drawn near the original when the pools have none."""
        if schema and isinstance(schema.get("enum"), list):
            options = [e for e in schema["enum"] if type(e) is type(v) and e != v]
            return rng.choice(options) if options else None
        key = (type(v).__name__, param_name(path))
        for pool in (self.by_tool.get((tool,) + key, ()), self.by_name.get(key, ())):
            options = [o for o in pool if o != v and str(o).lower() != str(v).lower()]
            if len(options) >= 2 or (options and pool is not self.by_name.get(key)):
                return rng.choice(options)
        if isinstance(v, int):
            lo, hi = max(0, v // 2), max(v * 2, 10)
            options = [n for n in (rng.randint(lo, hi) for _ in range(5)) if n != v]
            return options[0] if options else None
        if isinstance(v, float):
            decimals = len(repr(v).split(".")[1]) if "." in repr(v) else 1
            n = round(rng.uniform(v / 2, v * 2 + 1), decimals)
            return n if n != v else None
        return None


def schema_at(tool: dict, path) -> dict | None:
    """The schema of the leaf at path in a tool's parameters (None when the path leaves the schema)."""
    s = tool.get("parameters") or {}
    for p in path:
        if not isinstance(s, dict):
            return None
        s = (s.get("properties") or {}).get(p) if isinstance(p, str) else s.get("items")
    return s if isinstance(s, dict) else None


def set_at(obj, path, value):
    for p in path[:-1]:
        obj = obj[p]
    obj[path[-1]] = value


def relexicalise(row: dict, pools: ValuePools, rng: random.Random) -> dict | None:
    """A variant of row with its located argument values replaced (module docstring), or None
    when no value could be located and replaced."""
    tools = {t["name"]: t for t in row["tools"]}
    query = row["query"]
    answers = copy.deepcopy(row["answers"])
    # Each distinct value text is replaced once, everywhere it occurs (query and every argument).
    leaves = [(i, path, v) for i, call in enumerate(answers) for path, v in leaf_values(call["arguments"])]
    spans, replacement = [], {}
    for i, path, v in leaves:
        text = value_text(v)
        if text.lower() in replacement:
            continue
        found = locate(query, text)
        if not found or any(a < e and s < b for a, b in found for s, e, _ in spans):
            continue
        new = pools.other(answers[i]["name"], path, v, schema_at(tools.get(answers[i]["name"], {}), path), rng)
        if new is None or isinstance(new, str) and type(v) is not str:
            continue
        replacement[text.lower()] = new
        spans += [(a, b, new) for a, b in found]
    if not replacement:
        return None
    # Every leaf whose text is replaced takes the new value; leaves of the same text keep agreeing.
    for i, path, v in leaves:
        new = replacement.get(value_text(v).lower())
        if new is not None and type(new) is not type(v):
            if not isinstance(v, str):
                return None       # a number spelled like a string value: no number to put there
            new = value_text(new)
        if new is not None:
            set_at(answers[i]["arguments"], path, new)
    out, last = [], 0
    for a, b, new in sorted(spans):
        spelled = value_text(new)
        if isinstance(new, int) and not isinstance(new, bool) and 0 <= new < len(NUMBER_WORDS) and rng.random() < 0.25:
            spelled = NUMBER_WORDS[new]
        out += [query[last:a], spelled]
        last = b
    new_query = "".join(out + [query[last:]])
    # Consistency: every value the old query spelled is spelled by the new one.
    for i, path, v in leaves:
        text = value_text(v)
        if text.lower() not in replacement and locate(query, text) and not locate(new_query, text):
            return None
    return {**row, "query": new_query, "answers": answers}


# -- tools ----------------------------------------------------------------------------------------
class ToolIndex:
    """The training tool pool by content word of the name, for same-domain draws."""

    def __init__(self, pool: list[dict]):
        self.pool = pool
        self.by_word = defaultdict(list)
        for t in pool:
            for w in content_words(t["name"]):
                self.by_word[w].append(t)

    def same_domain(self, name: str) -> list[dict]:
        seen, out = {name.lower()}, []
        for w in sorted(content_words(name)):
            for t in self.by_word.get(w, ()):
                if t["name"].lower() not in seen:
                    seen.add(t["name"].lower())
                    out.append(t)
        return out


def redraw_tools(row: dict, index: ToolIndex, rng: random.Random) -> list[dict]:
    """The row's gold tools plus as many other tools as it had (1-6 when it had none), half of
    them from the gold tools' domain where there are such, in random order."""
    gold = {c["name"] for c in row["answers"]}
    tools = [t for t in row["tools"] if t["name"] in gold]
    n = len(row["tools"]) - len(tools) or rng.randint(1, 6)
    names = {t["name"].lower() for t in tools}
    near = [t for g in sorted(gold) for t in index.same_domain(g)]
    for _ in range(n):
        source = near if near and rng.random() < HARD_DISTRACTOR_P else index.pool
        t = rng.choice(source)
        if t["name"].lower() not in names:
            names.add(t["name"].lower())
            tools.append(t)
    rng.shuffle(tools)
    return tools


def unrelated_tools(query: str, index: ToolIndex, rng: random.Random) -> list[dict]:
    """1-6 pool tools none of whose name's content words occurs in the query."""
    words = set(words_of(query))
    tools, names = [], set()
    for _ in range(rng.randint(1, 6)):
        t = rng.choice(index.pool)
        if t["name"].lower() not in names and not content_words(t["name"]) & words:
            names.add(t["name"].lower())
            tools.append(t)
    return tools


def join(a: dict, b: dict, rng: random.Random) -> dict | None:
    """Two single-call requests as one: both calls, the union of their tools."""
    if len(a["answers"]) != 1 or len(b["answers"]) != 1 or a["answers"][0]["name"] == b["answers"][0]["name"]:
        return None
    qa, qb = a["query"].strip().rstrip(".!?"), b["query"].strip()
    if len(qa) + len(qb) > 240 or not qa or not qb:
        return None
    connector = rng.choice(CONNECTORS)
    qb = qb if connector.startswith(".") or qb[:2].isupper() else qb[0].lower() + qb[1:]
    tools = {}
    for t in a["tools"] + b["tools"]:
        if t["name"] in tools and tools[t["name"]] != t:
            return None       # one name, two schemas: not one tool list
        tools[t["name"]] = t
    listed = list(tools.values())
    rng.shuffle(listed)
    return {"query": qa + connector + qb, "tools": listed, "answers": a["answers"] + b["answers"],
            "source": f"joined:{base_source(a)}+{base_source(b)}", "id": f"{a.get('id', '')}+{b.get('id', '')}"}


# -- names ----------------------------------------------------------------------------------------
def rename(name: str, style: str, rng: random.Random) -> str:
    """name with some of its words swapped for synonyms (NAME_SYNONYMS), in the given style
    (`orig`: snake case if name had underscores, else camel case)."""
    words = [rng.choice(NAME_SYNONYMS[w]) if w in NAME_SYNONYMS and rng.random() < RENAME_WORD_P else w
             for w in words_of(name)]
    if not words:
        return name
    if style == "orig":
        style = "snake" if "_" in name else "camel"
    return restyle("_".join(words), style)


def rename_gold_tools(row: dict, rng: random.Random) -> dict:
    """row with each gold tool and its top-level parameters renamed (module docstring) and the
    answer renamed alike. Names that would clash with another tool or parameter stay as they were."""
    gold = {c["name"] for c in row["answers"]}
    taken = {t["name"].lower() for t in row["tools"]}
    tool_names, param_names = {}, {}
    tools = []
    for t in row["tools"]:
        if t["name"] not in gold:
            tools.append(t)
            continue
        style = rng.choice(NAME_STYLES)
        new = rename(t["name"], style, rng)
        if new.lower() in taken:
            new = t["name"]
        taken.add(new.lower())
        tool_names[t["name"]] = new
        params = t.get("parameters") or {}
        props = params.get("properties") or {}
        mapping, used = {}, set()
        for key in props:
            # Parameters keep to snake or camel case, the way schemas write them, switching now and then.
            snake = ("_" in key) != (rng.random() < 0.3)
            k = rename(key, "snake" if snake else "camel", rng)
            if k.lower() in used or (k != key and k in props):
                k = key
            used.add(k.lower())
            mapping[key] = k
        param_names[t["name"]] = mapping
        new_params = dict(params, properties={mapping[k]: v for k, v in props.items()})
        if isinstance(params.get("required"), list):
            new_params["required"] = [mapping.get(k, k) for k in params["required"]]
        tools.append(dict(t, name=new, parameters=new_params))
    answers = [{"name": tool_names.get(c["name"], c["name"]),
                "arguments": {param_names.get(c["name"], {}).get(k, k): v for k, v in c["arguments"].items()}}
               for c in row["answers"]]
    return {**row, "tools": tools, "answers": answers}


# -- the whole step -------------------------------------------------------------------------------
def valid(row: dict, validators: dict) -> bool:
    """Every call names an offered tool and its arguments pass that tool's schema (jsonschema)."""
    import jsonschema
    tools = {t["name"]: t for t in row["tools"]}
    for call in row["answers"]:
        tool = tools.get(call["name"])
        if tool is None:
            return False
        key = json.dumps(tool.get("parameters") or {}, sort_keys=True)
        if key not in validators:
            try:
                schema = tool.get("parameters") or {}
                jsonschema.Draft202012Validator.check_schema(schema)
                validators[key] = jsonschema.Draft202012Validator(schema)
            except jsonschema.SchemaError:
                validators[key] = None
        if validators[key] is not None and not validators[key].is_valid(call["arguments"]):
            return False
    return True


def augment(train: list[dict], pool: list[dict], seed: int) -> tuple[list[dict], dict]:
    """New training rows from the natural rows of train (module docstring) and a count per kind."""
    rng = random.Random(seed)
    natural = [r for r in train if is_natural(r)]
    pools = ValuePools(natural)
    index = ToolIndex(pool)
    validators: dict = {}
    counts = defaultdict(int)
    out = []
    for row in natural:
        for _ in range(VARIANTS.get(base_source(row), 0) if row["answers"] else 0):
            v = relexicalise(row, pools, rng)
            if v is None:
                counts["relex_not_located"] += 1
                break
            v = {**v, "tools": redraw_tools(v, index, rng), "source": f"relex:{base_source(row)}"}
            v = rename_gold_tools(v, rng)
            if not valid(v, validators):
                counts["relex_invalid"] += 1
                continue
            out.append(v)
        if not row["answers"]:
            for _ in range(NO_CALL_VARIANTS):
                tools = unrelated_tools(row["query"], index, rng)
                if tools:
                    out.append({**row, "tools": tools, "source": f"nocall:{base_source(row)}"})
    base = natural + [r for r in out if r["answers"]]
    single = [r for r in base if len(r["answers"]) == 1]
    for _ in range(int(JOINED_SHARE * len(base))):
        j = join(rng.choice(single), rng.choice(single), rng)
        if j is not None and valid(j, validators):
            out.append(j)
    for r in out:
        counts[r["source"].split(":")[0]] += 1
    return out, dict(counts)
