"""Train needle: one entry point, config as a dataclass, a wall-clock budget.

    # the release run (GPU):
    scripts/py -m pipeline.train --data data/pack --out runs/release --budget-s 480
    # seconds-long CPU smoke run with the tiny preset:
    scripts/py -m pipeline.train --data data/pack --out runs/smoke --preset tiny --budget-s 20
    # the learning-curve benchmark (the same loop, scored every 10 minutes): pipeline.curve

--data holds train.npz and the dev splits' .npz (pipeline.pack) and tokenizer.json.
Writes to --out: model.pt (fp16 state dict + configs), metrics.json (loss curve, dev metrics).

A step (docs/training.md has what each part is worth on a 2-core CPU):
- PackedRows.batch: every distinct tool and query of the batch is encoded once, in groups of
  similar length; cross-attention K/V are projected once per segment token and gathered per row;
  the decoder runs over rows sorted by memory length in chunks; the head and the loss only see
  real target positions.
- PackedRows.shared_tools: a batch's interchangeable distractors are redrawn from the tools its
  rows bring anyway, so the encoder (most of the work) has fewer distinct tools to encode.
- Precision: bf16 autocast where the hardware has fast bf16 (fp32 master weights and loss).
- --compile: torch.compile of each block (fuses the element-wise work that dominates on a CPU).
"""
from __future__ import annotations

import argparse
import json
import math
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from pipeline.model import ModelConfig, Needle, training_flops
from pipeline.render import CLASS_WEIGHTS
from pipeline.contract import SPECIAL_IDS

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
    dtype: str = "auto"                # bf16 | fp32 | auto (bf16 where fast_bf16 says the hardware has it)
    attention: str = "sdpa"            # sdpa | matmul (plain matmuls hold every score matrix for the backward: out of memory on a 24 GiB CPU at 64 rows)
    compile: bool = False              # torch.compile each encoder and decoder block (dynamic shapes; compile time reported)
    share_tools: bool = True           # batches redraw interchangeable distractors from the batch's tools (PackedRows.shared_tools)
    eval_max_tokens: int = 192         # greedy decoding length cap in evaluation
    seed: int = 0
    log_every: int = 50
    accum: int = 1                     # gradient accumulation chunks per batch (same effective batch; bounds memory)
    optimizer: str = "adamw"           # adamw | muon (Muon on the 2-D attention weights, AdamW at lr elsewhere)
    muon_lr: float = 0.02
    init: str = ""                     # start from this checkpoint's weights (model.pt) instead of random
    model: dict = field(default_factory=dict)


