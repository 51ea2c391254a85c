"""`bscsim study STUDY.toml [--out DIR] [--seed N] [--power] [--replicates N]
[--posterior DIR] [--executor serial|processes|dask] [--workers N] [--dry-run]
[--report FILE.html]`

Simulates the feasibility study a study file describes: runs the model, applies the
instruments (surveys, blind classroom observations, PDSA trackers, attendance logs),
writes one tidy table per instrument under DIR/data/ (Parquet and CSV), and
analyses them as the study would: change from wave 1 to wave 2 with 95% intervals
(t over centers), with the model's true change beside each estimate. With
`--power`, repeats the study over the file's [power] grid (centers x reliability)
through the sweep runner (runs kept in DIR/runs/: serially by default, on N local
processes with --workers N, or on Dask; an interrupted power analysis resumes when
the same command runs again) and writes the power table, the centers needed and
power.png. With --posterior DIR (a folder written by `bscsim calibrate`), the
model runs at posterior draws: one for the single study, one per replicate of the
power analysis, so power averages over parameter uncertainty as well as chance.

Exit status: 0 done, 1 some power runs failed (kept in DIR/runs/; --retry-failed
runs them again), 2 a bad file or command line (nothing written).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from dataclasses import replace
from pathlib import Path

import pandas as pd

from ..cli import UsageError

# The files that mark a folder as an earlier study output (safe to replace whole).
MARKER = ("provenance.json", "analysis.csv")


def add_parser(sub) -> None:
    p = sub.add_parser("study", help="simulate the feasibility study (data, analysis, power)",
                       description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("study", help="study file, e.g. configs/studies/ccl_feasibility.toml")
    p.add_argument("--out", help="output folder (default: results/study/<study>)")
    p.add_argument("--seed", type=int, help="override the study file's seed")
    p.add_argument("--power", action="store_true",
                   help="also repeat the study over the [power] grid")
    p.add_argument("--replicates", type=int, help="replicates per design (power)")
    from .compare import add_analysis_options
    add_analysis_options(p)
    p.add_argument("--report", metavar="FILE.html",
                   help="also write a self-contained HTML report for readers who never "
                   "open a terminal")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..atomic import atomic_folder, check_out
    from ..cli import check_seed
    from ..parallel import check_workers
    from ..limits import check_runs
    from ..study import analyse, load_study, simulate_study
    from ..study.files import provenance, write_json, write_tables
    from ..sweep import RunsFailed
    from .compare import RUNS, analysis_executor
    from .sweep import checked_posterior, kept_on_interrupt

    if args.replicates is not None and args.replicates < 1:
        raise UsageError(f"--replicates {args.replicates}: expected a whole number >= 1")
    executor = analysis_executor(args)
    check_seed(args.seed)
    check_workers(args.workers)
    posterior = checked_posterior(args.posterior)
    study = load_study(args.study)
    if args.seed is not None:
        study = replace(study, seed=args.seed)
    if args.power:
        reps = args.replicates or study.power.replicates
        designs = len(study.power.n_centers) * len(study.power.reliability)
        check_runs(designs * reps, "study", "--power",
                   f"{designs} designs x replicates = {reps:,}")
    elif args.dry_run:
        raise UsageError("--dry-run estimates the runs of --power; add --power")
    out = Path(args.out) if args.out else Path("results") / "study" / Path(args.study).stem
    check_out(out, MARKER, "study", keep=RUNS)        # before anything runs
    report = _checked_report(args)
    if args.dry_run:
        from ..study.power import power_sweep
        from ..sweep import estimate
        print(estimate(power_sweep(study, replicates=args.replicates, posterior=posterior),
                       out / "runs", workers=args.workers, executor=executor,
                       afresh_if_changed=True))
        return 0
    one = study if posterior is None else at_draw(study, posterior)
    data = simulate_study(one)
    analysis = analyse(data)
    print(f"bscsim study: {study.title} ({args.study}; model {Path(study.config).name}, "
          f"{data.params.n_centers} centers, seed {data.seed['seed']})")
    tables = data.tables()
    print("data: " + ", ".join(f"{k} {len(v)} rows" for k, v in tables.items()))
    print(format_analysis(analysis, study.power.alpha))
    print(f"missing-data rule: {study.design.missing}; centers that left the "
          f"collaborative by the last wave: {data.centers_left} of {data.params.n_centers}")
    uncertainty = {"study": single_uncertainty(study, one, posterior)}
    print(uncertainty["study"])
    result = None
    if args.power:
        from ..study.power import power
        try:
            with kept_on_interrupt("study", out / "runs"):
                result = power(study, replicates=args.replicates,
                               workers=args.workers or 1, executor=executor,
                               out=out / "runs", scheduler=args.scheduler,
                               progress=not args.no_progress,
                               retry_failed=args.retry_failed, posterior=posterior)
        except RunsFailed as e:
            print(f"bscsim study: {e}; to run them again: the same command with "
                  "--retry-failed", file=sys.stderr)
            return 1
        print(format_power(study, result))
        uncertainty["power"] = power_uncertainty(study, posterior)
        print(uncertainty["power"])
    from ..study.report import bottom_line
    print("\n" + bottom_line(analysis, study.power.alpha, data.params.n_centers))

    def fill(tmp: Path) -> None:
        write_tables(tmp / "data", tables)
        analysis.to_csv(tmp / "analysis.csv", index=False)
        analysis.to_parquet(tmp / "analysis.parquet", index=False)
        extra = {"command": ["bscsim", *sys.argv[1:]] if sys.argv else []}
        if result is not None:
            _write_power(tmp, study, result)
            extra["power_grid"] = {"n_centers": list(study.power.n_centers),
                                   "reliability": list(study.power.reliability),
                                   "replicates": int(result.table["replicates"].max())}
        extra["posterior"] = posterior
        extra["uncertainty"] = uncertainty
        if result is not None:
            extra["power_runs"] = ("runs/ (a sweep folder: bscsim.load_sweep(DIR, "
                                   "'analysis'); manifest.json holds the seeding)")
        write_json(tmp / "provenance.json", provenance(data, extra))
        if Path(args.study).is_file():
            shutil.copyfile(args.study, tmp / "study.toml")

    with atomic_folder(out, MARKER, "study", keep=RUNS) as tmp:   # replaces `out` whole
        fill(tmp)
    print(f"saved to {out}/")
    if report is not None:
        _write_report(report, study, data, analysis, uncertainty, tables, result)
        print(f"report: {report}")
    return 0


def _checked_report(args) -> Path | None:
    """`--report FILE.html`, checked before anything runs."""
    if not getattr(args, "report", None):
        return None
    from .compare import check_report
    report = Path(args.report)
    if report.suffix.lower() not in (".html", ".htm"):
        raise UsageError(f"--report {report}: expected a file name ending in .html")
    check_report(report)
    return report


def _write_report(report: Path, study, data, analysis, uncertainty, tables, result) -> None:
    """The study's HTML report (study/report.py), written atomically."""
    from ..atomic import atomic_write_text
    from ..study.report import build_html
    power_text = power_png = None
    if result is not None:
        from ..scenarios.report import png_bytes
        from ..study.plots import power_curves
        from ..study.power import default_targets
        power_text = format_power(study, result)
        power_png = png_bytes(power_curves(result.table, default_targets(study),
                                           study.power.target, study.power.alpha,
                                           title=study.title))
    html = build_html(study.title, analysis, study.power.alpha, data.params.n_centers,
                      "\n".join(uncertainty.values()), tables, power_text, power_png,
                      command=" ".join(["bscsim", *sys.argv[1:]]))
    atomic_write_text(report, html)


