"""`needle serve` driven by the real `openai` client and raw HTTP (httpx), with the shipped model
(assets/): the OpenAI wire format, tool_choice, streaming, errors and limits, keys, and a bounded
load test. docs/serve.md is what these check."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import openai
import pytest

ROOT = Path(__file__).resolve().parents[2]
NEEDLE = ROOT / "target" / "release" / "needle"
MODEL = ROOT / "assets"        # the shipped model: the random-weight fixtures never finish a call
KEY = "sk-test-0123456789"

TOOLS = [
    {"type": "function", "function": {
        "name": "set_lights", "description": "Turn the lights of a room on or off, or dim them.",
        "parameters": {"type": "object", "properties": {
            "room": {"type": "string", "description": "The room"},
            "brightness": {"type": "integer", "minimum": 0, "maximum": 100}}, "required": ["room"]}}},
    {"type": "function", "function": {
        "name": "play_music", "description": "Play a song, an artist or a playlist.",
        "parameters": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]}}},
]
NAMES = {t["function"]["name"] for t in TOOLS}


@pytest.fixture(scope="module", autouse=True)
def built():
    # scripts/test runs pytest before `cargo test`: make sure the binary is current.
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "needle"], cwd=ROOT, check=True)


class Server:
    """`needle serve` on a free loopback port; stopped with SIGTERM, which must exit 0."""

    def __init__(self, *args: str, env: dict | None = None):
        cmd = [str(NEEDLE), "serve", "--model", str(MODEL), "--port", "0", *args]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.PIPE, text=True,
                                     env={**os.environ, **(env or {})})
        self.log: list[str] = []
        deadline = time.time() + 60
        self.url = None
        while time.time() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            self.log.append(line)
            m = re.search(r"listening on (http://\S+)", line)
            if m:
                self.url = m.group(1)
                break
        assert self.url, f"needle serve did not start: {''.join(self.log)}"
        # Keep reading stderr so the server never blocks on a full pipe.
        self.reader = threading.Thread(target=lambda: self.log.extend(self.proc.stderr), daemon=True)
        self.reader.start()

    def client(self, key: str = "none") -> openai.OpenAI:
        return openai.OpenAI(base_url=self.url + "/v1", api_key=key, max_retries=0, timeout=30)

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=30)
        self.reader.join(timeout=5)
        return code

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            assert self.stop() == 0, "".join(self.log)


def ask(client, query, **kw):
    return client.chat.completions.create(model="needle", messages=[{"role": "user", "content": query}], **kw)


def test_tool_calls_come_back_in_openai_shape_and_parse():
    with Server() as s:
        r = ask(s.client(), "dim the kitchen lights to 20", tools=TOOLS, tool_choice="required")
        choice = r.choices[0]
        assert choice.finish_reason == "tool_calls"
        calls = choice.message.tool_calls
        assert calls and all(c.type == "function" and c.function.name in NAMES for c in calls)
        assert all(isinstance(json.loads(c.function.arguments), dict) for c in calls)
        assert len({c.id for c in calls}) == len(calls)
        assert r.usage.prompt_tokens > 0 and r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens
        assert s.client().models.list().data[0].id


def test_tool_choice_none_named_and_auto():
    with Server() as s:
        c = s.client()
        r = ask(c, "play some jazz", tools=TOOLS, tool_choice="none")
        assert r.choices[0].finish_reason == "stop" and not r.choices[0].message.tool_calls
        assert r.choices[0].message.content == ""
        r = ask(c, "play some jazz", tools=TOOLS, tool_choice={"type": "function", "function": {"name": "play_music"}})
        assert [t.function.name for t in r.choices[0].message.tool_calls] == ["play_music"]
        r = ask(c, "play some jazz", tools=TOOLS)   # auto: whatever the model says, consistently shaped
        calls = r.choices[0].message.tool_calls or []
        assert r.choices[0].finish_reason == ("tool_calls" if calls else "stop")
        with pytest.raises(openai.BadRequestError) as e:
            ask(c, "play some jazz", tools=TOOLS, tool_choice={"type": "function", "function": {"name": "nope"}})
        assert e.value.body["param"] == "tool_choice"


def test_no_tools_anywhere_answers_no_call_and_required_is_refused():
    with Server() as s:
        r = ask(s.client(), "turn on the lights")
        assert r.choices[0].finish_reason == "stop" and not r.choices[0].message.tool_calls
        with pytest.raises(openai.BadRequestError):
            ask(s.client(), "turn on the lights", tool_choice="required")


def test_server_tools_are_used_when_a_request_brings_none(tmp_path):
    path = tmp_path / "tools.json"
    path.write_text(json.dumps(TOOLS))
    with Server("--tools", str(path)) as s:
        r = ask(s.client(), "play some jazz", tool_choice="required")
        assert r.choices[0].message.tool_calls[0].function.name in NAMES
        assert httpx.get(s.url + "/health").json()["tools"] == 2


def test_streaming_gives_the_same_answer_as_chunks():
    with Server() as s:
        c = s.client()
        whole = ask(c, "dim the kitchen lights to 20", tools=TOOLS, tool_choice="required")
        chunks = list(ask(c, "dim the kitchen lights to 20", tools=TOOLS, tool_choice="required", stream=True,
                          stream_options={"include_usage": True}))
        assert chunks[0].choices[0].delta.role == "assistant"
        got = {}
        for ch in chunks:
            for d in (ch.choices[0].delta.tool_calls or []) if ch.choices else []:
                got[d.index] = (d.function.name, d.function.arguments)
        want = {i: (t.function.name, t.function.arguments) for i, t in enumerate(whole.choices[0].message.tool_calls)}
        assert got == want
        assert [ch.choices[0].finish_reason for ch in chunks if ch.choices][-1] == "tool_calls"
        assert chunks[-1].usage.total_tokens == whole.usage.total_tokens


def test_bad_requests_get_openai_errors_and_the_server_keeps_answering():
    with Server("--max-body", "4000") as s:
        bad = httpx.post(s.url + "/v1/chat/completions", content=b"{not json", headers={"content-type": "application/json"})
        assert bad.status_code == 400 and "not valid JSON" in bad.json()["error"]["message"]
        big = {"model": "m", "messages": [{"role": "user", "content": "x" * 5000}]}
        too_big = httpx.post(s.url + "/v1/chat/completions", json=big)
        assert too_big.status_code == 413 and too_big.json()["error"]["code"] == "request_too_large"
        with pytest.raises(openai.BadRequestError) as e:
            ask(s.client(), "hi", tools=TOOLS, n=2)
        assert e.value.body["param"] == "n"
        broken_tool = [{"type": "function", "function": {"name": "x", "parameters": {"type": "nonsense"}}}]
        with pytest.raises(openai.BadRequestError) as e:
            ask(s.client(), "hi", tools=broken_tool)
        assert e.value.body["param"] == "tools"
        assert httpx.get(s.url + "/nowhere").status_code == 404
        r = ask(s.client(), "play some jazz", tools=TOOLS, tool_choice="required")
        assert r.choices[0].message.tool_calls


def test_a_key_is_required_when_set_and_compared_exactly():
    with Server("--api-key", KEY) as s:
        with pytest.raises(openai.AuthenticationError):
            ask(s.client("sk-wrong"), "play jazz", tools=TOOLS)
        assert httpx.get(s.url + "/health").status_code == 401
        assert httpx.get(s.url + "/health", headers={"authorization": f"Bearer {KEY}x"}).status_code == 401
        assert ask(s.client(KEY), "play jazz", tools=TOOLS, tool_choice="required").choices[0].message.tool_calls


def test_other_addresses_are_refused_without_a_key():
    p = subprocess.run([str(NEEDLE), "serve", "--model", str(MODEL), "--host", "0.0.0.0", "--port", "0"],
                       cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "API key" in p.stderr


def test_calls_endpoint_matches_one_shot_mode(tmp_path):
    path = tmp_path / "tools.json"
    path.write_text(json.dumps(TOOLS))
    queries = ["dim the kitchen lights to 20", "play some jazz", "what is the weather"]
    with Server() as s:
        for q in queries:
            served = httpx.post(s.url + "/v1/calls", json={"query": q, "tools": TOOLS}).json()
            one = subprocess.run([str(NEEDLE), "--model", str(MODEL), "--tools", str(path), q],
                                 cwd=ROOT, capture_output=True, text=True, timeout=60)
            assert json.loads(one.stdout) == served["calls"], q


def test_bounded_load_every_request_answered_or_refused():
    """8 clients, 2,000 requests over two tool sets, a queue of 4: each answer is the one a
    lone request gets, or a 503 with Retry-After; none lost or hung."""
    queries = ["dim the kitchen lights to 20", "play some jazz", "turn off the bedroom", "play Halo by Beyonce"]
    tool_sets = [TOOLS, TOOLS[::-1]]
    with Server("--workers", "2", "--queue", "4") as s:
        with httpx.Client(timeout=30) as h:
            want = {(q, i): h.post(s.url + "/v1/calls", json={"query": q, "tools": ts}).json()["calls"]
                    for q in queries for i, ts in enumerate(tool_sets)}

        def client(n):
            out = []
            with httpx.Client(timeout=30) as h:
                for j in range(250):
                    q, i = queries[(n + j) % len(queries)], (n + j) % 2
                    r = h.post(s.url + "/v1/calls", json={"query": q, "tools": tool_sets[i]})
                    if r.status_code == 200:
                        out.append(r.json()["calls"] == want[(q, i)])
                    else:
                        assert r.status_code == 503 and r.headers["retry-after"] == "1", r.text
                        out.append(None)
            return out

        start = time.time()
        with ThreadPoolExecutor(8) as pool:
            results = [x for part in pool.map(client, range(8)) for x in part]
        seconds = time.time() - start
        rss = next(l for l in Path(f"/proc/{s.proc.pid}/status").read_text().splitlines() if l.startswith("VmHWM"))
        answered = sum(1 for x in results if x is not None)
        print(f"load: {len(results)} requests in {seconds:.1f} s, {answered} answered, "
              f"{len(results) - answered} refused (503), peak {rss.split(':')[1].strip()}")
        assert len(results) == 2000 and all(x is not False for x in results)
        assert answered > 0
