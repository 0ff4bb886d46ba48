"""How-to requests: "How do I turn on airplane mode?" -> the call that does it.

People ask a phone or an agent how to do a thing when a tool does it ("Where do I go to add a
keyboard language?", "I want to pair my headphones, how do I do that?"), and a user would agree
with the call that does it. Synthesis writes calls as commands and polite questions ("can you
...") only, and its no-call rows include how-to questions no tool answers ("how do I deal with
stress?"), so the count head learned that "how do I" means no call: on the 325-minute model, 115 of
dev_natural's 216 false no-calls are requests to one settings tool, 92 of those 117 droidcall
rows asked with how / where / what.

This copies a share of synthesis's single-call training rows with the command said as a how-to
question, or as a question about where it is done ("where's the setting to ...", "help me find
the option to ..."; the sixth run's how-to rows did not move droidcall's settings requests,
which mostly ask where): a command that starts with a verb, after the polite or filler words synthesis puts
first, is asked how to do instead. The answer is unchanged. Every argument value is written as
often as before (the prefix carries none). Only training rows are read and written.
"""
from __future__ import annotations

import random
import re

from .patterns import VERBS, _FILLER_PRE, _PREFIX_IMP, _PREFIX_IND, _PREFIX_Q, _SUFFIX_IMP, _SUFFIX_Q

HOW_TO = ("how do I {}?", "how can I {}?", "how do I {}?", "where do I go to {}?", "where can I {}?",
          "how would I {}?", "is there a way to {}?", "what do I do to {}?", "how do you {}?",
          "I want to {}. How do I do that?", "I'd like to {}, where do I go?", "I need to {}. How?",
          "how do I {} on here?", "help, how do I {}?",
          # Asking where a thing is done, or for help finding it.
          "help me find the option to {}.", "where's the setting to {}?", "where are the options to {}?",
          "I can't find where to {}. Can you help?", "can you show me how to {}?", "I need to find where I can {}.",
          "what do I need to do to {}?", "where do I {}?", "can you guide me to {}?", "which menu lets me {}?")
# Polite, filler and request words synthesis puts before the verb, longest first.
LEADS = sorted({p.strip().lower() for p in _PREFIX_IMP + _PREFIX_Q + _PREFIX_IND + _FILLER_PRE if p.strip()},
               key=len, reverse=True)
# Verbs whose how-to question asks for a method, not for the thing to be done ("how do I explain
# X", "how do I cook pasta"), and commands for the speaker ("get me", "remind me": "how do I
# remind me" is not English) are not rewritten.
NOT_HOW_TO = frozenset("""explain describe recommend suggest cook brew draw water walk feed remind teach learn
study practice write compose draft summarize summarise tell greet thank congratulate celebrate welcome
predict estimate evaluate assess analyze analyse design plan solve guess""".split())
# The words synthesis ends a command with ("thanks", "when you get a chance"), longest first.
TAILS = sorted({re.sub(r"^[\s,]+|[\s.!?]+$", "", t).lower() for t in _SUFFIX_IMP + _SUFFIX_Q} - {""}, key=len, reverse=True)


def command_of(query: str) -> str | None:
    """The command in `query` from its verb on, without the words before it and the final
    punctuation ("Could you please open the wifi page?" -> "open the wifi page"), or None when
    it does not start with a verb once those words are gone."""
    rest = query.strip()
    for _ in range(3):                       # "hey, could you please ..." has two leads
        low = rest.lower()
        lead = next((p for p in LEADS if low.startswith(p + " ") or low.startswith(p + ",")), None)
        if lead is None:
            break
        rest = rest[len(lead):].lstrip(" ,")
    rest = re.sub(r"[\s.!?]+$", "", rest)
    tail = next((t for t in TAILS if rest.lower().endswith(" " + t)), None)
    if tail is not None:
        rest = re.sub(r"[\s,.!?]+$", "", rest[: -len(tail)])
    words = rest.split()
    if len(words) < 2 or words[0].lower() not in VERBS or words[0].lower() in NOT_HOW_TO or words[1].lower() == "me":
        return None
    return rest[0].lower() + rest[1:]


def values_written(query: str, arguments: dict) -> list[int]:
    return [query.lower().count(str(v).lower()) for v in arguments.values() if isinstance(v, (str, int, float))]


def how_to_row(row: dict, rng: random.Random) -> dict | None:
    """The row asked as a how-to question, or None where its query is not a command."""
    if len(row["answers"]) != 1:
        return None
    command = command_of(row["query"])
    if command is None:
        return None
    query = rng.choice(HOW_TO).format(command)
    query = query[0].upper() + query[1:] if rng.random() < 0.8 else query
    args = row["answers"][0]["arguments"]
    if values_written(query, args) != values_written(row["query"], args):
        return None
    return dict(row, query=query, source="synth:howto", id=f"{row['id']}:howto")


def how_to_rows(rows: list[dict], share: float, seed: int) -> list[dict]:
    """New rows: a `share` of the single-call synthetic rows, each asked as a how-to question."""
    rng = random.Random(seed)
    out = []
    for r in rows:
        if str(r.get("id", "")).startswith("synth:") and len(r["answers"]) == 1 and rng.random() < share:
            made = how_to_row(r, rng)
            if made is not None:
                out.append(made)
    return out
