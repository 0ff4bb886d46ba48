"""A format 4 checkpoint as a model directory (docs/model-format.md): encoder.onnx and
heads.onnx (int8 weights unless --no-quantize), MiniLM's tokenizer.json and needle.json.

    scripts/py -m pipeline.export --checkpoint runs/x4/extract-070min.pt --out DIR [--name NAME]

The parity check runs the shipped graphs and the PyTorch model on a few real sequences and
reports the largest logit difference and whether every head's argmax agrees (parity.json).
"""
from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

from pipeline.model import Extractor
from pipeline.sequence import encode_pair
from pipeline.minilm import MiniLM, mean_pool, model_dir, tokenizer

FORMAT_VERSION = 4
OPSET = 17   # ONNX opset of both graphs


class EncoderGraph(nn.Module):
    def __init__(self, model: Extractor):
        super().__init__()
        self.encoder = model.encoder

    def forward(self, input_ids, attention_mask):
        hidden = self.encoder(input_ids, attention_mask)
        return hidden, mean_pool(hidden, attention_mask)


class HeadsGraph(nn.Module):
    """Extractor.forward after the encoder."""

    def __init__(self, model: Extractor):
        super().__init__()
        self.m = model

    def forward(self, hidden, param_pos, member_pool):
        m = self.m
        b, t, d = hidden.shape
        marker = torch.gather(hidden, 1, param_pos.unsqueeze(-1).expand(-1, -1, d))
        tokens = m.span_token(hidden).view(b, t, 3, -1)
        spans = torch.einsum("btcd,bpd->bptc", tokens, m.span_param(marker)) / (tokens.shape[-1] ** 0.5)
        member_states = torch.einsum("bpmt,btd->bpmd", member_pool, hidden)
        members = torch.einsum("bpmd,bpd->bpm", m.member_token(member_states), m.member_param(marker)) / (tokens.shape[-1] ** 0.5)
        return m.count(hidden[:, 0]), m.status(marker), spans, members


def load_checkpoint(path: Path) -> Extractor:
    saved = torch.load(path, map_location="cpu")
    model = Extractor(MiniLM())
    model.load_state_dict({k: v.float() for k, v in saved["state_dict"].items()})
    return model.eval()


def sample(tok, pairs=(("send 30 dollars to Maria and 20 to Joe",
                        {"name": "send_money", "description": "Send money to a contact",
                         "parameters": {"type": "object", "properties": {
                             "recipient": {"type": "string", "description": "Who gets it"},
                             "amount": {"type": "number"},
                             "currency": {"type": "string", "enum": ["USD", "EUR", "GBP"]}},
                             "required": ["recipient", "amount"]}}),
                       ("turn off the kitchen lights",
                        {"name": "set_lights", "description": "Switch lights",
                         "parameters": {"type": "object", "properties": {
                             "room": {"type": "string"}, "on": {"type": "boolean"}}}}))):
    """A padded batch of real sequences (the graphs' sample and parity inputs)."""
    enc = [encode_pair(tok, q, t) for q, t in pairs]
    b, t = len(enc), max(len(e.ids) for e in enc)
    p = max(len(e.params) for e in enc)
    m = max(max((len(s) for s in e.member_spans), default=1) for e in enc) or 1
    ids = torch.zeros(b, t, dtype=torch.long)
    mask = torch.zeros(b, t, dtype=torch.long)
    pos = torch.zeros(b, p, dtype=torch.long)
    pool = torch.zeros(b, p, m, t)
    for i, e in enumerate(enc):
        ids[i, :len(e.ids)] = torch.tensor(e.ids)
        mask[i, :len(e.ids)] = 1
        for j, q in enumerate(e.param_pos):
            pos[i, j] = q
            for k, (a, z) in enumerate(e.member_spans[j]):
                pool[i, j, k, a:z] = 1.0 / (z - a)
    return ids, mask, pos, pool


def quantize(src: Path, dst: Path):
    """int8 weights (per channel) for MatMul and Gather; activations stay float32."""
    from onnxruntime.quantization import QuantType, quantize_dynamic
    quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8, per_channel=True,
                     op_types_to_quantize=["MatMul", "Gather"])


def optimize_for_cpu(path: Path) -> str:
    """Rewrites `path` as ONNX Runtime's own optimised graph (fusions at ORT_ENABLE_EXTENDED, the
    CPU provider), so the runtime can load it with graph optimisation off (the manifest's
    `ort_optimized`): session creation is several times faster, with identical outputs and run
    time (docs/performance.md). EXTENDED, not ALL: ALL adds layout changes for the exporting
    machine's CPU. Returns the ONNX Runtime version, recorded in the manifest."""
    import onnxruntime as ort
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    tmp = path.with_suffix(".opt.onnx")
    opts.optimized_model_filepath = str(tmp)
    ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    tmp.replace(path)
    return ort.__version__


