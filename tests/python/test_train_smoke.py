"""CPU smoke run of the real training entry point on synthesised rows (seconds)."""
import json

from pipeline.fixture import make_packed_data
from pipeline.train import TrainConfig, train


def test_smoke_training_learns_and_evaluates(tmp_path):
    make_packed_data(tmp_path, train_rows=300, dev_rows=8, vocab=512)
    cfg = TrainConfig(preset="tiny", vocab_size=512, batch_rows=4, lr=3e-3, warmup_frac=0.05,
                      budget_s=300, max_steps=40, eval_rows=8, eval_max_tokens=32, log_every=1)
    _, metrics = train(cfg, tmp_path, tmp_path / "run")
    losses = [e["loss"] for e in metrics["loss_curve"]]
    assert len(losses) == 40
    assert sum(losses[-5:]) / 5 < 0.8 * sum(losses[:5]) / 5
    for key in ("exact_match", "tool_name_acc", "argument_acc", "no_call_f1"):
        assert 0.0 <= metrics["dev_in"][key] <= 1.0
    saved = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert saved["steps"] == 40 and (tmp_path / "run" / "model.pt").exists()
