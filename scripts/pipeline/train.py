"""Train needle: one entry point, config as a dataclass, a wall-clock budget.

    # the release run (GPU):
    scripts/py -m pipeline.train --data data/pack --out runs/release --budget-s 480
    # seconds-long CPU smoke run with the tiny preset:
    scripts/py -m pipeline.train --data data/pack --out runs/smoke --preset tiny --budget-s 20

--data holds train.npz, dev_in.npz, dev_unseen.npz (pipeline.pack) and tokenizer.json.
Writes to --out: model.pt (fp16 state dict + configs), metrics.json (loss curve, dev metrics).
"""
from __future__ import annotations

import argparse
import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from pipeline.model import ModelConfig, Needle, training_flops
from pipeline.render import CLASS_WEIGHTS
from pipeline.tokenizer import SPECIAL_IDS

PRESETS = {
    "needle": ModelConfig(),
    # The test fixture's shape: same graphs and format, a few hundred KB of weights.
    "tiny": ModelConfig(d_model=64, n_heads=4, n_kv_heads=2, head_dim=16,
                        n_encoder_layers=2, n_decoder_layers=2),
}


@dataclass
class TrainConfig:
    preset: str = "needle"
    vocab_size: int = 8192
    batch_rows: int = 128
    lr: float = 2e-3
    min_lr_frac: float = 0.05
    warmup_frac: float = 0.03          # of the time budget
    weight_decay: float = 0.05
    grad_clip: float = 1.0
    budget_s: float = 480.0            # wall-clock training budget (evaluation comes after)
    max_steps: int = 0                 # stop after this many steps too (0: budget only); makes CPU runs reproducible
    eval_rows: int = 2000              # per dev split (a fixed subset, drawn by eval_seed)
    eval_seed: int = 1234
    eval_every_s: float = 0.0          # learning curve: also evaluate every this many training seconds
    eval_max_tokens: int = 192         # greedy decoding length cap in evaluation
    seed: int = 0
    log_every: int = 50
    init: str = ""                     # start from this checkpoint's weights (model.pt) instead of random
    model: dict = field(default_factory=dict)


class PackedRows:
    """Rows of a pipeline.pack .npz file, batched into padded tensors."""

    def __init__(self, path: Path):
        z = np.load(path)
        self.a = {k: z[k] for k in z.files}
        self.n = len(self.a["query_off"]) - 1

    def _seq(self, name, i):
        off = self.a[name + "_off"]
        return self.a[name][off[i]:off[i + 1]]

    def batch(self, rows, device=None):
        """Padded arrays for a list of row indices (tensors on `device` when given).

        The batch's distinct tools are encoded once each, sorted by length and padded per group
        of TOOL_GROUP segments (little padding); each row's memory is gathered from them.
        """
        a = self._seq
        tool_refs = [a("row_tools", r).astype(np.int64) for r in rows]
        distinct = np.unique(np.concatenate(tool_refs))
        lengths = self.a["tool_off"][distinct + 1] - self.a["tool_off"][distinct]
        distinct = distinct[np.argsort(lengths, kind="stable")]
        groups, flat_start, base = [], {}, 0
        for g in range(0, len(distinct), TOOL_GROUP):
            members = [a("tool", t) for t in distinct[g:g + TOOL_GROUP]]
            ids = pad(members)
            for t, i in zip(distinct[g:g + TOOL_GROUP], range(len(members))):
                flat_start[int(t)] = base + i * ids.shape[1]
            groups.append((ids, lengths_mask(members, ids.shape[1])))
            base += ids.size
        queries = [a("query", r) for r in rows]
        query_ids = pad(queries)
        tq = query_ids.shape[1]
        zero_row = base + query_ids.size
        mem = []
        for r, refs in enumerate(tool_refs):
            parts = [flat_start[int(t)] + np.arange(len(a("tool", int(t)))) for t in refs]
            parts.append(base + r * tq + np.arange(len(queries[r])))
            mem.append(np.concatenate(parts))
        out = pad([a("out", r) for r in rows], -100)
        dec_in = np.concatenate([np.full((len(rows), 1), SPECIAL_IDS["bos"]), np.where(out == -100, 0, out)[:, :-1]], 1)
        weights = np.zeros(out.shape, dtype=np.float32)
        for i, r in enumerate(rows):
            c = a("cls", r)
            weights[i, :len(c)] = CLASS_WEIGHT_ARRAY[c]
        arrays = dict(query_ids=query_ids, query_mask=lengths_mask(queries, tq), mem_idx=pad(mem, zero_row),
                      mem_mask=lengths_mask(mem, max(len(m) for m in mem)), dec_in=dec_in, target=out, weights=weights)
        for i, (ids, mask) in enumerate(groups):
            arrays[f"tool_ids_{i}"], arrays[f"tool_mask_{i}"] = ids, mask
        # real (unpadded) tokens: every encoder segment once, plus decoder targets
        arrays["rows"] = np.asarray(rows, dtype=np.int64)
        arrays["n_tokens"] = np.array(int(lengths.sum()) + sum(len(q) for q in queries) + int((out != -100).sum()))
        targets = (out != -100).sum(1)
        mem_lengths = np.array([len(m) for m in mem])
        seg_lengths = np.concatenate([lengths, [len(q) for q in queries]])
        arrays["work"] = np.array([seg_lengths.sum(), (seg_lengths ** 2).sum(), mem_lengths.sum(), targets.sum(),
                                   (targets ** 2).sum(), (targets * mem_lengths).sum()], dtype=np.int64)
        return to_device(arrays, device) if device else arrays


