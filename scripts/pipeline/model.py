"""The Needle-shaped encoder-decoder (docs/model-format.md §6), in plain PyTorch.

Attention-only blocks (no feed-forward), pre-RMSNorm, grouped-query attention with RMSNorm on
q and k, RoPE on self-attention, gated residuals, tied embeddings.

Tools and the query are encoded as separate segments (positions restart at 0 in each), so a
tool's encoder output does not depend on the query or on the other tools: the runtime encodes
tools once per session and caches their cross-attention K/V.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class ModelConfig:
    vocab_size: int = 8192
    d_model: int = 512
    n_heads: int = 8
    n_kv_heads: int = 4
    head_dim: int = 64
    n_encoder_layers: int = 16
    n_decoder_layers: int = 6
    rope_theta: float = 10000.0

    def to_dict(self):
        return asdict(self)


class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float = 1e-6):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        dtype = x.dtype
        x = x.float()
        x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return (x * self.weight.float()).to(dtype)


def rope_tables(positions, d: int, theta: float, dtype):
    """cos, sin [T, D/2] for rotary embedding at `positions` [T] (int64); computed once per
    forward and shared by every layer (one set of nodes in the exported graphs)."""
    inv_freq = 1.0 / (theta ** (torch.arange(0, d, 2, device=positions.device, dtype=torch.float32) / d))
    freqs = positions.to(torch.float32)[:, None] * inv_freq[None, :]
    return freqs.cos().to(dtype), freqs.sin().to(dtype)


def rope(x, tables):
    """Rotary embedding (rotate-half form). x: [B, H, T, D]; tables from `rope_tables`."""
    cos, sin = tables
    d = x.shape[-1]
    x1, x2 = x[..., : d // 2], x[..., d // 2:]
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)


def attention(q, k, v, bias, use_sdpa: bool):
    """q: [B, H, S, D]; k, v: [B, Hkv, T, D]; bias: additive mask broadcastable to [B, H, S, T]."""
    if use_sdpa:
        # Training path. k/v repeated to every query head (enable_gqa would rule out the fused
        # memory-efficient kernel when a mask is given); a boolean mask survives autocast to bf16.
        rep = q.shape[1] // k.shape[1]
        k, v = k.repeat_interleave(rep, dim=1), v.repeat_interleave(rep, dim=1)
        return F.scaled_dot_product_attention(q, k, v, attn_mask=bias == 0)
    # Export path: plain ops that every ONNX opset has, shaped for a cheap CPU decoder step.
    # The query heads sharing a kv head are stacked as rows ([B, Hkv, rep*S, D]), so k and v
    # are used as they come in (no per-layer copy, transpose or broadcast of the memory); the
    # scale goes on q (S rows), not on the scores (M columns).
    b, h, s, d = q.shape
    hkv = k.shape[1]
    rep = h // hkv
    q = q.reshape(b, hkv, rep * s, d) * (1.0 / math.sqrt(d))
    scores = torch.matmul(q, k.transpose(-1, -2))                                   # [B, Hkv, rep*S, T]
    t = scores.shape[-1]
    scores = (scores.reshape(b, hkv, rep, s, t) + bias.unsqueeze(2)).reshape(b, hkv, rep * s, t)
    out = torch.matmul(torch.softmax(scores, dim=-1), v)                           # [B, Hkv, rep*S, D]
    return out.reshape(b, h, s, d)


class Attention(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        d, h, hkv, hd = cfg.d_model, cfg.n_heads, cfg.n_kv_heads, cfg.head_dim
        self.wq = nn.Linear(d, h * hd, bias=False)
        self.wk = nn.Linear(d, hkv * hd, bias=False)
        self.wv = nn.Linear(d, hkv * hd, bias=False)
        self.wo = nn.Linear(h * hd, d, bias=False)
        self.q_norm = RMSNorm(hd)
        self.k_norm = RMSNorm(hd)

    def keys_values(self, x, rope_tab=None):
        """k, v: [B, Hkv, T, D]; RoPE on k when rope tables are given (self-attention)."""
        b, t, _ = x.shape
        k = self.k_norm(self.wk(x).view(b, t, self.cfg.n_kv_heads, self.cfg.head_dim)).transpose(1, 2)
        v = self.wv(x).view(b, t, self.cfg.n_kv_heads, self.cfg.head_dim).transpose(1, 2)
        if rope_tab is not None:
            k = rope(k, rope_tab)
        return k, v

    def forward(self, x, k, v, bias, rope_tab=None, use_sdpa=True):
        b, s, _ = x.shape
        q = self.q_norm(self.wq(x).view(b, s, self.cfg.n_heads, self.cfg.head_dim)).transpose(1, 2)
        if rope_tab is not None:
            q = rope(q, rope_tab)
        out = attention(q, k, v, bias, use_sdpa)
        return self.wo(out.transpose(1, 2).reshape(b, s, -1))


class GatedResidual(nn.Module):
    """x + g * f(norm(x)), g a learned per-channel gate (starts small: deep stacks train stably)."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.norm = RMSNorm(cfg.d_model)
        self.attn = Attention(cfg)
        self.gate = nn.Parameter(torch.full((cfg.d_model,), 0.1))


