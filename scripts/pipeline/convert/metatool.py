"""MetaTool (MIT): skipped on purpose; `convert` yields nothing.

Why: its "tools" are whole ChatGPT plugins described in one sentence, without parameter schemas,
and its queries are open tasks that usually carry values ("the latest research paper on
[topic]", templated placeholders). Emitting `{name, arguments: {}}` would teach the model to drop
values that are in the query; restricting to rows whose tool "has no required params" keeps all
of them (no plugin declares parameters), so the rule cannot separate good rows from bad. The
"is a tool needed?" rows (Task1) have no candidate list to pair them with.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

SOURCE = "metatool"


def convert(corpus_root: Path) -> Iterator[dict]:
    return iter(())