class PackedRows:
    """Rows of a pipeline.pack .npz file, batched into padded tensors."""

    def __init__(self, path: Path):
        z = np.load(path)
        self.a = {k: z[k] for k in z.files}
        self.n = len(self.a["query_off"]) - 1

    def seq(self, name, i):
        off = self.a[name + "_off"]
        return self.a[name][off[i]:off[i + 1]]

    def shared_tools(self, rows, rng) -> list[np.ndarray]:
        """Each row's tools, its interchangeable distractors (row_swap) redrawn from the batch.

        A row keeps its called tools and one of its own distractors (so a similar distractor,
        when synthesis chose one, often stays); its other distractor slots take tools that
        other rows of the batch bring anyway, none sharing a name with the row's tools. The
        batch then has fewer distinct tools to encode (the encoder is most of a step's work:
        docs/training.md). Rows keep their tool count and the positions of their called tools."""
        refs = [self.seq("row_tools", r).astype(np.int64) for r in rows]
        names = self.a["tool_name"]
        keep = []                                  # per row: the positions whose tool stays
        for r, t in zip(rows, refs):
            gold = self.seq("row_gold", r).astype(bool)
            slots = np.flatnonzero(~gold)
            if self.a["row_swap"][r] and len(slots) > 1:
                keep.append(np.sort(np.append(np.flatnonzero(gold), slots[rng.integers(len(slots))])))
            else:
                keep.append(np.arange(len(t)))
        pool = np.unique(np.concatenate([t[k] for t, k in zip(refs, keep)]))
        out = []
        for t, k in zip(refs, keep):
            if len(k) < len(t):
                t = t.copy()
                taken = set(names[t[k]].tolist())
                candidates = iter(rng.permutation(pool))
                for slot in np.setdiff1d(np.arange(len(t)), k):
                    for c in candidates:
                        if names[c] not in taken:
                            t[slot] = c
                            taken.add(names[c])
                            break
            out.append(t)
        return out

    def batch(self, rows, device=None, tool_refs=None):
        """One training or evaluation batch for a list of row indices (tensors on `device` when given).

        - "segments": what the encoder runs, [(ids [G, T], mask [G, T]), ...]. Every distinct
          tool of the batch and every query once, sorted by length and padded per group of
          SEGMENT_GROUP segments, so there is little padding.
        - "decoder": the rows sorted by memory length, in chunks of DECODER_CHUNK rows, each padded
          to its own longest memory and output: per chunk "pos" (the chunk's rows as positions in
          `rows`), "mem_idx" [B, M] (each row's memory as positions in the segments' flattened
          tokens; one past the last is a zero row, for padding), "mem_mask", "dec_in", "target"
          (-100 on padding) and "weights" (the loss weight of each target).
        - "rows", "n_tokens" (real tokens: segments once, plus targets) and "work" (WORK_KEYS).
        `tool_refs` replaces the rows' own tool lists (shared_tools).
        """
        a = self.seq
        if tool_refs is None:
            tool_refs = [a("row_tools", r).astype(np.int64) for r in rows]
        distinct = np.unique(np.concatenate(tool_refs))
        seqs = [a("tool", t) for t in distinct] + [a("query", r) for r in rows]
        lengths = np.array([len(q) for q in seqs])
        order = np.argsort(lengths, kind="stable")
        segments, start, base = [], np.zeros(len(seqs), dtype=np.int64), 0
        for g in range(0, len(order), SEGMENT_GROUP):
            members = order[g:g + SEGMENT_GROUP]
            ids = pad([seqs[i] for i in members])
            start[members] = base + np.arange(len(members)) * ids.shape[1]
            segments.append((ids, lengths_mask([seqs[i] for i in members], ids.shape[1])))
            base += ids.size
        tool_pos = {int(t): i for i, t in enumerate(distinct)}
        mem = []
        for r, refs in enumerate(tool_refs):
            parts = [start[i] + np.arange(lengths[i]) for i in [tool_pos[int(t)] for t in refs] + [len(distinct) + r]]
            mem.append(np.concatenate(parts))
        mem_lengths = np.array([len(m) for m in mem])
        outs = [a("out", r) for r in rows]
        decoder = []
        by_memory = np.argsort(mem_lengths, kind="stable")
        for c in range(0, len(rows), DECODER_CHUNK):
            pos = by_memory[c:c + DECODER_CHUNK]
            out = pad([outs[i] for i in pos], -100)
            dec_in = np.concatenate([np.full((len(pos), 1), SPECIAL_IDS["bos"]), np.where(out == -100, 0, out)[:, :-1]], 1)
            weights = np.zeros(out.shape, dtype=np.float32)
            for j, i in enumerate(pos):
                cls = a("cls", rows[i])
                weights[j, :len(cls)] = CLASS_WEIGHT_ARRAY[cls]
            decoder.append(dict(pos=pos, mem_idx=pad([mem[i] for i in pos], base),
                                mem_mask=lengths_mask([mem[i] for i in pos], mem_lengths[pos].max()),
                                dec_in=dec_in, target=out, weights=weights))
        targets = np.array([len(o) for o in outs])
        batch = dict(segments=segments, decoder=decoder, rows=np.asarray(rows, dtype=np.int64),
                     n_tokens=np.array(int(lengths.sum() + targets.sum())),
                     work=np.array([lengths.sum(), (lengths ** 2).sum(), lengths.sum(), targets.sum(),
                                    (targets ** 2).sum(), (targets * mem_lengths).sum()], dtype=np.int64))
        return to_device(batch, device) if device else batch


