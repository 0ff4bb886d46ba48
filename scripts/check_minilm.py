"""One-off check: pipeline.minilm's forward against transformers' BertModel on the same weights.

    pip install --target /tmp/tfref transformers safetensors
    PYTHONPATH=scripts:/tmp/tfref .venv/bin/python scripts/check_minilm.py

transformers is not a dependency of needle: this script is how pipeline.minilm was verified
(result in docs/training.md)."""
import torch
from transformers import BertModel

from pipeline.minilm import MiniLM, mean_pool, model_dir, tokenizer

texts = ["turn on the kitchen lights", "set_lights: switch the lights of a room | brightness (integer): 0-100",
         "What's the weather like in New York on Friday?"]
tok = tokenizer()
enc = tok.encode_batch(texts)
width = max(len(e.ids) for e in enc)
ids = torch.tensor([e.ids + [0] * (width - len(e.ids)) for e in enc])
mask = torch.tensor([[1] * len(e.ids) + [0] * (width - len(e.ids)) for e in enc])
ours = MiniLM.pretrained().eval()
theirs = BertModel.from_pretrained(str(model_dir()), add_pooling_layer=False).eval()
with torch.no_grad():
    a = ours(ids, mask)
    b = theirs(input_ids=ids, attention_mask=mask).last_hidden_state
m = mask.bool()
print(f"max |hidden difference| over real tokens: {(a - b)[m].abs().max().item():.2e}")
print(f"max |pooled difference|: {(mean_pool(a, mask) - mean_pool(b, mask)).abs().max().item():.2e}")
