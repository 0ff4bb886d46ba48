"""A shipped int8 model read back into a CopyDecoder (pipeline.dequantize), so `copy_curve train
--init assets` can continue training from the files a checkout has."""
from pathlib import Path

import torch

from pipeline.copy_curve import init_from
from pipeline.copy_model import CopyDecoder, OutputVocab
from pipeline.dequantize import load_shipped
from pipeline.fixture_copy import tiny_models

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "tiny-copy-model"


def test_every_weight_comes_back_within_int8_rounding():
    _, made, vocab = tiny_models()           # the decoder the fixture was exported from
    read, pieces = load_shipped(FIXTURE)
    assert pieces == vocab and read.cfg == made.cfg
    want, got = made.state_dict(), read.state_dict()
    assert set(want) == set(got)
    for name, w in want.items():
        # Per-column int8 scale is at most the tensor's largest |weight| / 127; rounding is half a step.
        limit = float(w.abs().max()) / 127 * 0.5 + 1e-6
        assert float((got[name] - w).abs().max()) <= limit, name


def test_init_from_a_model_folder_carries_the_weights_over():
    read, pieces = load_shipped(FIXTURE)
    model = CopyDecoder(read.cfg)
    init_from(model, OutputVocab(pieces), FIXTURE)
    for name, w in read.state_dict().items():
        assert torch.equal(model.state_dict()[name], w), name
