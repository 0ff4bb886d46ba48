"""Model invariants the runtime relies on (KV cache, multi-token steps, tool-order independence)."""
import torch

from pipeline.model import ModelConfig, Needle
from pipeline.train import PRESETS


def tiny():
    torch.manual_seed(0)
    return Needle(PRESETS["tiny"]).eval()


def test_release_shape_is_about_26m_parameters():
    n = Needle(ModelConfig()).num_params()
    assert 0.7 * 26e6 <= n <= 1.3 * 26e6


@torch.no_grad()
def test_cached_decoding_equals_full_decoding():
    m = tiny()
    c = m.cfg
    seg = torch.randint(5, c.vocab_size, (1, 11))
    memory = m.encode(seg, torch.ones_like(seg))
    ck, cv = m.cross_keys_values(memory)
    mask = torch.ones(1, 11, dtype=torch.long)
    dec = torch.randint(5, c.vocab_size, (1, 6))
    empty = memory.new_zeros(c.n_decoder_layers, 1, c.n_kv_heads, 0, c.head_dim)
    full, _, _ = m.decode(dec, empty, empty, ck, cv, mask, use_sdpa=False)
    # one token, then three at once (jump-forward), then two one by one
    pieces, pk, pv = [], empty, empty
    for a, b in [(0, 1), (1, 4), (4, 5), (5, 6)]:
        logits, pk, pv = m.decode(dec[:, a:b], pk, pv, ck, cv, mask, use_sdpa=False)
        pieces.append(logits)
    assert torch.allclose(torch.cat(pieces, 1), full, atol=1e-5)
    assert pk.shape == (c.n_decoder_layers, 1, c.n_kv_heads, 6, c.head_dim)


@torch.no_grad()
def test_segments_are_independent_and_order_free():
    m = tiny()
    c = m.cfg
    tool_a, tool_b, query = (torch.randint(5, c.vocab_size, (1, n)) for n in (7, 9, 5))
    enc = lambda s: m.encode(s, torch.ones_like(s), use_sdpa=False)
    # A tool encoded alone equals the same tool encoded in a padded batch with another.
    batch = torch.zeros(2, 9, dtype=torch.long)
    batch[0, :7], batch[1] = tool_a[0], tool_b[0]
    bmask = (batch != 0).long()
    bmask[0, :7] = 1
    assert torch.allclose(m.encode(batch, bmask, use_sdpa=False)[0, :7], enc(tool_a)[0], atol=1e-5)

    def first_logits(segments):
        memory = torch.cat([enc(s) for s in segments], 1)
        ck, cv = m.cross_keys_values(memory)
        empty = memory.new_zeros(c.n_decoder_layers, 1, c.n_kv_heads, 0, c.head_dim)
        bos = torch.tensor([[1]])
        return m.decode(bos, empty, empty, ck, cv, torch.ones(1, memory.shape[1], dtype=torch.long), use_sdpa=False)[0]

    assert torch.allclose(first_logits([tool_a, tool_b, query]), first_logits([query, tool_b, tool_a]), atol=1e-5)


def test_reshape_has_onnx_semantics_and_exports_without_shape_arithmetic(tmp_path):
    import onnx
    from pipeline.model import reshape

    x = torch.arange(2 * 3 * 8, dtype=torch.float32).reshape(2, 3, 8)
    assert torch.equal(reshape(x, (0, -1, 2, 4)), x.reshape(2, 3, 2, 4))
    assert torch.equal(reshape(x, (0, 0, -1)), x)

    class Split(torch.nn.Module):
        def forward(self, x):
            return reshape(x, (0, -1, 2, 4)).transpose(1, 2)

    path = tmp_path / "m.onnx"
    torch.onnx.export(Split(), (x,), str(path), input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "B", 1: "T"}}, opset_version=17, dynamo=False)
    ops = [n.op_type for n in onnx.load(str(path)).graph.node]
    assert "Reshape" in ops and not {"Shape", "Gather", "Concat"} & set(ops), ops
