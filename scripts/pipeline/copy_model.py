"""The copy decoder over a pretrained encoder (issue 13's candidate for model format 3).

Memory: all-MiniLM-L6-v2 (pipeline.minilm, frozen) encodes the query and each offered tool as
separate segments; the tools a zero-shot chooser ranks highest (cosine of mean-pooled
embeddings) go into the memory, best first.

Output language: the answer text (the same JSON as today, pipeline.render.render_answers) is a
sequence of actions, each either a piece of the output vocabulary (JSON punctuation, digits,
characters, frequent words) or a copy of one memory position. A copied position writes its
*surface*, the original characters of that WordPiece (tokenizer offsets), so case and accents
survive although MiniLM's ids are lowercased: `startLocation` is the copies `start`, `Lo`,
`cation`. Spaces are explicit pieces. Several actions can write the same text (a word in the
vocabulary and in the query, a name at two positions): the loss is the probability of all of
them (Vinyals-style pointer with a marginal over equal surfaces).

Mixer (optional, `mixer_layers`): before the decoder reads the memory, the query's positions
attend to the whole memory, tools included, so a query word's state can carry which parameter
it fills; the tools' positions are left as they are.

Decoder: pre-LayerNorm transformer with self-attention, cross-attention to the memory and a
feed-forward; the next-action distribution is one softmax over [vocabulary logits, copy logits],
the copy logits an attention score against every memory position, plus a learned bonus for the
position right after the one just copied (so a multi-piece name is copied in order).
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F

from pipeline.render import dumps, prune_tool

from pipeline.contract import BOS, EOS, MAX_ACTIONS, STRUCTURE


# -- what the encoder reads -------------------------------------------------------------------
def tool_text(tool: dict) -> str:
    """A tool as one line of plain text: name, description, then each parameter (nested ones by
    dotted path) with its type, whether required, description, enum values and default. Plain
    words tokenize into far fewer WordPieces than the JSON schema (every quote and brace is one)."""
    tool = prune_tool(tool)
    parts = [f"{tool['name']}: {tool['description']}".strip()]

    def walk(schema: dict, path: str):
        required = set(schema.get("required") or [])
        for key, sub in (schema.get("properties") or {}).items():
            if not isinstance(sub, dict):
                continue
            name = f"{path}.{key}" if path else key
            kind = sub.get("type", "any")
            kind = "/".join(map(str, kind)) if isinstance(kind, list) else str(kind)
            items = sub.get("items") if isinstance(sub.get("items"), dict) else {}
            if kind == "array" and items.get("type"):
                kind = f"array of {items['type']}"
            line = f"{name} ({kind}{', required' if key in required else ''})"
            if sub.get("description"):
                line += f": {sub['description']}"
            enum = sub.get("enum") or items.get("enum")
            if isinstance(enum, list):
                line += "; one of: " + ", ".join(v if isinstance(v, str) else dumps(v) for v in enum)
            if "default" in sub:
                line += f"; default {dumps(sub['default'])}"
            parts.append(line)
            if sub.get("properties"):
                walk(sub, name)
            elif items.get("properties"):
                walk(items, name)

    walk(tool["parameters"], "")
    return " | ".join(parts)


def segment(tokenizer, texts: list[str], max_pieces: int):
    """WordPiece ids and surfaces of each text ([CLS] ... [SEP]; specials have an empty surface)."""
    out = []
    for text, enc in zip(texts, tokenizer.encode_batch(texts)):
        ids, offsets = enc.ids, enc.offsets
        if len(ids) > max_pieces:
            ids, offsets = ids[:max_pieces - 1] + ids[-1:], offsets[:max_pieces - 1] + offsets[-1:]
        surfaces = ["" if i in (101, 102) else text[a:b] for i, (a, b) in zip(ids, offsets)]
        out.append((ids, surfaces))
    return out


# -- the output language ------------------------------------------------------------------------
class OutputVocab:
    """Pieces the decoder can write without copying: EOS/BOS, STRUCTURE, every character seen in
    training answers, and the most frequent words of what copying cannot supply."""

    def __init__(self, pieces: list[str]):
        self.pieces = pieces
        self.index = {p: i for i, p in enumerate(pieces)}
        self.max_len = max(len(p) for p in pieces)

    @classmethod
    def build(cls, answers_and_surfaces, n_words: int = 2000) -> "OutputVocab":
        """Words are counted in what the base pieces would write character by character (the
        text copying cannot supply, e.g. `celsius` for "metric"), so tool names and values that
        can be copied never become vocabulary words the model would memorise instead."""
        pairs = list(answers_and_surfaces)
        chars = Counter(c for text, _ in pairs for c in text)
        base = cls(["<eos>", "<bos>"] + list(STRUCTURE) + sorted(chars))
        words = Counter()
        for text, surfaces in pairs:
            run = []
            for piece, action in (align(text, surfaces, base) or []) + [("", EOS)]:
                if len(piece) == 1 and action < len(base):
                    run.append(piece)
                    continue
                words.update(re.findall(r"[A-Za-z]{2,}", "".join(run)))
                run = []
        extra = [w for w, _ in words.most_common(n_words) if w not in base.index]
        return cls(base.pieces + extra)

    def __len__(self):
        return len(self.pieces)


def run_length(text: str, p: int, surfaces: list[str], j: int) -> int:
    """Characters of text[p:] that copies of positions j, j+1, ... in a row would write."""
    n = 0
    while j < len(surfaces) and surfaces[j] and text.startswith(surfaces[j], p + n):
        n, j = n + len(surfaces[j]), j + 1
    return n


def align(text: str, surfaces: list[str], vocab: OutputVocab):
    """The answer text as actions: per step, the text it writes and the primary action (a vocab
    id, or len(vocab) + memory position). Longest match first; a vocab piece wins ties; among
    copies, the position after the previous copy, else the one starting the longest run of
    copies (a continuing copy also wins a tie: `2026` is `202` + `6` from one query word). None if some text cannot be
    written (a character never seen in training answers)."""
    by_surface: dict[str, list[int]] = {}
    for j, s in enumerate(surfaces):
        if s:
            by_surface.setdefault(s, []).append(j)
    lengths = sorted({len(s) for s in by_surface}, reverse=True)
    steps, p, last = [], 0, -2
    v = len(vocab)
    while p < len(text):
        piece_v = next((text[p:p + n] for n in range(min(vocab.max_len, len(text) - p), 0, -1)
                        if text[p:p + n] in vocab.index), "")
        piece_c = next((text[p:p + n] for n in lengths if n <= len(text) - p and text[p:p + n] in by_surface), "")
        if not piece_v and not piece_c:
            return None
        js = by_surface.get(piece_c, ())
        if len(piece_c) > len(piece_v) or (piece_c and len(piece_c) == len(piece_v) and last + 1 in js):
            j = last + 1 if last + 1 in js else max(js, key=lambda j: run_length(text, p, surfaces, j))
            steps.append((piece_c, v + j))
            last, p = j, p + len(piece_c)
        else:
            steps.append((piece_v, vocab.index[piece_v]))
            last, p = -2, p + len(piece_v)
    steps.append(("", EOS))
    return steps


# -- the decoder ----------------------------------------------------------------------------------
@dataclass
class DecoderConfig:
    vocab_size: int = 4096
    d_model: int = 384
    n_heads: int = 6
    n_layers: int = 4
    d_ff: int = 1536
    d_memory: int = 384          # the encoder's width
    max_tools: int = 3           # tool segments in the memory (rank embeddings)
    mixer_layers: int = 0        # MixerLayers over the query before the decoder (0: none)
    mix_tools: bool = False      # the mixer over every memory position, tools too, not only the query's

    def to_dict(self):
        return asdict(self)


class DecoderLayer(nn.Module):
    def __init__(self, cfg: DecoderConfig):
        super().__init__()
        d = cfg.d_model
        self.n_heads = cfg.n_heads
        self.self_norm, self.cross_norm, self.ff_norm = (nn.LayerNorm(d) for _ in range(3))
        self.self_qkv = nn.Linear(d, 3 * d, bias=False)
        self.self_out = nn.Linear(d, d, bias=False)
        self.cross_q = nn.Linear(d, d, bias=False)
        self.cross_kv = nn.Linear(d, 2 * d, bias=False)
        self.cross_out = nn.Linear(d, d, bias=False)
        self.ff_in = nn.Linear(d, cfg.d_ff)
        self.ff_out = nn.Linear(cfg.d_ff, d)

    def heads(self, x):
        b, t, d = x.shape
        return x.view(b, t, self.n_heads, d // self.n_heads).transpose(1, 2)

    def merge(self, x):
        b, h, t, hd = x.shape
        return x.transpose(1, 2).reshape(b, t, h * hd)

    def memory_kv(self, memory):
        k, v = self.cross_kv(memory).chunk(2, dim=-1)
        return self.heads(k), self.heads(v)

    def forward(self, x, cross, memory_bias, cache=None):
        """x [B, S, d] new positions; cross (k, v) from memory_kv; cache: (k, v) of earlier
        positions or None (training: S is the whole sequence, causal)."""
        q, k, v = (self.heads(t) for t in self.self_qkv(self.self_norm(x)).chunk(3, dim=-1))
        if cache is not None:
            k, v = torch.cat([cache[0], k], 2), torch.cat([cache[1], v], 2)
        causal = cache is None or cache[0].shape[2] == 0
        x = x + self.self_out(self.merge(F.scaled_dot_product_attention(q, k, v, is_causal=causal and q.shape[2] > 1)))
        q = self.heads(self.cross_q(self.cross_norm(x)))
        x = x + self.cross_out(self.merge(F.scaled_dot_product_attention(q, *cross, attn_mask=memory_bias.to(q.dtype))))
        return x + self.ff_out(F.gelu(self.ff_in(self.ff_norm(x)))), (k, v)


class MixerLayer(nn.Module):
    """Pre-LN layer in which query positions attend to every memory position (query and tools)."""

    def __init__(self, cfg: DecoderConfig):
        super().__init__()
        d = cfg.d_model
        self.n_heads = cfg.n_heads
        self.norm, self.ff_norm = nn.LayerNorm(d), nn.LayerNorm(d)
        self.mix_q = nn.Linear(d, d, bias=False)
        self.mix_kv = nn.Linear(d, 2 * d, bias=False)
        self.mix_out = nn.Linear(d, d, bias=False)
        self.ff_in = nn.Linear(d, cfg.d_ff)
        self.ff_out = nn.Linear(cfg.d_ff, d)

    def forward(self, x, memory, memory_bias):
        """x [B, Q, d] the query's positions (the first Q of memory); memory [B, M, d];
        memory_bias [B, 1, 1, M] additive mask or None (every position real)."""
        b, q_len, d = x.shape
        heads = lambda t: t.view(b, t.shape[1], self.n_heads, d // self.n_heads).transpose(1, 2)
        q = heads(self.mix_q(self.norm(x)))
        k, v = (heads(t) for t in self.mix_kv(self.norm(memory)).chunk(2, dim=-1))
        mask = None if memory_bias is None else memory_bias.to(q.dtype)
        att = F.scaled_dot_product_attention(q, k, v, attn_mask=mask).transpose(1, 2).reshape(b, q_len, d)
        x = x + self.mix_out(att)
        return x + self.ff_out(F.gelu(self.ff_in(self.ff_norm(x))))


class CopyDecoder(nn.Module):
    def __init__(self, cfg: DecoderConfig):
        super().__init__()
        self.cfg = cfg
        d = cfg.d_model
        self.memory_in = nn.Linear(cfg.d_memory, d)
        self.segment = nn.Embedding(1 + cfg.max_tools, d)      # 0: query, 1..: tool by rank
        self.similarity = nn.Linear(1, d)                       # the chooser's cosine, on tool tokens
        self.embed = nn.Embedding(cfg.vocab_size, d)
        self.copied = nn.Parameter(torch.zeros(d))              # marks an input action that was a copy
        self.position = nn.Embedding(MAX_ACTIONS + 1, d)
        self.mixers = nn.ModuleList(MixerLayer(cfg) for _ in range(cfg.mixer_layers))
        self.layers = nn.ModuleList(DecoderLayer(cfg) for _ in range(cfg.n_layers))
        self.final_norm = nn.LayerNorm(d)
        self.copy_query = nn.Linear(d, d, bias=False)
        self.copy_key = nn.Linear(d, d, bias=False)
        self.next_bonus = nn.Parameter(torch.tensor(2.0))
        # Coverage: a learned score for positions already copied (a copy decoder's typical
        # failure is to copy the same span again and again).
        self.copied_bonus = nn.Parameter(torch.tensor(0.0))
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, std=0.02)

    def memory(self, states, seg, sim, mask):
        """Encoder states [B, M, d_memory], segment index [B, M], cosine [B, M], mask [B, M] ->
        memory [B, M, d], per-layer cross K/V, the additive mask and the copy keys."""
        mem = self.memory_in(states) + self.segment(seg) + self.similarity(sim[..., None]) * (seg > 0)[..., None]
        bias = torch.zeros(mask.shape, dtype=mem.dtype, device=mem.device).masked_fill(~mask, float("-inf"))[:, None, None]
        # The query comes first in every row: only the longest query's positions are mixed.
        mem = self.mix(mem, seg, bias, int(((seg == 0) & mask).sum(1).max()))
        return mem, [layer.memory_kv(mem) for layer in self.layers], bias, self.copy_key(mem)

    def mix(self, mem, seg, bias, n_query: int | None = None):
        """The mixer layers over the first n_query positions (None: all, as the one-row export
        does); only query positions (segment 0) take the result. With `mix_tools` every position
        reads every other and keeps the result: a parameter's name can learn which words of the
        query are its value."""
        if not self.mixers:
            return mem
        if self.cfg.mix_tools:
            for layer in self.mixers:
                mem = layer(mem, mem, bias)
            return mem
        head = mem if n_query is None else mem[:, :n_query]
        x = head
        for layer in self.mixers:
            x = layer(x, mem, bias)
        mixed = torch.where((seg[:, :head.shape[1]] == 0)[..., None], x, head)
        return mixed if n_query is None else torch.cat([mixed, mem[:, n_query:]], 1)

    def embed_actions(self, actions, mem, start: int):
        """Input embeddings of actions [B, S] (vocab ids, or V + memory position) at positions start..."""
        v = self.cfg.vocab_size
        is_copy = actions >= v
        tok = self.embed(actions.clamp(max=v - 1))
        pos_idx = (actions - v).clamp(min=0)
        copied = torch.gather(mem, 1, pos_idx[..., None].expand(-1, -1, mem.shape[-1])) + self.copied
        x = torch.where(is_copy[..., None], copied, tok)
        return x + self.position(torch.arange(start, start + actions.shape[1], device=actions.device).clamp(max=MAX_ACTIONS))

    def logits(self, h, copy_keys, mask, prev_pos, coverage):
        """h [B, S, d] -> logits [B, S, V + M]; prev_pos [B, S]: memory position of the previous
        action if it was a copy, else -2 (the bonus goes to prev_pos + 1); coverage [B, S, M]:
        whether each position was copied before this step."""
        h = self.final_norm(h)
        vocab = h @ self.embed.weight.t()
        copy = (self.copy_query(h) @ copy_keys.transpose(1, 2)) / math.sqrt(h.shape[-1])
        m = copy_keys.shape[1]
        nxt = (torch.arange(m, device=h.device)[None, None] == (prev_pos + 1)[..., None])
        copy = copy + self.next_bonus * nxt + self.copied_bonus * coverage
        copy = copy.masked_fill(~mask[:, None, :], float("-inf"))
        return torch.cat([vocab, copy], dim=-1)

    def forward(self, states, seg, sim, mask, actions_in, prev_pos):
        """Teacher-forced logits [B, S, V + M] for input actions [B, S] (BOS first)."""
        mem, cross, bias, keys = self.memory(states, seg, sim, mask)
        x = self.embed_actions(actions_in, mem, 0)
        for layer, kv in zip(self.layers, cross):
            x, _ = layer(x, kv, bias)
        m = states.shape[1]
        v = self.cfg.vocab_size
        copied = F.one_hot((actions_in - v).clamp(min=0), m) * (actions_in >= v)[..., None]
        coverage = (copied.cumsum(1) > 0).to(x.dtype)
        return self.logits(x, keys, mask, prev_pos, coverage)

    @torch.no_grad()
    def greedy(self, states, seg, sim, mask, max_actions: int = 96):
        """Greedy actions [B, <= max_actions] (EOS-terminated rows keep emitting EOS)."""
        b = states.shape[0]
        v = self.cfg.vocab_size
        mem, cross, bias, keys = self.memory(states, seg, sim, mask)
        caches = [(mem.new_zeros(b, self.cfg.n_heads, 0, self.cfg.d_model // self.cfg.n_heads),) * 2
                  for _ in self.layers]
        action = torch.full((b, 1), BOS, dtype=torch.long, device=states.device)
        prev = torch.full((b, 1), -2, dtype=torch.long, device=states.device)
        done = torch.zeros(b, dtype=torch.bool, device=states.device)
        coverage = torch.zeros(b, 1, states.shape[1], device=states.device)
        out = []
        for t in range(max_actions):
            x = self.embed_actions(action, mem, t)
            for i, (layer, kv) in enumerate(zip(self.layers, cross)):
                x, caches[i] = layer(x, kv, bias, caches[i])
            is_copy = action >= v
            coverage = torch.maximum(coverage, F.one_hot((action - v).clamp(min=0), states.shape[1]) * is_copy[..., None])
            nxt = self.logits(x, keys, mask, prev, coverage)[:, -1].argmax(-1)
            nxt = torch.where(done, torch.full_like(nxt, EOS), nxt)
            out.append(nxt)
            done |= nxt == EOS
            if done.all():
                break
            action = nxt[:, None]
            prev = torch.where(action >= v, action - v, torch.full_like(action, -2))
        return torch.stack(out, 1)

    def num_params(self):
        return sum(p.numel() for p in self.parameters())


def load_decoder(path) -> tuple[CopyDecoder, list[str]]:
    """A decoder checkpoint of pipeline.copy_curve (decoder-MMMmin.pt): the model (float32, eval
    mode) and its output vocabulary's pieces."""
    ckpt = torch.load(path, map_location="cpu")
    dec = CopyDecoder(DecoderConfig(**ckpt["decoder_config"]))
    dec.load_state_dict({k: v.float() for k, v in ckpt["state_dict"].items()})
    return dec.eval(), ckpt["vocab"]


def marginal_loss(logits, valid):
    """-log of the probability of all valid actions at each real step; logits, valid [N, V + M]."""
    logp = logits.float().log_softmax(-1)
    return -(logp.masked_fill(~valid, float("-inf")).logsumexp(-1)).mean()
