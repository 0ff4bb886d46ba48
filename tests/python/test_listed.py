"""pipeline.synth.listed: a single-call row becomes a request listing one parameter's values."""
import json
import random

from pipeline.labels import SPAN, B, label_pair
from pipeline.minilm import tokenizer
from pipeline.sequence import encode_pair
from pipeline.synth.listed import interleavable, listed_row, listed_rows, occurrences, values_by_parameter

WEATHER = {"name": "get_weather", "description": "Current weather for a city",
           "parameters": {"type": "object", "properties": {"city": {"type": "string"},
                                                           "unit": {"type": "string", "enum": ["c", "f"]}},
                          "required": ["city"]}}


def row(i, city, query=None):
    return {"query": query or f"what's the weather in {city} in c", "tools": [WEATHER],
            "answers": [{"name": "get_weather", "arguments": {"city": city, "unit": "c"}}],
            "source": "synth:single", "id": f"synth:{i}"}


def test_lists_values_and_repeats_the_call():
    rows = [row(0, "Paris"), row(1, "Tokyo"), row(2, "Lima")]
    pool = {("get_weather", "city"): ["Paris", "Tokyo", "Lima"]}
    for seed in range(20):
        made = listed_row(rows[0], pool, random.Random(seed))
        assert made is not None and made["source"] == "synth:listed"
        cities = [a["arguments"]["city"] for a in made["answers"]]
        assert cities[0] == "Paris" and len(set(cities)) == len(cities) in (2, 3)
        # Every listed value is written once in the request, in the order of the calls.
        at = [occurrences(made["query"], c) for c in cities]
        assert all(len(a) == 1 for a in at) and [a[0] for a in at] == sorted(a[0] for a in at)
        # What is not listed serves every call.
        assert all(a["arguments"]["unit"] == "c" for a in made["answers"])


def test_labels_tag_every_listed_value():
    pool = {("get_weather", "city"): ["Paris", "Tokyo"]}
    made = listed_row(row(0, "Paris"), pool, random.Random(0))
    pair = encode_pair(tokenizer(), made["query"], WEATHER)
    labels = label_pair(made["query"], pair, made["answers"])
    city = [p.path for p in pair.params].index("city")
    assert labels.count == 2 and labels.status[city] == SPAN
    assert labels.tags[city].count(B) == 2


def test_refuses_what_cannot_be_listed():
    pool = {("get_weather", "city"): ["Paris", "Tokyo"]}
    # The value is written twice: which one to list is not clear.
    assert listed_row(row(0, "Paris", "Paris weather, Paris in c"), pool, random.Random(0)) is None
    # No other value to list.
    assert listed_row(row(0, "Lima"), {("get_weather", "city"): ["Lima"]}, random.Random(0)) is None
    # Only synthetic single-call rows are read.
    made = listed_rows([dict(row(0, "Paris"), id="bfcl:1"), row(1, "Tokyo"), row(2, "Lima")], 1.0, seed=0)
    assert {r["id"] for r in made} == {"synth:1:listed", "synth:2:listed"}


FLIGHT = {"name": "book_flight", "description": "Book a flight",
          "parameters": {"type": "object", "properties": {"origin": {"type": "string"}, "destination": {"type": "string"},
                                                          "day": {"type": "string"}, "seats": {"type": "integer"}}}}


def flight(i, origin, destination, day, seats):
    return {"query": f"book a flight from {origin} to {destination} on {day} for {seats} people", "tools": [FLIGHT],
            "answers": [{"name": "book_flight", "arguments": {"origin": origin, "destination": destination, "day": day,
                                                              "seats": seats}}],
            "source": "synth:single", "id": f"synth:{i}"}


def test_at_most_two_parameters_listed_and_two_say_respectively():
    rows = [flight(0, "Paris", "Tokyo", "Monday", 2), flight(1, "Rome", "Lima", "Friday", 3),
            flight(2, "Oslo", "Quito", "Sunday", 4)]
    pool = values_by_parameter(rows)
    seen = set()
    for seed in range(200):
        made = listed_row(rows[0], pool, random.Random(seed))
        if made is None:
            continue
        calls = made["answers"]
        listed = [k for k in calls[0]["arguments"] if len({json.dumps(c["arguments"][k]) for c in calls}) > 1]
        assert len(listed) in (1, 2)
        assert " or " not in made["query"]
        if len(listed) == 1:
            assert "respectively" not in made["query"]
            seen.add("one")
            continue
        # Two: as two lists and "respectively", or interleaved ("from Paris to Tokyo and Rome to Lima").
        at = [[occurrences(made["query"], str(c["arguments"][k]))[0] for k in listed] for c in calls]
        if "respectively" in made["query"]:
            seen.add("respectively")
        else:
            order = sorted(range(len(calls)), key=lambda i: at[i][0])
            flat = [p for i in order for p in sorted(at[i])]
            assert flat == sorted(flat), made["query"]
            seen.add("interleaved")
    assert seen == {"one", "respectively", "interleaved"}


