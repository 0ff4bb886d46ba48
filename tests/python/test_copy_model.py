"""The copy decoder's output language (pipeline.copy_model): alignment, decoding, the loss."""
import torch

from pipeline.contract import BOS, EOS
from pipeline.copy_model import CopyDecoder, DecoderConfig, OutputVocab, align, marginal_loss, tool_text

# Surfaces as MiniLM's tokenizer gives them: original characters, wordpieces split.
SURFACES = ["", "set", "the", "Kitchen", "lights", "to", "10", "", "", "set", "_", "lights", ":", "room", "", ""]
ANSWER = '[{"name":"set_lights","arguments":{"room":"Kitchen","brightness":10}}]'


def vocab():
    return OutputVocab.build([(ANSWER, SURFACES)], n_words=10)


def test_align_writes_the_answer_exactly_and_copies_what_it_can():
    v = vocab()
    steps = align(ANSWER, SURFACES, v)
    assert "".join(p for p, _ in steps) == ANSWER
    assert steps[-1] == ("", EOS)
    copied = [p for p, a in steps if a >= len(v)]
    # The name is copied from the tool segment in order (set, _, lights at positions 9-11) and
    # the value keeps its case from the query.
    assert copied[:3] == ["set", "_", "lights"]
    assert [a - len(v) for p, a in steps if a >= len(v)][:3] == [9, 10, 11]
    assert "Kitchen" in copied and "10" in copied and "room" in copied
    # "brightness" is nowhere in the memory: it is written from the vocabulary (a word counted
    # in the character-by-character residue) and never as a copy.
    assert "brightness" in v.index and "brightness" not in copied


def test_align_fails_on_text_it_cannot_write():
    assert align("[\u2603]", SURFACES, vocab()) is None


def test_copyable_names_do_not_become_vocabulary_words():
    assert "lights" not in vocab().index


def test_tool_text_names_every_parameter_with_its_enum_values():
    tool = {"name": "set_mode", "description": "Set a mode.", "parameters": {"type": "object", "properties": {
        "mode": {"type": "string", "enum": ["warm", "cool"], "description": "colour"},
        "where": {"type": "object", "properties": {"room": {"type": "string"}}, "required": ["room"]}},
        "required": ["mode"]}}
    assert tool_text(tool) == ("set_mode: Set a mode. | mode (string, required): colour; one of: warm, cool"
                               " | where (object) | where.room (string, required)")


def test_marginal_loss_counts_every_action_that_writes_the_piece():
    logits = torch.zeros(1, 4)
    one = marginal_loss(logits, torch.tensor([[True, False, False, False]]))
    two = marginal_loss(logits, torch.tensor([[True, False, True, False]]))
    assert torch.isclose(one, torch.log(torch.tensor(4.0)))
    assert torch.isclose(two, torch.log(torch.tensor(2.0)))


def test_greedy_matches_teacher_forced_logits():
    """The cached step-by-step decoder computes what the full teacher-forced pass computes."""
    torch.manual_seed(0)
    cfg = DecoderConfig(vocab_size=20, d_model=32, n_heads=4, n_layers=2, d_ff=64, d_memory=16, max_tools=2)
    model = CopyDecoder(cfg).eval()
    b, m = 2, 7
    states, seg = torch.randn(b, m, 16), torch.tensor([[0, 0, 1, 1, 2, 2, 2], [0, 0, 0, 1, 1, 0, 0]])
    sim, mask = torch.rand(b, m), torch.tensor([[True] * 7, [True] * 5 + [False] * 2])
    actions = model.greedy(states, seg, sim, mask, max_actions=6)
    inputs = torch.cat([torch.full((b, 1), BOS), actions[:, :-1]], 1)
    prev = torch.where(inputs >= cfg.vocab_size, inputs - cfg.vocab_size, torch.full_like(inputs, -2))
    prev[:, 0] = -2
    with torch.no_grad():
        forced = model(states, seg, sim, mask, inputs, prev).argmax(-1)
    for row in range(b):
        n = int((actions[row] == EOS).nonzero()[0]) + 1 if (actions[row] == EOS).any() else actions.shape[1]
        assert forced[row, :n].tolist() == actions[row, :n].tolist()
        assert all(a < cfg.vocab_size + int(mask[row].sum()) for a in actions[row, :n].tolist())  # never padding


