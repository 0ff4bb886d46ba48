"""needle's Python pipeline: the path that makes the shipped model (format 4), one module a stage.

    corpora -> rows        pipeline.convert, pipeline.build_data (with pipeline.synth, pipeline.augment)
    rows -> labels         pipeline.sequence (what the model reads), pipeline.labels (what it learns)
    labels -> checkpoint   pipeline.model (MiniLM, pipeline.minilm, plus heads), pipeline.train
    checkpoint -> model    pipeline.export (ONNX, int8), pipeline.calibrate (decision thresholds)
    model -> numbers       `needle eval` on scripts/dev_to_eval.py's and scripts/bfcl_to_jsonl.py's rows

`scripts/py -m pipeline.release all` runs them in order. Read docs/model-format.md first: it is
the contract this package and the Rust runtime share.
"""