TOOL_GROUP = 256
CLASS_WEIGHT_ARRAY = np.asarray(CLASS_WEIGHTS, dtype=np.float32)


def pad(seqs, value=0):
    width = max(len(s) for s in seqs)
    arr = np.full((len(seqs), width), value, dtype=np.int64)
    for i, s in enumerate(seqs):
        arr[i, :len(s)] = s
    return arr


def lengths_mask(seqs, width):
    return (np.arange(width)[None] < np.array([len(s) for s in seqs])[:, None]).astype(np.int64)


def to_device(arrays, device):
    return {k: torch.from_numpy(v).to(device, non_blocking=True) for k, v in arrays.items()}


class BatchStream(torch.utils.data.IterableDataset):
    """Endless shuffled batches, built by DataLoader workers in parallel with the GPU."""

    def __init__(self, data: PackedRows, batch_rows: int, seed: int):
        self.data, self.batch_rows, self.seed = data, batch_rows, seed

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        worker, workers = (info.id, info.num_workers) if info else (0, 1)
        epoch = 0
        while True:
            order = np.random.default_rng(self.seed + epoch).permutation(self.data.n)
            starts = range(0, self.data.n - self.batch_rows + 1, self.batch_rows)
            for i, start in enumerate(starts):
                if i % workers == worker:
                    yield self.data.batch(order[start:start + self.batch_rows].tolist())
            epoch += 1


def build_memory(model: Needle, b):
    """Encode the batch's tool and query segments and gather each row's memory [B, M, d]."""
    hidden = []
    i = 0
    while f"tool_ids_{i}" in b:
        hidden.append(model.encode(b[f"tool_ids_{i}"], b[f"tool_mask_{i}"]))
        i += 1
    hidden.append(model.encode(b["query_ids"], b["query_mask"]))
    d = hidden[0].shape[-1]
    flat = torch.cat([h.reshape(-1, d) for h in hidden] + [hidden[0].new_zeros(1, d)])
    return flat[b["mem_idx"]], b["mem_mask"]


def loss_fn(model: Needle, b):
    memory, mask = build_memory(model, b)
    logits = model(memory, mask, b["dec_in"])
    ce = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), b["target"].reshape(-1),
                         ignore_index=-100, reduction="none")
    w = b["weights"].reshape(-1)
    return (ce * w).sum() / w.sum()


# -- evaluation ---------------------------------------------------------------------------------
@torch.no_grad()
def greedy_decode(model: Needle, b, max_len: int = 192):
    """Batched greedy decoding with the KV cache; returns lists of output ids (without eos)."""
    memory, mask = build_memory(model, b)
    cross_k, cross_v = model.cross_keys_values(memory)
    c = model.cfg
    n = memory.shape[0]
    past_k = memory.new_zeros(c.n_decoder_layers, n, c.n_kv_heads, 0, c.head_dim)
    past_v = past_k
    ids = torch.full((n, 1), SPECIAL_IDS["bos"], dtype=torch.long, device=memory.device)
    outs = [[] for _ in range(n)]
    done = torch.zeros(n, dtype=torch.bool, device=memory.device)
    for _ in range(max_len):
        logits, past_k, past_v = model.decode(ids, past_k, past_v, cross_k, cross_v, mask)
        ids = logits[:, -1].argmax(-1, keepdim=True)
        for i, tok in enumerate(ids[:, 0].tolist()):
            if not done[i] and tok != SPECIAL_IDS["eos"]:
                outs[i].append(tok)
        done |= ids[:, 0] == SPECIAL_IDS["eos"]
        if bool(done.all()):
            break
    return outs


