"""Results: a state rollout's tables, per collaborative, per cohort and for the state,
saved as tidy Parquet with provenance.

Cohort and state figures combine the collaboratives' summary outputs weighted by
their centers (a collaborative of 30 centers counts 30 times one of 1 center): for a
per-center output (PDSA cycles per team, cost per center) this is exactly the
state's total over its centers; for a per-classroom share it is the
classroom-weighted share when centers have the same number of participating
classrooms on average (they do in expectation: n_team_teachers each). The one
ratio, `cost_per_classroom_improved`, is the state's total cost over its total
improved classrooms (each collaborative's improved classrooms = its total cost /
its cost per classroom improved; none where that is NaN). An output a
collaborative does not have (NaN: e.g. `spread_gain_sd` when all its classrooms
take part) is left out of the combination, weights and all.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..outputs import SUMMARY_NAMES
from ..results import versions

# Files that mark a folder as an earlier state output (safe to replace).
MARKER = ("provenance.json", "state.parquet")
RATIO = "cost_per_classroom_improved"

# Columns of the state tables that are not a parameter or an output: (unit, meaning).
COLUMNS: dict[str, tuple[str, str]] = {
    "replicate": ("", "Run of the whole rollout, from 0 (replicates = R in the file)."),
    "cohort": ("", "Cohort (wave), from 0; cohort c starts at week c x "
                   "cohort_interval_weeks of the state's calendar."),
    "collaborative": ("", "Collaborative within its cohort, from 0."),
    "start_week": ("week", "Week of the state's calendar at which the cohort starts."),
    "seed": ("", "Seed of the collaborative's run: bscsim.simulate(params, seed) with "
                 "this row's parameters on the state's base repeats it."),
    "n_collaboratives": ("collaboratives", "Collaboratives in the cohort or state."),
    "inherited_abandon_share": ("share", "Carry-over: the previous cohort's share of "
                                "completed cycles ending in abandon, which refined this "
                                "cohort's package (NaN: nothing inherited)."),
    "inherited_qi_gap_closed": ("share", "Carry-over: share of the QI-skill gap the "
                                "previous cohort's participants closed, which set this "
                                "cohort's faculty (NaN: nothing inherited)."),
    "faculty_qi_factor": ("multiplier", "Carry-over: each collaborative's own "
                          "faculty_qi_gain was multiplied by this (1: nothing inherited)."),
    "state_week": ("week", "Week of the state's calendar (start_week + week)."),
    "week": ("week", "Week of the collaborative, from 0."),
    "end_week": ("week", "Week of the state's calendar at which the last cohort's "
                         "collaborative period ends."),
}


def weighted(df: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """The summary outputs of the collaboratives in `df` combined per group of `by`,
    weighted by centers (RATIO: total cost over total improved classrooms)."""
    rows = []
    for key, g in df.groupby(by, sort=True):
        w = g["n_centers"].to_numpy(float)
        row = dict(zip(by, key if isinstance(key, tuple) else (key,)))
        row["n_collaboratives"] = len(g)
        row["n_centers"] = int(w.sum())
        for name in SUMMARY_NAMES:
            x = g[name].to_numpy(float)
            ok = ~np.isnan(x)
            row[name] = float(np.average(x[ok], weights=w[ok])) if w[ok].sum() > 0 \
                else float("nan")
        row[RATIO] = _cost_per_improved(g)
        rows.append(row)
    return pd.DataFrame(rows)


def _cost_per_improved(g: pd.DataFrame) -> float:
    """Total cost over total improved classrooms of the collaboratives in `g`."""
    cost = g["cost_per_center"].to_numpy(float) * g["n_centers"].to_numpy(float)
    per = g[RATIO].to_numpy(float)
    improved = np.where(np.isfinite(per) & (per > 0), cost / np.where(per > 0, per, 1), 0.0)
    if improved.sum() > 0:
        return float(cost.sum() / improved.sum())
    return 0.0 if cost.sum() == 0 and np.isfinite(per).any() else float("nan")


class StateResult:
    """A finished state rollout: `collaboratives` (one row per collaborative and
    replicate), `timeseries` (weekly, per collaborative), and the combined
    `cohorts()` and `state()` tables."""

    def __init__(self, spec, collaboratives: pd.DataFrame, timeseries: pd.DataFrame,
                 carry_on: bool):
        self.spec = spec
        self.collaboratives = collaboratives
        self.timeseries = timeseries
        self.carry_on = carry_on

    def cohorts(self) -> pd.DataFrame:
        """One row per replicate and cohort: what it inherited and its outputs."""
        c = self.collaboratives
        out = weighted(c, ["replicate", "cohort"])
        first = c.groupby(["replicate", "cohort"], sort=True).first().reset_index()
        for col in ("start_week", "share_ideas_null", "inherited_abandon_share",
                    "inherited_qi_gap_closed", "faculty_qi_factor"):
            out.insert(out.columns.get_loc("n_collaboratives"), col, first[col].to_numpy())
        return out

    def state(self) -> pd.DataFrame:
        """One row per replicate: the state's outputs over all its collaboratives."""
        out = weighted(self.collaboratives, ["replicate"])
        p = self.spec.base_params
        out.insert(1, "end_week", (len(self.spec.cohorts) - 1) * self.spec.interval
                   + p.weeks_collab)
        out.insert(1, "n_cohorts", len(self.spec.cohorts))
        return out

    def cohort_series(self) -> pd.DataFrame:
        """Weekly, per replicate and cohort: the center-weighted mean over its
        collaboratives of the kept weekly outputs."""
        ts = self.timeseries
        keys = ["replicate", "cohort", "week", "state_week"]
        values = [c for c in ts.columns if c not in keys + ["collaborative", "n_centers"]]
        w = ts["n_centers"].to_numpy(float)
        num = ts[values].mul(w, axis=0).assign(**{k: ts[k] for k in keys}, _w=w)
        sums = num.groupby(keys, sort=True).sum()
        return sums[values].div(sums["_w"], axis=0).reset_index()

    def provenance(self, command: str | None = None) -> dict[str, Any]:
        s = self.spec
        return {
            "state_file": str(s.path),
            "state_file_text": s.text,
            "title": s.title,
            "root_seed": s.seed,
            "replicates": s.replicates,
            "cohort_interval_weeks": s.interval,
            "carry_over": {"on": self.carry_on, "refine": s.refine, "mentor": s.mentor},
            "seeds": "collaborative k of cohort c in replicate r: the first 64-bit word "
                     "of numpy SeedSequence(root_seed, spawn_key=(1, r, c, k)), shifted "
                     "right by one bit; layout draws: SeedSequence(root_seed, "
                     "spawn_key=(0,))",
            "base_params": s.base_params.to_dict(),
            "command": command,
            "versions": versions(),
        }

    def write(self, folder: Path, command: str | None = None,
              figure: bool = True) -> None:
        """Every table (Parquet, each carrying the provenance as file metadata), the
        printed table, data_dictionary.csv, the figure and provenance.json."""
        from ..dictionary import dictionary
        from .report import state_figure, table
        prov = self.provenance(command)
        tables = {"collaboratives": self.collaboratives, "cohorts": self.cohorts(),
                  "state": self.state(), "timeseries": self.timeseries}
        for name, df in tables.items():
            _parquet(df, folder / f"{name}.parquet", prov)
        tables["state"].to_csv(folder / "state.csv", index=False)
        (folder / "table.txt").write_text(table(self) + "\n")
        dictionary({n: list(df.columns) for n, df in tables.items()}).assign(
            meaning=lambda d: [COLUMNS[c][1] if c in COLUMNS else m
                               for c, m in zip(d["column"], d["meaning"])],
            unit=lambda d: [COLUMNS[c][0] if c in COLUMNS else u
                            for c, u in zip(d["column"], d["unit"])],
        ).to_csv(folder / "data_dictionary.csv", index=False)
        files = [f"{n}.parquet" for n in tables] + ["state.csv", "table.txt",
                                                   "data_dictionary.csv"]
        if figure:
            fig = state_figure(self)
            fig.savefig(folder / "state.png", dpi=110)
            import matplotlib.pyplot as plt
            plt.close(fig)
            files.append("state.png")
        (folder / "provenance.json").write_text(
            json.dumps({**prov, "files": sorted(files)}, indent=2, default=_json))


def _parquet(df: pd.DataFrame, path: Path, prov: dict) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq
    data = pa.Table.from_pandas(df, preserve_index=False)
    meta = {**(data.schema.metadata or {}),
            b"bscsim_provenance": json.dumps(prov, default=_json).encode()}
    pq.write_table(data.replace_schema_metadata(meta), path)


def _json(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    return repr(x)
