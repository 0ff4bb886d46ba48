"""The pipeline's shape: its modules import one another without a cycle, and the steps that only
read rows and call the runtime (calibrate) do not import torch."""
import ast
import subprocess
import sys

from conftest import ROOT

SCRIPTS = ROOT / "scripts"


def module_name(path):
    parts = list(path.relative_to(SCRIPTS).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports():
    """{module: modules of scripts/ it imports}, from the source (relative imports resolved)."""
    paths = {module_name(p): p for p in SCRIPTS.rglob("*.py")}
    graph = {}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(up + ([base] if base else []))
                targets = [base] + [f"{base}.{a.name}" for a in node.names]
            else:
                continue
            # a package's own __init__ runs before any of its modules: not an edge
            found |= {t for t in targets if t in paths and t != name and not name.startswith(t + ".")}
        graph[name] = found
    return graph


def test_no_import_cycles():
    graph, state, cycles = imports(), {}, []

    def visit(node, stack):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert not cycles, cycles


def test_calibrate_does_not_import_torch():
    subprocess.run([sys.executable, "-c", "import sys, pipeline.calibrate; assert 'torch' not in sys.modules"],
                   check=True, env={"PYTHONPATH": str(SCRIPTS), "PATH": "/usr/bin:/bin"})


def test_one_training_step_lowers_the_loss_on_its_batch():
    """The training path end to end on a tiny encoder: synthesised rows -> pairs and labels ->
    collate -> the losses -> an optimiser step; repeating the step on one batch must lower the
    loss (the heads and the encoder learn from the labels)."""
    import json
    import random

    import torch

    from pipeline.minilm import BertConfig, MiniLM, tokenizer
    from pipeline.model import Extractor
    from pipeline.synth.generate import generate
    from pipeline.train import Config, collate, losses, pairs_of

    torch.manual_seed(0)
    rng = random.Random(0)
    tools = [t.get("function", t) for t in json.loads((ROOT / "schemas/examples/assistant-20.json").read_text())]
    rows = list(generate(tools, 16, seed=0))
    tok = tokenizer()
    pool = [t for r in rows for t in r["tools"]]
    items = [x for r in rows for x in pairs_of(r, tok, rng, pool, 1)]
    batch = collate(items, tok)
    model = Extractor(MiniLM(BertConfig(d_model=32, n_heads=2, n_layers=1, d_ff=64)))
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    cfg = Config()
    first = None
    for _ in range(20):
        parts = losses(model, batch, cfg)
        loss = sum(parts.values())
        first = float(loss) if first is None else first
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert {"count", "status", "span"} <= set(parts)
    assert float(loss) < 0.7 * first, (first, float(loss))
