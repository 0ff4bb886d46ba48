"""Re-create the shipped model (assets/, needle-extract-325min) from the corpora: the release's
stages, in order.

    scripts/py -m pipeline.release data        # corpora -> data/converted -> data/build; data/eval-full, data/bfcl-eval
    scripts/py -m pipeline.release train       # data/build -> runs/release-1, -2, -3 (the recipe's three legs)
    scripts/py -m pipeline.release export      # the last leg's last checkpoint -> assets/ (int8, parity.json)
    scripts/py -m pipeline.release calibrate   # assets/needle.json's thresholds, on the last leg's held-out tools
    scripts/py -m pipeline.release eval        # assets/ on the three dev splits and six BFCL categories
    scripts/py -m pipeline.release all         # the five in order
    scripts/py -m pipeline.release all --print # only print the commands
    ... --corpora DIR                          # where the raw corpora are (default ../shared/data/corpora)

Each stage runs the pipeline's own command-line steps, printing each before it runs, so any step
can be re-run by hand. `calibrate` and `eval` score through the runtime: they need
`target/release/needle` (`cargo build --release`).

The training legs are timed (`--budget-min`): how many rows a leg gets through is the machine's.
The shipped model's legs ran on an Intel Xeon (AMX) with 2 cores (docs/training.md, "Model
format 4"); `assets/needle.json`'s `training` record holds the last leg's config and curve. Leg 1
ran (runs/x4-hn) with two negatives per row of which the second was a near-name tool of another
row; those hard negatives lost and were removed from pipeline.train (d128499 has them), so leg 1
here gets its two negatives the way train.py picks them today (the row's other tools, then
random ones). Legs 1-3 ran on data built before pipeline.synth.listed existed (052ca1c added the
listed rows, which leg 4 trained on); `data` builds today's, so every leg here sees them.
"""
from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.train import checkpoint_path as checkpoint

ROOT = Path(__file__).resolve().parents[2]
NEEDLE = "target/release/needle"
DEV_SPLITS = ("dev_unseen", "dev_in", "dev_natural")
BFCL = ("simple_python", "multiple", "parallel", "parallel_multiple", "live_simple", "irrelevance")


@dataclass(frozen=True)
class Leg:
    """One `pipeline.train` run; a later leg starts from the previous leg's last checkpoint."""
    minutes: int
    every_min: int
    seed: int
    negatives: int
    natural_share: float      # share of rows drawn from sources people wrote (0: one shuffled pass)


@dataclass(frozen=True)
class Recipe:
    """The shipped model's recipe (needle-extract-325min, docs/training.md, "Model format 4")."""
    name: str = "needle-extract-325min"
    synth_rows: int = 150_000       # build_data --synth-rows (data v1)
    legs: tuple[Leg, ...] = (Leg(100, 20, seed=0, negatives=2, natural_share=0.0),   # runs/x4-hn: pretrained MiniLM
                             Leg(80, 20, seed=1, negatives=1, natural_share=0.5),    # runs/x4-nat: half written rows
                             Leg(60, 20, seed=2, negatives=1, natural_share=0.5),    # runs/x4-more: 60 minutes more
                             Leg(85, 30, seed=3, negatives=1, natural_share=0.5))    # runs/x5: listed repeated calls
    today: str = "2026-12-07"       # NEEDLE_TODAY of every score: relative dates resolve against it
    model: str = "assets"
    corpora: Path = Path("../shared/data/corpora")   # the raw corpora, relative to the checkout (--corpora)


def py(*args) -> list[str]:
    return [sys.executable, *map(str, args)]


def run_dir(i: int) -> Path:
    return Path(f"runs/release-{i}")


def last_checkpoint(r: Recipe) -> Path:
    return checkpoint(run_dir(len(r.legs)), r.legs[-1].minutes)


def data_steps(r: Recipe) -> list[list[str]]:
    steps = [py("-m", "pipeline.convert", "--corpora", r.corpora, "--out", "data/converted"),
             py("-m", "pipeline.build_data", "--converted", "data/converted", "--out", "data/build",
                "--synth-rows", r.synth_rows)]
    steps += [py("scripts/dev_to_eval.py", f"data/build/{s}.jsonl", "--split", s, "--out", f"data/eval-full/{s}.jsonl")
              for s in DEV_SPLITS]
    steps.append(py("scripts/bfcl_to_jsonl.py", "--out", "data/bfcl-eval"))
    return steps


def train_steps(r: Recipe) -> list[list[str]]:
    steps, previous = [], None
    for i, leg in enumerate(r.legs, 1):
        step = py("-m", "pipeline.train", "--build", "data/build", "--out", run_dir(i),
                  "--budget-min", leg.minutes, "--every-min", leg.every_min, "--seed", leg.seed,
                  "--negatives", leg.negatives, "--natural-share", leg.natural_share)
        if previous:
            step += ["--init", str(previous)]
        steps.append(step)
        previous = checkpoint(run_dir(i), leg.minutes)
    return steps


def export_steps(r: Recipe) -> list[list[str]]:
    return [py("-m", "pipeline.export", "--checkpoint", last_checkpoint(r), "--out", r.model, "--name", r.name)]


def calibrate_steps(r: Recipe) -> list[list[str]]:
    return [py("-m", "pipeline.calibrate", "--run", run_dir(len(r.legs)), "--model", r.model)]


def eval_steps(r: Recipe) -> list[list[str]]:
    needle = ["env", f"NEEDLE_TODAY={r.today}", NEEDLE, "eval", "--model", r.model]
    run = run_dir(len(r.legs))
    return [needle + [f"data/eval-full/{s}.jsonl" for s in DEV_SPLITS]
            + ["--json", "--failures", str(run / "dev-failures.jsonl")],
            needle + [f"data/bfcl-eval/{c}.jsonl" for c in BFCL]
            + ["--json", "--failures", str(run / "bfcl-failures.jsonl")]]


STAGES = {"data": data_steps, "train": train_steps, "export": export_steps, "calibrate": calibrate_steps,
          "eval": eval_steps}
NEEDS_RUNTIME = ("calibrate", "eval")


def steps(stage: str, recipe: Recipe) -> list[list[str]]:
    names = list(STAGES) if stage == "all" else [stage]
    return [step for name in names for step in STAGES[name](recipe)]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("stage", choices=[*STAGES, "all"])
    ap.add_argument("--corpora", type=Path, default=Recipe.corpora,
                    help="the raw corpora (pipeline.convert --corpora), relative to the checkout")
    ap.add_argument("--print", action="store_true", help="print the commands instead of running them")
    args = ap.parse_args()
    recipe = replace(Recipe(), corpora=args.corpora)
    if (args.stage in (*NEEDS_RUNTIME, "all") and not args.print and not (ROOT / NEEDLE).exists()):
        raise SystemExit(f"release: {args.stage} scores through the runtime: build it first (cargo build --release)")
    env = {"PYTHONPATH": str(ROOT / "scripts")}
    for step in steps(args.stage, recipe):
        line = shlex.join(step)
        print(f"release: {line}", flush=True)
        if not args.print:
            done = subprocess.run(step, cwd=ROOT, env={**os.environ, **env})
            if done.returncode != 0:
                raise SystemExit(f"release: step failed (exit {done.returncode}): {line}")


if __name__ == "__main__":
    main()
