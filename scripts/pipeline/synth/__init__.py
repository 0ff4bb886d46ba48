"""Synthesis of tool-calling rows: tools (from a pool) x value samplers x query patterns.

Row format (JSONL): {"query", "tools": [{name, description, parameters}], "answers": [{name, arguments}],
"source": "synth:<kind>", "id": "synth:<n>"}; ``answers == []`` means no tool fits.

How answer values relate to the query (the grounding rule the model learns):

* string arguments are COPIED verbatim from the query text (a free-text date param gets whatever
  surface form the query used: "tomorrow at 7", "March 4th", "next Friday");
* exceptions, which are normalised to the schema instead: enum values (the query may say
  "high" or "in progress" for ``IN_PROGRESS``), ISO dates / times / date-times when the schema says
  ``format: date|time|date-time`` or the description asks for ``YYYY-MM-DD`` / ``HH:MM`` (the query then
  uses an unambiguous form such as "March 4, 2026" or "7:30 pm");
* integers, numbers and booleans are written as JSON numbers / booleans ("five" -> 5, "$25" -> 25,
  "turn it on" -> true);
* argument keys follow the order of the tool's ``properties`` as given in that row.

Entry points: :func:`pipeline.synth.generate.generate` and ``scripts/py -m pipeline.synth``. Files:
``tools`` (the pool, each tool prepared), ``sampling`` (values and how the query says them),
``patterns`` (query templates), ``values`` (value pools), ``nocall`` (no-call texts), ``generate``
(the row kinds and the loop).
"""

from .generate import generate  # noqa: F401
from .tools import load_tool_pool, normalize_tool  # noqa: F401
