"""Query patterns: verb phrases from tool names/descriptions, slot phrases per parameter, wrappers
(imperative, question, polite, terse, indirect, filler), typo noise on non-value words.

A query is built as a list of segments ``(text, protected)``; protected segments hold argument
values and are never touched by noise or case changes, so values stay copyable.
"""

from __future__ import annotations

import functools
import re

from .values import words_of

VERBS = set("""get set create add delete remove update send search find list book cancel check play pause
stop start turn schedule calculate convert translate generate analyze analyse retrieve fetch track record
log show open close read write upload download share reserve order buy sell transfer pay compare recommend
predict estimate evaluate monitor submit register apply approve assign request post publish edit move copy
rename lock unlock mute unmute skip resume save run execute deploy build test verify validate query lookup
detect classify summarize summarise extract plan optimize design measure simulate assess identify process
manage control adjust enable disable reset restart stream call dial text email navigate locate report
review rate invite join leave follow unfollow like subscribe unsubscribe notify remind mark upgrade install
uninstall clear sync backup restore scan print compute count sort filter merge split parse format encode
decode encrypt decrypt compress resize crop rotate draw render visualize perform conduct provide determine
make increase decrease raise lower dim brighten arm disarm launch view display describe explain fix
apply cook brew water feed walk rent hire charge refund invest withdraw deposit tag label archive pin star
forward reply snooze dismiss accept decline reject complete finish mark add edit explore discover watch
listen look browse suggest choose select pick allocate distribute reserve confirm authenticate authorize
login logout sign signup import export clone commit push pull merge revert tweet like download
reorder place hire guess solve take give put assess organize organise prepare issue grant revoke
renew extend return exchange fill draft compose attach detach connect disconnect pair unpair ping
recharge refill top charge block unblock report flag clean wash mow sweep feed water stretch
learn teach study practice train predict forecast simulate model map trace audit inspect diagnose
treat prescribe vaccinate donate volunteer vote nominate elect hire fire promote invite greet
welcome thank congratulate celebrate upload download back""".split())

_VERB_SYNS = {
    "get": ["get", "get", "fetch", "look up", "check", "find", "show me", "pull up", "give me"],
    "retrieve": ["retrieve", "get", "look up", "fetch"],
    "fetch": ["fetch", "get", "grab"],
    "search": ["search for", "look for", "search for", "find"],
    "find": ["find", "look up", "search for", "locate"],
    "create": ["create", "make", "add", "set up", "create"],
    "delete": ["delete", "remove", "get rid of", "delete"],
    "remove": ["remove", "delete", "take off"],
    "update": ["update", "change", "modify", "edit"],
    "list": ["list", "show", "show me", "list all", "give me"],
    "calculate": ["calculate", "compute", "work out", "figure out"],
    "book": ["book", "reserve", "book"],
    "cancel": ["cancel", "call off", "cancel"],
    "check": ["check", "check on", "look up"],
    "show": ["show", "show me", "display"],
    "analyze": ["analyze", "analyse", "run an analysis of"],
    "generate": ["generate", "create", "make", "produce"],
    "recommend": ["recommend", "suggest"],
    "play": ["play", "put on", "play"],
    "schedule": ["schedule", "set up", "book"],
    "send": ["send", "send", "shoot"],
}

_ABBR = {"num": "number of", "qty": "quantity", "desc": "description", "addr": "address",
         "amt": "amount", "dept": "department", "loc": "location", "lang": "language", "msg": "message",
         "temp": "temperature", "dest": "destination", "src": "source", "id": "ID", "ids": "IDs",
         "url": "URL", "img": "image", "pwd": "password", "usr": "user", "cnt": "count",
         "lat": "latitude", "lon": "longitude", "lng": "longitude", "dob": "date of birth",
         "tz": "timezone", "max": "max", "min": "min", "info": "info", "api": "API", "ip": "IP",
         "db": "database", "config": "config", "param": "parameter", "params": "parameters",
         "str": "string", "int": "integer", "pct": "percent", "avg": "average", "yr": "year"}