def canonical_calls(calls):
    """A call list as a sorted list of JSON strings (order-insensitive comparison; 1 == 1.0)."""
    def norm(v):
        if isinstance(v, float) and v.is_integer():
            return int(v)
        if isinstance(v, dict):
            return {k: norm(x) for k, x in sorted(v.items())}
        if isinstance(v, list):
            return [norm(x) for x in v]
        return v
    return sorted(json.dumps({"name": c.get("name"), "arguments": norm(c.get("arguments") or {})}, sort_keys=True)
                  for c in calls)


def score(predicted_texts, gold_answers):
    """Exact match, tool-name accuracy, argument accuracy, no-call precision/recall/F1."""
    exact = names = 0
    arg_hit = arg_total = 0
    tp = fp = fn = 0            # "no call" is the positive class
    invalid = 0
    for text, gold in zip(predicted_texts, gold_answers):
        try:
            pred = json.loads(text)
            assert isinstance(pred, list) and all(isinstance(c, dict) for c in pred)
        except Exception:
            pred, invalid = None, invalid + 1
        calls = pred or []
        exact += pred is not None and canonical_calls(calls) == canonical_calls(gold)
        names += sorted(str(c.get("name")) for c in calls) == sorted(g["name"] for g in gold)
        for g in gold:
            match = next((c for c in calls if c.get("name") == g["name"]), None)
            for k, v in (g.get("arguments") or {}).items():
                arg_total += 1
                got = (match or {}).get("arguments") or {}
                arg_hit += isinstance(got, dict) and k in got and canonical_calls([{"arguments": {k: got[k]}}]) == canonical_calls([{"arguments": {k: v}}])
        pred_none, gold_none = pred is not None and len(calls) == 0, len(gold) == 0
        tp += pred_none and gold_none
        fp += pred_none and not gold_none
        fn += gold_none and not pred_none
    n = max(len(gold_answers), 1)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"rows": len(gold_answers), "exact_match": exact / n, "tool_name_acc": names / n,
            "argument_acc": arg_hit / max(arg_total, 1), "no_call_precision": p, "no_call_recall": r,
            "no_call_f1": 2 * p * r / (p + r) if p + r else 0.0, "unparseable": invalid / n}


def eval_subset(n: int, size: int, seed: int) -> list[int]:
    """The fixed dev rows a run is scored on: `size` of `n`, drawn by `seed` (not the training seed)."""
    return sorted(np.random.default_rng(seed).permutation(n)[:size].tolist())


def evaluate(model, data: PackedRows, tokenizer, device, rows: list[int], batch_rows: int = 64, examples: int = 0,
             max_len: int = 192):
    model.eval()
    texts, golds = [], []
    for i in range(0, len(rows), batch_rows):
        chunk = rows[i:i + batch_rows]
        b = data.batch(chunk, device)
        for r, ids in zip(chunk, greedy_decode(model, b, max_len)):
            texts.append(tokenizer.decode(ids, skip_special_tokens=False))
            gold_ids = [int(x) for x in data._seq("out", r)[:-1]]
            golds.append(json.loads(tokenizer.decode(gold_ids, skip_special_tokens=False)))
    model.train()
    result = score(texts, golds)
    if examples:
        result["examples"] = [{"predicted": t, "gold": g} for t, g in list(zip(texts, golds))[:examples]]
    return result


# -- training -----------------------------------------------------------------------------------
def step_loss(model, cfg, data: PackedRows, rows, accum: int, device, batch=None):
    """Forward and backward over `rows` (in `accum` chunks); returns the mean loss."""
    chunks = [batch] if accum == 1 and batch is not None else \
        [data.batch(c.tolist(), device) for c in np.array_split(np.asarray(rows), accum)]
    total = 0.0
    for b in chunks:
        with torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=device == "cuda"):
            loss = loss_fn(model, b) / len(chunks)
        loss.backward()
        total += loss.detach()
    return total


def lr_at(cfg: TrainConfig, progress: float) -> float:
    if progress < cfg.warmup_frac:
        return cfg.lr * progress / cfg.warmup_frac
    t = (progress - cfg.warmup_frac) / (1 - cfg.warmup_frac)
    return cfg.lr * (cfg.min_lr_frac + (1 - cfg.min_lr_frac) * 0.5 * (1 + math.cos(math.pi * min(t, 1.0))))


