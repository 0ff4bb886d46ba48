"""The model format's constants: every number and string the Python pipeline and the Rust runtime
must agree on, in one place. docs/model-format.md is the written contract; the golden tests
(tests/golden/*.jsonl, written by pipeline.golden and pipeline.fixture_copy, read by
tests/golden.rs and tests/copy_model.rs) check that both sides still agree.

The tool normaliser every Python path uses (converters, synthesis) is `pipeline.schema.normalize_tool`;
the runtime's is crates/core/src/tools/normalize.rs.
"""

OPSET = 17   # ONNX opset of every exported graph

# -- format 3 (shipped): MiniLM encoder + copy decoder (docs/model-format.md section 7) -----------
COPY_FORMAT_VERSION = 3
EOS, BOS = 0, 1                       # the copy decoder's first two output-vocabulary actions
CLS, SEP = 101, 102                   # MiniLM's WordPiece ids around every encoded text
MAX_TOOL_PIECES, MAX_QUERY_PIECES, MAX_ACTIONS = 256, 128, 128
# Multi-character pieces of the answer JSON (render_answers), matched longest first.
STRUCTURE = ('[{"name":"', '","arguments":{}},{"name":"', '{"name":"', '","arguments":{', '","arguments":{}}', '}},{"name":"', '"}},{"name":"', '"}}]', '}}]',
             '"}}', '}}', '":"', '","', '":', ',"', '":["', '"],"', '"]}}', '"]', '":[', '":{"', '"}', '[]',
             'true', 'false', 'null', '},{"')

# -- format 2 (no longer shipped; the test fixture tests/fixtures/tiny-model): own tokenizer + seq2seq
SEQ2SEQ_FORMAT_VERSION = 2
SPECIAL_IDS = {"pad": 0, "bos": 1, "eos": 2, "tool": 3, "query": 4}
MAX_TOOL_TOKENS, MAX_QUERY_TOKENS, MAX_OUTPUT_TOKENS = 256, 96, 192