SEGMENT_GROUP = 32       # segments per padded encoder group (sorted by length: ~7% padding, docs/training.md)
DECODER_CHUNK = 32       # rows per decoder chunk (sorted by memory length)
CLASS_WEIGHT_ARRAY = np.asarray(CLASS_WEIGHTS, dtype=np.float32)


def pad(seqs, value=0):
    width = max(len(s) for s in seqs)
    arr = np.full((len(seqs), width), value, dtype=np.int64)
    for i, s in enumerate(seqs):
        arr[i, :len(s)] = s
    return arr


def lengths_mask(seqs, width):
    return (np.arange(width)[None] < np.array([len(s) for s in seqs])[:, None]).astype(np.int64)


def to_device(x, device):
    """numpy arrays (in dicts, lists and tuples) -> tensors on `device`."""
    if isinstance(x, dict):
        return {k: to_device(v, device) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(to_device(v, device) for v in x)
    if isinstance(x, torch.Tensor):
        return x.to(device, non_blocking=True)
    return torch.from_numpy(x).to(device, non_blocking=True)


class BatchStream(torch.utils.data.IterableDataset):
    """Endless shuffled batches, built by DataLoader workers in parallel with the GPU.

    Each item is a step: a list of `accum` batches (gradient accumulation chunks) over one
    batch_rows slice of the shuffled rows, its tools shared across the whole slice."""

    def __init__(self, data: PackedRows, batch_rows: int, seed: int, share_tools: bool, accum: int = 1):
        self.data, self.batch_rows, self.seed, self.share_tools, self.accum = data, batch_rows, seed, share_tools, accum

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        worker, workers = (info.id, info.num_workers) if info else (0, 1)
        epoch = 0
        while True:
            order = np.random.default_rng(self.seed + epoch).permutation(self.data.n)
            starts = range(0, self.data.n - self.batch_rows + 1, self.batch_rows)
            for i, start in enumerate(starts):
                if i % workers == worker:
                    rows = order[start:start + self.batch_rows].tolist()
                    refs = None
                    if self.share_tools:
                        refs = self.data.shared_tools(rows, np.random.default_rng([self.seed, epoch, i]))
                    parts = np.array_split(np.arange(len(rows)), self.accum)
                    yield [self.data.batch([rows[j] for j in p], tool_refs=refs and [refs[j] for j in p]) for p in parts]
            epoch += 1


def loss_fn(model: Needle, b, use_sdpa: bool):
    """Weighted cross-entropy (CLASS_WEIGHTS per target token) over the real target positions."""
    memory = model.memory_keys_values(b["segments"], use_sdpa)
    total = weight = 0.0
    for c in b["decoder"]:
        logits = model(memory, c["mem_idx"], c["mem_mask"], c["dec_in"], c["target"], use_sdpa)
        real = c["target"] != -100
        w = c["weights"][real]
        total = total + (F.cross_entropy(logits.float(), c["target"][real], reduction="none") * w).sum()
        weight = weight + w.sum()
    return total / weight


# -- evaluation ---------------------------------------------------------------------------------
@torch.no_grad()
def greedy_decode(model: Needle, b, max_len: int = 192, use_sdpa: bool = True):
    """Batched greedy decoding with the KV cache; returns lists of output ids (without eos)."""
    memory = model.memory_keys_values(b["segments"], use_sdpa)
    outs = [None] * len(b["rows"])
    for chunk in b["decoder"]:
        for pos, ids in zip(chunk["pos"].tolist(), greedy_chunk(model, memory, chunk, max_len)):
            outs[pos] = ids
    return outs


def greedy_chunk(model: Needle, memory, chunk, max_len: int):
    cross_k, cross_v = model.gather_memory(memory, chunk["mem_idx"])
    mask = chunk["mem_mask"]
    c = model.cfg
    n = mask.shape[0]
    past_k = cross_k[0].new_zeros(c.n_decoder_layers, n, c.n_kv_heads, 0, c.head_dim)
    past_v = past_k
    ids = torch.full((n, 1), SPECIAL_IDS["bos"], dtype=torch.long, device=mask.device)
    outs = [[] for _ in range(n)]
    done = torch.zeros(n, dtype=torch.bool, device=mask.device)
    for _ in range(max_len):
        # Plain matmuls for the steps: SDPA would repeat the memory's K/V to every query head each step.
        logits, past_k, past_v = model.decode(ids, past_k, past_v, cross_k, cross_v, mask, False, last_only=True)
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
        # An unparseable output is not an (empty) set of calls: it never matches, not even a no-call row.
        names += pred is not None and sorted(str(c.get("name")) for c in calls) == sorted(g["name"] for g in gold)
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


def evaluate(model, data: PackedRows, tokenizer, prec: "Precision", rows: list[int], batch_rows: int = 64,
             examples: int = 0, max_len: int = 192):
    model.eval()
    texts, golds = [], []
    for i in range(0, len(rows), batch_rows):
        chunk = rows[i:i + batch_rows]
        b = data.batch(chunk, prec.device)
        # Eager: compiled training blocks would recompile for inference shapes and modes.
        with prec.autocast(), torch.compiler.set_stance("force_eager"):
            decoded = greedy_decode(model, b, max_len, prec.use_sdpa)
        for r, ids in zip(chunk, decoded):
            texts.append(tokenizer.decode(ids, skip_special_tokens=False))
            gold_ids = [int(x) for x in data.seq("out", r)[:-1]]
            golds.append(json.loads(tokenizer.decode(gold_ids, skip_special_tokens=False)))
    model.train()
    result = score(texts, golds)
    if examples:
        result["examples"] = [{"predicted": t, "gold": g} for t, g in list(zip(texts, golds))[:examples]]
    return result


# -- training -----------------------------------------------------------------------------------
def fast_bf16(device: str) -> bool:
    """Whether bf16 matmuls beat fp32 here: CUDA, or a CPU with AMX or AVX-512 BF16 (elsewhere,
    e.g. AVX2-only CPUs, bf16 is emulated and slower than fp32)."""
    if device == "cuda":
        return True
    cpuinfo = Path("/proc/cpuinfo")
    flags = cpuinfo.read_text() if cpuinfo.exists() else ""
    return "amx_bf16" in flags or "avx512_bf16" in flags


@dataclass
class Precision:
    """How a step runs its arithmetic: resolved once from TrainConfig.dtype/attention and the device."""
    device: str
    bf16: bool          # bf16 autocast (fp32 master weights, optimiser and loss)
    use_sdpa: bool      # fused SDPA kernels, else plain batched matmuls

    @staticmethod
    def resolve(cfg: "TrainConfig", device: str) -> "Precision":
        bf16 = fast_bf16(device) if cfg.dtype == "auto" else cfg.dtype == "bf16"
        sdpa = cfg.attention != "matmul"
        return Precision(device, bf16, sdpa)

    def autocast(self):
        return torch.autocast(device_type=self.device, dtype=torch.bfloat16, enabled=self.bf16)


def step_loss(model, prec: Precision, chunks: list) -> torch.Tensor:
    """Forward and backward over a step's gradient-accumulation chunks; returns the mean loss."""
    total = 0.0
    for b in chunks:
        with prec.autocast():
            loss = loss_fn(model, b, prec.use_sdpa) / len(chunks)
        loss.backward()
        total += loss.detach()
    return total


def optimisers(model: torch.nn.Module, cfg: TrainConfig, device: str,
               is_attention=lambda name: ".attn.w" in name) -> list[torch.optim.Optimizer]:
    """AdamW on everything, or Muon on the attention projections (2-D weights whose name
    `is_attention`) and AdamW on the rest (the embedding, norms and gates). Each group's
    `peak_lr` is what the schedule scales."""
    from pipeline.muon import Muon
    named = list(model.named_parameters())
    muon = [p for n, p in named if cfg.optimizer == "muon" and p.dim() == 2 and is_attention(n)]
    taken = {id(p) for p in muon}
    decay = [p for n, p in named if p.dim() >= 2 and id(p) not in taken]
    no_decay = [p for n, p in named if p.dim() < 2]
    opts = [torch.optim.AdamW([{"params": decay, "weight_decay": cfg.weight_decay},
                               {"params": no_decay, "weight_decay": 0.0}],
                              lr=cfg.lr, betas=(0.9, 0.95), fused=device == "cuda")]
    if muon:
        # Decoupled decay is lr x weight_decay per step: scaled so Muon's weights decay as AdamW's do.
        opts.append(Muon(muon, lr=cfg.muon_lr, weight_decay=cfg.weight_decay * cfg.lr / cfg.muon_lr))
    for opt in opts:
        for group in opt.param_groups:
            group["peak_lr"] = group["lr"]
    return opts


def lr_at(cfg: TrainConfig, progress: float) -> float:
    if progress < cfg.warmup_frac:
        return cfg.lr * progress / cfg.warmup_frac
    t = (progress - cfg.warmup_frac) / (1 - cfg.warmup_frac)
    return cfg.lr * (cfg.min_lr_frac + (1 - cfg.min_lr_frac) * 0.5 * (1 + math.cos(math.pi * min(t, 1.0))))


DEV_SPLITS = ("dev_unseen", "dev_in", "dev_natural")
WORK_KEYS = ("enc_tokens", "enc_attn", "kv_tokens", "out_tokens", "dec_self", "dec_cross")  # PackedRows.batch "work"


def assert_no_dev_queries(train_rows: PackedRows, dev: dict[str, PackedRows]):
    """No dev query (as token ids) occurs in the training rows: dev splits stay out of training."""
    seen = {train_rows.seq("query", i).tobytes() for i in range(train_rows.n)}
    for split, rows in dev.items():
        leaked = sum(rows.seq("query", i).tobytes() in seen for i in range(rows.n))
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
    if cfg.compile:
        for block in list(model.encoder) + list(model.decoder):
            block.compile(dynamic=True)
    prec = Precision.resolve(cfg, device)
    print(f"model: {cfg.preset}, {model.num_params() / 1e6:.2f}M parameters, device {device}, "
          f"{'bf16 autocast' if prec.bf16 else 'fp32'}, {'SDPA' if prec.use_sdpa else 'matmul'} attention", flush=True)
    train_rows = PackedRows(data_dir / "train.npz")
    dev = {split: PackedRows(data_dir / f"{split}.npz") for split in DEV_SPLITS if (data_dir / f"{split}.npz").exists()}
    assert_no_dev_queries(train_rows, dev)
    dev_rows = {split: eval_subset(rows.n, cfg.eval_rows, cfg.eval_seed) for split, rows in dev.items()}
    tokenizer = Tokenizer.from_file(str(data_dir / "tokenizer.json"))

    opts = optimisers(model, cfg, device)
    workers = 6 if device == "cuda" else 0
    batches = iter(torch.utils.data.DataLoader(BatchStream(train_rows, cfg.batch_rows, cfg.seed, cfg.share_tools, cfg.accum),
                                               batch_size=None,
                                               num_workers=workers, pin_memory=device == "cuda",
                                               prefetch_factor=4 if workers else None))

    def score_checkpoint(extra: dict) -> dict:
        save_checkpoint(model, cfg, out_dir / "model.pt")        # saved before evaluating
        entry = dict(extra)
        for split, rows in dev.items():
            entry[split] = evaluate(model, rows, tokenizer, prec, dev_rows[split], max_len=cfg.eval_max_tokens,
                                    examples=40 if extra.get("final") else 0)
        return entry

    curve, loss_curve, step, rows_seen, tokens_seen, flops = [], [], 0, 0, 0, 0.0
    train_s, next_eval = 0.0, cfg.eval_every_s or math.inf
    recent = []                    # losses since the last curve point: each point reports their mean
    while train_s < cfg.budget_s and (not cfg.max_steps or step < cfg.max_steps):
        t0 = time.time()
        progress = step / cfg.max_steps if cfg.max_steps else train_s / cfg.budget_s
        scale = lr_at(cfg, progress) / cfg.lr
        for opt in opts:
            for group in opt.param_groups:
                group["lr"] = group["peak_lr"] * scale
        chunks = next(batches)
        for b in chunks:
            tokens_seen += int(b.pop("n_tokens"))
            flops += training_flops(model_cfg, dict(zip(WORK_KEYS, b.pop("work").tolist())))
        model.zero_grad(set_to_none=True)
        try:
            loss = step_loss(model, prec, to_device(chunks, device))
        except torch.OutOfMemoryError:
            raise SystemExit(f"out of memory at {cfg.batch_rows} rows a step in {cfg.accum} chunk(s): "
                             f"rerun with --accum {cfg.accum * 2} (the same effective batch)")
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        for opt in opts:
            opt.step()
        if device == "cuda":
            torch.cuda.synchronize()       # the step's time is the step's, not the next evaluation's
        step += 1
        rows_seen += cfg.batch_rows
        train_s += time.time() - t0
        recent.append(loss)
        if step % cfg.log_every == 0 or step == 1:
            entry = {"step": step, "s": round(train_s, 1), "loss": round(loss.item(), 4),
                     "lr": round(lr_at(cfg, progress), 6), "rows": rows_seen, "tokens": tokens_seen}
            loss_curve.append(entry)
            print(json.dumps(entry), flush=True)
        if train_s >= next_eval and train_s < cfg.budget_s:
            next_eval = (train_s // cfg.eval_every_s + 1) * cfg.eval_every_s
            curve.append(score_checkpoint(progress_entry(step, train_s, rows_seen, tokens_seen, flops, mean_loss(recent))))
            print(curve_line(curve[-1]), flush=True)
            recent = []
    print(f"trained {step} steps, {rows_seen} rows ({rows_seen / train_rows.n:.2f} epochs), "
          f"{tokens_seen / 1e6:.1f}M tokens in {train_s:.0f}s", flush=True)

    final = score_checkpoint(dict(progress_entry(step, train_s, rows_seen, tokens_seen, flops, mean_loss(recent)),
                                  final=True))
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


def mean_loss(losses: list) -> float:
    return float(torch.stack(losses).mean()) if losses else float("nan")


def progress_entry(step, train_s, rows_seen, tokens_seen, flops, loss) -> dict:
    return {"minutes": round(train_s / 60, 2), "step": step, "rows": rows_seen, "tokens": tokens_seen,
            "loss": round(float(loss), 4), "rows_per_s": rows_seen / max(train_s, 1e-9),
            "tflops": flops / max(train_s, 1e-9) / 1e12, "peak_rss_mb": round(peak_rss_mb())}


def cpu_name() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []:
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "cpu"


def parse_bool(text: str) -> bool:
    if text.lower() in ("1", "true", "yes"):
        return True
    if text.lower() in ("0", "false", "no"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def add_config_flags(ap: argparse.ArgumentParser, skip: set[str]):
    """One --flag per TrainConfig field (booleans take true/false)."""
    for f in fields(TrainConfig):
        if f.name not in skip:
            kind = type(f.default)
            parse = parse_bool if kind is bool else kind
            ap.add_argument("--" + f.name.replace("_", "-"), type=parse, default=f.default, metavar=kind.__name__)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, type=Path, help="folder with train/dev .npz and tokenizer.json")
    ap.add_argument("--out", required=True, type=Path)
    add_config_flags(ap, skip={"model"})
    args = vars(ap.parse_args())
    data, out = args.pop("data"), args.pop("out")
    train(TrainConfig(**args), data, out)


if __name__ == "__main__":
    main()
