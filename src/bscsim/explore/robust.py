"""Analyses: robustness of candidate policies across sampled futures (Lempert's robust
decision making; the metrics of McPhail et al. 2018).

Input: one row per (future, policy) with each output averaged over the replicates
(which share their seeds across policies: common random numbers). Per policy, over
the futures:

- regret of an output in a future: how far the policy falls short of the best
  policy in that same future (best minus its value when more is better, its value
  minus best when less is better; 0 for the best). Reported as the mean and the
  90th percentile over futures (the maximum is one noisy future);
- satisficing share: the share of futures in which every threshold is met;
- the worst-decile value of each output: its 10th percentile when more is better,
  its 90th when less is better (the bad tail);
- cost beside: the median cost per center (not a criterion; a choice's price).

Each policy's rank under each metric is in the table; the figure draws them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .spec import Threshold

COST = "cost_per_center"


def robustness(outcomes: pd.DataFrame, thresholds: tuple[Threshold, ...],
               policies: list[str] | None = None) -> pd.DataFrame:
    """The robustness table: one row per policy (best satisficing share first)."""
    policies = policies or list(dict.fromkeys(outcomes["policy"]))
    rows = {p: {"policy": p} for p in policies}
    met = np.ones(len(outcomes), dtype=bool)
    for t in thresholds:
        met &= t.met(outcomes[t.output].to_numpy())
    outcomes = outcomes.assign(_met=met)
    for p, g in outcomes.groupby("policy", sort=False):
        rows[p]["n_futures"] = int(g["future"].nunique())
        rows[p]["satisficing_share"] = float(g["_met"].mean())
    for t in thresholds:
        wide = outcomes.pivot_table(index="future", columns="policy", values=t.output)
        wide = wide.dropna()[policies]
        best = wide.max(axis=1) if t.direction == "up" else wide.min(axis=1)
        regret = (best.to_numpy()[:, None] - wide) if t.direction == "up" else \
            (wide - best.to_numpy()[:, None])
        q = 0.10 if t.direction == "up" else 0.90
        for p in policies:
            rows[p][f"regret_mean_{t.output}"] = float(regret[p].mean())
            rows[p][f"regret_p90_{t.output}"] = float(regret[p].quantile(0.9))
            rows[p][f"worst10_{t.output}"] = float(wide[p].quantile(q))
    if COST in outcomes:
        for p, g in outcomes.groupby("policy", sort=False):
            rows[p]["cost_per_center"] = float(g[COST].median())
    table = pd.DataFrame(list(rows.values()))
    down = {f"worst10_{t.output}" for t in thresholds if t.direction == "down"}
    for col in metric_columns(table):     # rank 1 = best under this metric
        better_low = col.startswith("regret") or col in down
        table[f"rank_{col}"] = table[col].rank(ascending=better_low, method="min").astype(int)
    return table.sort_values("satisficing_share", ascending=False, kind="stable",
                             ignore_index=True)


def metric_columns(table: pd.DataFrame) -> list[str]:
    return [c for c in table.columns
            if c == "satisficing_share" or c.startswith(("regret_", "worst10_"))]


def text(table: pd.DataFrame, thresholds: tuple[Threshold, ...]) -> str:
    """The table as aligned text (for the terminal and report.md)."""
    cols = ["satisficing_share"] + [f"{k}_{t.output}" for t in thresholds
                                    for k in ("regret_mean", "worst10")]
    head = ["policy", "satisfice"] + [
        f"{'regret' if k == 'regret_mean' else 'worst10'}:{_short(t.output)}"
        for t in thresholds for k in ("regret_mean", "worst10")]
    has_cost = "cost_per_center" in table
    if has_cost:
        head.append("cost/center")
    widths = [max(18, max(len(p) for p in table["policy"]))] + [max(9, len(h)) for h in head[1:]]
    lines = ["  ".join(h.rjust(w) if i else h.ljust(w) for i, (h, w) in
                       enumerate(zip(head, widths)))]
    for _, r in table.iterrows():
        cells = [r["policy"].ljust(widths[0])]
        cells += [f"{r[c]:.3f}".rjust(w) for c, w in zip(cols, widths[1:])]
        if has_cost:
            cells.append(f"{r['cost_per_center']:,.0f}".rjust(widths[-1]))
        lines.append("  ".join(cells))
    return "\n".join(lines)


def _short(output: str) -> str:
    return {"classrooms_improved_share": "improved", "practice_gain_sd": "practice",
            "child_se_gain_sd": "child_se",
            "challenging_behavior_change": "behavior"}.get(output, output)


def figure(table: pd.DataFrame, thresholds: tuple[Threshold, ...]):
    """Policies ranked under each metric (one panel each, at most three a row, a
    report's width), cost per center beside. Returns the Figure."""
    from ..plotting import readable
    return readable(_figure)(table, thresholds)


def _figure(table: pd.DataFrame, thresholds: tuple[Threshold, ...]):
    import matplotlib.pyplot as plt

    from ..labels import axis
    from ..plotting import REPORT_WIDTH_IN, wrap
    metrics = ["satisficing_share"] + [f"regret_mean_{t.output}" for t in thresholds]
    has_cost = "cost_per_center" in table
    n = len(metrics) + has_cost
    ncol = min(n, 3)
    nrow = -(-n // ncol)
    fig, grid = plt.subplots(nrow, ncol, squeeze=False, layout="constrained",
                             figsize=(REPORT_WIDTH_IN,
                                      nrow * (0.42 * len(table) + 1.5) + 0.4))
    axes = grid.ravel()
    for ax_ in axes[n:]:
        ax_.set_visible(False)
    axes = axes[:n]
    for ax_, m in zip(axes, metrics):
        low_better = m.startswith("regret")
        t = table.sort_values(m, ascending=not low_better)
        ax_.barh(t["policy"].str.replace("_", " "), t[m],
                 color="#4c72b0" if not low_better else "#c44e52")
        ax_.invert_yaxis()
        title = ("share of futures where every threshold is met"
                 if m == "satisficing_share"
                 else f"mean regret, {axis(m[len('regret_mean_'):])}")
        ax_.set_title(wrap(title, 30))
    if has_cost:
        t = table.sort_values("satisficing_share", ascending=False)
        axes[-1].barh(t["policy"].str.replace("_", " "), t["cost_per_center"] / 1000,
                      color="#8c8c8c")
        axes[-1].invert_yaxis()
        axes[-1].set_title(wrap("cost per center (median, thousand USD)", 30))
    fig.suptitle("Policies ranked under each robustness metric (best at the top)")
    return fig
