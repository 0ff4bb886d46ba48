"""Write the data stats report (docs/data-stats.md) from build_data's stats.json and the packed splits.

    scripts/py -m pipeline.stats --build data/build --pack data/pack --out docs/data-stats.md
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np


def token_stats(npz: Path) -> dict:
    z = np.load(npz)
    q = np.diff(z["query_off"])
    o = np.diff(z["out_off"])
    tool_len = np.diff(z["tool_off"])
    per_row_tools = np.add.reduceat(tool_len[z["row_tools"]], z["row_tools_off"][:-1])
    enc = q + per_row_tools
    return {"rows": int(len(q)), "distinct_tools": int(len(tool_len)), "query_tokens_mean": float(q.mean()),
            "tool_tokens_mean": float(tool_len.mean()), "encoder_tokens_per_row_mean": float(enc.mean()),
            "encoder_tokens_per_row_p95": float(np.percentile(enc, 95)), "output_tokens_mean": float(o.mean()),
            "output_tokens_max": int(o.max()), "total_tokens": int(enc.sum() + o.sum())}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", type=Path, required=True)
    ap.add_argument("--pack", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    build = json.loads((args.build / "stats.json").read_text())
    conv_report = args.build.parent / "converted" / "report.json"
    lines = ["# Training data statistics", "",
             "Produced by `scripts/train-release data` (pipeline.build_data + pipeline.stats); numbers below are from the",
             "run that produced the shipped model's data.", "",
             f"Tools: {build['tools_train']} for training, {build['tools_held_out']} held out "
             f"({build['holdout_percent']}% by name hash; their rows form `dev_unseen`).", ""]
    for split, s in build["splits"].items():
        lines += [f"## {split}", "", f"- rows: {s['rows']}", f"- no-call share: {s['no_call_share']:.3f}",
                  f"- mean tools per row: {s['mean_tools_per_row']:.2f}",
                  f"- calls per row: {json.dumps(s['calls_per_row'])}",
                  f"- tools per row: {json.dumps(s['tools_per_row'])}",
                  f"- distinct gold tools: {s['distinct_gold_tools']}", "", "| source | rows |", "|---|---|"]
        lines += [f"| {k} | {v} |" for k, v in s["by_source"].items()]
        npz = args.pack / f"{split}.npz"
        if npz.exists():
            t = token_stats(npz)
            lines += ["", "Tokens (after packing; rows too long for the decoder are dropped there):", ""]
            lines += [f"- {k}: {v:.1f}" if isinstance(v, float) else f"- {k}: {v}" for k, v in t.items()]
        lines.append("")
    if conv_report.exists():
        lines += ["## Converters", "", "```json", conv_report.read_text().strip(), "```", ""]
    args.out.write_text("\n".join(lines))
    print(f"stats -> {args.out}")


if __name__ == "__main__":
    main()
