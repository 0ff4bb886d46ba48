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


def _torch_shape(x, shape):
    """ONNX reshape dims -> torch dims (0 keeps that dimension of x)."""
    return [x.shape[i] if n == 0 else n for i, n in enumerate(shape)]


class _OnnxReshape(torch.autograd.Function):
    """torch.reshape that exports as one ONNX Reshape with a constant shape (see `reshape`)."""

    @staticmethod
    def forward(ctx, x, shape):
        return x.reshape(_torch_shape(x, shape))

    @staticmethod
    def symbolic(g, x, shape):
        return g.op("Reshape", x, g.op("Constant", value_t=torch.tensor(shape, dtype=torch.int64)))


def reshape(x, shape):
    """Reshape with ONNX semantics: 0 keeps that dimension of x, -1 is inferred.

    Why: torch's reshape with sizes taken from x.shape is exported as Shape/Gather/Unsqueeze/
    Concat arithmetic before every Reshape (about half of the decoder graph's nodes, each a few
    microseconds per step on the CPU). Written with 0 and -1, the exported graph has one Reshape
    with a constant shape. Outside an ONNX export this is plain torch.reshape."""
    if torch.onnx.is_in_onnx_export():
        return _OnnxReshape.apply(x, [int(n) for n in shape])
    return x.reshape(_torch_shape(x, shape))


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
    h, d = q.shape[1], q.shape[3]
    hkv = k.shape[1]
    rep = h // hkv
    q = reshape(q, (0, hkv, -1, d)) * (1.0 / math.sqrt(d))                          # [B, Hkv, rep*S, D]
    scores = torch.matmul(q, k.transpose(-1, -2))                                   # [B, Hkv, rep*S, T]
    if bias.shape[-2] > 1:
        # A bias per query row (causal self-attention, [B, 1, S, T]): one copy per stacked
        # head, matching the rows r*S + s. (Decided when tracing: the export's sample feeds
        # S = 2 new tokens, so the decoder graph always tiles, which is also right for S = 1.)
        bias = bias.repeat(1, 1, rep, 1)
    out = torch.matmul(torch.softmax(scores + bias, dim=-1), v)                    # [B, Hkv, rep*S, D]
    return reshape(out, (0, h, -1, d))


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
        k = self.k_norm(reshape(self.wk(x), (0, -1, self.cfg.n_kv_heads, self.cfg.head_dim))).transpose(1, 2)
        v = reshape(self.wv(x), (0, -1, self.cfg.n_kv_heads, self.cfg.head_dim)).transpose(1, 2)
        if rope_tab is not None:
            k = rope(k, rope_tab)
        return k, v

    def forward(self, x, k, v, bias, rope_tab=None, use_sdpa=True):
        q = self.q_norm(reshape(self.wq(x), (0, -1, self.cfg.n_heads, self.cfg.head_dim))).transpose(1, 2)
        if rope_tab is not None:
            q = rope(q, rope_tab)
        out = attention(q, k, v, bias, use_sdpa)
        return self.wo(reshape(out.transpose(1, 2), (0, 0, -1)))


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
        x, present_k, present_v = self.decode_hidden(ids, past_k, past_v, cross_k, cross_v, memory_mask, use_sdpa)
        if last_only:
            x = x[:, -1:]
        return self.head(x), present_k, present_v

    def head(self, x):
        """Final decoder states -> logits over the vocabulary (final norm, tied embedding)."""
        return self.decoder_norm(x) @ self.embed.weight.t()

    def decode_hidden(self, ids, past_k, past_v, cross_k, cross_v, memory_mask, use_sdpa=True):
        """`decode` without the head: final states [B, S, d] (before the final norm) and present_k/v."""
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
        return x, torch.stack(present_k), torch.stack(present_v)

    def memory_keys_values(self, segments, use_sdpa=True):
        """Encode segment groups; cross-attention K/V of every segment token (training, evaluation).

        segments: [(ids [G, T], mask [G, T]), ...], each distinct segment of the batch once.
        Returns per decoder layer (k, v), each [Hkv, N + 1, D] over the groups' flattened tokens
        and a zero row last (padding): K/V are projected once per segment token, so a tool
        shared by many rows costs one encoding. `gather_memory` picks each row's memory."""
        d = self.cfg.d_model
        hidden = [self.encode(ids, mask, use_sdpa).reshape(-1, d) for ids, mask in segments]
        flat = torch.cat(hidden + [hidden[0].new_zeros(1, d)])[None]
        return [tuple(t[0] for t in block.cross_res.attn.keys_values(flat)) for block in self.decoder]

    @staticmethod
    def gather_memory(memory, mem_idx):
        """Per-layer k, v [B, Hkv, M, D] of the rows whose memory positions are mem_idx [B, M]."""
        ks = [k[:, mem_idx].transpose(0, 1) for k, _ in memory]
        vs = [v[:, mem_idx].transpose(0, 1) for _, v in memory]
        return ks, vs

    def forward(self, memory, mem_idx, memory_mask, dec_ids, targets, use_sdpa=True):
        """Training: teacher-forced decoder over rows' memory (memory_keys_values, gather_memory).

        Returns logits [N, V] at the real target positions only (targets != -100, row-major):
        the head and the loss never run on padding."""
        cross_k, cross_v = self.gather_memory(memory, mem_idx)
        c = self.cfg
        empty = cross_k[0].new_zeros(c.n_decoder_layers, dec_ids.shape[0], c.n_kv_heads, 0, c.head_dim)
        x, _, _ = self.decode_hidden(dec_ids, empty, empty, cross_k, cross_v, memory_mask, use_sdpa)
        return self.head(x[targets != -100])

    def num_params(self):
        return sum(p.numel() for p in self.parameters())


def training_flops(cfg: ModelConfig, work: dict) -> float:
    """Model FLOPs of one forward + backward (3x the forward) over the real tokens in `work`.

    `work` counts what a batch holds, without padding: enc_tokens (every encoded segment token),
    enc_attn (sum over segments of length squared), kv_tokens (memory tokens whose cross-attention
    K/V are projected), out_tokens (decoder targets), dec_self (sum over rows of targets squared),
    dec_cross (sum over rows of targets x memory length). Matmuls only: norms, RoPE and gates
    are a small fraction of the arithmetic (but not of the time on a CPU, see docs/training.md)."""
    d, h, hkv, hd = cfg.d_model, cfg.n_heads, cfg.n_kv_heads, cfg.head_dim
    q_o, k_v = 2 * d * h * hd, 2 * d * hkv * hd           # weights of wq + wo, of wk + wv
    le, ld = cfg.n_encoder_layers, cfg.n_decoder_layers
    forward = (2 * le * (q_o + k_v) * work["enc_tokens"] + 4 * le * h * hd * work["enc_attn"]
               + 2 * ld * k_v * work["kv_tokens"]
               + 2 * ld * (q_o + k_v + q_o) * work["out_tokens"] + 2 * cfg.vocab_size * d * work["out_tokens"]
               + 4 * ld * h * hd * (work["dec_self"] + work["dec_cross"]))
    return 3.0 * forward