def test_interleaves_only_values_a_few_words_apart():
    q = "predict the price of 3000 sq ft in New York please"
    assert interleavable(q, [("location", "New York"), ("size", "3000")]) == (("size", "location"), (21, " sq ft in ", 43))
    assert interleavable("price of 3000, and the city New York", [("size", "3000"), ("location", "New York")]) is None
    assert interleavable("play Let It Be Morning Run", [("song", "Let It Be"), ("playlist", "Morning Run")]) is None
    assert interleavable("3000 is the size of the flat to price in New York", [("size", "3000"), ("location", "New York")]) is None


def test_quoted_and_free_text_values_are_not_listed():
    song = {"name": "play", "description": "Play a song", "parameters": {"type": "object", "properties": {
        "song": {"type": "string"}, "message": {"type": "string"}}}}
    rows = [{"query": f'play "{s}" and text "{m}"', "tools": [song],
             "answers": [{"name": "play", "arguments": {"song": s, "message": m}}], "source": "synth:single",
             "id": f"synth:{i}"} for i, (s, m) in enumerate([("Imagine", "hi"), ("Hey Jude", "bye now")])]
    assert listed_rows(rows, 1.0, seed=0) == []


def test_said_again_after_the_request():
    rows = [row(0, "Paris"), row(1, "Tokyo"), row(2, "Lima")]
    pool = {("get_weather", "city"): ["Paris", "Tokyo", "Lima"]}
    seen = 0
    for seed in range(200):
        made = listed_row(rows[0], pool, random.Random(seed))
        if made is None or not made["query"].startswith("what's the weather in Paris in c"):
            continue
        seen += 1
        cities = [a["arguments"]["city"] for a in made["answers"]]
        # The request whole, then the other values in the order of the calls, each written once.
        rest = made["query"][len("what's the weather in Paris in c"):]
        assert all(rest.count(c) == 1 for c in cities[1:]) and rest.index(cities[1]) < rest.find(cities[-1]) + 1
        assert made["query"].count("Paris") == 1 and made["query"].rstrip()[-1] in ".?"
    assert 20 < seen < 150


def test_said_again_takes_the_value_lead_words():
    from pipeline.synth.listed import said_again
    args = {"depth": 5, "name": "oak"}
    forms = {said_again("find the tree oak with a depth of 5", "depth", "5", ["10"], args, random.Random(s)) for s in range(60)}
    assert any("depth of 10" in f for f in forms) and any("depth of" not in f.split("5")[1] for f in forms)
    assert all(f.count("10") == 1 and f.startswith("find the tree oak with a depth of 5") for f in forms)
    asked = said_again("can you find the weather in Oslo?", "city", "Oslo", ["Rome"], {"city": "Oslo"}, random.Random(0))
    assert asked.startswith("can you find the weather in Oslo? ") and asked.count("Rome") == 1


def test_said_again_names_the_parameter_when_another_takes_the_same_kind_of_value():
    from pipeline.synth.listed import said_again
    args = {"base": 6, "height": 10}
    for s in range(30):
        again = said_again("find the area with base 6 and height 10", "height", "10", ["12"], args, random.Random(s))
        assert again is not None and "height 12" in again
    # No word says which of two numbers is meant: not said again.
    assert said_again("find the area for 6 and 10", "height", "10", ["12"], args, random.Random(0)) is None


def test_labels_tag_every_value_said_again():
    from pipeline.synth import listed
    pool = {("get_weather", "city"): ["Paris", "Tokyo", "Lima"]}
    saved = listed.SAID_AGAIN_SHARE
    listed.SAID_AGAIN_SHARE = 1.0
    try:
        made = listed_row(row(0, "Paris"), pool, random.Random(3))
    finally:
        listed.SAID_AGAIN_SHARE = saved
    assert made["query"].startswith("what's the weather in Paris in c")
    pair = encode_pair(tokenizer(), made["query"], WEATHER)
    labels = label_pair(made["query"], pair, made["answers"])
    city = [p.path for p in pair.params].index("city")
    assert labels.count == len(made["answers"]) and labels.tags[city].count(B) == len(made["answers"])
