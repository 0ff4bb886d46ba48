"""De-duplication: across corpora (one copy of each row) and against BFCL (decontamination).

BFCL rule: normalise queries (lowercase, non-alphanumerics collapsed to one space); a training row
is removed when its normalised query equals a BFCL one, or when the token-set Jaccard similarity
with some BFCL query is >= 0.9. Candidates are found with an inverted index over tokens: a pair
with Jaccard >= 0.9 must share at least 90% of the larger token set, so only BFCL queries that
share one of the training query's rarest tokens need to be compared.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from typing import Iterable

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalize_query(text: str) -> str:
    return _NON_ALNUM.sub(" ", text.lower()).strip()


def row_key(row: dict) -> str:
    """Identity of a row for cross-corpus dedupe: normalised query + canonical answers."""
    answers = json.dumps(row["answers"], sort_keys=True, ensure_ascii=False)
    return normalize_query(row["query"]) + "\x00" + answers


class BfclIndex:
    def __init__(self, queries: Iterable[str], threshold: float = 0.9):
        self.threshold = threshold
        self.exact: set[str] = set()
        self.sets: list[frozenset] = []
        self.index: dict[str, list[int]] = defaultdict(list)
        for q in queries:
            norm = normalize_query(q)
            if not norm:
                continue
            self.exact.add(norm)
            toks = frozenset(norm.split())
            i = len(self.sets)
            self.sets.append(toks)
            for t in toks:
                self.index[t].append(i)

    def matches(self, query: str) -> bool:
        norm = normalize_query(query)
        if not norm:
            return False
        if norm in self.exact:
            return True
        toks = frozenset(norm.split())
        # Jaccard >= th implies |A & B| >= th * |A|, so at most |A| - ceil(th*|A|) tokens of A can
        # be missing from B: any match shares one of A's (that many + 1) rarest tokens.
        need = len(toks) - int(self.threshold * len(toks) + 0.999999) + 1
        rare = sorted(toks, key=lambda t: (len(self.index.get(t, ())), t))[:max(1, need)]
        seen = set()
        for t in rare:
            for i in self.index.get(t, ()):
                if i in seen:
                    continue
                seen.add(i)
                other = self.sets[i]
                inter = len(toks & other)
                if inter / (len(toks) + len(other) - inter) >= self.threshold:
                    return True
        return False
