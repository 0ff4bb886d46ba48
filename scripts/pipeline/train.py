"""Fine-tune the format 4 extractor on the CPU for a wall-clock budget, with checkpoints.

    scripts/py -m pipeline.train --build data/build --out runs/x4 --budget-min 60 --every-min 10

Each training row gives one (request, tool) pair per gold tool (count = its calls) and one per
negative tool (another tool of the row, else a random pool tool; count 0); a no-call row gives
pairs with count 0 only. (Hard negatives, two per row with a near-name tool from another row,
lost: docs/training.md, "Model format 4, second run"; d128499 has them.) Parameters are labelled by
pipeline.labels. The bi-encoder side gets an in-batch contrastive loss between each called
pair's request and its tool's text.

With `--natural-share S`, a share S of the rows is drawn from the sources people wrote (every
source but synthesis, 15% of the rows) and the rest from synthesis; `--init CKPT` starts from a
checkpoint of an earlier run (the shipped model: 100 minutes, then 80 more at S = 0.5).

A share of the rarer tools is held out (by a hash of the name): every row that offers one is kept
out of training and written to OUT/heldout.jsonl, so `pipeline.calibrate` can set the
no-call threshold on tools the model never saw, as a user's tools will be.

The learning rate follows the budget, not a step count: warm-up over the first 2%, then linear
decay to 10% at the end, so a checkpoint taken at the end of a shorter budget is a finished run.
Checkpoints go to OUT/extract-NNNmin.pt (fp16 state dict) with OUT/curve.json. `touch OUT/PAUSE`
pauses training between steps (see `scripts/paused`); the budget counts training steps only.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from pipeline.labels import UNKNOWN, ENUM, SPAN, label_pair
from pipeline.model import Extractor
from pipeline.sequence import encode_pair, request_ids, tool_line_ids
from pipeline.jsonl import is_synthetic, iter_jsonl, write_jsonl
from pipeline.minilm import tokenizer


@dataclass
class Config:
    budget_min: float = 60.0
    every_min: float = 10.0
    batch: int = 32                  # pairs per step
    lr_encoder: float = 5e-5
    lr_heads: float = 1e-3
    warmup: float = 0.02             # share of the budget
    floor: float = 0.1               # the learning rate at the end, as a share of the peak
    negatives: int = 1               # count-0 pairs per row
    heldout_tools: float = 0.03      # share of the rarer tool names kept out of training
    contrastive: float = 0.5         # weight of the bi-encoder loss
    temperature: float = 0.05
    bf16: bool = False
    seed: int = 0
    natural_share: float = 0.0       # share of each chunk drawn from rows people wrote (not synthesis)
    init: str = ""                   # a checkpoint to start from instead of the pretrained encoder


def checkpoint_path(run: Path, minutes: int) -> Path:
    return run / f"extract-{minutes:03d}min.pt"


HELD_OUT_MAX_ROWS = 200      # a tool called in more rows than this is never held out


def held_out_names(rows: list[dict], share: float) -> set[str]:
    """Tool names kept out of training: a hash-chosen share of those called in few rows."""
    calls: dict[str, int] = {}
    for r in rows:
        for t in r["tools"]:
            calls.setdefault(t["name"], 0)
        for a in r["answers"]:
            calls[a["name"]] = calls.get(a["name"], 0) + 1
    def chosen(name):
        return int(hashlib.md5(name.encode()).hexdigest()[:8], 16) % 10000 < share * 10000
    return {n for n, c in calls.items() if c <= HELD_OUT_MAX_ROWS and chosen(n)}


def cycle_shuffled(indices: list[int], rng: random.Random):
    while True:
        order = list(indices)
        rng.shuffle(order)
        yield from order


def pairs_of(row: dict, tok, rng: random.Random, pool: list[dict], negatives: int):
    """(pair, labels, tool, request) for a row's gold tools and `negatives` other tools."""
    by_name = {t["name"]: t for t in row["tools"]}
    gold = [a["name"] for a in row["answers"] if a["name"] in by_name]
    chosen = list(dict.fromkeys(gold))
    others = [t for t in row["tools"] if t["name"] not in chosen]
    rng.shuffle(others)
    negs = others[:negatives]
    while len(negs) < negatives and pool:
        t = rng.choice(pool)
        if t["name"] not in by_name:
            negs.append(t)
    out = []
    for tool in [by_name[n] for n in chosen] + negs:
        pair = encode_pair(tok, row["query"], tool)
        calls = [a for a in row["answers"] if a["name"] == tool["name"]]
        out.append((pair, label_pair(row["query"], pair, calls), tool, row["query"]))
    return out


