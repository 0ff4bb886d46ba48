"""pipeline.export on a tiny random format 4 model: the two graphs' interface and the manifest the
runtime reads (docs/model-format.md), float parity with PyTorch, int8 weights."""
import json

import onnx
import onnxruntime as ort
import pytest
import torch

from pipeline.export import FORMAT_VERSION, export
from pipeline.minilm import BertConfig, MiniLM
from pipeline.model import Extractor


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return Extractor(MiniLM(BertConfig(d_model=32, n_heads=2, n_layers=2, d_ff=128))).eval()


def test_float_graphs_match_pytorch(model, tmp_path):
    export(model, tmp_path, "t", False, {})
    report = json.loads((tmp_path / "parity.json").read_text())
    assert max(report["max_abs_diff"].values()) < 1e-4, report
    assert all(a == 1 for a in report["argmax_agreement"].values()), report


def test_shipped_layout_follows_the_contract(model, tmp_path):
    export(model, tmp_path, "tiny", True, {"note": "test"})
    manifest = json.loads((tmp_path / "needle.json").read_text())
    assert manifest["format_version"] == FORMAT_VERSION == 4
    assert manifest["name"] == "tiny" and manifest["d_model"] == 32 and manifest["training"] == {"note": "test"}
    assert manifest["files"] == {"encoder": "encoder.onnx", "heads": "heads.onnx", "tokenizer": "tokenizer.json"}
    assert manifest["ort_optimized"] == ort.__version__
    for f in manifest["files"].values():
        assert (tmp_path / f).is_file()
    io = {}
    for graph in ("encoder", "heads"):
        s = ort.InferenceSession(str(tmp_path / f"{graph}.onnx"), providers=["CPUExecutionProvider"])
        io[graph] = ([i.name for i in s.get_inputs()], [o.name for o in s.get_outputs()])
    assert io["encoder"] == (["input_ids", "attention_mask"], ["hidden", "pooled"])
    assert io["heads"] == (["hidden", "param_pos", "member_pool"], ["count", "status", "spans", "members"])
    int8 = [t for t in onnx.load(str(tmp_path / "encoder.onnx")).graph.initializer if t.data_type == onnx.TensorProto.INT8]
    assert int8, "the encoder's weights are int8"
