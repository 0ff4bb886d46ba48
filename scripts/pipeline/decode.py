"""Greedy decoding of one row, as the runtime does it (crates/core/src/decode.rs `greedy`): the one
loop behind every single-row decoder of the pipeline (PyTorch and ONNX Runtime, format 2 and 3:
pipeline.export, pipeline.export_copy). The batched decoders that score dev rows during training
(`train.greedy_chunk`, `CopyDecoder.greedy`) decode many rows per step and stay with their models.
"""
from __future__ import annotations

from typing import Callable

import numpy as np


def greedy(step: Callable[[int, int], np.ndarray], bos: int, eos: int, max_steps: int):
    """`step(previous action, t)` -> the logits of step t. Returns the chosen actions (without the
    final eos) and the logits of every step taken."""
    action, actions, all_logits = bos, [], []
    for t in range(max_steps):
        logits = step(action, t)
        all_logits.append(logits)
        action = int(logits.argmax())
        if action == eos:
            break
        actions.append(action)
    return actions, all_logits
