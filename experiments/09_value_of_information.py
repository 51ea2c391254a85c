"""Experiment 09: what is worth knowing before a state scales up the BSC, and would a
study of the full BSC settle the choice?

Question: a state chooses between the full BSC, individual coaching, a training
workshop and business as usual for its centers (configs/decisions/scale_bsc.toml:
net benefit = willingness to pay per child-SD of social-emotional gain x the gain
of 32 children - the cost, per center). Over the uncertainty no calibration
constrains (every numeric uncertainty and price drawn over its plausible range),
which option is best how often (the acceptability curve), what would perfect
information be worth (EVPI), which group of parameters carries that value (EVPPI
by mechanism group, and the top single parameters), and how many centers should
a feasibility study of the full BSC measure, if any (EVSI and ENBS by size)?

Writes under results/09_value_of_information/ (or --out): everything `bscsim value`
writes (runs_*/ resumable, ceac, evpi, evppi_groups, evppi_single, evsi, fit_checks
as CSV and Parquet, data_dictionary.csv, figures/, report.md, report.html,
provenance.json) and figures/evppi_by_wtp.png, the value of each group across
willingness to pay.

    python experiments/09_value_of_information.py            # 2,000 draws x 4 options + study
    python experiments/09_value_of_information.py --quick    # 30 draws of a short collaborative
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from bscsim.value import load_decision, run_value
from bscsim.value.run import quick
from bscsim.value.words import GROUP_WORDS

ROOT = Path(__file__).resolve().parents[1]
DECISION = ROOT / "configs" / "decisions" / "scale_bsc.toml"
QUICK = {"n_centers": 4, "weeks_collab": 20, "weeks_followup": 4}


def evppi_by_wtp(groups, evpi, ax=None):
    """EVPPI per center of each group over willingness to pay, EVPI above them."""
    import matplotlib.pyplot as plt
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(7, 4))
    ax.plot(evpi["wtp"], evpi["evpi_per_center"], color="black", lw=2, label="EVPI")
    for name, g in groups.groupby("group", sort=False):
        ax.plot(g["wtp"], g["evppi_per_center"], marker="o", ms=3,
                label=GROUP_WORDS.get(name, name).split(" (")[0])
    ax.set_xlabel("willingness to pay (USD per child-SD)")
    ax.set_ylabel("USD per center")
    ax.set_title("What resolving each group is worth, by willingness to pay", fontsize=10)
    ax.legend(fontsize=7)
    return fig


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true",
                    help="30 draws of a short collaborative (4 centers, 20 weeks), one "
                    "study size")
    ap.add_argument("--out", help="output folder (default results/09_value_of_information"
                    "[_quick])")
    ap.add_argument("--executor", default=None, help="serial, processes or dask")
    ap.add_argument("--workers", type=int, default=None)
    args = ap.parse_args(argv)

    out = Path(args.out or ("results/09_value_of_information_quick" if args.quick
                            else "results/09_value_of_information"))
    decision = load_decision(DECISION)
    if args.quick:
        decision = quick(decision).replace(
            draws=30, changes=QUICK, n_single=2,
            study=replace(decision.study, collaboratives=(1,)))
    executor = args.executor or ("serial" if args.quick else "processes")
    result = run_value(decision, out, executor=executor, workers=args.workers,
                       progress=not args.quick)
    print(result)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig = evppi_by_wtp(result.groups, result.evpi)
    fig.savefig(out / "figures" / "evppi_by_wtp.png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    print(f"reading for a state administrator: {out / 'report.html'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
