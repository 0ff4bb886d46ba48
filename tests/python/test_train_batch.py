"""The training batch layout changes cost, never results: a row's logits do not depend on the
rows it is batched with (segment groups, padding, memory gather, decoder chunks)."""
import numpy as np
import torch

from pipeline.fixture import make_packed_data
from pipeline.model import ModelConfig, Needle
from pipeline.train import PackedRows


def row_logits(model, data, rows, tool_refs=None):
    b = data.batch(rows, "cpu", tool_refs=tool_refs)
    memory = model.memory_keys_values(b["segments"], use_sdpa=False)
    out = {}
    for c in b["decoder"]:
        logits = model(memory, c["mem_idx"], c["mem_mask"], c["dec_in"], c["target"], use_sdpa=False)
        sizes = (c["target"] != -100).sum(1).tolist()
        for pos, part in zip(c["pos"].tolist(), torch.split(logits, sizes)):
            out[rows[pos]] = part
    return out


def test_row_logits_do_not_depend_on_the_batch(tmp_path):
    make_packed_data(tmp_path, train_rows=120, dev_rows=4, vocab=512)
    data = PackedRows(tmp_path / "train.npz")
    torch.manual_seed(0)
    model = Needle(ModelConfig(vocab_size=512, d_model=64, n_heads=4, n_kv_heads=2, head_dim=16,
                               n_encoder_layers=2, n_decoder_layers=2)).eval()
    rows = list(range(70))                      # more than one segment group and decoder chunk
    with torch.no_grad():
        together = row_logits(model, data, rows)
        for r in rows[::7]:
            alone = row_logits(model, data, [r])[r]
            assert torch.allclose(together[r], alone, atol=1e-4), r


def test_shared_tools_keep_calls_and_tool_counts(tmp_path):
    make_packed_data(tmp_path, train_rows=300, dev_rows=4, vocab=512)
    data = PackedRows(tmp_path / "train.npz")
    rows = list(range(128))
    shared = data.shared_tools(rows, np.random.default_rng(0))
    before = np.unique(np.concatenate([data.seq("row_tools", r) for r in rows]))
    assert len(np.unique(np.concatenate(shared))) < len(before)
    names = data.a["tool_name"]
    for r, refs in zip(rows, shared):
        own = data.seq("row_tools", r)
        gold = data.seq("row_gold", r).astype(bool)
        assert len(refs) == len(own) and (refs[gold] == own[gold]).all()
        assert len(set(names[refs].tolist())) == len(refs)        # no two tools with one name
        if not data.a["row_swap"][r]:
            assert (refs == own).all()
