"""Training data v2 (pipeline.augment): re-lexicalised rows agree with their new query, values
that cannot be located make no variant, numbers are normalised, and no dev row leaks into training."""
import json
import random
import subprocess
import sys
from pathlib import Path

from pipeline.augment import ToolIndex, ValuePools, augment, join, locate, relexicalise, rename_gold_tools, valid
from pipeline.build_data import held_out, tool_key
from pipeline.jsonl import read_jsonl, write_jsonl

WEATHER = {"name": "get_weather", "description": "Current weather in a city",
           "parameters": {"type": "object", "properties": {
               "city": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
               "days": {"type": "integer"}}, "required": ["city"]}}
ALARM = {"name": "set_alarm", "description": "Set an alarm",
         "parameters": {"type": "object", "properties": {"time": {"type": "string"}}, "required": ["time"]}}
DELETE_ALARM = {"name": "delete_alarm", "description": "Delete an alarm",
                "parameters": {"type": "object", "properties": {"alarm_id": {"type": "string"}}}}
FORECAST = {"name": "get_weather_forecast", "description": "Forecast for the coming days",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}


def row(query, calls, tools=(WEATHER,), source="seal_tools"):
    return {"query": query, "tools": list(tools), "source": source,
            "answers": [{"name": n, "arguments": a} for n, a in calls]}


ROWS = [row("what's the weather in Oslo in fahrenheit for 3 days", [("get_weather", {"city": "Oslo", "unit": "fahrenheit", "days": 3})]),
        row("weather for Rome please", [("get_weather", {"city": "Rome"})]),
        row("how warm is it in New York", [("get_weather", {"city": "New York"})]),
        row("wake me at 7:30 am", [("set_alarm", {"time": "7:30 am"})], tools=(ALARM,)),
        row("alarm at noon", [("set_alarm", {"time": "noon"})], tools=(ALARM,))]


def spelled(query, value):
    return bool(locate(query, value if isinstance(value, str) else json.dumps(value)))


def test_relexicalised_answer_agrees_with_new_query():
    pools = ValuePools(ROWS)
    rng = random.Random(0)
    made = 0
    for _ in range(50):
        base = ROWS[0]
        v = relexicalise(base, pools, rng)
        assert v is not None
        made += 1
        args = v["answers"][0]["arguments"]
        assert set(args) == {"city", "unit", "days"}
        assert args["city"] in ("Rome", "New York") and spelled(v["query"], args["city"])
        assert args["unit"] == "celsius" and "celsius" in v["query"]          # the enum's other member
        assert isinstance(args["days"], int) and args["days"] != 3
        words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]
        assert spelled(v["query"], args["days"]) or words[args["days"]] in v["query"].split()
        assert "Oslo" not in v["query"] and "fahrenheit" not in v["query"]
        assert v["query"].startswith("what's the weather in ")                  # the phrasing stays
    assert made == 50


def test_numbers_sometimes_written_as_words():
    pools = ValuePools(ROWS)
    rng = random.Random(1)
    words = 0
    for _ in range(200):
        v = relexicalise(ROWS[0], pools, rng)
        days = v["answers"][0]["arguments"]["days"]
        words += not spelled(v["query"], days)
    assert 10 < words < 150


def test_value_not_located_makes_no_variant():
    pools = ValuePools(ROWS)
    # "Paris" is nowhere in the query (the answer was inferred): nothing to replace.
    r = row("weather where the Eiffel tower is", [("get_weather", {"city": "Paris"})])
    assert relexicalise(r, pools, random.Random(0)) is None
    # No arguments at all: no variant.
    assert relexicalise(row("what's it like outside", [("get_weather", {})]), pools, random.Random(0)) is None


def test_unlocated_value_kept_and_row_still_consistent():
    pools = ValuePools(ROWS)
    r = row("weather in Rome, in the units I like", [("get_weather", {"city": "Rome", "unit": "celsius"})])
    v = relexicalise(r, pools, random.Random(3))
    args = v["answers"][0]["arguments"]
    assert args["unit"] == "celsius" and args["city"] != "Rome" and spelled(v["query"], args["city"])


def test_join_two_requests():
    j = join(ROWS[1], ROWS[3], random.Random(0))
    assert [c["name"] for c in j["answers"]] == ["get_weather", "set_alarm"]
    assert {t["name"] for t in j["tools"]} == {"get_weather", "set_alarm"}
    assert j["query"].startswith("weather for Rome please") and "wake me at 7:30 am" in j["query"].lower()
    other_weather = dict(WEATHER, description="another schema under the same name")
    assert join(ROWS[1], row("alarm at 6", [("set_alarm", {"time": "6"})], tools=(ALARM, other_weather)), random.Random(0)) is None