DEV_SPLITS = ("dev_unseen", "dev_in", "dev_natural")
WORK_KEYS = ("enc_tokens", "enc_attn", "kv_tokens", "out_tokens", "dec_self", "dec_cross")  # PackedRows.batch "work"


def assert_no_dev_queries(train_rows: PackedRows, dev: dict[str, PackedRows]):
    """No dev query (as token ids) occurs in the training rows: dev splits stay out of training."""
    seen = {train_rows._seq("query", i).tobytes() for i in range(train_rows.n)}
    for split, rows in dev.items():
        leaked = sum(rows._seq("query", i).tobytes() in seen for i in range(rows.n))
        assert not leaked, f"{leaked} {split} queries are in the training rows"


def peak_rss_mb() -> float:
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def curve_line(e: dict) -> str:
    """One checkpoint of the learning curve as one line of text."""
    parts = [f"{e['minutes']:6.1f} min  {e['rows']:7d} rows  {e['tokens'] / 1e6:6.1f}M tok  loss {e['loss']:.3f}"]
    for split in DEV_SPLITS:
        m = e.get(split)
        if m:
            parts.append(f"{split} EM {m['exact_match']:.3f} name {m['tool_name_acc']:.3f} arg {m['argument_acc']:.3f} "
                         f"nocall P/R/F1 {m['no_call_precision']:.2f}/{m['no_call_recall']:.2f}/{m['no_call_f1']:.2f}")
    parts.append(f"{e['rows_per_s']:.2f} rows/s  {e['tflops']:.3f} TFLOP/s  rss {e['peak_rss_mb']:.0f} MB")
    return " | ".join(parts)


def save_checkpoint(model, cfg: TrainConfig, path: Path):
    state = {k: v.to(torch.float16) for k, v in model.state_dict().items()}
    torch.save({"model_config": cfg.model, "train_config": asdict(cfg), "state_dict": state}, path)


