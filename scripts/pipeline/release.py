"""Re-create the shipped model (assets/) from the converted corpora: the release's stages, in order.

    scripts/py -m pipeline.release data      # data/converted -> data/build, data/pack, data/eval, data/copy
    scripts/py -m pipeline.release train     # data/copy -> runs/release-1, runs/release-2 (the recipe's legs)
    scripts/py -m pipeline.release export    # the last leg's checkpoint -> assets/ (int8, parity, calibrated, scored)
    scripts/py -m pipeline.release all       # the three in order
    scripts/py -m pipeline.release all --print   # only print the commands

data/converted comes first from `scripts/py -m pipeline.convert --corpora ../shared/data/corpora
--out data/converted`. Each stage runs the pipeline's own command-line steps, printing each before
it runs, so any step can be re-run by hand. `export` scores through the runtime: it needs
`target/release/needle` (`cargo build --release`).

The training legs are timed (`--budget-min`): how many rows a leg gets through is the machine's.
The shipped model's legs ran on an AMD EPYC (Zen 4) with 2 cores; `assets/needle.json`'s
`training` record names the host, rows and scores of its last leg.
"""
from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from pipeline.copy_curve import checkpoint_path as checkpoint

ROOT = Path(__file__).resolve().parents[2]
SPLITS = ("train", "dev_in", "dev_unseen", "dev_natural")


@dataclass(frozen=True)
class Leg:
    """One `copy_curve train` run; a later leg starts from the previous leg's last checkpoint."""
    minutes: int
    lr: float
    muon_lr: float
    seed: int
    every_min: int


@dataclass(frozen=True)
class Recipe:
    """The shipped model's recipe (needle-copy-180min, docs/training.md)."""
    name: str = "needle-copy-180min"
    synth_rows: int = 150_000       # build_data --synth-rows (data v1)
    train_rows: int = 120_000       # copy_curve prepare --train-rows: the rest is where calibration rows come from
    legs: tuple[Leg, ...] = (Leg(60, 2e-3, 0.02, 0, 20),     # from scratch, peak rates
                             Leg(120, 1e-3, 0.01, 1, 15))    # warm restart at half the peak rates


def py(*args) -> list[str]:
    return [sys.executable, *map(str, args)]


def data_steps(r: Recipe) -> list[list[str]]:
    steps = [py("-m", "pipeline.build_data", "--converted", "data/converted", "--out", "data/build",
                "--synth-rows", r.synth_rows),
             py("-m", "pipeline.tokenizer", "--rows", "data/build/train.jsonl", "--out", "data/pack/tokenizer.json")]
    steps += [py("-m", "pipeline.pack", "--tokenizer", "data/pack/tokenizer.json", "--rows", f"data/build/{s}.jsonl",
                 "--out", f"data/pack/{s}.npz") for s in SPLITS]
    steps += [py("-m", "pipeline.stats", "--build", "data/build", "--pack", "data/pack", "--out", "data/pack/data-stats.md"),
              py("scripts/dev_subset_to_eval.py", "--build", "data/build", "--pack", "data/pack", "--out", "data/eval",
                 "--train-rows", r.train_rows),
              py("-m", "pipeline.copy_curve", "prepare", "--build", "data/build", "--pack", "data/pack",
                 "--out", "data/copy", "--train-rows", r.train_rows)]
    return steps


def train_steps(r: Recipe) -> list[list[str]]:
    steps, previous = [], None
    for i, leg in enumerate(r.legs, 1):
        step = py("-m", "pipeline.copy_curve", "train", "--data", "data/copy", "--out", f"runs/release-{i}",
                  "--budget-min", leg.minutes, "--every-min", leg.every_min, "--score-every-min", leg.minutes,
                  "--lr", leg.lr, "--muon-lr", leg.muon_lr, "--seed", leg.seed)
        if previous:
            step += ["--init", str(previous)]
        steps.append(step)
        previous = checkpoint(Path(f"runs/release-{i}"), leg.minutes)
    return steps


def export_steps(r: Recipe) -> list[list[str]]:
    run = Path(f"runs/release-{len(r.legs)}")
    return [py("-m", "pipeline.export_copy", "--checkpoint", checkpoint(run, r.legs[-1].minutes), "--out", "assets",
               "--name", r.name, "--check", "data/copy", "--check-rows", 20, "--curve", run / "curve.json"),
            py("-m", "pipeline.copy_curve", "calibrate", "--model", "assets", "--rows", "data/eval/calib-600.jsonl"),
            py("-m", "pipeline.copy_curve", "score", "--model", "assets", "--eval", "data/eval")]


STAGES = {"data": data_steps, "train": train_steps, "export": export_steps}


def steps(stage: str, recipe: Recipe) -> list[list[str]]:
    names = list(STAGES) if stage == "all" else [stage]
    return [step for name in names for step in STAGES[name](recipe)]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("stage", choices=[*STAGES, "all"])
    ap.add_argument("--print", action="store_true", help="print the commands instead of running them")
    args = ap.parse_args()
    recipe = Recipe()
    if args.stage in ("export", "all") and not args.print and not (ROOT / "target/release/needle").exists():
        raise SystemExit("release: export scores through the runtime: build it first (cargo build --release)")
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