def collate(items, tok):
    """Padded tensors for a list of (pair, labels, tool, request) and the bi-encoder's texts."""
    b = len(items)
    t = max(len(p.ids) for p, *_ in items)
    n_p = max(1, max(len(p.params) for p, *_ in items))
    n_m = max(1, max((len(s) for p, *_ in items for s in p.member_spans), default=1))
    ids = torch.zeros(b, t, dtype=torch.long)
    mask = torch.zeros(b, t, dtype=torch.long)
    param_pos = torch.zeros(b, n_p, dtype=torch.long)
    pool = torch.zeros(b, n_p, n_m, t)
    count = torch.zeros(b, dtype=torch.long)
    status = torch.full((b, n_p), -100, dtype=torch.long)
    member = torch.full((b, n_p), -100, dtype=torch.long)
    tags = torch.full((b, n_p, t), -100, dtype=torch.long)
    for i, (pair, lab, *_) in enumerate(items):
        ids[i, :len(pair.ids)] = torch.tensor(pair.ids)
        mask[i, :len(pair.ids)] = 1
        count[i] = lab.count
        for j, pos in enumerate(pair.param_pos):
            param_pos[i, j] = pos
            for k, (a, e) in enumerate(pair.member_spans[j]):
                pool[i, j, k, a:e] = 1.0 / (e - a)
            if lab.status[j] != UNKNOWN:
                status[i, j] = lab.status[j]
            if lab.status[j] == ENUM and lab.member[j] < len(pair.member_spans[j]):
                member[i, j] = lab.member[j]
            if lab.tags[j]:
                s = pair.request_start
                tags[i, j, s:s + len(lab.tags[j])] = torch.tensor(lab.tags[j])
    # Bi-encoder: each called pair's request against its tool's line (in-batch negatives).
    called = [(query, tool) for _, lab, tool, query in items if lab.count > 0]
    bi = None
    if len(called) > 1:
        names = [tool["name"] for _, tool in called]
        q = [request_ids(tok, query) for query, _ in called]
        d = [tool_line_ids(tok, tool) for _, tool in called]
        same = torch.tensor([[a == c for c in names] for a in names])
        bi = (pad(q), pad(d), same)
    return dict(ids=ids, mask=mask, param_pos=param_pos, pool=pool, count=count, status=status,
                member=member, tags=tags, bi=bi)


def pad(seqs):
    t = max(map(len, seqs))
    ids = torch.zeros(len(seqs), t, dtype=torch.long)
    mask = torch.zeros(len(seqs), t, dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, :len(s)] = torch.tensor(s)
        mask[i, :len(s)] = 1
    return ids, mask


def losses(model: Extractor, batch, cfg: Config) -> dict:
    count, status, spans, members = model(batch["ids"], batch["mask"], batch["param_pos"], batch["pool"])
    out = {"count": F.cross_entropy(count.float(), batch["count"]),
           "status": F.cross_entropy(status.float().flatten(0, 1), batch["status"].flatten(), ignore_index=-100)
           if (batch["status"] != -100).any() else count.sum() * 0,
           "span": F.cross_entropy(spans.float().flatten(0, 2), batch["tags"].flatten(), ignore_index=-100)
           if (batch["tags"] != -100).any() else count.sum() * 0}
    m = batch["member"]
    if (m != -100).any():
        logits = members.float().masked_fill(batch["pool"].sum(-1) == 0, -1e4)
        out["member"] = F.cross_entropy(logits.flatten(0, 1), m.flatten(), ignore_index=-100)
    if batch["bi"] is not None and cfg.contrastive > 0:
        (qi, qm), (di, dm), same = batch["bi"]
        sim = model.embed(qi, qm).float() @ model.embed(di, dm).float().T / cfg.temperature
        sim = sim.masked_fill(same & ~torch.eye(len(same), dtype=torch.bool), -1e4)
        out["bi"] = cfg.contrastive * F.cross_entropy(sim, torch.arange(len(same)))
    return out


def lr_scale(progress: float, cfg: Config) -> float:
    if progress < cfg.warmup:
        return progress / cfg.warmup
    return 1 - (1 - cfg.floor) * (progress - cfg.warmup) / (1 - cfg.warmup)


