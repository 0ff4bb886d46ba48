"""BFCL v4 (Berkeley Function Calling Leaderboard) questions, read straight from the `bfcl-eval` wheel.

EVALUATION ONLY. Nothing here may feed training data; the pipeline uses `iter_questions` solely to
*remove* BFCL-like queries from training corpora (decontamination) and `scripts/bfcl_to_jsonl.py` to
build the eval files for `needle eval`.

The wheel is fetched without its (heavy) dependencies:

    python3 -m pip download --no-deps bfcl-eval -d data/bfcl

and its data files are read from the zip directly, nothing is installed or imported from it.

Layout inside the wheel (bfcl_eval/data/):
  BFCL_v4_<category>.json                  questions, JSON lines: {id, question, function, ...}
                                           `question` is a list of turns, each a list of messages
                                           {role, content}; `function` a list of Gorilla-style docs.
  possible_answer/BFCL_v4_<category>.json  JSON lines {id, ground_truth}
  multi_turn_func_doc/*.json               function docs for multi-turn / agentic classes
  memory_prereq_conversation/*.json        user turns that set up the memory category
  BFCL_v4_format_sensitivity.json          not a question file (a map of ids), skipped
  unused_datasets/                         retired categories, skipped
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Iterator

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CACHE = Path("data/bfcl")
DATA_PREFIX = "bfcl_eval/data/"

# involved_classes -> function-doc file (mirrors bfcl_eval/constants/executable_backend_config.py)
MULTI_TURN_FUNC_DOC_FILE_MAPPING = {
    "GorillaFileSystem": "gorilla_file_system.json",
    "MathAPI": "math_api.json",
    "MessageAPI": "message_api.json",
    "TwitterAPI": "posting_api.json",
    "TicketAPI": "ticket_api.json",
    "TradingBot": "trading_bot.json",
    "TravelAPI": "travel_booking.json",
    "VehicleControlAPI": "vehicle_control.json",
    "WebSearchAPI": "web_search.json",
    "MemoryAPI_kv": "memory_kv.json",
    "MemoryAPI_vector": "memory_vector.json",
    "MemoryAPI_rec_sum": "memory_rec_sum.json",
}

_NOT_QUESTIONS = {"format_sensitivity"}


def _resolve(cache: Path) -> Path:
    cache = Path(cache)
    return cache if cache.is_absolute() else REPO_ROOT / cache


def ensure_bfcl(cache: Path = DEFAULT_CACHE) -> Path:
    """Return the path of the bfcl-eval wheel in `cache`, downloading it (no deps) when missing."""
    cache = _resolve(cache)
    wheels = sorted(cache.glob("bfcl_eval-*.whl"))
    if not wheels:
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
             "bfcl-eval", "-d", str(cache)],
            check=True,
        )
        wheels = sorted(cache.glob("bfcl_eval-*.whl"))
        if not wheels:
            raise RuntimeError(f"pip download left no bfcl_eval wheel in {cache}")
    return wheels[-1]  # newest version sorts last for same-width date versions


_ZIP: dict[Path, zipfile.ZipFile] = {}


def _zip(cache: Path = DEFAULT_CACHE) -> zipfile.ZipFile:
    wheel = ensure_bfcl(cache)
    if wheel not in _ZIP:
        _ZIP[wheel] = zipfile.ZipFile(wheel)
    return _ZIP[wheel]


def _read_jsonl(name: str, cache: Path = DEFAULT_CACHE) -> list[dict]:
    with _zip(cache).open(DATA_PREFIX + name) as fh:
        return [json.loads(line) for line in fh.read().decode("utf-8").splitlines() if line.strip()]


def _has(name: str, cache: Path = DEFAULT_CACHE) -> bool:
    return (DATA_PREFIX + name) in _zip(cache).namelist()


def categories(cache: Path = DEFAULT_CACHE) -> list[str]:
    """All v4 question categories present in the wheel (e.g. simple_python, live_multiple,
    multi_turn_base, memory, web_search), excluding non-question files."""
    out = []
    for n in _zip(cache).namelist():
        if not n.startswith(DATA_PREFIX + "BFCL_v4_") or "/" in n[len(DATA_PREFIX):]:
            continue
        cat = n[len(DATA_PREFIX + "BFCL_v4_"):-len(".json")]
        if cat not in _NOT_QUESTIONS:
            out.append(cat)
    return sorted(out)


def multi_turn_functions(involved_classes: list[str], cache: Path = DEFAULT_CACHE) -> list[dict]:
    """Function docs for a multi-turn/agentic entry's `involved_classes` (unknown classes skipped)."""
    funcs: list[dict] = []
    for cls in involved_classes:
        fname = MULTI_TURN_FUNC_DOC_FILE_MAPPING.get(cls)
        if fname and _has("multi_turn_func_doc/" + fname, cache):
            funcs.extend(_read_jsonl("multi_turn_func_doc/" + fname, cache))
    return funcs