def drawn_names(study, posterior: str) -> list[str]:
    """The posterior's parameters a study's model draws (not the number of centers,
    which the study's design sets)."""
    from ..posterior import WEIGHT, load_posterior
    return [c for c in load_posterior(posterior).columns if c not in (WEIGHT, "n_centers")]


def at_draw(study, posterior: str):
    """The study with its model at one posterior draw (draw 0 of the study's seed:
    what replicate 0 of the power analysis uses)."""
    from ..posterior import posterior_draws
    draw = posterior_draws(posterior, 1, study.seed)[0]
    keep = drawn_names(study, posterior)
    return replace(study, params=study.params.replace(**{k: draw[k] for k in keep}))


def single_uncertainty(study, one, posterior: str | None) -> str:
    """Which uncertainty the single study's intervals include."""
    text = ("\nThe 95% intervals above are the study's own: they include the sampling of "
            "centers, people and classrooms and the measurement error of one simulated "
            "study")
    if posterior is None:
        return text + ", at the config's parameter values (not parameter uncertainty)."
    names = drawn_names(study, posterior)
    values = ", ".join(f"{k} = {getattr(one.params, k):.4g}" for k in names)
    return (text + f"; the model runs at one posterior draw from {posterior} ({values}), "
            "so they do not include parameter uncertainty: --power runs one draw per "
            "replicate.")


