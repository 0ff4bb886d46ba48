"""`needle serve` against one-shot runs of the same lines, side by side in one run.

    scripts/py scripts/bench_serve.py [--model DIR] [--tools FILE] [--lines 200] [--oneshot-lines 40]

One-shot: a `needle` process per line, timed from
spawn to exit. Served: the same lines as POST /v1/chat/completions over keep-alive connections,
from 1 client and from 4 at once. Prints requests per second and p50/p99 latency for each, and
the server's peak RSS. docs/performance.md has the table.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
NEEDLE = ROOT / "target" / "release" / "needle"


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def oneshot(model: Path | None, tools: Path, lines: list[str]) -> tuple[list[float], float]:
    base = [str(NEEDLE), "--tools", str(tools)] + (["--model", str(model)] if model else [])
    subprocess.run(base + [lines[0]], capture_output=True, check=False)     # warm the page cache
    ms = []
    start = time.time()
    for q in lines:
        t = time.time()
        subprocess.run(base + [q], capture_output=True, check=False)
        ms.append((time.time() - t) * 1e3)
    return ms, time.time() - start


def served(url: str, tools: list, lines: list[str], clients: int) -> tuple[list[float], float]:
    def run(part):
        out = []
        with httpx.Client(timeout=60) as h:
            for q in part:
                t = time.time()
                r = h.post(url + "/v1/chat/completions",
                           json={"model": "needle", "messages": [{"role": "user", "content": q}], "tools": tools})
                r.raise_for_status()
                out.append((time.time() - t) * 1e3)
        return out

    parts = [lines[i::clients] for i in range(clients)]
    start = time.time()
    with ThreadPoolExecutor(clients) as pool:
        ms = [x for p in pool.map(run, parts) for x in p]
    return ms, time.time() - start


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path)
    ap.add_argument("--tools", type=Path, default=ROOT / "schemas/examples/assistant-20.json")
    ap.add_argument("--queries", type=Path, default=ROOT / "docs/queries.txt")
    ap.add_argument("--lines", type=int, default=200)
    ap.add_argument("--oneshot-lines", type=int, default=40)
    args = ap.parse_args()
    queries = [l.strip() for l in args.queries.read_text().splitlines() if l.strip()]
    lines = [queries[i % len(queries)] for i in range(args.lines)]
    tools = json.loads(args.tools.read_text())
    tools = tools if isinstance(tools, list) else [tools]
    rows = []
    ms, secs = oneshot(args.model, args.tools, lines[:args.oneshot_lines])
    rows.append(("one-shot process per line", len(ms), len(ms) / secs, pct(ms, .5), pct(ms, .99)))
    cmd = [str(NEEDLE), "serve", "--port", "0"] + (["--model", str(args.model)] if args.model else [])
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
    url = None
    for line in proc.stderr:
        m = re.search(r"listening on (http://\S+)", line)
        if m:
            url = m.group(1)
            break
    threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
    try:
        served(url, tools, lines[:10], 1)                                   # warm: tools encoded
        for clients in (1, 4):
            ms, secs = served(url, tools, lines, clients)
            rows.append((f"needle serve, {clients} client(s)", len(ms), len(ms) / secs, pct(ms, .5), pct(ms, .99)))
        rss = next(l for l in Path(f"/proc/{proc.pid}/status").read_text().splitlines() if l.startswith("VmHWM"))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    print("| mode | requests | requests/s | p50 ms | p99 ms |")
    print("|---|---|---|---|---|")
    for name, n, rps, p50, p99 in rows:
        print(f"| {name} | {n} | {rps:.1f} | {p50:.1f} | {p99:.1f} |")
    print(f"server peak RSS: {rss.split(':')[1].strip()}")


if __name__ == "__main__":
    main()