def test_format3_fixture_matches_golden():
    """The Python side of tests/golden/copy_model.jsonl (tests/copy_model.rs is the Rust side):
    the fixture's graphs, driven by OrtCopyModel, reproduce every golden line."""
    import json
    from pathlib import Path
    from pipeline.contract import MAX_QUERY_PIECES
    from pipeline.copy_model import tool_text
    from pipeline.export_copy import OrtCopyModel
    root = Path(__file__).resolve().parents[2]
    model = OrtCopyModel(root / "tests" / "fixtures" / "tiny-copy-model")
    lines = [json.loads(l) for l in (root / "tests" / "golden" / "copy_model.jsonl").read_text().splitlines() if l.strip()]
    assert lines
    for g in lines:
        texts = [tool_text(t) for t in g["tools"]]
        assert texts == g["tool_texts"]
        mem_inputs, surfaces, chosen, sims = model.memory(g["query"], texts)
        assert chosen == g["chosen"]
        assert model.segment(g["query"].strip(), MAX_QUERY_PIECES) == (g["query_ids"], g["query_surfaces"])
        actions, _ = model.greedy(mem_inputs, model.manifest["max_actions"])
        assert model.text(actions, surfaces) == g["text"]


def test_init_from_carries_weights_and_matches_vocabulary_by_piece(tmp_path):
    from pipeline.copy_curve import init_from
    torch.manual_seed(0)
    old_pieces = ["<eos>", "<bos>", "[", "]", "a", "b"]
    old = CopyDecoder(DecoderConfig(vocab_size=len(old_pieces), d_model=16, n_heads=2, n_layers=1, d_ff=32, d_memory=8))
    torch.save({"decoder_config": old.cfg.to_dict(), "vocab": old_pieces,
                "state_dict": {k: v.half() for k, v in old.state_dict().items()}}, tmp_path / "decoder.pt")
    # The next run's vocabulary: same pieces in another order, one dropped, one new.
    new_pieces = ["<eos>", "<bos>", "b", "]", "[", "zz"]
    new = CopyDecoder(DecoderConfig(vocab_size=len(new_pieces), d_model=16, n_heads=2, n_layers=1, d_ff=32, d_memory=8))
    fresh_row = new.embed.weight[5].detach().clone()
    init_from(new, OutputVocab(new_pieces), tmp_path / "decoder.pt")
    for i, piece in enumerate(new_pieces[:5]):
        assert torch.equal(new.embed.weight[i], old.embed.weight[old_pieces.index(piece)].half().float())
    assert torch.equal(new.embed.weight[5], fresh_row)           # "zz" is new: its random row stays
    assert torch.equal(new.layers[0].self_qkv.weight, old.layers[0].self_qkv.weight.half().float())


def test_init_from_refuses_another_shape(tmp_path):
    import pytest
    from pipeline.copy_curve import init_from
    old = CopyDecoder(DecoderConfig(vocab_size=4, d_model=16, n_heads=2, n_layers=1, d_ff=32, d_memory=8))
    torch.save({"decoder_config": old.cfg.to_dict(), "vocab": ["<eos>", "<bos>", "[", "]"],
                "state_dict": old.state_dict()}, tmp_path / "decoder.pt")
    new = CopyDecoder(DecoderConfig(vocab_size=4, d_model=16, n_heads=2, n_layers=2, d_ff=32, d_memory=8))
    with pytest.raises(SystemExit, match="differs"):
        init_from(new, OutputVocab(["<eos>", "<bos>", "[", "]"]), tmp_path / "decoder.pt")


