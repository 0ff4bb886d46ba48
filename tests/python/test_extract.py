"""Format 4's sequence and labels (pipeline.sequence, pipeline.labels) on small real cases, with MiniLM's tokenizer."""
from pipeline.labels import ABSENT, ENUM, FALSE, SPAN, TRUE, UNKNOWN, B, I, O, label_pair
from pipeline.sequence import PARAM, encode_pair, params_of
from pipeline.minilm import tokenizer

TOOL = {"name": "send_money", "description": "Send money",
        "parameters": {"type": "object", "properties": {
            "recipient": {"type": "string"}, "amount": {"type": "number"},
            "currency": {"type": "string", "enum": ["USD", "EUR"]}, "express": {"type": "boolean"},
            "memo": {"type": "string"}, "options": {"type": "object", "properties": {"note": {"type": "string"}}}},
            "required": ["recipient", "amount"]}}


def test_params_flatten_nested_objects_in_place():
    assert [p.path for p in params_of(TOOL)] == ["recipient", "amount", "currency", "express", "memo", "options.note"]


def test_markers_and_members_point_at_their_pieces():
    tok = tokenizer()
    pair = encode_pair(tok, "send 30 euros to Maria", TOOL)
    assert all(pair.ids[p] == PARAM for p in pair.param_pos)
    currency = [p.path for p in pair.params].index("currency")
    (a, b), (c, d) = pair.member_spans[currency]
    assert tok.decode(pair.ids[a:b]) == "usd" and tok.decode(pair.ids[c:d]) == "eur"


def test_labels_locate_spans_members_booleans_and_repeated_calls():
    tok = tokenizer()
    query = "send 30 to Maria and 20 to Joe in EUR, not express"
    pair = encode_pair(tok, query, TOOL)
    calls = [{"name": "send_money", "arguments": {"recipient": "Maria", "amount": 30, "currency": "EUR", "express": False}},
             {"name": "send_money", "arguments": {"recipient": "Joe", "amount": 20, "currency": "EUR", "express": False}}]
    lab = label_pair(query, pair, calls)
    assert lab.count == 2
    status = dict(zip([p.path for p in pair.params], lab.status))
    assert status == {"recipient": SPAN, "amount": SPAN, "currency": ENUM, "express": FALSE, "memo": ABSENT,
                      "options.note": ABSENT}
    tags = lab.tags[0]
    words = [query[a:b] for a, b in pair.request_offsets]
    assert [w for w, t in zip(words, tags) if t == B] == ["Maria", "Joe"]
    assert I not in tags


def test_a_value_found_nowhere_is_masked_and_negatives_have_no_argument_labels():
    tok = tokenizer()
    query = "pay Maria"
    pair = encode_pair(tok, query, TOOL)
    lab = label_pair(query, pair, [{"name": "send_money", "arguments": {"recipient": "Maria", "amount": 12.5}}])
    assert lab.status[1] == UNKNOWN and lab.tags[1] == []
    neg = label_pair(query, pair, [])
    assert neg.count == 0 and set(neg.status) == {UNKNOWN}


def test_durations_are_found_as_written():
    tok = tokenizer()
    tool = {"name": "set_timer", "parameters": {"type": "object", "properties": {
        "duration_seconds": {"type": "integer"}}}}
    query = "timer for 15 minutes please"
    pair = encode_pair(tok, query, tool)
    lab = label_pair(query, pair, [{"name": "set_timer", "arguments": {"duration_seconds": 900}}])
    words = [query[a:b] for a, b in pair.request_offsets]
    assert lab.status == [SPAN]
    assert [w for w, t in zip(words, lab.tags[0]) if t != O] == ["15", "minutes"]


def test_iso_dates_are_found_as_people_write_them():
    tok = tokenizer()
    tool = {"name": "stock_price", "parameters": {"type": "object", "properties": {
        "symbol": {"type": "string"}, "date": {"type": "string", "description": "Format: %Y-%m-%d"}}}}
    for query, said in [("price of TSLA on March 1st, 2022?", "March 1st, 2022"), ("TSLA, 1 March 2022", "1 March 2022"),
                        ("TSLA on Sept 1", "Sept 1"), ("TSLA 3/1/2022 please", "3/1/2022"), ("TSLA on 2022-03-01", "2022-03-01")]:
        pair = encode_pair(tok, query, tool)
        lab = label_pair(query, pair, [{"name": "stock_price", "arguments": {"symbol": "TSLA", "date": "2022-03-01"
                                                                             if "Sept" not in query else "2022-09-01"}}])
        assert lab.status[1] == SPAN, query
        tagged = [i for i, t in enumerate(lab.tags[1]) if t != O]
        a, b = pair.request_offsets[tagged[0]][0], pair.request_offsets[tagged[-1]][1]
        assert query[a:b] == said
    # Not a date, another date, another year, or day-first slashes the runtime reads month first: not found.
    for query in ("TSLA on March 2", "TSLA on March 1, 2023", "TSLA on March 1 2023", "TSLA on 1/3/2022"):
        pair = encode_pair(tok, query, tool)
        assert label_pair(query, pair, [{"name": "stock_price", "arguments": {"date": "2022-03-01"}}]).status[1] == UNKNOWN, query


def _tool(name):
    return {"name": name, "description": name.replace("_", " "), "parameters": {"type": "object", "properties": {}}}


def test_held_out_tools_are_rare_ones_chosen_by_name():
    from pipeline.train import HELD_OUT_MAX_ROWS, held_out_names
    common = [{"query": "q", "tools": [_tool("common")], "answers": [{"name": "common", "arguments": {}}]}] * (HELD_OUT_MAX_ROWS + 1)
    rare = [{"query": "q", "tools": [_tool(f"rare_{i}")], "answers": [{"name": f"rare_{i}", "arguments": {}}]} for i in range(2000)]
    held = held_out_names(common + rare, 0.05)
    assert "common" not in held
    assert 50 <= len(held) <= 150                   # ~5% of 2,000 by hash
    assert held == held_out_names(rare + common, 0.05)   # by name, not by position


def test_negatives_are_the_rows_own_tools_then_random_pool_tools():
    import random
    from pipeline.train import pairs_of
    pool = [_tool("get_weather")]
    row = {"query": "book a hotel in Rome", "tools": [_tool("book_hotel"), _tool("set_alarm")],
           "answers": [{"name": "book_hotel", "arguments": {}}]}
    pairs = pairs_of(row, tokenizer(), random.Random(0), pool, negatives=2)
    assert [p[2]["name"] for p in pairs] == ["book_hotel", "set_alarm", "get_weather"]
    assert [p[1].count for p in pairs] == [1, 0, 0]
