"""No-call F1 per dev split, from what `needle eval --json --failures F` wrote.

    scripts/py scripts/nocall_f1.py SUMMARY.json FAILURES.jsonl

"No tool fits" is the positive class: a true positive is a `<split>_irrelevance` row answered
`[]` (needle eval counts it correct), a false negative one answered with a call (in the failures
file), a false positive any other row of the split whose printed answer is `[]`.
"""
import json
import sys

SPLITS = ("dev_unseen", "dev_in", "dev_natural")


def main():
    summary = json.load(open(sys.argv[1]))
    failures = [json.loads(line) for line in open(sys.argv[2])]
    categories = {c["category"]: c for c in summary["categories"]}
    for split in SPLITS:
        if not any(c.startswith(split + "_") for c in categories):
            continue
        none_fits = split + "_irrelevance"
        tp = categories.get(none_fits, {}).get("correct", 0)
        fn = sum(f["category"] == none_fits for f in failures)
        fp = sum(f["category"].startswith(split + "_") and f["category"] != none_fits and f.get("printed") == []
                 for f in failures)
        f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else float("nan")
        print(f"{split}: no-call F1 {f1:.3f} (true {tp}, call rows answered [] {fp}, "
              f"no-call rows answered with a call {fn})")


if __name__ == "__main__":
    main()
