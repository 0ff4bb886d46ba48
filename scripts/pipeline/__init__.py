"""needle's Python pipeline: corpora -> rows -> synthesis -> tokenizer -> model -> ONNX.

Read docs/model-format.md first: it is the contract this package and the Rust runtime share.
"""
