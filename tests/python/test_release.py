"""pipeline.release: every step it would run names a module or script that exists and flags that
module defines, and the stages chain: each training leg starts from the checkpoint the earlier leg
writes last, export reads the last leg's, calibrate works on the exported model with the last
leg's held-out tools, and eval reads the files the data stage writes."""
import dataclasses
import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

from pipeline.release import NEEDLE, ROOT, Recipe, checkpoint, steps
from pipeline.train import Config


def flag(step, name):
    return step[step.index(name) + 1]


def test_every_step_names_an_existing_command_and_its_flags():
    config_flags = {"--" + f.name.replace("_", "-") for f in dataclasses.fields(Config)}
    for step in steps("all", Recipe()):
        if step[0] == "env":                       # env NEEDLE_TODAY=... target/release/needle eval ...
            assert step[2] == NEEDLE and step[3] == "eval", step
            continue
        if step[1] == "-m":
            module = Path(importlib.import_module(step[2]).__file__)
            if module.name == "__init__.py":          # a package runs its __main__.py
                module = module.parent / "__main__.py"
            source, args = module.read_text(), step[3:]
        else:
            source, args = (ROOT / step[1]).read_text(), step[2:]
        flags = [a for a in args if a.startswith("--")]
        assert flags, step
        for f in flags:
            if step[1:3] == ["-m", "pipeline.train"] and f in config_flags:
                continue                          # train.py makes a flag of every Config field
            assert re.search(rf"add_argument\(\s*\"{re.escape(f)}\"", source), f"{f} not defined for {step[1:3]}"


def test_later_legs_start_from_the_previous_legs_last_checkpoint():
    recipe = Recipe()
    train = steps("train", recipe)
    assert len(train) == len(recipe.legs)
    assert "--init" not in train[0]
    for i, (step, earlier) in enumerate(zip(train[1:], recipe.legs), 1):
        assert flag(step, "--init") == str(checkpoint(Path(f"runs/release-{i}"), earlier.minutes))
    last_run = Path(f"runs/release-{len(recipe.legs)}")
    assert flag(train[-1], "--out") == str(last_run)
    export, = steps("export", recipe)
    assert flag(export, "--checkpoint") == str(checkpoint(last_run, recipe.legs[-1].minutes))
    calibrate, = steps("calibrate", recipe)
    assert flag(calibrate, "--run") == str(last_run)
    assert flag(calibrate, "--model") == flag(export, "--out") == recipe.model


def test_eval_reads_what_the_data_stage_writes_and_scores_the_exported_model():
    recipe = Recipe()
    written = set()
    for step in steps("data", recipe):
        out = flag(step, "--out")
        if step[1].endswith("bfcl_to_jsonl.py"):
            written |= {f"{out}/{c}.jsonl" for c in ("simple_python", "multiple", "parallel", "parallel_multiple",
                                                     "live_simple", "irrelevance")}
        elif step[1].endswith("dev_to_eval.py"):
            written.add(out)
    read = [a for step in steps("eval", recipe) for a in step if a.endswith(".jsonl") and a.startswith("data/")]
    assert len(read) == 9 and set(read) <= written
    for step in steps("eval", recipe):
        assert flag(step, "--model") == recipe.model and "--json" in step


def test_print_lists_every_step_and_runs_none():
    out = subprocess.run([sys.executable, "-m", "pipeline.release", "all", "--print", "--corpora", "/x/corpora"],
                         cwd=ROOT, capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT / "scripts")}).stdout
    lines = [l for l in out.splitlines() if l.startswith("release: ")]
    assert len(lines) == len(steps("all", Recipe()))
    assert "--corpora /x/corpora" in lines[0]