def test_mixer_changes_only_the_query_and_batches_like_one_row():
    """Training mixes the longest query's prefix of a padded batch; the one-row export mixes every
    position and keeps the query's: both give the same memory, and tool positions are untouched."""
    torch.manual_seed(0)
    cfg = DecoderConfig(vocab_size=20, d_model=32, n_heads=4, n_layers=2, d_ff=64, d_memory=16, max_tools=2,
                        mixer_layers=1)
    model = CopyDecoder(cfg).eval()
    for p in model.mixers.parameters():
        torch.nn.init.normal_(p, std=0.3)
    states, sim = torch.randn(2, 7, 16), torch.rand(2, 7)
    seg = torch.tensor([[0, 0, 0, 1, 1, 2, 2], [0, 0, 0, 0, 1, 0, 0]])      # row 1: query 4, one tool, padding
    mask = torch.tensor([[True] * 7, [True] * 5 + [False] * 2])
    with torch.no_grad():
        batched, _, _, _ = model.memory(states, seg, sim, mask)
        for row, n in ((0, 7), (1, 5)):
            s, g, c = states[row:row + 1, :n], seg[row:row + 1, :n], sim[row:row + 1, :n]
            unmixed = model.memory_in(s) + model.segment(g) + model.similarity(c[..., None]) * (g > 0)[..., None]
            one_row = model.mix(unmixed, g, None)
            assert (one_row - batched[row:row + 1, :n]).abs().max() < 1e-5
            changed = (one_row - unmixed).abs().amax(-1)[0] > 1e-4
            assert changed.tolist() == (g[0] == 0).tolist()


def test_mix_tools_mixes_every_position_and_the_export_graph_agrees():
    from pipeline.export_copy import MemoryGraph
    torch.manual_seed(0)
    cfg = DecoderConfig(vocab_size=8, d_model=16, n_heads=2, n_layers=1, d_ff=32, d_memory=8, mixer_layers=1)
    states = torch.randn(1, 7, 8)
    seg = torch.tensor([[0, 0, 0, 1, 1, 2, 2]])
    sim = torch.tensor([[0, 0, 0, .5, .5, .3, .3]])
    mask = torch.ones(1, 7, dtype=torch.bool)
    query_only = CopyDecoder(cfg).eval()
    both = CopyDecoder(DecoderConfig(**{**cfg.to_dict(), "mix_tools": True})).eval()
    both.load_state_dict(query_only.state_dict())
    with torch.no_grad():
        plain = query_only.memory(states, seg, sim, mask)[0]
        mixed = both.memory(states, seg, sim, mask)[0]
        exported = MemoryGraph(both)(states, seg, sim)[0]
    assert torch.allclose(mixed[:, :3], plain[:, :3], atol=1e-6)      # the query's positions: as before
    assert not torch.allclose(mixed[:, 3:], plain[:, 3:])             # the tools' positions: now mixed too
    assert torch.allclose(exported, mixed, atol=1e-6)


def test_prepare_reuses_the_states_of_texts_an_earlier_prepare_encoded(tmp_path):
    import pickle
    from pipeline.copy_curve import TextStates
    from pipeline.minilm import MiniLM, tokenizer
    tok, model = tokenizer(), MiniLM.pretrained().eval()
    kind = lambda t: "query"

    first = TextStates()
    first.add(["turn on the lights", "what's the weather in Oslo", "set a timer for ten minutes"])
    first.encode(model, tok, kind)
    torch.save({"states": first.states, "lengths": first.lengths, "pooled": first.pooled}, tmp_path / "states.pt")
    with open(tmp_path / "rows.pkl", "wb") as f:
        pickle.dump({"texts": list(first.index)}, f)

    second = TextStates()
    second.add(["set a timer for ten minutes", "play some jazz", "turn on the lights"])
    seconds, reused = second.encode(model, tok, kind, reuse=[tmp_path])
    fresh = TextStates()
    fresh.add(list(second.index))
    fresh.encode(model, tok, kind)
    assert reused == 2 and list(fresh.index) == list(second.index)

    def rows(store, text):
        i = store.index[text]
        at = sum(store.lengths[:i])
        return store.states[at:at + store.lengths[i]].float(), store.pooled[i].float()
    for text in second.index:
        got, want = rows(second, text), rows(fresh, text)
        assert torch.allclose(got[0], want[0], atol=0.05) and torch.allclose(got[1], want[1], atol=0.02), text
    assert torch.equal(rows(second, "turn on the lights")[0], rows(first, "turn on the lights")[0])   # copied
