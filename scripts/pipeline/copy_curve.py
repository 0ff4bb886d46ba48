"""Learning curve of the copy decoder over frozen MiniLM (pipeline.copy_model), on the benchmark's
dev subsets (the same 300 rows per split as pipeline.curve).

    scripts/py -m pipeline.copy_curve prepare --build data/build --pack data/pack --out data/copy
    scripts/py -m pipeline.copy_curve train --data data/copy --out runs/copy --budget-min 30
    scripts/py -m pipeline.copy_curve score --run runs/copy     # (re-)score a run's checkpoints

`prepare` reads the row files of pipeline.build_data, keeps exactly the rows pipeline.pack kept
(same order, so eval_subset draws the same dev rows), encodes every distinct query and tool text
once with frozen MiniLM (bf16 where the CPU has it) and writes the states (fp16), their
surfaces, each row's chosen tools and its answer as actions. `train` trains the decoder alone:
the encoder is frozen, so its states are read, not recomputed, at every step.

Each curve point is scored the way the product answers (`runtime_score`): the checkpoint is
exported (pipeline.export_copy, int8 as shipped) and `needle eval` runs the Rust runtime, with
constrained decoding, over the dev subsets (data/eval, scripts/dev_subset_to_eval.py) and
scores them with BFCL's checker. A PyTorch greedy, unconstrained exact match ranked two models
the opposite way from the product once (docs/training.md, "copy-first"); it is kept as a
diagnostic (`--torch-eval`: tool-name and argument accuracy).
"""
from __future__ import annotations

import argparse
import json
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from pipeline.contract import BOS, MAX_ACTIONS, MAX_OUTPUT_TOKENS, MAX_QUERY_PIECES, MAX_TOOL_PIECES
from pipeline.copy_model import (CopyDecoder, DecoderConfig, OutputVocab, align, load_decoder, marginal_loss, segment,
                                 tool_text)
from pipeline.jsonl import iter_jsonl
from pipeline.minilm import MiniLM, mean_pool, tokenizer as minilm_tokenizer
from pipeline.pack import canonical_answers
from pipeline.render import render_answers
from pipeline.train import (DEV_SPLITS, TrainConfig, cpu_name, eval_subset, fast_bf16, lr_at, optimisers,
                            peak_rss_mb, score)

SPLITS = ("train",) + DEV_SPLITS
EVAL_ROWS, EVAL_SEED = 300, 1234
NEEDLE = Path(__file__).resolve().parents[2] / "target" / "release" / "needle"
NO_CALL_FLOORS = (0.0, 0.5, 0.8, 0.9, 0.97)     # the no-call floors calibrate_model tries
CALIBRATION_ROWS = "calib-600.jsonl"            # held-out training rows (scripts/dev_subset_to_eval.py)


# -- prepare ------------------------------------------------------------------------------------
def kept_rows(build: Path, pack: Path, split: str) -> list[dict]:
    """The rows of build/<split>.jsonl that pipeline.pack kept (it drops rows without tools and
    rows whose answer is over MAX_OUTPUT_TOKENS of its tokenizer), checked against the pack."""
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(str(pack / "tokenizer.json"))
    rows = [r for r in iter_jsonl(build / f"{split}.jsonl") if r["tools"]]
    texts = [render_answers(canonical_answers(r)) for r in rows]
    lengths = [len(e.ids) + 1 for e in tok.encode_batch(texts, add_special_tokens=False)]
    kept = [r for r, n in zip(rows, lengths) if n <= MAX_OUTPUT_TOKENS]
    n_pack = len(np.load(pack / f"{split}.npz")["query_off"]) - 1
    assert len(kept) == n_pack, f"{split}: {len(kept)} rows kept here, {n_pack} in the pack"
    return kept


