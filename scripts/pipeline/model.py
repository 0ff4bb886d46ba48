"""Model format 4: all-MiniLM-L6-v2, fine-tuned, with a few heads that point (docs/model-format.md).

One encoder pass over a (request, tool) sequence (pipeline.sequence) gives hidden
states h. Then:
- count   = Linear(h[CLS])                   how many calls of this tool: 0, 1, 2, 3+
- status  = Linear(h[P])                     per parameter: absent / span / enum / true / false
- spans   = <W_c h[t], U h[P]>               per parameter and request piece: O / B / I
- members = <V mean(h[member]), Z h[P]>      per parameter and enum member
The same encoder, mean-pooled over a request alone or a tool's text alone, is the bi-encoder
that picks which tools get a cross-encoder pass (trained with an in-batch contrastive loss).
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn

from pipeline.minilm import MiniLM, mean_pool

D_HEAD = 128
N_STATUS = 5
N_COUNT = 4
N_TAGS = 3


class Extractor(nn.Module):
    def __init__(self, encoder: MiniLM):
        super().__init__()
        d = encoder.cfg.d_model
        self.encoder = encoder
        self.count = nn.Linear(d, N_COUNT)
        self.status = nn.Linear(d, N_STATUS)
        self.span_token = nn.Linear(d, N_TAGS * D_HEAD)
        self.span_param = nn.Linear(d, D_HEAD)
        self.member_token = nn.Linear(d, D_HEAD)
        self.member_param = nn.Linear(d, D_HEAD)

    @classmethod
    def pretrained(cls) -> "Extractor":
        enc = MiniLM.pretrained()
        with torch.no_grad():            # the [P] marker ([unused0]) starts as the word "parameter"
            enc.word.weight[1] = enc.word.weight[16381]
        return cls(enc)

    def forward(self, ids, mask, param_pos, member_pool):
        """ids, mask [B, T]; param_pos [B, P] (positions of [P]); member_pool [B, P, M, T] (each
        member's pieces, weights summing to 1; all zero for padding) ->
        count [B, 4], status [B, P, 5], spans [B, P, T, 3], members [B, P, M]."""
        h = self.encoder(ids, mask)
        b, t, d = h.shape
        marker = torch.gather(h, 1, param_pos[..., None].expand(-1, -1, d))
        tokens = self.span_token(h).view(b, t, N_TAGS, D_HEAD)
        spans = torch.einsum("btcd,bpd->bptc", tokens, self.span_param(marker)) / math.sqrt(D_HEAD)
        member_states = torch.einsum("bpmt,btd->bpmd", member_pool, h)
        members = torch.einsum("bpmd,bpd->bpm", self.member_token(member_states),
                               self.member_param(marker)) / math.sqrt(D_HEAD)
        return self.count(h[:, 0]), self.status(marker), spans, members

    def embed(self, ids, mask):
        """The bi-encoder side: a mean-pooled, L2-normalised vector per text."""
        return mean_pool(self.encoder(ids, mask), mask)
