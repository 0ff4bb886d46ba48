"""pipeline.release: every step it would run names a module or script that exists and flags that
module defines, and the training legs chain (a later leg starts from the checkpoint the earlier
leg writes last)."""
import importlib
import re
from pathlib import Path

from pipeline.release import ROOT, Recipe, checkpoint, steps


def test_every_step_names_an_existing_command_and_its_flags():
    for step in steps("all", Recipe()):
        if step[1] == "-m":
            module = importlib.import_module(step[2])
            source, args = Path(module.__file__).read_text(), step[3:]
        else:
            source, args = (ROOT / step[1]).read_text(), step[2:]
        flags = [a for a in args if a.startswith("--")]
        assert flags, step
        for flag in flags:
            assert re.search(rf"add_argument\(\s*\"{re.escape(flag)}\"", source), f"{flag} not defined for {step[1:3]}"


def test_later_legs_start_from_the_previous_legs_last_checkpoint():
    recipe = Recipe()
    train = steps("train", recipe)
    assert len(train) == len(recipe.legs)
    assert "--init" not in train[0]
    for i, (step, earlier) in enumerate(zip(train[1:], recipe.legs), 1):
        init = step[step.index("--init") + 1]
        assert init == str(checkpoint(Path(f"runs/release-{i}"), earlier.minutes))
    export = steps("export", recipe)[0]
    last = checkpoint(Path(f"runs/release-{len(recipe.legs)}"), recipe.legs[-1].minutes)
    assert export[export.index("--checkpoint") + 1] == str(last)