_ARTICLE_A = {"create", "add", "book", "schedule", "send", "make", "generate", "write", "post", "start",
              "open", "plan", "design", "register", "submit", "request", "reserve", "order",
              "buy", "rent", "log", "record", "draft", "compose", "build", "launch", "new"}

_STOP_TAIL = re.compile(r"\s+(?:for|of|from|by|with|in|on|at|to|using|based on|according to|given)"
                        r"\s+(?:a|an|the)?\s*(?:given|specified|specific|provided|particular|certain|"
                        r"selected|user-specified)\b.*$", re.I)


def human_words(name: str) -> list[str]:
    return list(_human_words(name))


@functools.lru_cache(maxsize=200000)
def _human_words(name: str) -> tuple:
    out = []
    for w in words_of(name):
        out.extend(_ABBR.get(w, w).split())
    return tuple(out)


_UNIT_WORDS = {"minutes", "seconds", "hours", "km", "ml", "kg", "lbs", "percent", "pct", "mins", "secs", "usd", "mb"}


def param_phrase_name(name: str) -> str:
    ws = human_words(name)
    if len(ws) > 1 and ws[-1].lower() in _UNIT_WORDS:
        ws = ws[:-1]
    return " ".join(ws)


def _an(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" and not word.lower().startswith(("uni", "use", "eu", "one")) else "a"


def _desc_verb_phrase(desc: str) -> str | None:
    """'Retrieves the current weather for a given city.' -> 'retrieve the current weather'."""
    if not desc:
        return None
    first = re.split(r"(?<=[a-z0-9)])\.\s|\n|;|:\s", desc.strip())[0].strip().rstrip(".")
    first = re.sub(r"^(?:this (?:tool|function|api|endpoint|method) |(?:a |an )?(?:tool|function|api) (?:to|that|for) |"
                   r"(?:used|use this|allows? (?:you|users?) )to |helps? (?:you )?(?:to )?)", "", first, flags=re.I)
    ws = first.split()
    if not ws or len(ws) > 14:
        return None
    v = ws[0].lower()
    if v not in VERBS:
        base = None
        if v.endswith("ies"):
            base = v[:-3] + "y"
        elif v.endswith(("sses", "shes", "ches", "xes", "zes")):
            base = v[:-2]
        elif v.endswith("s") and not v.endswith("ss"):
            base = v[:-1]
        if base not in VERBS:
            return None
        v = base
    rest = " ".join(ws[1:])
    rest = _STOP_TAIL.sub("", rest)
    rest = re.sub(r"\s+(?:with|to|from|in|at|for|on|into)\s+(?:a|an)\s+[a-z]+(?:\s+[a-z]+)?$", "", rest)
    rest = re.sub(r"\b(?:the|a) user's\b", "my", rest)
    rest = re.sub(r"\bthe user\b", "me", rest)
    if not rest or "(" in rest or len(rest) > 70:
        return None
    return v + " " + rest


class ToolPhrases:
    """Verb phrases and a noun phrase for one tool, computed once."""

    __slots__ = ("verb", "noun", "desc_vp")

    def __init__(self, name: str, desc: str):
        ws = human_words(name)
        if ws and ws[0].lower() in VERBS:
            self.verb, rest = ws[0].lower(), ws[1:]
        else:
            self.verb, rest = None, ws
        if self.verb in ("is", "has", "can"):
            self.verb = None
        self.noun = " ".join(rest)
        self.desc_vp = _desc_verb_phrase(desc)

    def verb_phrase(self, rng) -> str:
        if self.desc_vp and (rng.random() < 0.35 or not self.noun):
            return self.desc_vp
        noun = self.noun
        verb = self.verb
        if verb is None:
            verb = rng.choice(("get", "check", "look up", "find", "use")) if noun else "do that"
        else:
            verb = rng.choice(_VERB_SYNS.get(verb, (verb,)))
        if not noun:
            return verb
        r = rng.random()
        base = self.verb or "get"
        if base in _ARTICLE_A and not noun.endswith("s") and r < 0.7:
            art = _an(noun) + " "
        elif r < 0.75:
            art = "the "
        elif r < 0.82 and not noun.endswith("s"):
            art = "my "
        else:
            art = ""
        if verb in ("search for", "look for") and art == "the ":
            art = ""
        return f"{verb} {art}{noun}"

    def noun_phrase(self) -> str:
        return self.noun or (self.desc_vp or "")


# ----------------------------------------------------------------------------------------------
# slot phrases

_CAT_PHRASES = {
    "city": ["in {v}", "for {v}", "in {v}", "{v}"],
    "country": ["in {v}", "for {v}"],
    "state": ["in {v}", "for {v}"],
    "location": ["in {v}", "near {v}", "at {v}", "for {v}", "around {v}"],
    "address": ["at {v}", "for {v}", "to {v}"],
    "origin": ["from {v}", "leaving from {v}", "starting from {v}"],
    "destination": ["to {v}", "going to {v}", "heading to {v}"],
    "time": ["at {v}", "at {v}", "for {v}"],
    "datetime": ["at {v}", "for {v}"],
    "duration": ["for {v}", "lasting {v}"],
    "person": ["for {v}", "with {v}"],
    "first_name": ["for {v}"],
    "email": ["to {v}", "at {v}", "for {v}"],
    "phone": ["at {v}", "to {v}", "on {v}"],
    "message": [' saying "{v}"', " that says {v}", ': "{v}"', ' with the message "{v}"', " with text {v}",
                ": {v}"],
    "subject": ['with subject "{v}"', "with the subject {v}", 'subject "{v}"'],
    "query": ["for {v}", "about {v}", 'for "{v}"', "on {v}"],
    "topic": ["about {v}", "on {v}", "for {v}"],
    "title": ["called {v}", 'named "{v}"', 'titled "{v}"', 'called "{v}"'],
    "event_title": ["called {v}", 'named "{v}"', 'titled "{v}"', "for {v}"],
    "task": ["to {v}", "to {v}", 'called "{v}"', ": {v}"],
    "playlist": ["called {v}", "{v}", "named {v}"],
    "artist": ["by {v}", "from {v}"],
    "song": ["{v}", '"{v}"'],
    "movie": ["{v}", '"{v}"'],
    "show": ["{v}"],
    "book": ["{v}", '"{v}"'],
    "team": ["for the {v}", "for {v}", "{v}"],
    "url": ["{v}", "at {v}", "from {v}", "for {v}"],
    "path": ["{v}", "at {v}", "in {v}"],
    "filename": ["{v}", "called {v}", "named {v}"],
    "language": ["in {v}"],
    "currency": ["in {v}"],
    "room": ["in the {v}", "in the {v}", "for the {v}"],
    "device": ["the {v}", "for the {v}"],
    "tv": ["on the {v}", "on {v}"],
    "speaker": ["on the {v}", "on {v}"],
    "product": ["{v}", "for {v}"],
    "food": ["{v}", "for {v}"],
    "cuisine": ["{v}", "with {v} food"],
    "ingredient": ["with {v}", "using {v}"],
    "company": ["for {v}", "at {v}", "from {v}"],
    "ticker": ["for {v}", "{v}"],
    "repo": ["in {v}", "for {v}", "on {v}"],
    "branch": ["on {v}", "on branch {v}", "from {v}"],
    "service": ["for {v}", "{v}"],
    "environment": ["in {v}", "to {v}", "on {v}"],
    "hotel": ["at {v}"],
    "restaurant": ["at {v}"],
    "airline": ["with {v}", "on {v}"],
}

_PERSON_ROLE = {"recipient": "to {v}", "to": "to {v}", "receiver": "to {v}", "sender": "from {v}",
                "from": "from {v}", "author": "by {v}", "assignee": "assigned to {v}",
                "attendee": "with {v}", "attendees": "with {v}", "participant": "with {v}",
                "participants": "with {v}", "invitee": "inviting {v}", "invitees": "inviting {v}",
                "guest": "for {v}", "contact": "with {v}", "friend": "with {v}", "cc": "cc {v}"}

_GENERIC = ["with {pw} {v}", "{pw} {v}", "{pw}: {v}", "where the {pw} is {v}", "with the {pw} set to {v}",
            "for {pw} {v}", "with {pw} {v}", "{pw} {v}", "using {v} as the {pw}", "and {pw} {v}",
            "with a {pw} of {v}"]
_NUM_PHRASES = ["with {pw} {v}", "{pw} {v}", "{pw}: {v}", "with a {pw} of {v}", "set {pw} to {v}",
                "and {pw} {v}", "for {pw} {v}", "{pw} = {v}"]
_ENUM_PHRASES = ["{v}", "{pw} {v}", "with {pw} {v}", "{pw}: {v}", "{v} {pw}", "set to {v}",
                 "with the {pw} set to {v}"]


def _fill(tmpl: str, v: str, pw: str):
    """Template -> segments with {v} protected."""
    segs = []
    tmpl = tmpl.replace("{pw}", pw)
    i = tmpl.find("{v}")
    if i > 0:
        segs.append((tmpl[:i], False))
    segs.append((v, True))
    if i + 3 < len(tmpl):
        segs.append((tmpl[i + 3:], False))
    return segs


def slot_segments(rng, pname: str, ptype: str, cat: str, text: str, value, explicit: bool,
                  units_in_text: bool = False):
    """Segments expressing one argument. ``explicit`` forces the parameter name into the phrase."""
    pw = param_phrase_name(pname)
    ws = words_of(pname)
    if ptype == "boolean":
        return _bool_segments(rng, pw, ws, bool(value))
    if ptype == "enum":
        return _fill(rng.choice(_ENUM_PHRASES), text, pw)
    if ptype in ("integer", "number"):
        last = ws[-1] if ws else ""
        if units_in_text:
            opts = ["for {v}", "{v}", "for {v}", "with {pw} {v}", "{pw}: {v}", "{pw} of {v}"]
        elif last in ("limit", "results", "count", "top", "k", "n") or "max" in ws:
            opts = _NUM_PHRASES + ["top {v}", "limit {v}", "at most {v}", "{v} results"]
        elif last.endswith("s") and len(last) > 3 and last not in ("status", "address", "class", "bus"):
            opts = ["{v} {pw}", "for {v} {pw}", "with {v} {pw}", "{v} {pw}", "{pw}: {v}", "{pw} {v}"]
        else:
            opts = _NUM_PHRASES
        return _fill(rng.choice(opts), text, pw)
    if cat in ("message", "free_text") and (explicit or rng.random() < 0.3):
        return _fill(rng.choice(['with {pw} "{v}"', '{pw}: "{v}"', '{pw} "{v}"', 'with the {pw} "{v}"']), text, pw)
    if explicit or rng.random() < 0.2:
        return _fill(rng.choice(_GENERIC), text, pw)
    if cat == "person" or cat == "first_name":
        for w in ws:
            if w in _PERSON_ROLE:
                return _fill(_PERSON_ROLE[w] if rng.random() < 0.8 else rng.choice(_GENERIC), text, pw)
    if cat == "language":
        if any(w in ("target", "to", "dest", "output") for w in ws):
            return _fill(rng.choice(["into {v}", "to {v}"]), text, pw)
        if any(w in ("source", "from", "input", "src") for w in ws):
            return _fill("from {v}", text, pw)
    if cat == "currency":
        if any(w in ("target", "to") for w in ws):
            return _fill(rng.choice(["into {v}", "to {v}"]), text, pw)
        if any(w in ("source", "from", "base") for w in ws):
            return _fill("from {v}", text, pw)
    if cat == "date":
        low = text.lower()
        if low.startswith(("today", "tomorrow", "tonight", "this ", "next ", "in ", "on ", "the day")):
            return _fill(rng.choice(["{v}", "{v}", "for {v}"]), text, pw)
        if any(w in ("due", "deadline", "until", "end", "by") for w in ws):
            return _fill(rng.choice(["by {v}", "due {v}", "{pw} {v}"]), text, pw)
        if any(w in ("since", "start", "from") for w in ws):
            return _fill(rng.choice(["from {v}", "starting {v}", "since {v}"]), text, pw)
        return _fill(rng.choice(["on {v}", "on {v}", "for {v}"]), text, pw)
    opts = _CAT_PHRASES.get(cat)
    if opts:
        return _fill(rng.choice(opts), text, pw)
    return _fill(rng.choice(_GENERIC), text, pw)


_BOOL_PREFIX = ("is", "has", "enable", "include", "use", "show", "allow", "with", "should", "do",
                "send", "add", "apply", "make", "auto", "get", "return", "only", "want", "need", "notify")


_ONOFF = {"on", "enabled", "enable", "active", "power", "state", "status", "activated", "powered"}


def _bool_segments(rng, pw, ws, value: bool):
    if len(ws) == 1 and ws[0] in _ONOFF:
        t = ["on", "turn on", "switch on", "turned on"] if value else ["off", "turn off", "switch off", "turned off"]
        if ws[0] in ("enabled", "enable", "active", "activated"):
            t += ["enabled", "enable it"] if value else ["disabled", "disable it"]
        return [(rng.choice(t), False)]
    if len(ws) == 1:
        t = ["{pw}", "set {pw} to true", "{pw}: yes", "with {pw} on", "and make it {pw}"] if value else \
            ["not {pw}", "set {pw} to false", "{pw}: no", "with {pw} off"]
        return [(rng.choice(t).replace("{pw}", pw), False)]
    core_ws = list(ws)
    lead = None
    if core_ws and core_ws[0] in _BOOL_PREFIX and len(core_ws) > 1:
        lead = core_ws.pop(0)
    core = " ".join(core_ws)
    if lead in ("include", "show", "return", "with", "get", "add"):
        t = ["including {c}", "with {c}", "include {c}", "and include {c}", "with {c} included"] if value else \
            ["without {c}", "no {c}", "don't include {c}", "excluding {c}", "leave out {c}"]
    elif lead in ("is", "has", "should", "only"):
        t = ["{c}", "only {c}", "that is {c}", "{pw}: yes", "{pw} true"] if value else \
            ["not {c}", "that isn't {c}", "{pw}: no", "{pw} false"]
    else:
        t = ["with {c} on", "and turn {c} on", "{c} enabled", "with {c}", "{pw}: yes", "enable {c}",
             "set {pw} to true"] if value else \
            ["with {c} off", "without {c}", "{c} disabled", "no {c}", "{pw}: no", "disable {c}",
             "set {pw} to false"]
    s = rng.choice(t).replace("{c}", core).replace("{pw}", pw)
    return [(s, False)]


# ----------------------------------------------------------------------------------------------
# wrappers

_PREFIX_IMP = ["", "", "", "please ", "go ahead and ", "quickly ", "now ", "just "]
_PREFIX_Q = ["can you ", "could you ", "could you please ", "would you ", "can you please ",
             "would you mind helping me ", "is it possible to ", "will you ", "any chance you can "]
_PREFIX_IND = ["I need to ", "I want to ", "I'd like to ", "I'm trying to ", "I have to ", "I need you to ",
               "I'd like you to ", "help me ", "let's ", "we need to ", "I wanna ", "I would like to ",
               "my boss asked me to ", "I was hoping you could ",
               "it'd be great if you could ", "I need help to ", "could I get you to "]
_FILLER_PRE = ["hey, ", "hey ", "ok so ", "um, ", "hi! ", "quick one: ", "so ", "alright, ", "yo ",
               "hello, ", "okay, ", "uh ", "hmm, ", "right, ", "listen, ", "hey there, "]
_SUFFIX_IMP = ["", "", "", ".", ".", " please", ", please", " thanks", ", thanks!", " pls", " asap",
               " for me", " when you get a chance", " real quick", "!", " thx"]
_SUFFIX_Q = ["?", "?", "?", " please?", " for me?", "", "? thanks", "??"]
_Q_NOUN = ["what's the {n}", "what is the {n}", "what are the {n}", "tell me the {n}", "how about the {n}",
           "do you know the {n}", "I'm curious about the {n}", "any idea what the {n} is"]


def wrap(rng, vp: str, noun: str, slots: list, qtype: str):
    """Assemble the segments of one call clause (no capitalisation, no final punctuation rules)."""
    slots = list(slots)
    front = []
    if len(slots) > 1 and rng.random() < 0.35:
        rng.shuffle(slots)
    if slots and rng.random() < 0.12:
        s0 = slots[0]
        if not s0[0][1] and s0[0][0].split(" ")[0] in ("in", "for", "on", "at", "from", "to", "by", "near"):
            front = s0 + [(", ", False)]
            slots = slots[1:]
    body = []
    for i, s in enumerate(slots):
        if i == 0:
            sep = " " if not s[0][0].startswith((":", " ", ",")) else ""
        else:
            r = rng.random()
            sep = " " if r < 0.55 else (", " if r < 0.8 else " and ")
            if s[0][0].startswith((":", " ")):
                sep = ","
                if s[0][0].startswith(":"):
                    sep = ", with"
            elif s[0][0].startswith("and ") and sep == " and ":
                sep = " "
        body.append((sep, False))
        body.extend(s)
    if qtype == "terse":
        # noun + values only
        vals = [seg for s in slots for seg in s if seg[1]]
        out = [(noun or vp, False)]
        for v in vals:
            out += [(rng.choice((" ", " ", ", ", " - ")), False), v]
        return out, qtype
    if qtype == "question_noun" and noun:
        head = rng.choice(_Q_NOUN).replace("{n}", noun)
        return front + [(head, False)] + body, qtype
    head = vp
    if qtype == "question":
        head = rng.choice(_PREFIX_Q) + vp
    elif qtype == "indirect":
        head = rng.choice(_PREFIX_IND) + vp
    elif qtype == "imperative":
        head = rng.choice(_PREFIX_IMP) + vp
    return front + [(head, False)] + body, qtype


def finish(rng, segs: list, qtype: str) -> list:
    """Prefix filler, suffix punctuation, capitalisation."""
    segs = list(segs)
    is_q = qtype in ("question", "question_noun")
    if rng.random() < 0.12 and qtype != "terse":
        segs.insert(0, (rng.choice(_FILLER_PRE), False))
    if qtype == "terse":
        suf = rng.choice(("", "", "?", "."))
    else:
        suf = rng.choice(_SUFFIX_Q if is_q else _SUFFIX_IMP)
    if suf:
        segs.append((suf, False))
    # capitalise first letter of the first unprotected segment when it starts the query
    if segs and not segs[0][1] and rng.random() < 0.8:
        t = segs[0][0]
        if t:
            segs[0] = (t[0].upper() + t[1:], False)
    return segs


def typo_noise(rng, segs: list, rate: float = 0.04) -> list:
    """Light character noise on unprotected words (swap, drop, double, neighbour key)."""
    out = []
    for text, prot in segs:
        if prot or not text:
            out.append((text, prot))
            continue
        parts = text.split(" ")
        for i, w in enumerate(parts):
            if len(w) >= 4 and w.isalpha() and rng.random() < rate:
                j = rng.randint(1, len(w) - 2)
                op = rng.random()
                if op < 0.35:
                    w = w[:j] + w[j + 1] + w[j] + w[j + 2:]
                elif op < 0.6:
                    w = w[:j] + w[j + 1:]
                elif op < 0.8:
                    w = w[:j] + w[j] + w[j:]
                else:
                    w = w[:j] + rng.choice("aeiourstnl") + w[j + 1:]
                parts[i] = w
        out.append((" ".join(parts), False))
    return out


def lowercase_all(segs):
    return [(t if p else t.lower(), p) for t, p in segs]


def join(segs) -> str:
    s = "".join(t for t, _ in segs)
    s = re.sub(r" {2,}", " ", s)
    s = s.replace(" ,", ",").replace(" ?", "?").replace(" .", ".")
    return s.strip()