def power_uncertainty(study, posterior: str | None) -> str:
    """Which uncertainty the power figures include."""
    from ..posterior import uncertainty_text
    if posterior is None:
        info = None
    else:
        info = {"folder": posterior, "drawn": drawn_names(study, posterior)}
    text = uncertainty_text(info, per="replicate (at every number of centers)")
    return "Power: " + text.replace("the intervals include", "the replicates vary by") + "."


def _write_power(folder: Path, study, result) -> None:
    from ..study.plots import power_curves
    from ..study.power import default_targets
    result.replicates.to_parquet(folder / "power_replicates.parquet", index=False)
    result.table.to_csv(folder / "power.csv", index=False)
    result.needed.to_csv(folder / "power_needed.csv", index=False)
    fig = power_curves(result.table, default_targets(study), study.power.target,
                       study.power.alpha, title=study.title)
    fig.savefig(folder / "power.png", dpi=110)


def _num(x: float, fmt: str = "{:.3f}") -> str:
    return "" if x != x else fmt.format(x)


def format_analysis(df: pd.DataFrame, alpha: float = 0.05) -> str:
    """The analysis as a text table: estimate, interval, p, and the truth beside."""
    level = f"{100 * (1 - alpha):g}%"
    head = (f"{'instrument':<13}{'measure':<22}{'group':<17}{'estimator':<14}"
            f"{'weeks':>7}{'C':>4}{'n':>5}{'estimate':>10}  {level + ' CI':<19}{'p':>7}"
            f"{'truth_smp':>10}{'truth':>9}{'bias':>8}{'attrit':>8}")
    lines = ["", "Change from wave 1 to wave 2 (t over centers); truth_smp: the same "
             "units' true change; truth: the model's", "true change in everyone the "
             "instrument describes; bias = estimate - truth; attrit: the part of it "
             "from centers", "that left the collaborative (the study's missing-data "
             "rule, [design] missing; completers-only by default).", head]
    group_names = {"participating_minus_comparison": "part. - comp.",
                   "non_participants": "non_particip."}
    for r in df.itertuples():
        ci = (f"[{r.ci_low:.3f}, {r.ci_high:.3f}]" if r.ci_low == r.ci_low else "")
        weeks = f"{r.week_1}-{r.week_2}"
        lines.append(
            f"{r.instrument[:12]:<13}{r.measure[:21]:<22}"
            f"{group_names.get(r.group, r.group)[:16]:<17}{r.estimator:<14}{weeks:>7}"
            f"{r.n_centers:>4}{r.n_units:>5}{_num(r.estimate):>10}  {ci:<19}"
            f"{_num(r.p_value):>7}{_num(r.truth_sample):>10}{_num(r.truth):>9}"
            f"{_num(r.bias, '{:+.3f}'):>8}{_num(r.bias_attrition, '{:+.3f}'):>8}")
    return "\n".join(lines)


def format_power(study, result) -> str:
    """Power per design for the default targets, and the centers needed."""
    from ..study.plots import target_label
    from ..study.power import default_targets, needed_text, power_pivot
    targets = default_targets(study)
    piv = power_pivot(result.table, targets)
    reps = int(result.table["replicates"].max())
    width = max(12, max(len(c) for c in piv.columns) + 1)
    lines = ["", f"Power (share of {reps} replicates with p < {study.power.alpha:g}, "
                 "two-sided)",
             f"{'centers':>8}{'reliab.':>8}" + "".join(f"{c:>{width}}" for c in piv.columns)]
    for (n, rel), row in piv.iterrows():
        lines.append(f"{n:>8}{rel:>8.2f}" + "".join(f"{v:>{width}.2f}" for v in row))
    need = result.needed.assign(text=needed_text(result.needed, study.power.n_centers))
    lines += ["", f"Centers needed for {study.power.target:.0%} power "
                  "(linear interpolation between grid points)"]
    lines.append(f"{'target':<58}" + "".join(f"{f'rel {r:g}':>9}"
                                             for r in study.power.reliability))
    for inst, group, estimator in targets:
        t = need[(need["instrument"] == inst) & (need["group"] == group)
                 & (need["estimator"] == estimator)].set_index("reliability")["text"]
        lines.append(f"{target_label(inst, group)[:57]:<58}"
                     + "".join(f"{t.get(r, ''):>9}" for r in study.power.reliability))
    return "\n".join(lines)