def export(model: Extractor, out: Path, name: str, quantized: bool, training: dict):
    out.mkdir(parents=True, exist_ok=True)
    tok = tokenizer()
    ids, mask, pos, pool = sample(tok)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        with torch.no_grad():
            torch.onnx.export(EncoderGraph(model), (ids, mask), tmp / "encoder.onnx", opset_version=OPSET,
                              input_names=["input_ids", "attention_mask"], output_names=["hidden", "pooled"],
                              dynamic_axes={"input_ids": {0: "B", 1: "T"}, "attention_mask": {0: "B", 1: "T"},
                                            "hidden": {0: "B", 1: "T"}, "pooled": {0: "B"}}, dynamo=False)
            hidden = model.encoder(ids, mask)
            torch.onnx.export(HeadsGraph(model), (hidden, pos, pool), tmp / "heads.onnx", opset_version=OPSET,
                              input_names=["hidden", "param_pos", "member_pool"],
                              output_names=["count", "status", "spans", "members"],
                              dynamic_axes={"hidden": {0: "B", 1: "T"}, "param_pos": {0: "B", 1: "P"},
                                            "member_pool": {0: "B", 1: "P", 2: "M", 3: "T"}, "count": {0: "B"},
                                            "status": {0: "B", 1: "P"}, "spans": {0: "B", 1: "P", 2: "T"},
                                            "members": {0: "B", 1: "P", 2: "M"}}, dynamo=False)
        for graph in ("encoder.onnx", "heads.onnx"):
            if quantized and graph == "encoder.onnx":
                quantize(tmp / graph, out / graph)
            else:
                shutil.copy(tmp / graph, out / graph)
    ort_version = None
    for graph in ("encoder.onnx", "heads.onnx"):
        ort_version = optimize_for_cpu(out / graph)
    shutil.copy(model_dir() / "tokenizer.json", out / "tokenizer.json")
    manifest = {"format_version": FORMAT_VERSION, "name": name, "d_model": model.encoder.cfg.d_model, "k": 3,
                "no_call_threshold": 0.5,
                "files": {"encoder": "encoder.onnx", "heads": "heads.onnx", "tokenizer": "tokenizer.json"},
                "ort_optimized": ort_version, "training": training}
    (out / "needle.json").write_text(json.dumps(manifest, indent=1) + "\n")
    report = parity(model, out, (ids, mask, pos, pool))
    (out / "parity.json").write_text(json.dumps(report, indent=1) + "\n")
    print(f"export: {out} ({sum(f.stat().st_size for f in out.iterdir()) / 2**20:.1f} MiB), parity {report}")


def parity(model: Extractor, out: Path, batch) -> dict:
    import onnxruntime as ort
    ids, mask, pos, pool = batch
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    enc = ort.InferenceSession(str(out / "encoder.onnx"), opts, providers=["CPUExecutionProvider"])
    heads = ort.InferenceSession(str(out / "heads.onnx"), opts, providers=["CPUExecutionProvider"])
    hidden, _ = enc.run(None, {"input_ids": ids.numpy(), "attention_mask": mask.numpy()})
    got = heads.run(None, {"hidden": hidden, "param_pos": pos.numpy(), "member_pool": pool.numpy()})
    with torch.no_grad():
        want = [w.numpy() for w in model(ids, mask, pos, pool)]
    # Only what the runtime reads: real parameters, request pieces, real members.
    real_param = pos.numpy() > 0                                   # [B, P]
    request = np.zeros(mask.shape, bool)
    request[:, 1:] = (ids.numpy()[:, 1:] != 0) & (np.cumsum(ids.numpy() == 102, 1)[:, 1:] == 0)
    real_member = pool.numpy().sum(-1) > 0                         # [B, P, M]
    keep = {"count": np.ones(got[0].shape[:1], bool), "status": real_param,
            "spans": real_param[:, :, None] & request[:, None, :], "members": real_member}
    diffs, agree = {}, {}
    for name, g, w in zip(("count", "status", "spans", "members"), got, want):
        k = keep[name]
        if name == "members":
            diffs[name] = float(np.abs(g - w)[k].max())
            agree[name] = bool((np.where(k, g, -1e9).argmax(-1) == np.where(k, w, -1e9).argmax(-1))[real_param].all())
            continue
        diffs[name] = float(np.abs(g - w)[k].max())
        agree[name] = float((g.argmax(-1) == w.argmax(-1))[k].mean())
    return {"max_abs_diff": diffs, "argmax_agreement": agree}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--name", default="needle-extract")
    ap.add_argument("--no-quantize", action="store_true", help="ship float32 graphs")
    args = ap.parse_args()
    curve = args.checkpoint.parent / "curve.json"
    training = {"checkpoint": str(args.checkpoint)}
    if curve.exists():
        c = json.loads(curve.read_text())
        training.update(config=c["config"], points=c["curve"])
    export(load_checkpoint(args.checkpoint), args.out, args.name, not args.no_quantize, training)


if __name__ == "__main__":
    main()