def test_renamed_gold_tool_and_answer_agree():
    """Renaming changes names only: the query stays, the answer names the renamed tool and its
    renamed parameters, required follows, values and distractors are untouched, and it validates."""
    base = row("what's the weather in Oslo in fahrenheit for 3 days",
               [("get_weather", {"city": "Oslo", "unit": "fahrenheit", "days": 3})], tools=(ALARM, WEATHER))
    rng = random.Random(0)
    renamed_tool = renamed_param = 0
    for _ in range(40):
        v = rename_gold_tools(base, rng)
        assert v["query"] == base["query"] and v["tools"][0] == ALARM
        gold = v["tools"][1]
        call = v["answers"][0]
        assert call["name"] == gold["name"]
        props = gold["parameters"]["properties"]
        assert set(call["arguments"]) == set(props)
        assert sorted(map(json.dumps, call["arguments"].values())) == sorted(map(json.dumps, base["answers"][0]["arguments"].values()))
        assert list(props.values()) == list(WEATHER["parameters"]["properties"].values())   # schemas, in order
        (city_key,) = [k for k, v in call["arguments"].items() if v == "Oslo"]
        assert gold["parameters"]["required"] == [city_key]
        assert valid(v, {})
        renamed_tool += gold["name"] != "get_weather"
        renamed_param += city_key != "city"
    assert renamed_tool > 10 and renamed_param > 10          # synonyms and styles are drawn, not always


def test_natural_no_call_rows_get_other_unrelated_tools():
    chat = row("what's the weather going to do to my mood", [], tools=(ALARM,), source="clinc150")
    out, counts = augment(ROWS + [chat], [WEATHER, ALARM, DELETE_ALARM, FORECAST], seed=3)
    variants = [r for r in out if r["source"] == "nocall:clinc150"]
    assert variants and counts["nocall"] == len(variants)
    for v in variants:
        assert v["query"] == chat["query"] and v["answers"] == []
        assert v["tools"] and all("weather" not in t["name"] for t in v["tools"])   # the query says "weather"


def test_augment_is_deterministic_and_valid():
    a, counts = augment(ROWS, [WEATHER, ALARM, DELETE_ALARM, FORECAST], seed=5)
    b, _ = augment(ROWS, [WEATHER, ALARM, DELETE_ALARM, FORECAST], seed=5)
    assert a == b and counts["relex"] > 0
    for r in a:
        names = {t["name"] for t in r["tools"]}
        assert all(c["name"] in names for c in r["answers"])


def names_with(held: bool, n: int, stem: str) -> list[str]:
    out, i = [], 0
    while len(out) < n:
        name = f"{stem}_{i}_tool" if i else f"{stem}_tool"
        if held_out(name) == held:
            out.append(name)
        i += 1
    return out


def test_build_data_keeps_dev_rows_and_tools_out_of_training(tmp_path: Path):
    """build_data (data v2) over a small converted set: no dev query, no re-lexicalised variant
    of a dev query, and no held-out tool in training."""
    rng = random.Random(0)
    cities = ["Oslo", "Rome", "Paris", "Lima", "Kyiv", "Quito", "Accra", "Hanoi", "Perth", "Dakar", "Riga", "Baku"]
    names = names_with(False, 6, "lookup_city") + names_with(True, 4, "lookup_town")

    def tool(name):
        return {"name": name, "description": f"{name.replace('_', ' ')} for a city",
                "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "the city"}},
                               "required": ["city"]}}
    rows = []
    for i in range(400):
        name = names[i % len(names)]
        city = rng.choice(cities)
        rows.append({"query": f"please {name.replace('_', ' ')} in {city} number {i}", "tools": [tool(name), tool(names[(i + 1) % len(names)])],
                     "answers": [{"name": name, "arguments": {"city": city}}], "source": rng.choice(["seal_tools", "snips"]),
                     "id": str(i)})
    converted = tmp_path / "converted"
    converted.mkdir()
    write_jsonl(converted / "rows.jsonl", rows)
    write_jsonl(converted / "tool_pool.jsonl", [tool(n) for n in names])
    out = tmp_path / "build"
    subprocess.run([sys.executable, "-m", "pipeline.build_data", "--converted", str(converted), "--out", str(out),
                    "--synth-rows", "200", "--data-version", "2"], check=True, capture_output=True)
    train = read_jsonl(out / "train.jsonl")
    dev = [r for s in ("dev_in", "dev_unseen", "dev_natural") for r in read_jsonl(out / f"{s}.jsonl")]
    assert any(r["source"].startswith("relex:") for r in train)
    dev_queries = {r["query"].strip().lower() for r in dev}
    assert not any(r["query"].strip().lower() in dev_queries for r in train)
    assert not any(held_out(t["name"]) for r in train for t in r["tools"])
    # A variant of a dev row keeps the words around its values: "please <tool> in <city> number <i>".
    dev_frames = {(tool_key(r["answers"][0]["name"]), r["query"].split(" number ")[-1]) for r in dev if r["answers"]}
    for r in train:
        if r["source"].startswith("relex:"):
            assert (tool_key(r["answers"][0]["name"]), r["query"].split(" number ")[-1]) not in dev_frames
    # The report of what training is made of (pipeline.stats) reads the same build.
    report = tmp_path / "data-stats.md"
    subprocess.run([sys.executable, "-m", "pipeline.stats", "--build", str(out),
                    "--out", str(report)], check=True, capture_output=True)
    text = report.read_text()
    assert "Data version 2" in text and "### relex" in text and "| relex |" in text