class TextStates:
    """Frozen MiniLM states of distinct texts, stored ragged: states [N, d] fp16 (one tensor,
    allocated once: the training split's states are gigabytes), surfaces, lengths, and a pooled
    embedding per text."""

    def __init__(self):
        self.index: dict[str, int] = {}
        self.surfaces, self.lengths = [], []
        self.states = self.pooled = None

    def add(self, texts: list[str]):
        for t in texts:
            if t not in self.index:
                self.index[t] = len(self.index)

    def order(self, tok, max_pieces_of) -> list:
        """Segments the texts and re-indexes them in encoding order (shorter first; row
        references use self.index): [(text, (ids, surfaces))]."""
        texts = list(self.index)
        segs = []
        for kind in ("query", "tool"):
            group = [t for t in texts if max_pieces_of(t) == kind]
            segs += list(zip(group, segment(tok, group, MAX_QUERY_PIECES if kind == "query" else MAX_TOOL_PIECES)))
        segs.sort(key=lambda x: len(x[1][0]))
        self.index = {t: i for i, (t, _) in enumerate(segs)}
        self.lengths = [len(ids) for _, (ids, _) in segs]
        self.surfaces = [surfaces for _, (_, surfaces) in segs]
        return segs

    def encode(self, model, tok, max_pieces_of, batch_tokens: int = 16384, reuse: list[Path] = ()):
        """Encodes every text, or with `reuse` (earlier prepare output folders) copies the states
        of the texts those folders have encoded already and encodes only the rest. Returns the
        seconds spent and how many texts were reused."""
        segs = self.order(tok, max_pieces_of)
        self.states = torch.empty(sum(self.lengths), model.cfg.d_model, dtype=torch.float16)
        self.pooled = torch.empty(len(segs), model.cfg.d_model, dtype=torch.float16)
        offsets = np.concatenate([[0], np.cumsum(self.lengths)]).tolist()
        start, todo = time.time(), list(range(len(segs)))
        for folder in reuse:
            todo = self.copy_from(folder, segs, offsets, todo)
        bf16 = fast_bf16("cpu")
        i = batches = 0
        while i < len(todo):
            # Sorted by length: a batch is as wide as its last text; about batch_tokens in all.
            j = min(len(todo), i + max(1, batch_tokens // self.lengths[todo[i]]))
            while j - i > 1 and (j - i) * self.lengths[todo[j - 1]] > batch_tokens:
                j = i + (j - i) // 2
            batch, i = todo[i:j], j
            width = self.lengths[batch[-1]]
            ids = torch.tensor([segs[t][1][0] + [0] * (width - self.lengths[t]) for t in batch])
            mask = torch.tensor([[1] * self.lengths[t] + [0] * (width - self.lengths[t]) for t in batch])
            with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                hidden = model(ids, mask).float()
            self.pooled[batch] = mean_pool(hidden, mask).half()
            for k, t in enumerate(batch):
                self.states[offsets[t]:offsets[t + 1]] = hidden[k, :self.lengths[t]].half()
            batches += 1
            if batches % 100 == 0:
                print(f"  encoded {i}/{len(todo)} texts, {time.time() - start:.0f} s", flush=True)
        return time.time() - start, len(segs) - len(todo)

    def copy_from(self, folder: Path, segs, offsets, todo: list[int]) -> list[int]:
        """Copies the states and pooled embeddings of the texts in `todo` that `folder` (a prepare
        output) holds with the same pieces; returns those still to encode, in length order."""
        with open(folder / "rows.pkl", "rb") as f:
            old_texts = pickle.load(f)["texts"]
        old = torch.load(folder / "states.pt")
        old_at = {t: i for i, t in enumerate(old_texts)}
        old_offsets = np.concatenate([[0], np.cumsum(old["lengths"])]).tolist()
        left = []
        for i in todo:
            text, (ids, _) = segs[i]
            j = old_at.get(text)
            if j is None or old["lengths"][j] != len(ids):
                left.append(i)
                continue
            self.states[offsets[i]:offsets[i + 1]] = old["states"][old_offsets[j]:old_offsets[j + 1]]
            self.pooled[i] = old["pooled"][j]
        print(f"prepare: {len(todo) - len(left)} of {len(segs)} texts' states reused from {folder}", flush=True)
        return left


def prepare(args):
    tok = minilm_tokenizer()
    model = MiniLM.pretrained().eval()
    rows = {s: kept_rows(args.build, args.pack, s) for s in SPLITS}
    if args.train_rows:
        order = np.random.default_rng(args.seed).permutation(len(rows["train"]))[:args.train_rows]
        rows["train"] = [rows["train"][i] for i in sorted(order)]
    queries = {r["query"].strip() for s in SPLITS for r in rows[s]}
    for s in DEV_SPLITS:       # dev queries stay out of training (pipeline.train asserts the same)
        dev_queries = {d["query"].strip() for d in rows[s]}
        leaked = sum(r["query"].strip() in dev_queries for r in rows["train"])
        assert not leaked, f"{leaked} {s} queries are in the training rows"
    store = TextStates()
    for s in SPLITS:
        for r in rows[s]:
            store.add([r["query"].strip()] + [tool_text(t) for t in r["tools"]])
    print(f"prepare: {sum(len(rows[s]) for s in SPLITS)} rows, {len(store.index)} distinct texts", flush=True)
    seconds, reused = store.encode(model, tok, lambda t: "query" if t in queries else "tool", reuse=args.reuse)
    pieces = sum(store.lengths)
    print(f"prepare: {pieces} pieces of {len(store.index)} texts ({reused} reused) in {seconds:.0f} s", flush=True)
    pooled = store.pooled.float()

    out = {"k": args.tools, "encode_s": seconds, "pieces": pieces, "cpu": cpu_name()}
    for s in SPLITS:
        out[s] = [choose(r, store, pooled, args.tools, train=s == "train") for r in rows[s]]
        recall = np.mean([x["gold_in_memory"] for x in out[s] if x["gold"]])
        top1 = np.mean([x["top1_gold"] for x in out[s] if len(x["gold"]) == 1])
        print(f"prepare: {s}: chooser top-1 {top1:.3f} (single-call rows), gold in top-{args.tools} {recall:.3f}")
    vocab = OutputVocab.build([(x["answer"], [u for t in x["texts"] for u in store.surfaces[t]]) for x in out["train"]])
    dropped = {}
    for s in SPLITS:
        for x in out[s]:
            x["steps"] = align(x["answer"], [u for t in x["texts"] for u in store.surfaces[t]], vocab)
        dropped[s] = sum(x["steps"] is None for x in out[s])
        if s == "train":
            out[s] = [x for x in out[s] if x["steps"] is not None and len(x["steps"]) <= MAX_ACTIONS]
    print(f"prepare: output vocabulary {len(vocab)} pieces; rows whose answer cannot be written: {dropped}")
    steps = [len(x["steps"]) for x in out["train"]]
    copies = np.mean([sum(a >= len(vocab) for _, a in x["steps"]) / len(x["steps"]) for x in out["train"]])
    print(f"prepare: actions per answer mean {np.mean(steps):.1f}, p99 {np.percentile(steps, 99):.0f}; "
          f"copies {copies:.1%} of actions")
    args.out.mkdir(parents=True, exist_ok=True)
    torch.save({"states": store.states, "lengths": store.lengths, "pooled": pooled.half()},
               args.out / "states.pt")
    out["vocab"] = vocab.pieces
    out["surfaces"] = store.surfaces
    out["texts"] = list(store.index)          # text i's string (index order = encoding order)
    with open(args.out / "rows.pkl", "wb") as f:
        pickle.dump(out, f)


def choose(row: dict, store: TextStates, pooled, k: int, train: bool) -> dict:
    """The memory of a row: its query and the k offered tools the zero-shot chooser ranks
    highest (cosine of pooled embeddings). In training the gold tools are always kept (they
    displace the lowest-ranked others), so every training answer can be copied."""
    q = store.index[row["query"].strip()]
    tools = [store.index[tool_text(t)] for t in row["tools"]]
    called = {a["name"] for a in row["answers"]}
    gold = [i for i, t in enumerate(row["tools"]) if t["name"] in called]
    sims = (pooled[tools] @ pooled[q]).tolist()
    ranked = sorted(range(len(tools)), key=lambda i: -sims[i])
    chosen = ranked[:k]
    if train:
        golds = [i for i in ranked if i in gold]
        chosen = golds + [i for i in ranked if i not in gold][:max(k - len(golds), 0)]
        chosen.sort(key=ranked.index)
    return {"texts": [q] + [tools[i] for i in chosen], "sims": [sims[i] for i in chosen], "offered": tools,
            "gold": gold, "gold_in_memory": all(g in chosen for g in gold), "top1_gold": ranked[0] in gold,
            "answer": render_answers(canonical_answers(row)), "gold_answers": canonical_answers(row)}


# -- train --------------------------------------------------------------------------------------
class Data:
    def __init__(self, path: Path):
        blob = torch.load(path / "states.pt", mmap=True)
        self.states = blob["states"]
        self.offsets = np.zeros(len(blob["lengths"]) + 1, dtype=np.int64)
        self.offsets[1:] = np.cumsum(blob["lengths"])
        with open(path / "rows.pkl", "rb") as f:
            meta = pickle.load(f)
        self.meta = meta
        self.vocab = OutputVocab(meta["vocab"])
        # One integer per distinct surface string: copy targets are "memory positions whose
        # surface id equals the step's piece id".
        ids: dict[str, int] = {}
        self.surface_ids = [np.array([ids.setdefault(u, len(ids)) for u in s], dtype=np.int64) for s in meta["surfaces"]]
        for s in SPLITS:
            for x in meta[s]:
                if x.get("steps"):
                    x["piece_ids"] = [ids.setdefault(p, len(ids)) for p, _ in x["steps"]]
        self.vocab_of_surface = np.full(len(ids) + 1, -1, dtype=np.int64)
        for p, i in self.vocab.index.items():
            if p in ids:
                self.vocab_of_surface[ids[p]] = i

    def batch(self, rows: list[dict], with_targets: bool = True):
        """Padded tensors of rows: memory (states, segment, cosine, mask), and with_targets the
        teacher-forcing inputs, the previous copy position and the valid-action mask."""
        lens = [sum(self.offsets[t + 1] - self.offsets[t] for t in x["texts"]) for x in rows]
        b, m = len(rows), max(lens)
        idx = np.zeros((b, m), dtype=np.int64)
        seg = np.zeros((b, m), dtype=np.int64)
        sim = np.zeros((b, m), dtype=np.float32)
        surf = np.full((b, m), -1, dtype=np.int64)
        mask = np.zeros((b, m), dtype=bool)
        for i, x in enumerate(rows):
            p = 0
            for r, t in enumerate(x["texts"]):
                a, e = self.offsets[t], self.offsets[t + 1]
                idx[i, p:p + e - a] = np.arange(a, e)
                seg[i, p:p + e - a] = min(r, self.meta["k"])
                sim[i, p:p + e - a] = x["sims"][r - 1] if r else 0.0
                surf[i, p:p + e - a] = self.surface_ids[t]
                p += e - a
            mask[i, :p] = True
        out = {"states": self.states[torch.from_numpy(idx)].float(), "seg": torch.from_numpy(seg),
               "sim": torch.from_numpy(sim), "mask": torch.from_numpy(mask)}
        if not with_targets:
            return out
        s = max(len(x["steps"]) for x in rows)
        v = len(self.vocab)
        actions_in = np.full((b, s), BOS, dtype=np.int64)
        prev = np.full((b, s), -2, dtype=np.int64)
        piece = np.full((b, s), -1, dtype=np.int64)
        real = np.zeros((b, s), dtype=bool)
        eos = np.zeros((b, s), dtype=bool)
        for i, x in enumerate(rows):
            acts = [a for _, a in x["steps"]]
            n = len(acts)
            actions_in[i, 1:n] = acts[:-1]
            prev[i, 1:n] = [a - v if a >= v else -2 for a in acts[:-1]]
            piece[i, :n] = x["piece_ids"]
            real[i, :n] = True
            eos[i, n - 1] = True
        piece_t, surf_t = torch.from_numpy(piece), torch.from_numpy(surf)
        copy_ok = (surf_t[:, None, :] == piece_t[..., None]) & (piece_t[..., None] >= 0) & out["mask"][:, None, :]
        vocab_id = torch.from_numpy(self.vocab_of_surface[np.where(piece >= 0, piece, -1)])
        vocab_ok = torch.nn.functional.one_hot(vocab_id.clamp(min=0), v).bool() & (vocab_id >= 0)[..., None]
        # EOS steps have the empty piece: only EOS is valid.
        vocab_ok[torch.from_numpy(eos)] = torch.nn.functional.one_hot(torch.tensor(0), v).bool()
        copy_ok[torch.from_numpy(eos)] = False
        out.update(actions_in=torch.from_numpy(actions_in), prev=torch.from_numpy(prev),
                   valid=torch.cat([vocab_ok, copy_ok], -1), real=torch.from_numpy(real))
        return out

    def decode(self, x: dict, actions: list[int]) -> str:
        """Actions -> answer text (surfaces of copied positions, vocab pieces)."""
        surfaces = [u for t in x["texts"] for u in self.meta["surfaces"][t]]
        v, text = len(self.vocab), []
        for a in actions:
            if a == 0:
                break
            text.append(surfaces[a - v] if a >= v else self.vocab.pieces[a] if a > 1 else "")
        return "".join(text)


def evaluate(model, data: Data, split: str, bf16: bool, batch_rows: int = 50):
    rows = data.meta[split]
    chosen = [rows[i] for i in eval_subset(len(rows), EVAL_ROWS, EVAL_SEED)]
    model.eval()
    texts = []
    for i in range(0, len(chosen), batch_rows):
        chunk = chosen[i:i + batch_rows]
        b = data.batch(chunk, with_targets=False)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            actions = model.greedy(b["states"], b["seg"], b["sim"], b["mask"])
        texts += [data.decode(x, a.tolist()) for x, a in zip(chunk, actions)]
    model.train()
    result = score(texts, [x["gold_answers"] for x in chosen])
    result["examples"] = [{"predicted": t, "gold": x["answer"]} for t, x in list(zip(texts, chosen))[:5]]
    return result


def runtime_score(checkpoint: Path, eval_dir: Path, needle: Path = NEEDLE) -> dict:
    """Score a checkpoint as the product answers: export it (int8, beside the checkpoint, in
    export-<name>/), calibrate its no-call floor when eval_dir has held-out training rows
    (calib-600.jsonl, calibrate_model), run `needle eval` on the dev subsets of eval_dir
    (dev_<split>-300.jsonl) and
    read per split: accuracy (BFCL's checker), call rows right, no-call precision / recall / F1
    ("[]" is the positive class: an irrelevance row answered [] is a true positive, a call row
    answered [] a false positive)."""
    out = checkpoint.parent / f"export-{checkpoint.stem}"
    start = time.time()
    subprocess.run([sys.executable, "-m", "pipeline.export_copy", "--checkpoint", str(checkpoint), "--out", str(out),
                    "--name", f"{checkpoint.parent.name}-{checkpoint.stem}"], check=True, stdout=subprocess.DEVNULL)
    result = {"export_s": time.time() - start}
    if (eval_dir / CALIBRATION_ROWS).exists():
        start = time.time()
        result["no_call_min_probability"] = calibrate_model(out, eval_dir / CALIBRATION_ROWS, needle)
        result["calibrate_s"] = time.time() - start
    return {**result, **runtime_eval(out, eval_dir, needle)}


def runtime_eval(out: Path, eval_dir: Path, needle: Path = NEEDLE, failures: Path | None = None) -> dict:
    """`needle eval` of an exported model folder on the dev subsets (see runtime_score); the
    failed rows go to `failures` (default: failures.jsonl in the model folder)."""
    files = [eval_dir / f"{split}-300.jsonl" for split in DEV_SPLITS]
    failures = failures or out / "failures.jsonl"
    run = subprocess.run([str(needle), "eval", "--model", str(out), *map(str, files), "--json", "--failures", str(failures)],
                         check=True, capture_output=True, text=True)
    summary = json.loads(run.stdout)
    answered_none = {split: 0 for split in DEV_SPLITS}   # call rows answered []
    for line in failures.read_text().splitlines():
        f = json.loads(line)
        if not f["category"].endswith("_irrelevance") and f.get("calls") == []:
            answered_none[next(s for s in DEV_SPLITS if f["category"].startswith(s + "_"))] += 1
    result = {"eval_s": summary["seconds"]}
    for split in DEV_SPLITS:
        cats = [c for c in summary["categories"] if c["category"].startswith(split + "_")]
        none = next((c for c in cats if c["category"].endswith("_irrelevance")), {"correct": 0, "total": 0})
        correct, total = sum(c["correct"] for c in cats), sum(c["total"] for c in cats)
        tp, fn, fp = none["correct"], none["total"] - none["correct"], answered_none[split]
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        result[split] = {"accuracy": correct / max(total, 1), "rows": total,
                         "call_rows_right": correct - tp, "call_rows": total - none["total"],
                         "no_call_precision": p, "no_call_recall": r, "no_call_f1": 2 * p * r / (p + r) if p + r else 0.0}
    return result


def runtime_line(r: dict) -> str:
    return " | ".join(f"{split} acc {r[split]['accuracy']:.3f} calls {r[split]['call_rows_right']}/{r[split]['call_rows']} "
                      f"nocall P/R/F1 {r[split]['no_call_precision']:.2f}/{r[split]['no_call_recall']:.2f}/"
                      f"{r[split]['no_call_f1']:.2f}" for split in DEV_SPLITS)


def score_run(args):
    """Score every checkpoint of a run through the runtime (runtime_score) into its runtime.json,
    or one exported model folder as it is."""
    if bool(args.run) == bool(args.model):
        raise SystemExit("score: give either --run or --model")
    if args.model:
        with tempfile.TemporaryDirectory() as tmp:
            print(f"{args.model}: {runtime_line(runtime_eval(args.model, args.eval, failures=Path(tmp) / 'failures.jsonl'))}")
        return
    path = args.run / "runtime.json"
    scores = json.loads(path.read_text()) if path.exists() else {}
    for checkpoint in sorted(args.run.glob("decoder-*min.pt")):
        if checkpoint.name in scores and not args.again:
            continue
        scores[checkpoint.name] = runtime_score(checkpoint, args.eval)
        print(f"{checkpoint.name}: {runtime_line(scores[checkpoint.name])}", flush=True)
        path.write_text(json.dumps(scores, indent=1))


def calibrate_model(model: Path, rows: Path, needle: Path = NEEDLE) -> float:
    """Choose an exported model's no-call floor (needle.json's `no_call_min_probability`: the
    decoder's `[]` stands only when its probability reaches it) by accuracy through the runtime
    on held-out training rows (scripts/dev_subset_to_eval.py --train-rows: calib-600.jsonl),
    never on a dev split; a tie goes to the lower floor. Writes it into needle.json."""
    path = model / "needle.json"
    original = path.read_text()
    manifest = json.loads(original)
    accuracy = {}
    try:
        for floor in NO_CALL_FLOORS:
            manifest["no_call_min_probability"] = floor
            path.write_text(json.dumps(manifest, indent=2) + "\n")
            run = subprocess.run([str(needle), "eval", "--model", str(model), str(rows), "--json"],
                                 check=True, capture_output=True, text=True)
            accuracy[floor] = json.loads(run.stdout)["overall"]["micro_accuracy"]
    except BaseException:
        path.write_text(original)        # a failed calibration leaves the manifest as it was
        raise
    best = max(NO_CALL_FLOORS, key=lambda f: (accuracy[f], -f))
    manifest["no_call_min_probability"] = best
    manifest["no_call_calibration"] = {"rows": rows.name, "accuracy_by_floor": {str(f): a for f, a in accuracy.items()}}
    path.write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"calibrate: {model}: accuracy by floor {manifest['no_call_calibration']['accuracy_by_floor']} "
          f"-> no_call_min_probability {best}", flush=True)
    return best


def calibrate(args):
    calibrate_model(args.model, args.rows)


def decoder_flops(cfg: DecoderConfig, n_actions: int, n_memory: int, n_query: int, vocab: int) -> float:
    """Matmul FLOPs of forward + backward (3x forward) for a batch's real actions, memory and
    mixed positions (n_query: the query's, or every memory position with mix_tools)."""
    d, f, l, x = cfg.d_model, cfg.d_ff, cfg.n_layers, cfg.mixer_layers
    per_action = 2 * l * (4 * d * d + 2 * d * d + 2 * d * f) + 2 * d * (vocab + d)
    per_memory = 2 * (l + x) * 2 * d * d + 2 * cfg.d_memory * d + 2 * d * d
    per_query = 2 * x * (2 * d * d + 2 * d * f)
    return 3.0 * (per_action * n_actions + per_memory * n_memory + per_query * n_query)


def init_from(model: CopyDecoder, vocab: OutputVocab, path: Path):
    """Start from a saved decoder (a checkpoint of this script) instead of random weights, so a
    later run adds to an earlier one; or from a shipped model's folder (`assets/`, its int8
    weights read back by pipeline.dequantize). The output vocabulary is rebuilt by every
    `prepare`, so vocabulary rows are matched by their piece's text; pieces new to this
    vocabulary keep their random initialisation."""
    from pipeline.dequantize import load_shipped
    old, old_pieces = load_shipped(path) if path.is_dir() else load_decoder(path)
    if {**old.cfg.to_dict(), "vocab_size": 0} != {**model.cfg.to_dict(), "vocab_size": 0}:
        raise SystemExit(f"--init {path}: decoder config {old.cfg.to_dict()} differs from this run's {model.cfg.to_dict()}")
    state = old.state_dict()
    where = {p: i for i, p in enumerate(old_pieces)}
    embed = model.embed.weight.detach().clone()
    shared = [(i, where[p]) for i, p in enumerate(vocab.pieces) if p in where]
    embed[[i for i, _ in shared]] = state["embed.weight"][[j for _, j in shared]]
    state["embed.weight"] = embed
    model.load_state_dict(state)
    print(f"init: weights from {path} ({len(shared)} of {len(vocab)} vocabulary pieces carried over)", flush=True)


def checkpoint_path(run: Path, minutes: int) -> Path:
    """Where a run saves its checkpoint after `minutes` of training (pipeline.release finds it here)."""
    return run / f"decoder-{minutes:03d}min.pt"


def train(args):
    torch.manual_seed(args.seed)
    data = Data(args.data)
    cfg = DecoderConfig(vocab_size=len(data.vocab), n_layers=args.layers, max_tools=data.meta["k"],
                        mixer_layers=args.mixer_layers, mix_tools=args.mix_tools)
    model = CopyDecoder(cfg)
    if args.init:
        init_from(model, data.vocab, args.init)
    bf16 = fast_bf16("cpu") if args.dtype == "auto" else args.dtype == "bf16"
    print(f"copy decoder: {model.num_params() / 1e6:.2f}M parameters, vocab {len(data.vocab)}, bf16 {bf16}, "
          f"{len(data.meta['train'])} training rows; encoder states precomputed in {data.meta['encode_s']:.0f} s "
          f"on {data.meta['cpu']}", flush=True)
    # pipeline.train's optimisers and schedule (weight decay 0.05, 3% warm-up, cosine to 5%).
    recipe = TrainConfig(lr=args.lr, optimizer=args.optimizer, muon_lr=args.muon_lr)
    attention = ("self_qkv", "self_out", "cross_q", "cross_kv", "cross_out", "mix_q", "mix_kv", "mix_out")
    opts = optimisers(model, recipe, "cpu", is_attention=lambda n: n.split(".")[-2] in attention)
    rng = np.random.default_rng(args.seed)
    train_rows = data.meta["train"]
    budget = args.budget_min * 60
    curve, losses = [], []
    rows_seen = actions_seen = 0
    flops = 0.0
    train_s, next_eval = 0.0, args.every_min * 60
    score_every = args.score_every_min or args.every_min
    args.out.mkdir(parents=True, exist_ok=True)

    def batches():
        while True:
            order = rng.permutation(len(train_rows))
            # Buckets of similar memory length: little padding, random batch order.
            for i in range(0, len(order), args.batch_rows * 50):
                block = sorted(order[i:i + args.batch_rows * 50], key=lambda j: len(train_rows[j]["steps"]) * 1000 + sum(
                    data.offsets[t + 1] - data.offsets[t] for t in train_rows[j]["texts"]))
                groups = [block[k:k + args.batch_rows] for k in range(0, len(block), args.batch_rows)]
                for g in rng.permutation(len(groups)):
                    yield [train_rows[j] for j in groups[g]]

    def point():
        save = {"decoder_config": cfg.to_dict(), "vocab": data.vocab.pieces,
                "state_dict": {k: v.half() for k, v in model.state_dict().items()}}
        # One checkpoint per point: a later decoding (constrained, a no-call rule) re-scores the curve.
        checkpoint = checkpoint_path(args.out, round(train_s / 60))
        torch.save(save, checkpoint)
        e = {"minutes": train_s / 60, "rows": rows_seen, "actions": actions_seen, "loss": float(np.mean(losses[-50:])),
             "rows_per_s": rows_seen / train_s, "tflops": flops / train_s / 1e12, "peak_rss_mb": peak_rss_mb()}
        start = time.time()
        parts = [f"{e['minutes']:6.1f} min  {rows_seen:7d} rows  {actions_seen / 1e6:5.2f}M actions  loss {e['loss']:.3f}"]
        # Scoring pauses training for ~1-5 min a point, so a long run scores only some of its checkpoints.
        last = train_s >= budget
        if args.eval and (last or round(train_s / 60) % round(score_every) == 0):
            e["runtime"] = runtime_score(checkpoint, args.eval)
            parts.append("runtime: " + runtime_line(e["runtime"]))
        if args.torch_eval:
            for split in DEV_SPLITS:
                m = e[split] = evaluate(model, data, split, bf16)
                parts.append(f"torch {split} EM {m['exact_match']:.3f} name {m['tool_name_acc']:.3f} arg {m['argument_acc']:.3f} "
                             f"nocall P/R/F1 {m['no_call_precision']:.2f}/{m['no_call_recall']:.2f}/{m['no_call_f1']:.2f}")
        e["eval_s"] = time.time() - start
        curve.append(e)
        parts.append(f"{e['rows_per_s']:.1f} rows/s  {e['tflops']:.3f} TFLOP/s  rss {e['peak_rss_mb']:.0f} MB  "
                     f"eval {e['eval_s']:.0f} s")
        print(" | ".join(parts), flush=True)
        (args.out / "curve.json").write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()}, "cpu": cpu_name(),
                                                         "decoder_config": cfg.to_dict(), "curve": curve}, indent=1))

    step = 0
    for rows in batches():
        t0 = time.time()
        progress = train_s / budget
        lr = lr_at(recipe, progress)
        scale = lr / args.lr
        for opt in opts:
            for g in opt.param_groups:
                g["lr"] = g["peak_lr"] * scale
        b = data.batch(rows)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            logits = model(b["states"], b["seg"], b["sim"], b["mask"], b["actions_in"], b["prev"])
        loss = marginal_loss(logits[b["real"]], b["valid"][b["real"]])
        for opt in opts:
            opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        for opt in opts:
            opt.step()
        step += 1
        train_s += time.time() - t0
        losses.append(loss.item())
        n_act = int(b["real"].sum())
        rows_seen += len(rows)
        actions_seen += n_act
        n_memory = int(b["mask"].sum())
        n_mixed = n_memory if cfg.mix_tools else int(((b["seg"] == 0) & b["mask"]).sum())
        flops += decoder_flops(cfg, n_act, n_memory, n_mixed, len(data.vocab))
        if step % 50 == 0:
            print(json.dumps({"step": step, "s": round(train_s, 1), "loss": round(float(np.mean(losses[-50:])), 4),
                              "lr": round(lr, 6), "rows": rows_seen}), flush=True)
        if train_s >= next_eval or train_s >= budget:
            point()
            next_eval += args.every_min * 60
        if train_s >= budget:
            break


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--build", type=Path, required=True, help="pipeline.build_data output (row files)")
    p.add_argument("--pack", type=Path, required=True, help="pipeline.pack output (to keep the same rows)")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--tools", type=int, default=3, help="tools in a row's memory (chosen by the zero-shot chooser)")
    p.add_argument("--train-rows", type=int, default=0, help="a random subset of the training rows (0: all)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--reuse", type=Path, nargs="+", default=[],
                   help="earlier prepare outputs: copy the states of texts they encoded already")
    t = sub.add_parser("train")
    t.add_argument("--data", type=Path, required=True)
    t.add_argument("--out", type=Path, required=True)
    t.add_argument("--budget-min", type=float, default=60.0)
    t.add_argument("--every-min", type=float, default=10.0)
    t.add_argument("--score-every-min", type=float, default=0,
                   help="score a checkpoint through the runtime only every this many minutes, and the last (0: every one)")
    t.add_argument("--batch-rows", type=int, default=64)
    t.add_argument("--lr", type=float, default=1e-3)
    t.add_argument("--layers", type=int, default=4)
    t.add_argument("--mixer-layers", type=int, default=1,
                   help="layers in which the query reads the tools (copy_model.MixerLayer; 1 won on the curve, docs/training.md)")
    t.add_argument("--mix-tools", action="store_true",
                   help="the mixer over the tools' positions too, not only the query's (issue 15's binding lever)")
    t.add_argument("--optimizer", default="muon", choices=["adamw", "muon"],
                   help="muon: Muon on the attention projections, AdamW elsewhere (docs/training.md)")
    t.add_argument("--muon-lr", type=float, default=0.02)
    t.add_argument("--dtype", default="auto", choices=["auto", "bf16", "fp32"])
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--init", type=Path,
                   help="start from this checkpoint (decoder-*.pt of an earlier run) or shipped model folder (assets)")
    t.add_argument("--eval", type=lambda v: Path(v) if v else None, default=Path("data/eval"),
                   help="dev subsets as needle eval rows (scripts/dev_subset_to_eval.py): every curve point is scored "
                        "through the runtime on them; '' to skip")
    t.add_argument("--torch-eval", action="store_true",
                   help="also score each point in PyTorch (greedy, unconstrained): exact match, tool names, arguments")
    s = sub.add_parser("score", help="score every checkpoint of a run through the runtime (runtime.json)")
    s.add_argument("--run", type=Path, help="a run folder: every decoder-*min.pt in it")
    s.add_argument("--model", type=Path, help="an exported model folder instead (scored as it is, not written)")
    s.add_argument("--eval", type=Path, default=Path("data/eval"))
    s.add_argument("--again", action="store_true", help="re-score checkpoints already in runtime.json")
    c = sub.add_parser("calibrate", help="choose an exported model's no-call floor on held-out training rows")
    c.add_argument("--model", type=Path, required=True, help="an export_copy output folder (its needle.json is rewritten)")
    c.add_argument("--rows", type=Path, default=Path("data/eval") / CALIBRATION_ROWS)
    args = ap.parse_args()
    {"prepare": prepare, "train": train, "score": score_run, "calibrate": calibrate}[args.command](args)


if __name__ == "__main__":
    main()
