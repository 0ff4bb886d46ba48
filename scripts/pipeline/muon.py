"""Muon: momentum SGD whose update is orthogonalised by a Newton-Schulz iteration.

For the 2-D attention weights (Q/K/V/O), as in Needle's recipe (Muon lr 0.02 there, AdamW for
everything else). After Keller Jordan's reference implementation (github.com/KellerJordan/Muon).
"""
from __future__ import annotations

import torch


def orthogonalise(g: torch.Tensor, steps: int = 5) -> torch.Tensor:
    """Approximately U V^T of g = U S V^T (quintic Newton-Schulz, the reference coefficients)."""
    a, b, c = 3.4445, -4.7750, 2.0315
    x = g.bfloat16()
    transposed = x.shape[0] > x.shape[1]
    if transposed:
        x = x.T
    x = x / (x.norm() + 1e-7)
    for _ in range(steps):
        s = x @ x.T
        x = a * x + (b * s + c * s @ s) @ x
    return (x.T if transposed else x).to(g.dtype)


class Muon(torch.optim.Optimizer):
    def __init__(self, params, lr: float = 0.02, momentum: float = 0.95, weight_decay: float = 0.0):
        super().__init__(params, dict(lr=lr, momentum=momentum, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                buf = self.state[p].setdefault("momentum", torch.zeros_like(p))
                buf.lerp_(p.grad, 1 - group["momentum"])
                update = orthogonalise(p.grad.lerp(buf, group["momentum"]))       # Nesterov
                if group["weight_decay"]:
                    p.mul_(1 - group["lr"] * group["weight_decay"])
                # Scaled so a rectangular matrix gets an update of the same RMS as a square one.
                p.add_(update, alpha=-group["lr"] * max(1.0, p.shape[0] / p.shape[1]) ** 0.5)