def train(build: Path, out: Path, cfg: Config, dev_rows: int = 0):
    if cfg.init and not Path(cfg.init).is_file():
        raise SystemExit(f"train: --init {cfg.init}: no such checkpoint file")
    torch.manual_seed(cfg.seed)
    rng = random.Random(cfg.seed)
    tok = tokenizer()
    rows = list(iter_jsonl(build / "train.jsonl"))
    held = held_out_names(rows, cfg.heldout_tools)
    offers_held = [any(t["name"] in held for t in r["tools"]) for r in rows]
    out.mkdir(parents=True, exist_ok=True)
    write_jsonl(out / "heldout.jsonl", [r for r, h in zip(rows, offers_held) if h])
    rows = [r for r, h in zip(rows, offers_held) if not h]
    pool = [t for r in rows[:20000] for t in r["tools"]]
    print(f"train: {len(rows)} training rows ({sum(offers_held)} rows offering {len(held)} held-out tools "
          f"kept out), budget {cfg.budget_min} min", flush=True)
    model = Extractor.pretrained()
    if cfg.init:
        state = torch.load(cfg.init)["state_dict"]
        model.load_state_dict({k: v.float() for k, v in state.items()})
        print(f"train: starting from {cfg.init}", flush=True)
    heads = [p for n, p in model.named_parameters() if not n.startswith("encoder.")]
    enc = [p for n, p in model.named_parameters() if n.startswith("encoder.")]
    opt = torch.optim.AdamW([{"params": enc, "lr": cfg.lr_encoder, "peak": cfg.lr_encoder},
                             {"params": heads, "lr": cfg.lr_heads, "peak": cfg.lr_heads}], weight_decay=0.01)
    budget = cfg.budget_min * 60
    train_s, next_point, step, pairs_seen, rows_seen = 0.0, cfg.every_min * 60, 0, 0, 0
    history, curve = [], []

    def row_order():
        """Row indices, endless: a shuffled pass over the rows, or with `natural_share` that share
        drawn from rows people wrote (every source but synthesis: a user's requests are written, not
        templated, and they are 15% of the rows) and the rest from synthesis, each cycled on its own."""
        if cfg.natural_share <= 0:
            yield from cycle_shuffled(list(range(len(rows))), rng)
        natural = [i for i, r in enumerate(rows) if not is_synthetic(r)]
        synthetic = [i for i, r in enumerate(rows) if is_synthetic(r)]
        pools = [cycle_shuffled(natural, rng), cycle_shuffled(synthetic, rng)]
        while True:
            yield next(pools[0] if rng.random() < cfg.natural_share else pools[1])

    def batches():
        order = row_order()
        while True:
            chunk = [next(order) for _ in range(cfg.batch * 40)]
            items = [x for j in chunk for x in pairs_of(rows[j], tok, rng, pool, cfg.negatives)]
            items.sort(key=lambda x: len(x[0].ids))       # buckets of similar length: little padding
            groups = [items[k:k + cfg.batch] for k in range(0, len(items), cfg.batch)]
            rng.shuffle(groups)
            yield from ((g, len(chunk) * len(g) / len(items)) for g in groups)

    model.train()
    for items, n_rows in batches():
        wait_while_paused(out)
        t0 = time.time()
        scale = lr_scale(train_s / budget, cfg)
        for g in opt.param_groups:
            g["lr"] = g["peak"] * scale
        batch = collate(items, tok)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=cfg.bf16):
            parts = losses(model, batch, cfg)
        loss = sum(parts.values())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        train_s += time.time() - t0
        step += 1
        pairs_seen += len(items)
        rows_seen += n_rows
        history.append({k: float(v) for k, v in parts.items()})
        if step % 25 == 0:
            recent = history[-25:]
            mean = {k: round(float(np.mean([h.get(k, 0) for h in recent])), 4) for k in recent[-1]}
            print(json.dumps({"step": step, "min": round(train_s / 60, 2), "pairs": pairs_seen,
                              "pairs_per_s": round(pairs_seen / train_s, 1), "lr_scale": round(scale, 3), **mean}),
                  flush=True)
        if train_s >= next_point or train_s >= budget:
            minutes = round(train_s / 60)
            torch.save({"config": asdict(cfg), "state_dict": {k: v.half() for k, v in model.state_dict().items()}},
                       checkpoint_path(out, minutes))
            curve.append({"minutes": train_s / 60, "steps": step, "pairs": pairs_seen, "rows": round(rows_seen),
                          "pairs_per_s": pairs_seen / train_s})
            (out / "curve.json").write_text(json.dumps({"config": asdict(cfg), "curve": curve}, indent=1))
            print(f"train: checkpoint {checkpoint_path(out, minutes)}", flush=True)
            next_point += cfg.every_min * 60
        if train_s >= budget:
            break


def wait_while_paused(out: Path):
    """While OUT/PAUSE exists, wait between steps (OUT/PAUSED says so): a heavy job (a build, an
    eval) can have both cores without the two slowing each other, and the wait is not budget."""
    if not (out / "PAUSE").exists():
        return
    (out / "PAUSED").touch()
    while (out / "PAUSE").exists():
        time.sleep(1)
    (out / "PAUSED").unlink(missing_ok=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", type=Path, required=True, help="data/build (train.jsonl is read)")
    ap.add_argument("--out", type=Path, required=True)
    for k, v in asdict(Config()).items():
        ap.add_argument(f"--{k.replace('_', '-')}", type=type(v) if not isinstance(v, bool) else int, default=v)
    args = ap.parse_args()
    cfg = Config(**{k: (bool(getattr(args, k)) if isinstance(v, bool) else getattr(args, k))
                    for k, v in asdict(Config()).items()})
    train(args.build, args.out, cfg)


if __name__ == "__main__":
    main()
