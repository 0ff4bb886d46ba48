"""pipeline.synth.howto: a command becomes a how-to question with the same call."""
import random

from pipeline.synth.howto import command_of, how_to_row, how_to_rows

SETTINGS = {"name": "open_settings", "description": "Open a page of the phone's settings",
            "parameters": {"type": "object", "properties": {"page": {"type": "string", "enum": ["wifi", "keyboard"]}}}}


def row(i, query, page="wifi"):
    return {"query": query, "tools": [SETTINGS], "answers": [{"name": "open_settings", "arguments": {"page": page}}],
            "source": "synth:single", "id": f"synth:{i}"}


def test_the_command_is_found_after_polite_and_filler_words():
    assert command_of("Could you please open the wifi page?") == "open the wifi page"
    assert command_of("hey, can you open the wifi page for me") == "open the wifi page"
    assert command_of("Open the wifi page!") == "open the wifi page"
    assert command_of("just open the wifi page, thanks!") == "open the wifi page"
    assert command_of("open the wifi page when you get a chance") == "open the wifi page"
    assert command_of("I'd like to open the wifi page.") == "open the wifi page"
    # Not a command: a question about a thing, a noun phrase, a lone verb.
    assert command_of("what's the wifi page") is None
    assert command_of("wifi page") is None
    assert command_of("please open") is None
    # A method, not an action; a command for the speaker; a question's own suffix.
    assert command_of("explain the wifi page") is None
    assert command_of("get me the wifi page") is None
    assert command_of("could you open the wifi page? thanks") == "open the wifi page"


def test_the_question_keeps_the_call_and_every_value():
    for seed in range(30):
        made = how_to_row(row(0, "Please open the wifi page"), random.Random(seed))
        assert made is not None and made["answers"] == row(0, "x")["answers"] and made["source"] == "synth:howto"
        assert "open the wifi page" in made["query"] and made["query"].count("wifi") == 1
        assert made["query"].rstrip().endswith(("?", "do that?", "go?", "How?", "."))


def test_only_synthetic_single_call_rows_are_read():
    rows = [dict(row(0, "open the wifi page"), id="droidcall:1"), row(1, "open the wifi page"),
            dict(row(2, "open the wifi page"), answers=[])]
    assert [r["id"] for r in how_to_rows(rows, 1.0, seed=0)] == ["synth:1:howto"]