class EncoderBlock(GatedResidual):
    def forward(self, x, bias, rope_tab, use_sdpa):
        h = self.norm(x)
        k, v = self.attn.keys_values(h, rope_tab)
        return x + self.gate * self.attn(h, k, v, bias, rope_tab, use_sdpa)


class DecoderBlock(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.self_res = GatedResidual(cfg)
        self.cross_res = GatedResidual(cfg)

    def forward(self, x, self_k, self_v, self_bias, rope_tab, cross_k, cross_v, cross_bias, use_sdpa):
        r = self.self_res
        x = x + r.gate * r.attn(r.norm(x), self_k, self_v, self_bias, rope_tab, use_sdpa)
        r = self.cross_res
        return x + r.gate * r.attn(r.norm(x), cross_k, cross_v, cross_bias, None, use_sdpa)


def padding_bias(mask, dtype):
    """[B, T] 1/0 mask -> additive bias [B, 1, 1, T]."""
    return ((1.0 - mask.to(dtype)) * torch.finfo(dtype).min)[:, None, None, :]


class Needle(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.embed = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.encoder = nn.ModuleList([EncoderBlock(cfg) for _ in range(cfg.n_encoder_layers)])
        self.encoder_norm = RMSNorm(cfg.d_model)
        self.decoder = nn.ModuleList([DecoderBlock(cfg) for _ in range(cfg.n_decoder_layers)])
        self.decoder_norm = RMSNorm(cfg.d_model)
        self.apply(self._init)

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)

    # -- encoder -----------------------------------------------------------------------------
    def encode(self, ids, mask, use_sdpa=True):
        """Segments [B, T] -> hidden states [B, T, d] (each row attends only within itself)."""
        x = self.embed(ids)
        positions = torch.arange(ids.shape[1], device=ids.device)
        rope_tab = rope_tables(positions, self.cfg.head_dim, self.cfg.rope_theta, x.dtype)
        bias = padding_bias(mask, x.dtype)
        for block in self.encoder:
            x = block(x, bias, rope_tab, use_sdpa)
        return self.encoder_norm(x)

    def cross_keys_values(self, memory):
        """Hidden states [B, T, d] -> (k, v), each [L, B, Hkv, T, D]: what the runtime caches."""
        ks, vs = zip(*(blk.cross_res.attn.keys_values(memory) for blk in self.decoder))
        return torch.stack(ks), torch.stack(vs)

    # -- decoder -----------------------------------------------------------------------------
    def decode(self, ids, past_k, past_v, cross_k, cross_v, memory_mask, use_sdpa=True, last_only=False):
        """One decoder call over S new tokens with a KV cache.

        ids [B, S]; past_k/v [L, B, Hkv, P, D]; cross_k/v: per layer [B, Hkv, M, D] (a stacked
        [L, B, Hkv, M, D] tensor or a list of L tensors: the exported graph takes one input per
        layer, so the runtime's memory is used without a per-step split); memory_mask [B, M].
        Returns logits [B, S, V] ([B, 1, V], the last position, with `last_only`: all a step
        needs) and present_k/v [L, B, Hkv, P+S, D].
        """
        s = ids.shape[1]
        p = past_k.shape[3]
        positions = torch.arange(s, device=ids.device) + p
        x = self.embed(ids)
        rope_tab = rope_tables(positions, self.cfg.head_dim, self.cfg.rope_theta, x.dtype)
        # New token i (at position p+i) sees cache entries 0..p+i.
        allowed = torch.arange(p + s, device=ids.device)[None, :] <= positions[:, None]   # [S, P+S]
        self_bias = ((~allowed).to(x.dtype) * torch.finfo(x.dtype).min)[None, None]
        cross_bias = padding_bias(memory_mask, x.dtype)
        present_k, present_v = [], []
        for i, block in enumerate(self.decoder):
            attn = block.self_res.attn
            k, v = attn.keys_values(block.self_res.norm(x), rope_tab)
            k = torch.cat([past_k[i], k], dim=2)
            v = torch.cat([past_v[i], v], dim=2)
            present_k.append(k)
            present_v.append(v)
            x = block(x, k, v, self_bias, rope_tab, cross_k[i], cross_v[i], cross_bias, use_sdpa)
        if last_only:
            x = x[:, -1:]
        logits = self.decoder_norm(x) @ self.embed.weight.t()
        return logits, torch.stack(present_k), torch.stack(present_v)

    def forward(self, memory, memory_mask, dec_ids):
        """Training: teacher-forced decoder over memory [B, M, d]; returns logits [B, S, V]."""
        cross_k, cross_v = self.cross_keys_values(memory)
        b = dec_ids.shape[0]
        c = self.cfg
        empty = memory.new_zeros(c.n_decoder_layers, b, c.n_kv_heads, 0, c.head_dim)
        logits, _, _ = self.decode(dec_ids, empty, empty, cross_k, cross_v, memory_mask)
        return logits

    def num_params(self):
        return sum(p.numel() for p in self.parameters())
