"""Templates mined from natural rows (pipeline.synth.mined, issue 14 item 2): what gives a template
and what does not, and that a filled template's answer agrees with its query and its tool."""
import random

import jsonschema

from pipeline.synth.generate import generate
from pipeline.synth.mined import Filler, mine
from pipeline.synth.tools import normalize_tool, prepare
from pipeline.synth.values import words_of


def tool(name, props, required, desc=""):
    return {"name": name, "description": desc,
            "parameters": {"type": "object", "properties": props, "required": required}}


CITY = {"type": "string", "description": "the city"}
DATE = {"type": "string", "description": "the date"}
WEATHER = tool("get_weather", {"city": CITY, "date": DATE}, ["city"], "Current weather in a city")
AIR = tool("get_air_quality", {"city": CITY, "date": DATE, "pollutant": {"type": "string", "enum": ["pm25", "o3"]}},
           ["city"], "Air quality index of a city")
DELETE = tool("delete_city_bookmark", {"city": CITY}, ["city"], "Remove a saved city")
ALARM = tool("set_alarm", {"time": {"type": "string", "description": "the time"}}, ["time"], "Set an alarm")


def row(query, name, args, tools, source="hwu64"):
    return {"query": query, "tools": tools, "source": source, "answers": [{"name": name, "arguments": args}]}


def test_a_template_keeps_the_words_and_cuts_values_and_the_tool_name():
    templates, _ = mine([row("what's the weather like in Oslo tomorrow", "get_weather",
                             {"city": "Oslo", "date": "tomorrow"}, [WEATHER])])
    assert len(templates) == 1
    t = templates[0]
    assert t["pieces"] == [("text", "what's the "), ("tool", None), ("text", " like in "), ("slot", 0),
                           ("text", " "), ("slot", 1)]
    assert t["slots"] == ["cat:city", "cat:date"] and t["action"] == "read" and t["source"] == "hwu64"


def test_rows_that_cannot_be_delexicalised_give_no_template():
    rows = [
        row("wake me up at 7 am", "set_alarm", {"time": "7 am"}, [ALARM]),                   # tool never named
        row("weather in Oslo, Oslo please", "get_weather", {"city": "Oslo"}, [WEATHER]),     # value twice
        row("weather in the capital of Norway", "get_weather", {"city": "Oslo"}, [WEATHER]),  # value not written
        row("weather in Oslo and Rome", "get_weather", {"city": "Oslo"}, [WEATHER]) | {
            "answers": [{"name": "get_weather", "arguments": {"city": "Oslo"}},
                        {"name": "get_weather", "arguments": {"city": "Rome"}}]},            # two calls
    ]
    templates, why = mine(rows)
    assert templates == []
    assert sum(why.values()) == 4 and why["tool not named in the query"] == 1


def prepared(tools):
    return [prepare(normalize_tool(t), i) for i, t in enumerate(tools)]


def test_a_filled_template_names_the_new_tool_and_its_values():
    templates, _ = mine([row("what's the weather like in Oslo tomorrow", "get_weather",
                             {"city": "Oslo", "date": "tomorrow"}, [WEATHER])])
    filler = Filler(templates, prepared([AIR, DELETE, ALARM]))
    # Only the air-quality tool fits: the bookmark tool removes (the template reads), the alarm has no city.
    assert [filler.tools[i].tool["name"] for i in filler.order] == ["get_air_quality"]
    rng = random.Random(0)
    for _ in range(20):
        pr, args, query, ground = filler.fill(rng)
        assert query.startswith("what's the air quality like in ")
        assert set(args) == {"city", "date"} and args["city"] in query and args["date"] in query
        jsonschema.validate(args, AIR["parameters"])


def test_tools_are_drawn_first_so_one_template_rich_tool_does_not_take_every_row():
    playlist = {"type": "string", "description": "the playlist"}
    templates, _ = mine([row(f"add {song} to my {pl} playlist {tail}", "add_to_playlist", {"playlist": pl},
                             [tool("add_to_playlist", {"playlist": playlist}, ["playlist"])], source="snips")
                         for song, pl, tail in [("it", "Chill", ""), ("this", "Gym", "now"), ("that", "Road", "pls")]]
                        + [row("Put an alarm for 7 am", "add_alarm", {"time": "7 am"}, [dict(ALARM, name="add_alarm")])])
    to_playlist = tool("add_to_playlist", {"playlist": playlist}, ["playlist"])
    filler = Filler(templates, prepared([to_playlist, tool("create_reminder", ALARM["parameters"]["properties"],
                                                            ["time"])]))
    rng = random.Random(0)
    names = [filler.fill(rng)[0].tool["name"] for _ in range(400)]
    assert 150 < names.count("create_reminder") < 250        # one template, about half the rows
    queries = {filler.fill(rng)[2].split(" for ")[0] for _ in range(50)}
    assert "Put a reminder" in queries                         # the article agrees with the new noun
    assert not any("to playlist" in q for q in queries)        # "add_to_playlist" is called "playlist"


def test_generated_mined_rows_are_valid_and_grounded():
    templates, _ = mine([row("what's the weather like in Oslo tomorrow", "get_weather",
                             {"city": "Oslo", "date": "tomorrow"}, [WEATHER]),
                         row("I need the weather for Paris", "get_weather", {"city": "Paris"}, [WEATHER])])
    rows = list(generate([AIR, DELETE, ALARM, WEATHER], 200, seed=1, templates=templates, mined_share=1.0))
    mined = [r for r in rows if r["source"] == "synth:mined"]
    assert len(mined) > 50
    for r in mined:
        (call,) = r["answers"]
        t = next(t for t in r["tools"] if t["name"] == call["name"])
        jsonschema.validate(call["arguments"], t["parameters"])
        assert all(v in r["query"] for v in call["arguments"].values() if isinstance(v, str))
        assert "weather" not in r["query"] or "weather" in words_of(call["name"])   # the template's tool words go
    # Without templates the generator's output is what it was (v1 builds are unchanged).
    assert list(generate([AIR, DELETE, ALARM, WEATHER], 50, seed=1)) == \
        list(generate([AIR, DELETE, ALARM, WEATHER], 50, seed=1, templates=None, mined_share=0.5))
