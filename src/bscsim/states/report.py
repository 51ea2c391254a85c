"""Faces: a state rollout for readers. The printed table (per cohort and for the
state), the policymaker's figure, and the comparison of two state files with
intervals over the state's collaboratives.

Intervals: a 95% percentile bootstrap over collaboratives, resampled within each
cohort and replicate (strata), each draw combined into the state figure exactly as
the point estimate is (center-weighted; total cost over total improved classrooms).
Two states with the same layout (the same cohorts and sizes) are compared pair by
pair: collaborative k of cohort c of one and of the other ran with the same seed
(common random numbers), and one draw resamples both alike. The interval says how
much the state figure would move with other collaboratives like these; it does not
include the uncertainty of what a cohort inherited (run replicates for that).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..outputs import BY_NAME as OUTPUTS, SUMMARY_NAMES
from .outputs import RATIO

KEY_OUTPUTS = ("classrooms_improved_share", "practice_gain_sd", "child_se_gain_sd",
               "practice_gain_sd_followup", "teams_improved_share",
               "pdsa_completed_per_team", "harmful_adoption_share",
               "harmful_in_use_share", "cost_per_center", "cost_per_classroom_improved")
N_BOOT = 2000


def table(result) -> str:
    """Per cohort (mean over replicates) and for the state, the key outputs."""
    spec = result.spec
    cohorts = result.cohorts().groupby("cohort").mean(numeric_only=True)
    state = result.state().mean(numeric_only=True)
    n = int(state["n_centers"])
    lines = [f"{spec.title}: {n:,} centers in {int(state['n_collaboratives'])} "
             f"collaboratives, {len(spec.cohorts)} cohorts {spec.interval} weeks apart; "
             f"carry-over {'on' if result.carry_on else 'off'}"
             + (f"; mean over {spec.replicates} replicates" if spec.replicates > 1 else ""),
             ""]
    heads = [f"cohort {c + 1}" for c in cohorts.index] + ["state"]
    lines.append(f"  {'':<44}" + "".join(f"{h:>12}" for h in heads))
    rows = [("centers", "n_centers", "{:,.0f}"),
            ("starts at week", "start_week", "{:.0f}"),
            ("package: share of ideas that work nowhere", "share_ideas_null", "{:.3f}"),
            ("faculty QI coaching x", "faculty_qi_factor", "{:.3f}")]
    for label, col, fmt in rows:
        vals = [fmt.format(v) for v in cohorts[col]]
        last = fmt.format(state["n_centers"]) if col == "n_centers" else ""
        lines.append(f"  {label:<44}" + "".join(f"{v:>12}" for v in vals + [last]))
    lines.append("")
    for name in KEY_OUTPUTS:
        vals = list(cohorts[name]) + [state[name]]
        lines.append(f"  {name:<44}" + "".join(f"{_fmt(v):>12}" for v in vals)
                     + f"  {OUTPUTS[name].unit}")
    lines.append("\nCohort and state figures: center-weighted over collaboratives "
                 "(cost per classroom improved: total cost / total improved).")
    return "\n".join(lines)


def _fmt(x: float, unit: str = "") -> str:
    if not np.isfinite(x):
        return "n/a"
    return f"{x:,.0f}" if abs(x) >= 100 or unit == "USD" else f"{x:.3f}"


def state_figure(result, ax=None):
    """Two panels a policymaker can read: (left) the share of team classrooms that
    improved in each cohort, every collaborative a dot, the cohort's figure a bar;
    (right) SEL practice in team classrooms on the state's calendar, one line per
    cohort. Returns the Figure."""
    from ..plotting import readable
    return readable(_state_figure)(result, ax)


def _state_figure(result, ax=None):
    from ..plotting import REPORT_WIDTH_IN, plt, wrap
    spec = result.spec
    if ax is None:
        fig, (left, right) = plt.subplots(1, 2, figsize=(REPORT_WIDTH_IN, 5.6),
                                          layout="constrained")
    else:
        left, right = ax
        fig = left.figure
    c = result.collaboratives
    cohorts = result.cohorts().groupby("cohort").mean(numeric_only=True)
    rng = np.random.default_rng(0)          # horizontal jitter of the dots only
    for k, g in c.groupby("cohort"):
        x = k + rng.uniform(-0.25, 0.25, len(g))
        left.scatter(x, 100 * g["classrooms_improved_share"], s=6 + 2 * g["n_centers"],
                     color="tab:blue", alpha=0.35, lw=0)
    left.bar(cohorts.index, 100 * cohorts["classrooms_improved_share"], width=0.6,
             color="none", edgecolor="tab:blue", lw=2)
    for k, v in cohorts["classrooms_improved_share"].items():
        left.annotate(f"{100 * v:.0f}%", (k, 100 * v), xytext=(0, 4),
                      textcoords="offset points", ha="center", fontsize=10,
                      color="tab:blue", weight="bold")
    left.set_xticks(cohorts.index, [f"cohort {k + 1}\n(year {k * spec.interval // 52 + 1},"
                                    f" {int(n):,} centers)" for k, n in
                                    cohorts["n_centers"].items()])
    left.set_ylabel(wrap("team classrooms whose observed practice improved (%)", 36))
    left.set_title(wrap("How many classrooms improved, cohort by cohort (dot: one "
                        "collaborative, larger = more centers; bar: the cohort)", 44),
                   loc="left")
    left.set_ylim(0, 100)
    ts = result.cohort_series().groupby(["cohort", "state_week"]).mean(
        numeric_only=True).reset_index()
    for k, g in ts.groupby("cohort"):
        right.plot(g["state_week"] / 52, g["practice_participating"], lw=2,
                   label=f"cohort {k + 1}")
    right.set_xlabel("years since the state's rollout began")
    right.set_ylabel(wrap("SEL practice in team classrooms (share of key practices)", 36))
    right.set_title(wrap("Practice in each cohort's classrooms over the rollout (mean "
                         "over its centers; each line ends with its follow-up)", 44),
                    loc="left")
    right.legend(frameon=False, loc="lower right")
    state = result.state().mean(numeric_only=True)
    fig.suptitle(wrap(f"{spec.title}: {int(state['n_centers']):,} centers in "
                      f"{int(state['n_collaboratives'])} collaboratives; learning carried "
                      f"between cohorts: {'yes' if result.carry_on else 'no'}", 90))
    return fig


def _units(result) -> tuple[pd.DataFrame, dict[str, tuple[np.ndarray, np.ndarray]]]:
    """Each collaborative's numerator and denominator of every output's state
    figure (sum of numerators / sum of denominators = the state figure)."""
    c = result.collaboratives.sort_values(["replicate", "cohort", "collaborative"])
    w = c["n_centers"].to_numpy(float)
    parts = {}
    for name in SUMMARY_NAMES:
        x = c[name].to_numpy(float)
        ok = ~np.isnan(x)
        parts[name] = (np.where(ok, w * np.nan_to_num(x), 0.0), np.where(ok, w, 0.0))
    cost = c["cost_per_center"].to_numpy(float) * w
    per = c[RATIO].to_numpy(float)
    improved = np.where(np.isfinite(per) & (per > 0), cost / np.where(per > 0, per, 1), 0.0)
    parts[RATIO] = (cost, improved)
    return c[["replicate", "cohort", "collaborative", "n_centers"]], parts


def _resample_counts(keys: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """(N_BOOT, units) counts: each stratum (replicate, cohort) resampled with
    replacement to its own size."""
    counts = np.zeros((N_BOOT, len(keys)))
    strata = keys.groupby(["replicate", "cohort"], sort=False).indices
    for idx in strata.values():
        n = len(idx)
        counts[:, idx] = rng.multinomial(n, np.full(n, 1.0 / n), size=N_BOOT)
    return counts


def compare_states(a, b, seed: int = 0) -> pd.DataFrame:
    """State figures of `a` and `b` (StateResults), the difference b - a and its 95%
    bootstrap interval over collaboratives (paired when the layouts match)."""
    keys_a, parts_a = _units(a)
    keys_b, parts_b = _units(b)
    paired = keys_a.reset_index(drop=True).equals(keys_b.reset_index(drop=True))
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(2,)))
    ca = _resample_counts(keys_a, rng)
    cb = ca if paired else _resample_counts(keys_b, rng)
    rows = []
    with np.errstate(invalid="ignore", divide="ignore"):
        for name in SUMMARY_NAMES:
            (na, da), (nb, db) = parts_a[name], parts_b[name]
            va, vb = _ratio(na.sum(), da.sum()), _ratio(nb.sum(), db.sum())
            boot = (cb @ nb) / (cb @ db) - (ca @ na) / (ca @ da)
            boot = boot[np.isfinite(boot)]
            lo, hi = (np.quantile(boot, [0.025, 0.975]) if len(boot) >= N_BOOT // 2
                      else (np.nan, np.nan))
            rows.append({"output": name, "a": va, "b": vb, "diff": vb - va,
                         "lo": float(lo), "hi": float(hi), "paired": paired,
                         "unit": OUTPUTS[name].unit})
    return pd.DataFrame(rows)


def _ratio(num: float, den: float) -> float:
    return num / den if den > 0 else float("nan")


def compare_table(a, b, diffs: pd.DataFrame) -> str:
    """The printed comparison: each key output for A, B and B - A [95% interval]."""
    paired = bool(diffs["paired"].iloc[0])
    how = "paired: same layout and seeds" if paired else "unpaired: the layouts differ"
    lines = [f"A: {a.spec.path} ({a.spec.title}; carry-over "
             f"{'on' if a.carry_on else 'off'})",
             f"B: {b.spec.path} ({b.spec.title}; carry-over "
             f"{'on' if b.carry_on else 'off'})",
             f"State figures and B - A with a 95% interval over the states' "
             f"collaboratives ({how}).",
             "",
             f"  {'output':<30}{'A':>10}{'B':>10}{'B - A':>10}   95% interval"]
    d = diffs.set_index("output")
    for name in KEY_OUTPUTS:
        r = d.loc[name]
        u = r["unit"]
        lines.append(f"  {name[:30]:<30}{_fmt(r['a'], u):>10}{_fmt(r['b'], u):>10}"
                     f"{_fmt(r['diff'], u):>10}   [{_fmt(r['lo'], u)}, "
                     f"{_fmt(r['hi'], u)}]  {u}")
    ca = a.cohorts().groupby("cohort").mean(numeric_only=True)
    cb = b.cohorts().groupby("cohort").mean(numeric_only=True)
    if ca.index.equals(cb.index):
        lines.append("\n  B - A by cohort (classrooms improved share, practice gain SD):")
        diff = cb - ca
        for k in ca.index:
            lines.append(f"    cohort {k + 1}: "
                         f"{diff.loc[k, 'classrooms_improved_share']:+.3f}, "
                         f"{diff.loc[k, 'practice_gain_sd']:+.3f}")
    return "\n".join(lines)


def run_bottom_line(result) -> str:
    """A state rollout in plain words: the state's classrooms improved and practice
    gain, and how they move from the first cohort to the last."""
    spec = result.spec
    cohorts = result.cohorts().groupby("cohort").mean(numeric_only=True)
    state = result.state().mean(numeric_only=True)
    first, last = cohorts.iloc[0], cohorts.iloc[-1]
    reps = (f"mean over {spec.replicates} replicates" if spec.replicates > 1
            else "one replicate")
    return (f"Bottom line: across the state's {int(state['n_centers']):,} centers, "
            f"{state['classrooms_improved_share']:.0%} of participating classrooms "
            f"improved and classroom practice rose by {state['practice_gain_sd']:+.2f} SD "
            f"({reps}, center-weighted); from the first cohort to the last, the share "
            f"improved went from {first['classrooms_improved_share']:.0%} to "
            f"{last['classrooms_improved_share']:.0%} (carry-over "
            f"{'on' if result.carry_on else 'off'}). These figures carry no interval: "
            "compare this state file with another (bscsim compare A.toml B.toml) for a "
            "difference with its 95% interval.")


def compare_bottom_line(diffs: pd.DataFrame) -> str:
    """A state comparison in plain words: B - A in classrooms improved and practice
    gain with 95% intervals over collaboratives, detectable or not; a cost per
    classroom improved only where the difference in classrooms improved is
    detectable (its interval excludes zero)."""
    d = diffs.set_index("output")

    def said(name: str, what: str, fmt: str) -> tuple[str, bool]:
        r = d.loc[name]
        found = bool(np.isfinite(r["lo"]) and (r["lo"] > 0 or r["hi"] < 0))
        return (f"{what} {format(r['diff'], fmt)} (95% interval {format(r['lo'], fmt)} to "
                f"{format(r['hi'], fmt)}: {'detectable' if found else 'no detectable difference'})",
                found)
    share, found = said("classrooms_improved_share", "the share of classrooms improved "
                        "differs by", "+.3f")
    practice, _ = said("practice_gain_sd", "practice gain by", "+.3f")
    cost = d.loc["cost_per_center"]
    text = (f"Bottom line (B - A, 95% intervals over the collaboratives): {share}; "
            f"{practice}; B costs {format(abs(cost['diff']), ',.0f')} USD "
            f"{'less' if cost['diff'] < 0 else 'more'} per center.")
    if found:
        ratio = d.loc["cost_per_classroom_improved"]
        text += (f" Cost per classroom improved: {ratio['a']:,.0f} USD in A, "
                 f"{ratio['b']:,.0f} USD in B.")
    else:
        text += (" No detectable difference in classrooms improved, so no cost per "
                 "classroom improved is compared.")
    return text