def train(cfg: TrainConfig, data_dir: Path, out_dir: Path):
    """Train for cfg.budget_s seconds of training time (evaluation excluded) or cfg.max_steps.

    With cfg.eval_every_s, the run is a learning curve: every eval_every_s training seconds, and
    at the end, the checkpoint is saved and scored on fixed subsets (cfg.eval_rows rows drawn by
    cfg.eval_seed) of each dev split; each point prints one line (curve_line) and metrics.json
    holds them all under "curve"."""
    from tokenizers import Tokenizer
    torch.manual_seed(cfg.seed)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    out_dir.mkdir(parents=True, exist_ok=True)
    model_cfg = PRESETS[cfg.preset]
    model_cfg.vocab_size = cfg.vocab_size
    cfg.model = model_cfg.to_dict()
    model = Needle(model_cfg)
    if cfg.init:
        state = torch.load(cfg.init, map_location="cpu")["state_dict"]
        model.load_state_dict({k: v.float() for k, v in state.items()})
        print(f"init: weights from {cfg.init}", flush=True)
    model = model.to(device)
    print(f"model: {cfg.preset}, {model.num_params() / 1e6:.2f}M parameters, device {device}", flush=True)
    train_rows = PackedRows(data_dir / "train.npz")
    dev = {split: PackedRows(data_dir / f"{split}.npz") for split in DEV_SPLITS if (data_dir / f"{split}.npz").exists()}
    assert_no_dev_queries(train_rows, dev)
    dev_rows = {split: eval_subset(rows.n, cfg.eval_rows, cfg.eval_seed) for split, rows in dev.items()}
    tokenizer = Tokenizer.from_file(str(data_dir / "tokenizer.json"))

    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": cfg.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=cfg.lr, betas=(0.9, 0.95), fused=device == "cuda")
    workers = 6 if device == "cuda" else 0
    batches = iter(torch.utils.data.DataLoader(BatchStream(train_rows, cfg.batch_rows, cfg.seed), batch_size=None,
                                               num_workers=workers, pin_memory=device == "cuda",
                                               prefetch_factor=4 if workers else None))

    def score_checkpoint(extra: dict) -> dict:
        save_checkpoint(model, cfg, out_dir / "model.pt")        # saved before evaluating
        entry = dict(extra)
        for split, rows in dev.items():
            with torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=device == "cuda"):
                entry[split] = evaluate(model, rows, tokenizer, device, dev_rows[split], max_len=cfg.eval_max_tokens,
                                        examples=40 if extra.get("final") else 0)
        return entry

    curve, loss_curve, step, rows_seen, tokens_seen, flops, accum = [], [], 0, 0, 0, 0.0, 1
    train_s, next_eval, loss = 0.0, cfg.eval_every_s or math.inf, torch.tensor(float("nan"))
    recent = []                    # losses since the last curve point: each point reports their mean
    while train_s < cfg.budget_s and (not cfg.max_steps or step < cfg.max_steps):
        t0 = time.time()
        progress = step / cfg.max_steps if cfg.max_steps else train_s / cfg.budget_s
        for group in opt.param_groups:
            group["lr"] = lr_at(cfg, progress)
        arrays = next(batches)
        tokens_seen += int(arrays.pop("n_tokens"))
        flops += training_flops(model_cfg, dict(zip(WORK_KEYS, arrays.pop("work").tolist())))
        rows = arrays.pop("rows").tolist()
        opt.zero_grad(set_to_none=True)
        try:
            loss = step_loss(model, cfg, train_rows, rows, accum, device,
                             {k: v.to(device, non_blocking=True) for k, v in arrays.items()} if accum == 1 else None)
        except torch.OutOfMemoryError:
            # Too big for the GPU: from now on split every batch into more chunks (same effective batch).
            accum *= 2
            print(f"out of memory: accumulating gradients over {accum} chunks", flush=True)
            opt.zero_grad(set_to_none=True)
            torch.cuda.empty_cache()
            loss = step_loss(model, cfg, train_rows, rows, accum, device, None)
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        opt.step()
        step += 1
        rows_seen += cfg.batch_rows
        train_s += time.time() - t0
        recent.append(loss)
        if step % cfg.log_every == 0 or step == 1:
            entry = {"step": step, "s": round(train_s, 1), "loss": round(loss.item(), 4),
                     "lr": round(opt.param_groups[0]["lr"], 6), "rows": rows_seen, "tokens": tokens_seen}
            loss_curve.append(entry)
            print(json.dumps(entry), flush=True)
        if train_s >= next_eval and train_s < cfg.budget_s:
            next_eval += cfg.eval_every_s
            curve.append(score_checkpoint(progress_entry(step, train_s, rows_seen, tokens_seen, flops, torch.stack(recent).mean())))
            print(curve_line(curve[-1]), flush=True)
            recent = []
    print(f"trained {step} steps, {rows_seen} rows ({rows_seen / train_rows.n:.2f} epochs), "
          f"{tokens_seen / 1e6:.1f}M tokens in {train_s:.0f}s", flush=True)

    final = score_checkpoint(dict(progress_entry(step, train_s, rows_seen, tokens_seen, flops, torch.stack(recent).mean()), final=True))
    curve.append(final)
    print(curve_line(final), flush=True)
    metrics = {"train_config": asdict(cfg), "steps": step, "rows_seen": rows_seen,
               "epochs": rows_seen / train_rows.n, "tokens_seen": tokens_seen, "train_s": train_s,
               "device": torch.cuda.get_device_name() if device == "cuda" else cpu_name(), "loss_curve": loss_curve,
               "curve": [{k: v for k, v in e.items() if k != "final"} for e in curve]}
    for split in dev:
        metrics[split] = final[split]
    (out_dir / "metrics.json").write_text(json.dumps(metrics, indent=1))
    return model, metrics


def progress_entry(step, train_s, rows_seen, tokens_seen, flops, loss) -> dict:
    return {"minutes": round(train_s / 60, 2), "step": step, "rows": rows_seen, "tokens": tokens_seen,
            "loss": round(float(loss), 4), "rows_per_s": rows_seen / max(train_s, 1e-9),
            "tflops": flops / max(train_s, 1e-9) / 1e12, "peak_rss_mb": round(peak_rss_mb())}


def cpu_name() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []:
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "cpu"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, type=Path, help="folder with train/dev .npz and tokenizer.json")
    ap.add_argument("--out", required=True, type=Path)
    for f in TrainConfig.__dataclass_fields__.values():
        if f.name != "model":
            ap.add_argument("--" + f.name.replace("_", "-"), type=type(f.default), default=f.default)
    args = vars(ap.parse_args())
    data, out = args.pop("data"), args.pop("out")
    train(TrainConfig(**args), data, out)


if __name__ == "__main__":
    main()
