"""Analyses: an exploration, end to end. Exploration file -> futures x policies ->
the sweep runner -> robustness and scenario discovery.

`run_exploration` builds the explicit design (every policy in every future),
runs it through the sweep runner (any executor; running it again resumes), reads
the runs back, averages the replicates of each (future, policy) and writes:

    DIR/runs/               the sweep folder (bscsim.load_sweep): one row per run
    DIR/futures.csv         one row per future: the uncertainties' values
    DIR/policies.csv        one row per policy: the levers' values
    DIR/outcomes.parquet    one row per (future, policy): inputs, outputs averaged
                            over the replicates, n_ok, and `fails_<output>` flags
                            (and .csv); provenance in the Parquet metadata
    DIR/robustness.csv      per policy: satisficing share, regret, worst decile, cost
    DIR/prim_trajectory.csv the peeling trajectory (coverage, density, mass, res_dim)
    DIR/prim_box.csv        the chosen box: limits, quasi-p-values, stability
    DIR/feature_scores.csv  extra-trees scores of each input for failing
                            (all three over every (future, policy), with the levers
                            as inputs; prim_<policy>_*.csv and
                            feature_scores_<policy>.csv: one policy's futures over
                            the uncertainties only, for the first policy and the
                            most robust one)
    DIR/stress.csv          per policy, in the futures of the [stress] conditions:
                            the share meeting each threshold and every threshold
    DIR/figures/            robustness.png, prim_tradeoff.png
    DIR/report.md           the printed report
    DIR/provenance.json     file, resolved spec, base config, seeds, versions

`discover_sweep` runs the same scenario discovery on an existing sweep folder.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..atomic import atomic_folder, check_out
from ..config import ConfigError
from ..outputs import SUMMARY_BY_NAME, SUMMARY_NAMES
from ..sweep import SweepReport, design_spec, load_sweep, run_sweep
from ..sweep.design import INDEX
from ..sweep.store import Store, all_versions, now, write_json, write_parquet
from . import robust
from .design import bscsim_run, in_future, label_runs, points
from .discover import Discovery, discover
from .spec import ExploreSpec, Threshold, load_exploration

ROOT = Path("results") / "explorations"


@dataclass
class Exploration:
    """What an exploration found, and where it is saved."""

    spec: ExploreSpec
    out: Path
    outcomes: pd.DataFrame
    robustness: pd.DataFrame
    discovery: Discovery                 # every (future, policy): uncertainties and levers
    by_policy: dict[str, Discovery] = field(default_factory=dict)   # one policy's futures
    stress: pd.DataFrame | None = None   # policies in the [stress] futures
    failed: int = 0
    sweep: SweepReport | None = None

    def __str__(self) -> str:
        return report_text(self)


def default_out(spec: ExploreSpec) -> Path:
    return ROOT / Path(spec.path).stem


def sweep_of(spec: ExploreSpec) -> tuple[pd.DataFrame, pd.DataFrame, Any]:
    """(futures, policies, the sweep spec of every policy in every future)."""
    f, p, pts = points(spec)
    if spec.model is None:          # bscsim, its values checked against valid ranges
        check_values(spec, pts.drop(columns="future"))
        outputs = SUMMARY_NAMES
        fn = functools.partial(bscsim_run, spec.base_params().to_dict(), outputs)
    else:
        outputs, fn = spec.outputs, spec.model_fn
    sweep = design_spec(pts, path=spec.path, title=spec.title, base=spec.base,
                        changes=spec.changes, replicates=spec.replicates,
                        root_seed=spec.root_seed, text=spec.text,
                        model=spec.model or "bscsim", outputs=outputs,
                        batch_size=spec.batch_size, common_random_numbers=True,
                        model_fn=functools.partial(in_future, fn))
    return f, p, sweep


def check_values(spec: ExploreSpec, pts: pd.DataFrame) -> None:
    """Every sampled or listed value is allowed (a one-line ConfigError if not)."""
    from ..params import BY_NAME, ParamError
    for name in pts.columns:
        for v in (pts[name].min(), pts[name].max()):
            try:
                BY_NAME[name].check(v)
            except ParamError as e:
                raise ConfigError(f"{spec.path}: {e}") from None


MARKER = ("provenance.json", "robustness.csv")   # what makes a folder an exploration
RUNS = ("runs",)          # the sweep folder of the runs, kept when results are replaced


def _check_out(out: Path) -> None:
    """An exploration folder (or empty, or only the runs of an interrupted one):
    checked before anything runs, links and foreign files refused."""
    check_out(out, MARKER, "exploration", keep=RUNS)


def run_exploration(spec: ExploreSpec | str | Path, out: str | Path | None = None,
                    executor: str = "processes", workers: int | None = None,
                    scheduler: Any = None, progress: bool = True,
                    retry_failed: bool = False) -> Exploration:
    """Run (or resume) an exploration into `out` (default
    results/explorations/<file name>) and analyse it."""
    if not isinstance(spec, ExploreSpec):
        spec = load_exploration(spec)
    f, p, sweep = sweep_of(spec)                 # validated before anything is written
    out = Path(out) if out is not None else default_out(spec)
    _check_out(out)
    report = run_sweep(sweep, out / "runs", executor=executor, workers=workers,
                       scheduler=scheduler, progress=progress, retry_failed=retry_failed)
    result = analyse(spec, out, f, p)
    result.sweep = report
    return result


def estimate(spec: ExploreSpec | str | Path, out: str | Path | None = None,
             workers: int | None = None, executor: str = "processes") -> str:
    """The `--dry-run` text: futures, policies, runs and a time estimate."""
    from ..sweep import estimate as sweep_estimate
    if not isinstance(spec, ExploreSpec):
        spec = load_exploration(spec)
    out = Path(out) if out is not None else default_out(spec)
    _check_out(out)
    _, _, sweep = sweep_of(spec)
    head = (f"{spec.title}: {spec.n_futures} futures ({spec.design}) x "
            f"{spec.policy_count} policies x {spec.replicates} replicates (common random "
            f"numbers) = {spec.n_runs} runs")
    return head + "\n" + sweep_estimate(sweep, out / "runs", workers=workers,
                                        executor=executor)


def outcomes_of(spec: ExploreSpec, runs: pd.DataFrame, f: pd.DataFrame,
                p: pd.DataFrame) -> pd.DataFrame:
    """One row per (future, policy): inputs and outputs averaged over its successful
    replicates, their number `n_ok`, and `fails_<output>` for each threshold."""
    outputs = [o for o in (spec.outputs or SUMMARY_NAMES) if o in runs]
    ok = label_runs(runs[runs["status"] == "ok"], len(p), list(p["policy"]))
    means = ok.groupby(["future", "policy"], sort=False)[outputs].mean()
    means["n_ok"] = ok.groupby(["future", "policy"], sort=False).size()
    means = means.reset_index()
    df = (means.merge(f, on="future").merge(p, on="policy")
          .sort_values(["future", "policy"], key=lambda c: c.map(
              {n: i for i, n in enumerate(p["policy"])}) if c.name == "policy" else c,
              ignore_index=True))
    for t in spec.thresholds:
        df[f"fails_{t.output}"] = ~t.met(df[t.output].to_numpy())
    cols = (["future", "policy", *f.columns.drop("future"), *p.columns.drop("policy"),
             "n_ok", *outputs, *(f"fails_{t.output}" for t in spec.thresholds)])
    return df[cols]


def analyse(spec: ExploreSpec, out: Path, f: pd.DataFrame | None = None,
            p: pd.DataFrame | None = None) -> Exploration:
    """Read the runs in `out`/runs, analyse them and write the results folder."""
    if f is None or p is None:
        f, p, _ = sweep_of(spec)
    runs = load_sweep(out / "runs")
    outcomes = outcomes_of(spec, runs, f, p)
    table = robust.robustness(outcomes, spec.thresholds, list(p["policy"]))
    t = spec.threshold(spec.discover)
    inputs = [*f.columns.drop("future"), *p.columns.drop("policy")]
    case = outcomes.dropna(subset=[t.output])
    found = discover(case[inputs], case[f"fails_{t.output}"].to_numpy(), t.output,
                     _failure(t), seed=spec.root_seed, resamples=spec.resamples)
    unc = list(f.columns.drop("future"))
    by_policy = {}
    for name in dict.fromkeys([p["policy"].iloc[0], table["policy"].iloc[0]]):
        one = case[case["policy"] == name]     # the first and the most robust policy
        by_policy[name] = discover(one[unc], one[f"fails_{t.output}"].to_numpy(),
                                   t.output, _failure(t) + f" with policy {name}",
                                   seed=spec.root_seed, resamples=spec.resamples)
    failed = int((runs["status"] != "ok").sum())
    result = Exploration(spec, out, outcomes, table, found, by_policy,
                         stress_table(spec, outcomes), failed)
    prov = provenance(spec, out, runs, found)
    text = report_text(result) + "\n"
    # the results replace `out` whole (its runs/ kept): a kill leaves the earlier
    # results or none, never a part of them
    with atomic_folder(out, MARKER, "exploration", keep=RUNS) as tmp:
        f.to_csv(tmp / "futures.csv", index=False)
        p.to_csv(tmp / "policies.csv", index=False)
        outcomes.attrs["provenance"] = json.dumps(prov, default=str)
        write_parquet(outcomes, tmp / "outcomes.parquet")
        outcomes.to_csv(tmp / "outcomes.csv", index=False)
        table.to_csv(tmp / "robustness.csv", index=False)
        write_discovery(found, tmp)
        for name, d in by_policy.items():
            write_discovery(d, tmp, f"_{name}")
        if result.stress is not None:
            result.stress.to_csv(tmp / "stress.csv", index=False)
        write_json(tmp / "provenance.json", prov)
        (tmp / "report.md").write_text(text)
        save_figures(result, tmp / "figures")
    return result


def stress_table(spec: ExploreSpec, outcomes: pd.DataFrame) -> pd.DataFrame | None:
    """Per policy, over the futures inside the [stress] ranges: the share meeting
    each threshold and the share meeting every threshold (None without [stress])."""
    if not spec.stress:
        return None
    inside = pd.Series(True, index=outcomes.index)
    for name, (lo, hi) in spec.stress.items():
        inside &= outcomes[name].between(lo, hi)
    sub = outcomes[inside]
    rows = []
    for name, g in sub.groupby("policy", sort=False):
        row = {"policy": name, "n_futures": int(g["future"].nunique())}
        met = np.ones(len(g), dtype=bool)
        for t in spec.thresholds:
            ok = ~g[f"fails_{t.output}"].to_numpy()
            row[f"meets_{t.output}"] = float(ok.mean())
            met &= ok
        row["meets_all"] = float(met.mean())
        rows.append(row)
    if not rows:
        return pd.DataFrame(columns=["policy", "n_futures", "meets_all"])
    return pd.DataFrame(rows).sort_values("meets_all", ascending=False, kind="stable",
                                          ignore_index=True)


def stress_words(spec: ExploreSpec) -> str:
    return ", ".join(f"{k} {lo:g} to {hi:g}" for k, (lo, hi) in spec.stress.items())


def _failure(t: Threshold) -> str:
    return f"{t.output} {'<' if t.direction == 'up' else '>'} {t.value:g}"


def write_discovery(found: Discovery, out: Path, suffix: str = "") -> None:
    stem = f"prim{suffix}"
    found.trajectory.rename_axis("box").reset_index().to_csv(
        out / f"{stem}_trajectory.csv", index=False)
    found.limits.assign(box=found.chosen, meets=found.meets).to_csv(
        out / f"{stem}_box.csv", index=False)
    found.scores.to_csv(out / f"feature_scores{suffix}.csv", index=False)


def provenance(spec: ExploreSpec, out: Path, runs: pd.DataFrame,
               found: Discovery) -> dict[str, Any]:
    manifest = json.loads((out / "runs" / "manifest.json").read_text())
    return {
        "title": spec.title, "exploration_file": spec.path, "exploration_text": spec.text,
        "overrides": spec.overrides, "spec": spec.to_dict(),
        "base_params": None if spec.model else spec.base_params().to_dict(),
        "seeding": ("futures: scipy qmc from SeedSequence(root_seed); sampled levers: "
                    "from SeedSequence(root_seed, spawn_key=(1,)); runs: the runner's "
                    "seed of replicate r (shared by every point) mixed with the "
                    "future's index, SeedSequence([seed, future]) "
                    "(bscsim.explore.design.future_seed): common random numbers "
                    "across the policies of a future, independent across futures"),
        "n_runs": len(runs), "failed_runs": int((runs["status"] != "ok").sum()),
        "runs": {"folder": "runs", "fingerprint": manifest["fingerprint"],
                 "seeding": manifest["seeding"], "sessions": manifest["sessions"]},
        "discovery": {"output": found.output, "rule": found.rule,
                      "ema_workbench": found.ema_version, "chosen_box": found.chosen,
                      "meets": found.meets},
        "versions": {**all_versions(), "ema_workbench": found.ema_version},
        "analysed": now(),
    }


def save_figures(result: Exploration, folder: Path) -> list[Path]:
    import matplotlib
    matplotlib.use("Agg")
    matplotlib.rcParams["text.parse_math"] = False
    import matplotlib.pyplot as plt
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    fig = robust.figure(result.robustness, result.spec.thresholds)
    fig.savefig(folder / "robustness.png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    paths.append(folder / "robustness.png")
    if len(result.discovery.trajectory):
        fig = tradeoff_figure(result.discovery)
        fig.savefig(folder / "prim_tradeoff.png", dpi=110, bbox_inches="tight")
        plt.close(fig)
        paths.append(folder / "prim_tradeoff.png")
    return paths


def tradeoff_figure(found: Discovery, ax=None):
    """The peeling trajectory: coverage against density, the chosen box marked."""
    from ..plotting import readable
    return readable(_tradeoff_figure)(found, ax)


def _tradeoff_figure(found: Discovery, ax=None):
    import matplotlib.pyplot as plt

    from ..labels import plain
    from ..plotting import wrap
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(6.4, 5),
                                                                  layout="constrained")
    t = found.trajectory
    sc = ax.scatter(t["coverage"], t["density"], c=t["res_dim"], cmap="viridis", s=18)
    fig.colorbar(sc, ax=ax, label="restricted dimensions")
    if found.chosen is not None:
        r = t.loc[found.chosen]
        ax.scatter([r["coverage"]], [r["density"]], s=120, facecolors="none",
                   edgecolors="red", label=f"chosen box {found.chosen}")
        ax.legend(loc="lower left")
    ax.axvline(found.min_coverage, color="grey", lw=0.8, ls=":")
    ax.axhline(found.min_density, color="grey", lw=0.8, ls=":")
    ax.set_xlabel("coverage (share of failures inside the box)")
    ax.set_ylabel("density (share of the box that fails)")
    ax.set_title(wrap(f"PRIM peeling trajectory: {plain(found.rule)}", 60))
    return fig


def report_text(result: Exploration) -> str:
    spec = result.spec
    lines = [spec.title,
             f"{spec.n_futures} futures ({spec.design}) x {spec.policy_count} policies x "
             f"{spec.replicates} replicates (common random numbers) = {spec.n_runs} runs",
             "thresholds of success: " + "; ".join(t.words() for t in spec.thresholds)]
    if result.failed:
        lines.append(f"  {result.failed} run(s) failed (see runs/); their (future, "
                     "policy) are averaged over the replicates that ran")
    lines += ["", "Robustness (over futures; replicates averaged; regret against the best "
              "policy in each future; worst10 = 10th percentile, or 90th when less is "
              "better)", robust.text(result.robustness, spec.thresholds), "",
              result.discovery.text(), ""]
    for d in result.by_policy.values():
        lines += [d.text(), ""]
    if result.stress is not None and not len(result.stress):
        lines += [f"In the stress futures ({stress_words(spec)}): none of the "
                  f"{spec.n_futures} sampled futures falls inside these ranges, so "
                  "nothing is reported for them; widen [stress] or sample more "
                  "futures (n_futures)", ""]
    elif result.stress is not None:
        lines += [f"In the stress futures ({stress_words(spec)}; {result.stress['n_futures'].iloc[0]} "
                  "futures), share meeting each threshold:",
                  result.stress.to_string(index=False, float_format=lambda v: f"{v:.3f}"), ""]
    lines.append(f"results in {result.out}/")
    lines += ["", bottom_line(result)]
    return "\n".join(lines)


def bottom_line(result: Exploration) -> str:
    """The exploration in plain words: which policy meets every goal in the most
    futures, in how many, at what cost, against the first policy listed (the one as
    run); the goals in words; and what the share rests on."""
    from ..outputs import BY_NAME as OUT
    spec, table = result.spec, result.robustness.reset_index(drop=True)
    if table.empty:
        return ""
    goals = "; ".join(f"{OUT[t.output].meaning.rstrip('.').lower() if t.output in OUT else t.output}"
                      f" {'at least' if t.direction == 'up' else 'at most'} {t.value:g}"
                      for t in spec.thresholds)
    best = table.loc[table["satisficing_share"].idxmax()]
    listed = [p for p in spec.policies if p in set(table["policy"])]
    first = table[table["policy"] == listed[0]].iloc[0] if listed else best
    cost = (f" at {best['cost_per_center']:,.0f} USD per center"
            if "cost_per_center" in table else "")
    text = (f"Bottom line ({spec.n_futures} futures x {spec.replicates} replicates, each "
            f"future a draw of what nobody chooses): the goals are {goals}. Policy "
            f"'{best['policy']}' meets all of them in the most futures, "
            f"{best['satisficing_share']:.0%}{cost}")
    if first["policy"] != best["policy"]:
        fc = (f", at {first['cost_per_center']:,.0f} USD per center"
              if "cost_per_center" in table else "")
        text += f"; '{first['policy']}' meets them in {first['satisficing_share']:.0%}{fc}"
    text += (". A share is of sampled futures, not a probability of the real one: it "
             "says how robust a policy is over the ranges the file allows.")
    return text


# ------------------------------------------------------- an existing sweep folder
def discover_sweep(folder: str | Path, output: str, threshold: float | None = None,
                   seed: int = 0) -> Discovery:
    """Scenario discovery on an existing sweep folder (bscsim sweep, sensitivity or
    explore runs/): its varied parameters against `output` missing `threshold` (the
    declared one by default), each design point averaged over its replicates."""
    folder = Path(folder)
    if Store.state(folder) != "sweep":
        raise ConfigError(f"{folder}: not a sweep folder (no manifest.json)")
    if output not in SUMMARY_BY_NAME:
        from ..outputs import nearest_output
        near = nearest_output(output)
        raise ConfigError(f"--output {output}: unknown output"
                          + (f"; did you mean '{near}'?" if near else ""))
    o = SUMMARY_BY_NAME[output]
    value = o.threshold if threshold is None else threshold
    if o.direction == "none" or value is None:
        raise ConfigError(f"--output {output}: has no declared direction or threshold; "
                          "give --threshold and choose an output with a direction")
    t = Threshold(output, float(value), o.direction)
    runs = load_sweep(folder)
    runs = runs[runs["status"] == "ok"]
    if output not in runs:
        raise ConfigError(f"{folder}: the sweep has no output {output}")
    from ..params import BY_NAME
    inputs = [c for c in runs.columns if c in BY_NAME and c not in INDEX]
    if not inputs:
        raise ConfigError(f"{folder}: the sweep varies no parameter; nothing to explain")
    means = runs.groupby("point")[[*inputs, output]].mean().dropna(subset=[output])
    return discover(means[inputs], ~t.met(means[output].to_numpy()), output, _failure(t),
                    seed=seed)
