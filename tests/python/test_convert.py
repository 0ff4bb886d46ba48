"""Tests for tool normalisation and the corpus converters.

The tricky parsers are tested on inline literals copied from the corpora (CI has no corpora);
tests that read the real corpora skip when /work/shared/data/corpora is absent.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.convert import CONVERTERS, load
from pipeline.convert.common import Skip, finalize, has_var_ref, rows_from
from pipeline.convert.dedupe import BfclIndex, normalize_query, row_key
from pipeline.schema import fix_call, normalize_tool, params_to_schema, validate_call

CORPORA = Path("/work/shared/data/corpora")
needs_corpora = pytest.mark.skipif(not CORPORA.is_dir(), reason="corpora not available")


# --------------------------------------------------------------------------- schema

def test_seal_tools_old_style_params():
    # from seal_tools/tool.jsonl: python type names + top-level required list
    tool = normalize_tool({
        "api_name": "analyzeSubstance", "api_description": "Analyze a substance",
        "parameters": {"substance": {"type": "str", "description": "The substance"},
                       "priority": {"type": "int", "description": "Priority level"},
                       "ratio": {"type": "float"}, "tags": {"type": "List[str]"}},
        "required": ["substance"], "responses": {"x": {"type": "str"}}})
    assert tool["name"] == "analyzeSubstance"
    props = tool["parameters"]["properties"]
    assert props["substance"] == {"type": "string", "description": "The substance"}
    assert props["priority"]["type"] == "integer"
    assert props["ratio"]["type"] == "number"
    assert props["tags"] == {"type": "array", "items": {"type": "string"}}
    assert tool["parameters"]["required"] == ["substance"]


def test_required_booleans_become_required_list():
    # Gorilla / ToolAlpaca-in-Hammer style
    schema = params_to_schema({"countryCode": {"type": "string", "required": True},
                               "offset": {"type": "integer", "description": "utc offset"},
                               "name": {}})
    assert schema["required"] == ["countryCode"]
    assert "required" not in schema["properties"]["countryCode"]
    assert schema["properties"]["name"] == {"type": "string"}  # missing type -> string


def test_acebench_dict_types_nested():
    tool = normalize_tool({"name": "RehabPlanEvaluator", "description": "d", "parameters": {
        "type": "dict", "properties": {
            "plan": {"type": "dict", "properties": {"id": {"type": "string"},
                                                    "t": {"type": "float"}}, "required": ["id"]},
            "items": {"type": "array", "items": {"type": "dict", "properties": {"n": {"type": "int"}}}}},
        "required": ["plan"]}})
    p = tool["parameters"]
    assert p["type"] == "object" and p["required"] == ["plan"]
    assert p["properties"]["plan"]["type"] == "object"
    assert p["properties"]["plan"]["properties"]["t"]["type"] == "number"
    assert p["properties"]["items"]["items"]["properties"]["n"]["type"] == "integer"


def test_tool_wrappers():
    params = {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}
    for obj in ({"type": "function", "function": {"name": "s", "description": "d", "parameters": params}},
                {"name": "s", "description": "d", "input_schema": params},
                {"name": "s", "description": "d", "inputSchema": params}):
        assert normalize_tool(obj) == {"name": "s", "description": "d", "parameters": params}


def test_examples_string_becomes_a_list_and_schema_keys_come_in_reading_order():
    # Seal-Tools writes examples as one comma-separated string; JSON Schema wants an array.
    tool = normalize_tool({"name": "f", "parameters": {
        "required": ["age"], "properties": {"age": {"type": "integer", "examples": "12, 24,36"}}, "type": "object"}})
    assert tool["parameters"]["properties"]["age"]["examples"] == ["12", "24", "36"]
    assert list(tool["parameters"]) == ["type", "properties", "required"]


def test_synthesis_uses_the_one_normaliser():
    from pipeline.synth import normalize_tool as synth_normalize
    raw = {"name": "f", "parameters": {"x": {"type": "int", "required": True}}}
    assert synth_normalize(raw) == normalize_tool(raw)
    assert synth_normalize({"description": "no name"}) is None  # refused, where the converter raises


def test_validate_call_coercion_and_rejects():
    tool = normalize_tool({"name": "f", "parameters": {
        "n": {"type": "int", "required": True}, "x": {"type": "float"}, "s": {"type": "str"},
        "b": {"type": "bool"}}})
    fixed = fix_call(tool, {"name": "f", "arguments": {"s": 1986, "n": "5", "x": "40.7", "b": "true"}})
    assert fixed["arguments"] == {"n": 5, "x": 40.7, "s": "1986", "b": True}
    assert list(fixed["arguments"]) == ["n", "x", "s", "b"]  # property order
    assert validate_call(tool, fixed)
    assert not validate_call(tool, {"name": "f", "arguments": {"n": "five"}})   # not coercible
    assert not validate_call(tool, {"name": "f", "arguments": {"x": 1.0}})      # missing required
    assert not validate_call(tool, {"name": "f", "arguments": {"n": 1, "zz": 2}})  # unknown key
    assert not validate_call(tool, {"name": "g", "arguments": {"n": 1}})


# --------------------------------------------------------------------------- parsers

def test_apibank_call_string_parsing():
    from pipeline.convert.apibank import parse_call_string
    assert parse_call_string("API-Request: [ModifyRegistration(appointment_id='34567890', "
                             "new_appointment_date='2023-03-26')]") == [
        {"name": "ModifyRegistration",
         "arguments": {"appointment_id": "34567890", "new_appointment_date": "2023-03-26"}}]
    # numbers, lists and unquoted strings (as written by the generator)
    assert parse_call_string("[A(n=3, xs=[1, 2], ok=True)]")[0]["arguments"] == {"n": 3, "xs": [1, 2], "ok": True}
    assert parse_call_string("API-Request: [GetSurgeryCost(surgery=heart transplant, location=Los Angeles)]") == [
        {"name": "GetSurgeryCost", "arguments": {"surgery": "heart transplant", "location": "Los Angeles"}}]
    with pytest.raises(Skip):
        parse_call_string("API-Request: [foo.bar(1)]")


def test_seal_tools_api_list_and_nested_drop():
    from pipeline.convert import seal_tools
    prompt = ("Input:\napi_list = [{'api_name': 'getHealthWorkforce', 'api_description': 'd', "
              "'parameters': {'location': {'type': 'str', 'description': 'where'}}, 'required': ['location']}]\n"
              "task_instruction = \"x\"\nOutput:\n")
    lists = {"a": seal_tools.parse_api_list(prompt)}
    good = {"id": "a", "query": "nurses in Kenya",
            "calling": [{"api": "getHealthWorkforce", "parameters": {"location": "Kenya"}, "responses": ["API_call_0"]}]}
    nested = {"id": "a", "query": "q", "calling": [
        {"api": "getHealthWorkforce", "parameters": {"location": "API_call_0"}, "responses": ["API_call_1"]}]}
    out = list(rows_from([good, nested], lambda s: seal_tools.convert_one(s, lists)))
    assert out[0]["answers"] == [{"name": "getHealthWorkforce", "arguments": {"location": "Kenya"}}]
    assert out[0]["tools"][0]["parameters"]["required"] == ["location"]
    assert out[1] == {"_drop": "nested_call"}


def test_acebench_question_and_parallel_names():
    from pipeline.convert.acebench import question_to_query, resolve_name
    q = ("user: I'm evaluating a partner. Can you help?\nsystem: Could you give the partner ID?\n"
         "user: The partner ID is TP-12345.\n")
    assert question_to_query(q) == "I'm evaluating a partner. Can you help? The partner ID is TP-12345."
    with pytest.raises(Skip):
        question_to_query("user: hi\nsystem: [carbon_goal_query(year=2030)]\nuser: and 2040?")
    assert resolve_name("market_insight_predict_trends_2", {"market_insight_predict_trends"}) == \
        "market_insight_predict_trends"


def test_hwu64_annotation():
    from pipeline.convert import hwu64
    query, slots = hwu64.parse_annotation("wake me up at [time : nine am] on [date : friday]")
    assert query == "wake me up at nine am on friday"
    assert slots == [("time", "nine am"), ("date", "friday")]
    r = {"answerid": "2575", "scenario": "alarm", "intent": "set",
         "answer_annotation": "set an alarm for [time : nine am]"}
    from pipeline.convert.intent_tools import HWU64, hwu64_tool, no_call_candidates
    pool = [hwu64_tool(i) for i in sorted(HWU64)]
    (row,) = list(rows_from([r], lambda x: hwu64.convert_one(x, pool, no_call_candidates())))
    assert row["answers"] == [{"name": "set_alarm", "arguments": {"time": "nine am"}}]
    assert 3 <= len(row["tools"]) <= 8 and "set_alarm" in [t["name"] for t in row["tools"]]
    g = {"answerid": "7", "scenario": "general", "intent": "praise", "answer_annotation": "thanks a lot"}
    (nocall,) = list(rows_from([g], lambda x: hwu64.convert_one(x, pool, no_call_candidates())))
    assert nocall["answers"] == [] and len(nocall["tools"]) >= 2
    # deterministic distractors
    assert list(rows_from([r], lambda x: hwu64.convert_one(x, pool, no_call_candidates())))[0] == row


def test_var_references_dropped():
    assert has_var_ref({"lat": "$var1.coordinates.latitude$"})
    assert has_var_ref(["API_call_3"])
    assert not has_var_ref({"price": "$50", "name": "Bob"})
    from pipeline.convert.complexfuncbench import leading_calls
    calls = leading_calls([
        {"name": "Search_Car_Location", "arguments": {"query": "San Diego"}, "label": "var1"},
        {"name": "Search_Car_Rentals", "arguments": {"pick_up_latitude": "$var1.coordinates.latitude$"}},
        {"name": "Search_Car_Location", "arguments": {"query": "LA"}}])
    assert calls == [{"name": "Search_Car_Location", "arguments": {"query": "San Diego"}}]
    tool = {"name": "f", "parameters": {"type": "object", "properties": {"x": {"type": "string"}}}}
    with pytest.raises(Skip, match="refers_to_earlier_call"):
        finalize({"query": "q", "tools": [tool], "answers": [{"name": "f", "arguments": {"x": "$var2$"}}],
                  "source": "t", "id": "t:1"})


def test_finalize_rejects_unoffered_tool_and_bad_args():
    tool = {"name": "f", "parameters": {"n": {"type": "int", "required": True}}}
    base = {"query": "q", "tools": [tool], "source": "t", "id": "t:1"}
    with pytest.raises(Skip, match="gold_tool_not_offered"):
        finalize({**base, "answers": [{"name": "g", "arguments": {}}]})
    with pytest.raises(Skip, match="gold_args_invalid"):
        finalize({**base, "answers": [{"name": "f", "arguments": {"n": "many"}}]})
    assert finalize({**base, "answers": [{"name": "f", "arguments": {"n": "2"}}]})["answers"] == \
        [{"name": "f", "arguments": {"n": 2}}]


def test_droidcall_mapping():
    from pipeline.convert.droidcall import to_call
    alarm = {"intent": "ACTION_SET_ALARM", "uri": "None", "extras": {
        "EXTRA_HOUR": 16, "EXTRA_MINUTES": 30, "EXTRA_MESSAGE": "Online Meeting", "EXTRA_DAYS": [5],
        "EXTRA_RINGTONE": "None", "EXTRA_VIBRATE": False}}
    assert to_call(alarm) == {"name": "set_alarm", "arguments": {
        "hour": 16, "minutes": 30, "message": "Online Meeting", "days": [5], "vibrate": False}}
    assert to_call({"intent": "ACTION_DIAL", "uri": "tel:1234567890"})["arguments"] == {"phone_number": "1234567890"}
    assert to_call({"intent": "ACTION_WIFI_SETTINGS", "uri": ""}) == {"name": "open_settings", "arguments": {"page": "wifi"}}


# --------------------------------------------------------------------------- dedupe

def test_bfcl_index_exact_and_jaccard():
    stub = ["What's the weather like in Boston, MA today?",
            "Find the area of a triangle with base 10 and height 5 units in the plane now"]
    idx = BfclIndex(stub)
    assert normalize_query("What's the weather?!") == "what s the weather"
    assert idx.matches("what's the WEATHER like in boston ma today")  # exact after normalising
    # 13 tokens vs 14 (one extra word): Jaccard 13/14 = 0.93
    assert idx.matches("Find the area of a triangle with base 10 and height 5 units in the plane now please")
    assert not idx.matches("Find the area of a circle with radius 10")
    assert not idx.matches("")


def test_row_key_ignores_case_and_punctuation():
    a = {"query": "Set an alarm!", "answers": [{"name": "x", "arguments": {"a": 1, "b": 2}}]}
    b = {"query": "set an alarm", "answers": [{"name": "x", "arguments": {"b": 2, "a": 1}}]}
    assert row_key(a) == row_key(b)


# --------------------------------------------------------------------------- real corpora

def _check_rows(rows):
    for r in rows:
        assert set(r) == {"query", "tools", "answers", "source", "id"}
        assert r["query"].strip() and r["tools"]
        names = {t["name"] for t in r["tools"]}
        for t in r["tools"]:
            assert t["parameters"]["type"] == "object"
        for a in r["answers"]:
            assert a["name"] in names
            assert validate_call(next(t for t in r["tools"] if t["name"] == a["name"]), a)


@needs_corpora
@pytest.mark.parametrize("name", ["seal_tools", "acebench", "apibank", "hammerbench", "toolrl",
                                  "glaive", "droidcall", "snips"])
def test_real_corpus_rows(name):
    module = dict(CONVERTERS)[name]
    rows, drops = [], 0
    for r in load(module).convert(CORPORA):
        if "_drop" in r:
            drops += 1
        else:
            rows.append(r)
        if len(rows) >= 200:
            break
    assert len(rows) >= 50, f"{name}: only {len(rows)} rows ({drops} drops)"
    _check_rows(rows)


@needs_corpora
def test_cli_writes_outputs(tmp_path):
    from pipeline.convert.__main__ import run
    report = run(CORPORA, tmp_path, ["toolace", "glaive"], BfclIndex(["Hi, I need to convert 500 US dollars to Euros."]))
    assert (tmp_path / "toolace.jsonl").exists() and (tmp_path / "tool_pool.jsonl").exists()
    rows = [json.loads(l) for l in (tmp_path / "glaive.jsonl").read_text().splitlines()]
    _check_rows(rows)
    assert any(r["answers"] == [] for r in rows)
    st = report["corpora"]["glaive"]
    assert st["in"] == st["out"] + st["duplicates"] + st["bfcl_overlap"] + sum(st["dropped"].values())
    pool = [json.loads(l) for l in (tmp_path / "tool_pool.jsonl").read_text().splitlines()]
    assert len(pool) == report["totals"]["tools_in_pool"] and all("source" in t for t in pool)


def test_tool_names_are_made_loadable_by_the_runtime():
    from pipeline.convert.common import finalize
    tool = {"name": "Get Products in Category", "description": "d",
            "parameters": {"type": "object", "properties": {"category": {"type": "string"}}, "required": ["category"]}}
    row = finalize({"query": "products in toys", "tools": [tool], "source": "t", "id": "t:1",
                    "answers": [{"name": "Get Products in Category", "arguments": {"category": "toys"}}]})
    assert row["tools"][0]["name"] == "Get_Products_in_Category"
    assert row["answers"][0]["name"] == "Get_Products_in_Category"