def load_category(name: str, cache: Path = DEFAULT_CACHE) -> tuple[list[dict], dict[str, object]]:
    """(questions, possible_answers) for one category.

    questions: the raw JSON lines. For entries without a `function` list but with
    `involved_classes` (multi-turn, memory, web_search) the class docs are attached as `function`.
    possible_answers: id -> ground_truth ({} for irrelevance / live_relevance / live_irrelevance,
    which have no answer file).
    """
    qfile = f"BFCL_v4_{name}.json"
    if not _has(qfile, cache):
        raise KeyError(f"no BFCL v4 category {name!r}; have {categories(cache)}")
    questions = _read_jsonl(qfile, cache)
    for q in questions:
        if "function" not in q and q.get("involved_classes"):
            q["function"] = multi_turn_functions(q["involved_classes"], cache)
    answers: dict[str, object] = {}
    afile = f"possible_answer/BFCL_v4_{name}.json"
    if _has(afile, cache):
        for row in _read_jsonl(afile, cache):
            answers[row["id"]] = row["ground_truth"]
    return questions, answers


def user_messages(question: list) -> list[str]:
    """User message texts of a BFCL `question` (list of turns, each a list of messages), in order."""
    out = []
    for turn in question:
        if isinstance(turn, dict):  # defensive: flat list of messages
            turn = [turn]
        for msg in turn:
            if msg.get("role") == "user" and isinstance(msg.get("content"), str) and msg["content"].strip():
                out.append(msg["content"])
    return out


def iter_questions(categories_: list[str] | None = None, cache: Path = DEFAULT_CACHE,
                   *, include_memory_prereq: bool = True) -> Iterator[tuple[str, str, str]]:
    """Yield (category, id, user text) for every user message in every BFCL v4 question file.

    Covers single-turn (python/java/js, multiple, parallel...), live_*, irrelevance, multi_turn_*,
    memory and web_search. When an entry has more than one user message (multi-turn turns, or the
    few live_irrelevance rows with a prior exchange) each is yielded with id `<id>#<k>` (k = 0-based
    index among that entry's user messages); single-message entries keep their plain id.
    With include_memory_prereq, the memory set-up conversations are yielded under the category
    `memory_prereq` (when `categories_` is None or names it).
    """
    cats = categories(cache) if categories_ is None else list(categories_)
    for cat in cats:
        if cat == "memory_prereq":
            continue
        questions, _ = (_read_jsonl(f"BFCL_v4_{cat}.json", cache), None)
        for q in questions:
            texts = user_messages(q.get("question", []))
            if len(texts) == 1:
                yield cat, q["id"], texts[0]
            else:
                for k, t in enumerate(texts):
                    yield cat, f"{q['id']}#{k}", t
    if include_memory_prereq and (categories_ is None or "memory_prereq" in cats):
        for n in sorted(_zip(cache).namelist()):
            if n.startswith(DATA_PREFIX + "memory_prereq_conversation/") and n.endswith(".json"):
                for q in _read_jsonl(n[len(DATA_PREFIX):], cache):
                    for k, t in enumerate(user_messages(q.get("question", []))):
                        yield "memory_prereq", f"{q['id']}#{k}", t


if __name__ == "__main__":
    from collections import Counter

    print(ensure_bfcl())
    c = Counter(cat for cat, _, _ in iter_questions())
    for k in sorted(c):
        print(f"{k:28s} {c[k]:6d}")
    print(f"{'total':28s} {sum(c.values()):6d}")
