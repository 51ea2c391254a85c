"""Sensitivity analysis, end to end: SA file -> SALib sample -> sweep -> indices.

`run_sensitivity` draws the sample, runs it through the sweep runner (any executor;
running it again resumes the runs), reads the runs back from the sweep store,
averages replicates, analyses with SALib and writes the results folder:

    DIR/runs/               the sweep folder (bscsim.load_sweep): one row per run
    DIR/sample.parquet      the SALib sample (with the dummy factor), one row per point
    DIR/indices.parquet     tidy indices with intervals (and .csv); provenance in
                            the Parquet metadata and in provenance.json
    DIR/noise.csv           replicate noise per output
    DIR/convergence.csv     per output: widest interval, threshold, verdict, N needed
    DIR/report.md           the printed report
    DIR/figures/            Sobol bars (or Morris mu*-sigma) per output
    DIR/provenance.json     SA file, resolved spec, base config, seeds, versions
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..config import ConfigError
from ..sweep import SweepReport, load_sweep, run_sweep
from ..atomic import atomic_folder, check_out
from ..sweep.store import all_versions, now, write_json, write_parquet
from .analyze import CONF, RESAMPLES, analyze, convergence, point_means
from .sample import n_rows, sample, sample_seed, sweep_spec
from .spec import DUMMY, SASpec, load_sa


@dataclass
class SAResult:
    """What a sensitivity analysis found, and where it is saved."""

    spec: SASpec
    out: Path
    indices: pd.DataFrame
    noise: pd.DataFrame
    convergence: pd.DataFrame
    failed: int = 0
    sweep: SweepReport | None = None
    posterior: dict[str, Any] | None = None   # folder and parameters drawn, if any

    def table(self, output: str | None = None) -> pd.DataFrame:
        """One output's main indices, one row per factor (or group):
        S1/ST (Sobol) or mu*/sigma (Morris), each with its 95% interval; within each
        output, the most influential first (by ST, or by mu*)."""
        df = self.indices
        if output is not None:
            df = df[df["output"] == output]
        main = ("S1", "ST") if self.spec.method == "sobol" else ("mu_star", "sigma")
        wide = df[df["index"].isin(main)].pivot_table(
            index=["output", "factor"], columns="index", values=["value", "conf"],
            sort=False, dropna=False)    # an output that did not vary: NaN, shown as -
        out = pd.DataFrame({f"{i}{suffix}": wide[(col, i)]
                            for i in main for col, suffix in (("value", ""), ("conf", "_conf"))})
        out = out.reset_index()
        order = {o: k for k, o in enumerate(self.spec.outputs)}
        out["_o"] = out["output"].map(order)
        return (out.sort_values(["_o", main[1] if main[0] == "S1" else main[0]],
                                ascending=[True, False], kind="stable")
                .drop(columns="_o").reset_index(drop=True))

    def __str__(self) -> str:
        return report_text(self)


MARKER = ("provenance.json", "indices.parquet")   # what makes a sensitivity folder
RUNS = ("runs",)          # the sweep folder of the runs, kept when results are replaced


def default_out(spec: SASpec) -> Path:
    return Path("results") / "sensitivity" / Path(spec.path).stem


def run_sensitivity(spec: SASpec | str | Path, out: str | Path | None = None,
                    executor: str = "processes", workers: int | None = None,
                    scheduler: Any = None, progress: bool = True,
                    retry_failed: bool = False, posterior: str | Path | None = None
                    ) -> SAResult:
    """Run (or resume) a sensitivity analysis into `out` (default
    results/sensitivity/<file name>) and analyse it. With `posterior` (a folder
    written by `bscsim calibrate`), the parameters the sample does not vary (and
    the file does not set) are drawn from the posterior, one draw per run
    (replicate r of every sample point shares its draw with common random
    numbers): the indices are then averaged over parameter uncertainty."""
    if not isinstance(spec, SASpec):
        spec = load_sa(spec)
    x = sample(spec)
    sweep = with_posterior(sweep_spec(spec, x), spec, posterior)   # validated first
    out = check_out(Path(out) if out is not None else default_out(spec), MARKER,
                    "sensitivity", keep=RUNS)
    report = run_sweep(sweep, out / "runs", executor=executor, workers=workers,
                       scheduler=scheduler, progress=progress, retry_failed=retry_failed)
    result = analyse(spec, x, out, posterior_info(sweep))
    result.sweep = report
    return result


def with_posterior(sweep, spec: SASpec, posterior: str | Path | None):
    """The sweep of the sample, its runs drawing from `posterior` (if given)."""
    if posterior is None:
        return sweep
    if spec.model is not None:
        raise ConfigError(f"{spec.path}: --posterior draws bscsim's parameters; this "
                          f"analysis runs the model {spec.model!r}")
    import dataclasses
    return dataclasses.replace(sweep, posterior=str(posterior))


def posterior_info(sweep) -> dict[str, Any] | None:
    """The posterior folder and the parameters the runs draw from it (None: none)."""
    if sweep.posterior is None:
        return None
    from ..posterior import WEIGHT, load_posterior
    from ..sweep.design import posterior_drawn
    drawn = posterior_drawn(sweep)
    held = [c for c in load_posterior(sweep.posterior).columns
            if c != WEIGHT and c not in drawn]
    return {"folder": sweep.posterior, "drawn": drawn, "held": held}


def estimate(spec: SASpec | str | Path, out: str | Path | None = None,
             workers: int | None = None, executor: str = "processes",
             posterior: str | Path | None = None) -> str:
    """The `--dry-run` text: the sample, the runs and a time estimate. Writes nothing."""
    from ..sweep import estimate as sweep_estimate
    if not isinstance(spec, SASpec):
        spec = load_sa(spec)
    out = check_out(Path(out) if out is not None else default_out(spec), MARKER,
                    "sensitivity", keep=RUNS)
    sweep = with_posterior(sweep_spec(spec, sample(spec)), spec, posterior)
    head = (f"{spec.title}: {spec.method}, n_samples = {spec.n_samples} -> "
            f"{n_rows(spec)} sample points x {spec.replicates} replicates")
    return head + "\n" + sweep_estimate(sweep, out / "runs", workers=workers,
                                        executor=executor)


def analyse(spec: SASpec, x: pd.DataFrame, out: Path,
            posterior: dict[str, Any] | None = None) -> SAResult:
    """Read the runs in `out`/runs, analyse and write the results folder."""
    runs = load_sweep(out / "runs")
    means, noise = point_means(runs, spec, len(x))
    indices = analyze(spec, x, means, noise, seed=spec.root_seed)
    failed = int((runs["status"] != "ok").sum())
    result = SAResult(spec, out, indices, noise, convergence(spec, indices), failed,
                      posterior=posterior)
    prov = provenance(spec, out, runs)
    prov["posterior"] = posterior
    prov["uncertainty"] = posterior_text(result)
    text = report_text(result) + "\n"
    # the results replace `out` whole (its runs/ kept): a kill leaves the earlier
    # results or none, never a part of them
    with atomic_folder(out, MARKER, "sensitivity", keep=RUNS) as tmp:
        write_parquet(x, tmp / "sample.parquet")
        write_json(tmp / "provenance.json", prov)
        indices.attrs["provenance"] = json.dumps(prov, default=str)
        write_parquet(indices, tmp / "indices.parquet")
        indices.to_csv(tmp / "indices.csv", index=False)
        noise.to_csv(tmp / "noise.csv", index=False)
        result.convergence.to_csv(tmp / "convergence.csv", index=False)
        (tmp / "report.md").write_text(text)
        save_figures(result, tmp / "figures")
    return result


def provenance(spec: SASpec, out: Path, runs: pd.DataFrame) -> dict[str, Any]:
    manifest = json.loads((out / "runs" / "manifest.json").read_text())
    return {
        "title": spec.title,
        "sa_file": spec.path,
        "sa_text": spec.text,
        "overrides": spec.overrides,
        "spec": spec.to_dict(),
        "base_params": None if spec.model else spec.base_params().to_dict(),
        "salib_sample_seed": sample_seed(spec),
        "bootstrap": {"resamples": RESAMPLES, "confidence": CONF},
        "n_points": n_rows(spec), "n_runs": len(runs),
        "failed_runs": int((runs["status"] != "ok").sum()),
        "runs": {"folder": "runs", "fingerprint": manifest["fingerprint"],
                 "seeding": manifest["seeding"], "sessions": manifest["sessions"]},
        "versions": all_versions(),
        "analysed": now(),
    }


def save_figures(result: SAResult, folder: Path) -> list[Path]:
    import matplotlib
    matplotlib.use("Agg")
    matplotlib.rcParams["text.parse_math"] = False   # labels are text: "$" is a dollar
    import matplotlib.pyplot as plt

    from .plot import morris_plot, sobol_bars
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for o in result.spec.outputs:
        if result.spec.method == "sobol":
            fig, name = sobol_bars(result.indices, o), f"sobol_{o}.png"
        else:
            fig, name = morris_plot(result.indices, o), f"morris_{o}.png"
        fig.savefig(folder / name, dpi=120, bbox_inches="tight")
        plt.close(fig)
        paths.append(folder / name)
    return paths


def load_indices(out: str | Path) -> pd.DataFrame:
    """The tidy indices of a finished analysis, with `attrs["provenance"]`."""
    out = Path(out)
    if not (out / "indices.parquet").is_file():
        raise ConfigError(f"{out}: no indices.parquet (not an analysed sensitivity folder)")
    df = pd.read_parquet(out / "indices.parquet")
    df.attrs["provenance"] = json.loads((out / "provenance.json").read_text())
    return df


# ------------------------------------------------------------------- report
def report_text(result: SAResult) -> str:
    spec = result.spec
    d = len(spec.group_names) if spec.groups else len(spec.names)
    what = "groups" if spec.groups else "factors"
    points = n_rows(spec)
    size = "trajectories r" if spec.method == "morris" else "base sample N"
    lines = [f"{spec.title}",
             f"{spec.method} over {d} {what} (incl. the dummy)" if spec.dummy else
             f"{spec.method} over {d} {what}",
             f"  {size} = {spec.n_samples}, {points} points x {spec.replicates} replicates "
             f"= {points * spec.replicates} runs; 95% bootstrap intervals "
             f"({RESAMPLES} resamples)"]
    if result.failed:
        lines.append(f"  {result.failed} run(s) failed (see runs/, bscsim.load_sweep); "
                     "their points are averaged over the replicates that ran")
    noise = result.noise.set_index("output")
    conv = result.convergence.set_index("output")
    for o in spec.outputs:
        nz, cv = noise.loc[o], conv.loc[o]
        if spec.common_random_numbers:
            # the sample points share their seeds, so the means vary with the
            # parameters only; the noise of a mean is set beside that variation
            lines += ["", f"{o}   (noise of a {spec.replicates}-run mean, had the seeds "
                          f"been independent: {nz['noise_share']:.2f} x the variance of "
                          "the common-seed means over the sample)"]
        else:
            lines += ["", f"{o}   (replicate noise: {_pct(nz['noise_share'])} of the "
                          f"variance of the {spec.replicates}-run means; "
                          f"{_pct(nz['noise_share_one_run'])} for one run)"]
        lines += _index_lines(result, o)
        lines += trust_notes(result, o)
        unit = "" if spec.method == "sobol" else " of the largest mu*"
        if cv["converged"]:
            lines.append(f"  converged: yes (widest interval +/-{cv['widest']:.3f}{unit} "
                         f"<= {cv['threshold']:g})")
        else:
            lines.append(f"  converged: no (widest interval +/-{cv['widest']:.3f}{unit} "
                         f"> {cv['threshold']:g}, at {cv['worst']}); about n_samples = "
                         f"{cv['n_needed']} needed")
    floor = ("  * interval clears the noise floor (ST: the noise share; mu*: what noise "
             "alone gives)")
    if spec.common_random_numbers:
        floor += ("; with common random numbers the floor is an upper bound (shared "
                  "seeds cancel part of the noise) and the dummy reads zero")
    lines += ["", floor, "  " + posterior_text(result), f"results in {result.out}/"]
    lines += ["", bottom_line(result)]
    return "\n".join(lines)


def bottom_line(result: SAResult) -> str:
    """The analysis in plain words, per output: which factor (or group) matters most
    and by how much (its index with the 95% interval), whether that stands above
    the noise, and whether the result has converged (else it is not to be trusted
    yet, and how large a sample would be)."""
    spec = result.spec
    key = "ST" if spec.method == "sobol" else "mu_star"
    what = ("share of the output's variance it is involved in (total index ST)"
            if key == "ST" else "mean absolute elementary effect (mu*)")
    conv = result.convergence.set_index("output")
    lines = [f"Bottom line ({spec.method}, 95% bootstrap intervals):"]
    for o in spec.outputs:
        t = result.table(o)
        t = t[t["factor"] != DUMMY]
        if t.empty:
            continue
        top = t.iloc[0]
        idx = result.indices[result.indices["output"] == o].set_index(["index", "factor"])
        above = bool(idx.loc[(key, top["factor"]), "above_noise"])
        second = (f", then {t.iloc[1]['factor']} ({_fmt(t.iloc[1][key])})"
                  if len(t) > 1 else "")
        cv = conv.loc[o]
        sure = ("converged" if cv["converged"] else
                f"NOT converged: not to be trusted yet (about n_samples = "
                f"{cv['n_needed']} needed)")
        lines.append(
            f"- {o}: {top['factor']} matters most ({what} {_fmt(top[key])}, 95% interval "
            f"{_fmt(top[key] - top[key + '_conf'])} to {_fmt(top[key] + top[key + '_conf'])}"
            f"{'' if above else ', not clear of the noise floor'}){second}; {sure}.")
    return "\n".join(lines)


def posterior_text(result: SAResult) -> str:
    """What the posterior (or its absence) means for these indices."""
    info = result.posterior
    if info is None:
        return ("every parameter the sample does not vary is at the config's value "
                "(--posterior DIR draws them from a calibrated posterior instead)")
    if not info["drawn"]:
        return (f"posterior {info['folder']}: every one of its parameters is sampled or "
                "set here, so none was drawn")
    how = ("replicate r of every sample point at the same draw, so the indices are "
           "averaged over parameter uncertainty" if result.spec.common_random_numbers
           else "one draw per run, so parameter uncertainty adds to the replicate noise")
    return (f"parameters not sampled here are drawn from the posterior {info['folder']} "
            f"({', '.join(info['drawn'])}): {how}")


def trust_notes(result: SAResult, output: str) -> list[str]:
    """Plain warnings when one output's indices cannot be trusted yet: Sobol indices
    above 1 or S1 below 0 (impossible for shares of variance: artefacts of too few
    runs), and intervals wider than the convergence threshold."""
    spec = result.spec
    idx = result.indices[(result.indices["output"] == output)
                         & (result.indices["factor"] != DUMMY)]
    notes = []
    if spec.method == "sobol":
        main = idx[idx["index"].isin(("S1", "ST"))]
        over = main[main["value"] > 1]
        if len(over):
            notes.append("an index above 1 (" + _names(over) + "): impossible for a "
                         "share of variance, an artefact of too few runs")
        neg = idx[(idx["index"] == "S1") & (idx["value"] < 0)]
        if len(neg):
            notes.append("a negative S1 (" + _names(neg) + "): an artefact of estimation "
                         "noise; read it as about 0")
    conv = result.convergence.set_index("output").loc[output]
    if not conv["converged"]:
        notes.append(f"intervals up to +/-{conv['widest']:.2f}, wider than "
                     f"{conv['threshold']:g}: rank factors only where their intervals do "
                     "not overlap")
    if not notes:
        return []
    return [f"  NOT TO BE TRUSTED YET (n_samples = {spec.n_samples} is too few): "
            + "; ".join(notes)
            + f". Rerun with n_samples = {conv['n_needed']} (or more) in a new --out."]


def _names(rows: pd.DataFrame) -> str:
    return ", ".join(f"{r['index']} {r['factor']} = {r['value']:.2f}"
                     for _, r in rows.head(3).iterrows()) + (", ..." if len(rows) > 3 else "")


def _index_lines(result: SAResult, output: str) -> list[str]:
    t = result.table(output)
    idx = result.indices[result.indices["output"] == output].set_index(["index", "factor"])
    if result.spec.method == "sobol":
        cols = ("S1", "ST")
        head = f"  {'':24s} {'S1 [95% interval]':>24s}   {'ST [95% interval]':>24s}"
    else:
        cols = ("mu_star", "sigma")
        head = f"  {'':24s} {'mu* [95% interval]':>24s}   {'sigma [95% interval]':>24s}"
    lines = [head]
    for _, r in t.iterrows():
        cells = []
        for c in cols:
            above = bool(idx.loc[(c, r["factor"]), "above_noise"])
            mark = "*" if above and c in ("ST", "mu_star") else " "
            cells.append(f"{_fmt(r[c])} [{_fmt(r[c] - r[c + '_conf'])}, "
                         f"{_fmt(r[c] + r[c + '_conf'])}]{mark}")
        name = r["factor"] + (" (noise)" if r["factor"] == DUMMY else "")
        lines.append(f"  {name:24s} {cells[0]:>24s}   {cells[1]:>24s}")
    return lines


def _fmt(v: float) -> str:
    if pd.isna(v):
        return "-"
    return f"{v:.3f}" if abs(v) < 100 else f"{v:.3g}"


def _pct(v: float) -> str:
    return "n/a" if pd.isna(v) else f"{100 * v:.0f}%"
