"""The synthesis generator: tool pool -> rows {query, tools, answers, source, id}.

See the package docstring for how answer values relate to the query text. Every emitted answer is
validated against its tool's schema with ``jsonschema`` and every string argument that is not a
normalised value (enum, ISO date/time) is checked to occur verbatim in the query; samples that fail
are redrawn. The tools it draws from are prepared in `tools`, the values in `sampling`.
"""

from __future__ import annotations

import json
import random
from typing import Iterator

import jsonschema

from . import patterns as P
from .mined import Filler
from .nocall import NO_CALL_TEXTS
from .sampling import NAME_STYLES, grounding_strings, restyle, sample_param
from .tools import Prepared, normalize_tool, prepare


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
    def __init__(self, tool_pool, seed, no_call_pool, templates=None):
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
        self.filler = Filler(templates, preps) if templates else None

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
            grounding_strings(p, v, ground)
            if not p.required:
                n_opt += 1
        return (args, slots, ground) if self.valid(pr, args) else None

    @staticmethod
    def valid(pr: Prepared, args: dict) -> bool:
        """args pass the tool's schema (its validator built on first use; a broken schema passes nothing)."""
        if pr.validator is None:
            try:
                cls = jsonschema.validators.validator_for(pr.tool["parameters"], default=jsonschema.Draft7Validator)
                cls.check_schema(pr.tool["parameters"])
                pr.validator = cls(pr.tool["parameters"])
            except Exception:
                pr.validator = False
        try:
            return pr.validator is not False and pr.validator.is_valid(args)
        except Exception:
            return False

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
    def mined_row(self):
        """A template mined from a natural row, filled for a pool tool (pipeline.synth.mined)."""
        rng = self.rng
        filled = self.filler.fill(rng)
        if filled is None:
            return None
        gold, args, query, ground = filled
        if len(query) > 400 or any(s not in query for s in ground):
            return None
        if not self.valid(gold, args):
            return None
        dis = self.distractors([gold], max(0, _wchoice(rng, _N_TOOLS_W) - 1))
        allp = [gold] + dis
        rng.shuffle(allp)
        r = self.render_tools(allp, rng.choice(NAME_STYLES))
        if r is None:
            return None
        tools, names = r
        tool = next(t for p, t in zip(allp, tools) if p.idx == gold.idx)
        return {"query": query, "tools": tools, "answers": [self.answer(gold, names[gold.idx], args, tool)]}

    def row(self, kind):
        rng = self.rng
        if kind == "mined":
            return self.mined_row()
        style = rng.choice(NAME_STYLES)
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


def generate(tool_pool: list[dict], n_rows: int, seed: int, no_call_pool: list[str] | None = None,
             templates: list[dict] | None = None, mined_share: float = 0.0) -> Iterator[dict]:
    """Yield ``n_rows`` synthetic rows, deterministic for a given pool, seed and no-call pool.
    With templates (pipeline.synth.mined), mined_share of the single-call rows fill a mined
    template instead of a hand-written pattern."""
    g = _Gen(tool_pool, seed, no_call_pool, templates)
    rng = g.rng
    made = 0
    while made < n_rows:
        kind = _wchoice(rng, KINDS)
        if kind == "single" and g.filler and rng.random() < mined_share:
            kind = "mined"
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
