"""The tool chooser of model format 3: which offered tools fit a query, and whether none does.

The copy decoder (pipeline.copy_model) learns slowly to refuse: its first action, `[]` or a call,
is one decision among ~30 per answer, and after an hour it still gives `[]` the training prior
(~8%) on every row. The pooled MiniLM embeddings already separate the two (the zero-shot
cosine's ROC AUC for "no tool fits" is 0.90-0.97 on the dev splits), so the decision is made
before decoding, by a small head over the pooled embeddings of the query and of each offered
tool:

    score(q, t) = MLP([q * t, |q - t|, q, t, cos(q, t)])      one logit per (query, tool)

trained with binary cross-entropy (a tool fits when the answer calls it; every tool of a no-call
row is a negative). At inference a row is no-call when no offered tool scores above 0.5, and
the tools go into the decoder's memory in score order.

    scripts/py -m pipeline.chooser --data data/copy --out runs/chooser
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from pipeline.train import DEV_SPLITS, eval_subset


class ToolScorer(nn.Module):
    def __init__(self, d: int = 384, hidden: int = 256):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(4 * d + 1, hidden), nn.GELU(), nn.Linear(hidden, 1))

    def forward(self, q, t):
        """Pooled query [N, d] and tool [N, d] embeddings -> fit logits [N]."""
        q, t = F.normalize(q, dim=-1), F.normalize(t, dim=-1)
        cos = (q * t).sum(-1, keepdim=True)
        return self.mlp(torch.cat([q * t, (q - t).abs(), q, t, cos], -1)).squeeze(-1)


def pairs(rows: list[dict]):
    """(query id, tool id, fits) for every offered tool of every row."""
    q, t, y = [], [], []
    for x in rows:
        gold = set(x["gold"])
        for j, tool in enumerate(x["offered"]):
            q.append(x["texts"][0])
            t.append(tool)
            y.append(j in gold)
    return np.array(q), np.array(t), np.array(y, dtype=np.float32)


@torch.no_grad()
def row_scores(model, pooled, rows: list[dict]) -> list[np.ndarray]:
    """Fit probabilities of each row's offered tools."""
    q, t, _ = pairs(rows)
    p = torch.sigmoid(model(pooled[q], pooled[t])).numpy()
    out, i = [], 0
    for x in rows:
        out.append(p[i:i + len(x["offered"])])
        i += len(x["offered"])
    return out


def report(rows: list[dict], scores: list[np.ndarray], threshold: float = 0.5) -> dict:
    """No-call precision/recall/F1 and the top-1 accuracy on single-call rows."""
    no_call = np.array([not x["gold"] for x in rows])
    said = np.array([s.max() < threshold for s in scores])
    tp = (no_call & said).sum()
    p = tp / max(said.sum(), 1)
    r = tp / max(no_call.sum(), 1)
    single = [(x, s) for x, s in zip(rows, scores) if len(x["gold"]) == 1]
    top1 = np.mean([int(np.argmax(s)) == x["gold"][0] for x, s in single])
    recall3 = np.mean([set(x["gold"]) <= set(np.argsort(-s)[:3].tolist()) for x, s in zip(rows, scores) if x["gold"]])
    return {"rows": len(rows), "no_call_precision": float(p), "no_call_recall": float(r),
            "no_call_f1": float(2 * p * r / max(p + r, 1e-9)), "top1_single": float(top1), "gold_in_top3": float(recall3)}


def cosine_scores(pooled, rows):
    pn = F.normalize(pooled, dim=-1)
    return [(pn[x["offered"]] @ pn[x["texts"][0]]).numpy() for x in rows]


def best_threshold(rows, scores) -> float:
    """The zero-shot cosine's no-call threshold with the best F1 on the given (training) rows."""
    grid = np.linspace(0.0, 1.0, 101)
    return float(max(grid, key=lambda th: report(rows, scores, th)["no_call_f1"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, required=True, help="pipeline.copy_curve prepare output")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch", type=int, default=1024)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    import pickle
    pooled = torch.load(args.data / "states.pt", mmap=True)["pooled"].float()
    with open(args.data / "rows.pkl", "rb") as f:
        meta = pickle.load(f)
    dev = {s: [meta[s][i] for i in eval_subset(len(meta[s]), 300, 1234)] for s in DEV_SPLITS}

    # Zero-shot reference: cosine, no-call threshold chosen on a sample of training rows.
    sample = [meta["train"][i] for i in np.random.default_rng(args.seed).permutation(len(meta["train"]))[:5000]]
    threshold = best_threshold(sample, cosine_scores(pooled, sample))
    result = {"cosine_threshold": threshold}
    for s in DEV_SPLITS:
        result[f"cosine/{s}"] = report(dev[s], cosine_scores(pooled, dev[s]), threshold)

    q, t, y = pairs(meta["train"])
    model = ToolScorer(pooled.shape[1])
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    steps = args.epochs * (len(y) // args.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=steps, pct_start=0.05)
    rng = np.random.default_rng(args.seed)
    start, step = time.time(), 0
    for epoch in range(args.epochs):
        order = rng.permutation(len(y))
        for i in range(0, len(order) - args.batch + 1, args.batch):
            b = order[i:i + args.batch]
            loss = F.binary_cross_entropy_with_logits(model(pooled[q[b]], pooled[t[b]]), torch.from_numpy(y[b]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            if step % 500 == 0:
                print(json.dumps({"epoch": epoch, "step": step, "loss": round(loss.item(), 4),
                                  "s": round(time.time() - start)}), flush=True)
    result["train"] = {"pairs": int(len(y)), "positives": int(y.sum()), "steps": step, "seconds": time.time() - start}
    model.eval()
    for s in DEV_SPLITS:
        result[f"scorer/{s}"] = report(dev[s], row_scores(model, pooled, dev[s]))
    for k, v in result.items():
        print(k, json.dumps(v))
    args.out.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), args.out / "scorer.pt")
    (args.out / "result.json").write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
