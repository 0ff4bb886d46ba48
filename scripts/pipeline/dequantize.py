"""A shipped format 3 model read back into a CopyDecoder, so training can continue from the
files in `assets/` (`copy_curve train --init assets`) on a machine that has no checkpoint of the
run that made them (issue 15: a GPU session gets the working tree, not `runs/`).

The int8 graphs keep every decoder weight: MatMul and Gather weights as `<name>_quantized` with a
`_scale` and `_zero_point` (per output column for MatMul, per tensor for Gather: pipeline.export
`quantize`), norms and biases as float. torch.onnx names a parameter it uses as it is
`dec.<parameter>`, but a Linear weight it transposes for a MatMul becomes `onnx::MatMul_<n>`; which
parameter that is, is found by exporting a decoder of the same config whose weights are all
distinct random numbers and matching values. The weights come back within int8 rounding (half
a step: at most 0.4% of a column's largest weight); tests/python/test_dequantize.py checks that
against the decoder the test fixture was exported from.
"""
from __future__ import annotations

import json
import tempfile
from dataclasses import fields
from pathlib import Path

import numpy as np
import torch

from pipeline.copy_model import CopyDecoder, DecoderConfig

GRAPHS = ("memory.onnx", "decoder.onnx")


def config_of(manifest: dict) -> DecoderConfig:
    names = {f.name for f in fields(DecoderConfig)}
    return DecoderConfig(**{k: v for k, v in manifest["config"].items() if k in names})


def initializers(path: Path) -> dict[str, np.ndarray]:
    import onnx
    from onnx import numpy_helper
    return {t.name: numpy_helper.to_array(t) for t in onnx.load(str(path)).graph.initializer}


def dequantized(inits: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Initializers by their float name: `<name>_quantized` / `_scale` / `_zero_point` become
    `<name>` in float32; float ones stay."""
    out = {}
    for name, value in inits.items():
        if name.endswith("_quantized"):
            base = name[: -len("_quantized")]
            scale, zero = inits[base + "_scale"], inits[base + "_zero_point"]
            out[base] = ((value.astype(np.float32) - zero.astype(np.float32)) * scale).astype(np.float32)
        elif not name.endswith(("_scale", "_zero_point")) and value.dtype == np.float32:
            out[name] = value
    return out


def parameter_names(cfg: DecoderConfig) -> dict[str, tuple[str, bool]]:
    """ONNX initializer name -> (parameter name, transposed), from a probe export of cfg."""
    from pipeline.export_copy import export_decoder_graphs
    torch.manual_seed(0)
    probe = CopyDecoder(cfg).eval()
    with torch.no_grad():
        for p in probe.parameters():
            p.normal_()                       # every weight distinct, norms included
    params = {k: v.detach().numpy() for k, v in probe.state_dict().items()}
    by_shape: dict[tuple, list[str]] = {}
    for k, v in params.items():
        by_shape.setdefault(v.shape, []).append(k)
        if v.ndim == 2:
            by_shape.setdefault(v.T.shape, []).append(k)
    names = {}
    with tempfile.TemporaryDirectory() as tmp:
        export_decoder_graphs(probe, Path(tmp))
        for graph in GRAPHS:
            for name, value in initializers(Path(tmp) / graph).items():
                if name.startswith("dec.") and name[4:] in params:
                    names[name] = (name[4:], False)
                    continue
                for k in by_shape.get(value.shape, ()):
                    if np.array_equal(params[k], value):
                        names[name] = (k, False)
                        break
                    if params[k].ndim == 2 and np.array_equal(params[k].T, value):
                        names[name] = (k, True)
                        break
    return names


def load_shipped(model_dir: Path) -> tuple[CopyDecoder, list[str]]:
    """The decoder of a shipped format 3 model (float32, eval mode) and its output vocabulary,
    like copy_model.load_decoder gives for a checkpoint."""
    if not (model_dir / "needle.json").is_file():
        raise SystemExit(f"{model_dir}: no needle.json; not a model folder (a checkpoint is a decoder-*.pt file)")
    manifest = json.loads((model_dir / "needle.json").read_text())
    if manifest.get("format_version") != 3:
        raise SystemExit(f"{model_dir}: format_version {manifest.get('format_version')} is not a copy-decoder model (3)")
    cfg = config_of(manifest)
    pieces = json.loads((model_dir / manifest["files"]["output_vocab"]).read_text())
    names = parameter_names(cfg)
    dec = CopyDecoder(cfg)
    state = {}
    for graph in GRAPHS:
        for name, value in dequantized(initializers(model_dir / graph)).items():
            if name in names:
                key, transposed = names[name]
                state[key] = torch.from_numpy(value.T.copy() if transposed else value.copy())
    missing = sorted(set(dec.state_dict()) - set(state))
    if missing:
        raise SystemExit(f"{model_dir}: no weights found in {', '.join(GRAPHS)} for {', '.join(missing)}")
    dec.load_state_dict(state)
    return dec.eval(), pieces
