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
