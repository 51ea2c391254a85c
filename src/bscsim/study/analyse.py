"""Analyses / simulated study: one simulated study, from a model run to its data
and its analysis with the truth beside each estimate.

`simulate_study(study)` runs the model with the study's waves observed, applies the
instruments and returns a `StudyData`; `analyse(data)` estimates, for each
instrument and group, the change from wave 1 to wave 2 (or the per-center counts of
a log) and puts beside it:

- `truth_sample`: the same estimator applied to the true scores of the very units
  analysed (so estimate - truth_sample is the error from measurement);
- `truth`: the model's true change in everyone the instrument is meant to describe
  (all holders of the posts at each wave, all classrooms of the kind), so
  truth_sample - truth is the bias from who is missing: leavers, newcomers,
  non-respondents and the sampling of classrooms;
- `truth_sample_all`: the same estimator on the true scores of the units analysed
  plus those missing only because their center left the collaborative (issue 26),
  so `bias_attrition` = truth_sample - truth_sample_all is the part of the bias
  that the completers-only rule (the study's `missing`, measure.attrition) makes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..model import BSCModel
from ..params import Params
from ..results import Result
from . import estimate as est
from .measure import Frame, group_mask, measure, population, to_table
from .spec import Instrument, Study

COLUMNS = ("instrument", "kind", "measure", "group", "estimator", "unit", "week_1",
           "week_2", "n_centers", "n_units", "estimate", "ci_low", "ci_high", "p_value",
           "detected", "truth_sample", "truth", "bias", "bias_measurement", "bias_sample",
           "truth_sample_all", "bias_attrition")


def replicate_seeds(seed: int, n_centers: int, replicate: int) -> tuple[Any, Any]:
    """Seeds of the model run and of the measurement of one simulated study: a
    function of (study seed, number of centers, replicate) only, so results do
    not depend on how replicates are spread over processes."""
    ss = np.random.SeedSequence(seed, spawn_key=(n_centers, replicate))
    model_ss, measure_ss = ss.spawn(2)
    return model_ss, measure_ss


def observe_run(params: Params, weeks: tuple[int, ...], seed: Any,
                log: bool = True) -> tuple[dict, pd.DataFrame | None, np.ndarray]:
    """Run the model with `weeks` observed: (observations, PDSA log, is_hs)."""
    model = BSCModel(params, rng=np.random.default_rng(seed), observe_weeks=weeks)
    try:
        model.run()
        pdsa_log = Result(model, seed).pdsa_log if log else None
        return model.observations, pdsa_log, model.centers.is_hs.copy()
    finally:
        model.release()


@dataclass
class StudyData:
    """One simulated study: its instruments' frames and the true populations."""

    study: Study
    params: Params
    seed: dict[str, int]         # study seed, number of centers, replicate
    frames: dict[str, Frame]
    populations: dict[str, Frame]
    is_hs: np.ndarray
    left: np.ndarray | None = None   # centers that left the collaborative by the last wave

    @property
    def centers_left(self) -> int:
        return 0 if self.left is None else int(self.left.sum())

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tidy tables a study team would hold, one per instrument."""
        return {i.name: to_table(i, self.frames[i.name], self.is_hs)
                for i in self.study.instruments}


def measure_all(study: Study, observations: dict, log: pd.DataFrame | None, params: Params,
                seed: Any, kinds: tuple[str, ...] | None = None) -> dict[str, Frame]:
    """Apply every instrument (of `kinds`); each gets its own random stream."""
    streams = np.random.SeedSequence(seed.entropy, spawn_key=seed.spawn_key).spawn(
        len(study.instruments))
    return {i.name: measure(i, observations, log, params, study.design,
                            np.random.default_rng(s))
            for i, s in zip(study.instruments, streams)
            if kinds is None or i.kind in kinds}


def simulate_study(study: Study, replicate: int = 0, n_centers: int | None = None,
                   seed: int | None = None) -> StudyData:
    """One simulated study: a model run observed at the study's weeks, measured by
    its instruments."""
    n = int(n_centers or study.design.n_centers)
    seed = study.seed if seed is None else seed
    params = study.model_params(n)
    model_ss, measure_ss = replicate_seeds(seed, n, replicate)
    observations, log, is_hs = observe_run(params, study.weeks, model_ss)
    frames = measure_all(study, observations, log, params, measure_ss)
    pops = {i.name: population(i, observations, log) for i in study.instruments}
    where = {"seed": seed, "n_centers": n, "replicate": replicate}
    left = (observations[max(study.weeks)]["centers"]["left"].copy() if study.weeks
            else np.zeros(n, dtype=bool))
    return StudyData(study, params, where, frames, pops, is_hs, left)


def analyse(data: StudyData, alpha: float | None = None) -> pd.DataFrame:
    """The study's analysis, truth beside estimate (one row per estimate)."""
    study = data.study
    alpha = study.power.alpha if alpha is None else alpha
    rows = []
    for inst in study.instruments:
        rows += analyse_instrument(inst, data.frames[inst.name],
                                   data.populations[inst.name], data.params.n_centers,
                                   alpha)
    return finish(rows, alpha)


def finish(rows: list[dict], alpha: float) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    df["detected"] = df["p_value"] < alpha
    df["bias"] = df["estimate"] - df["truth"]
    df["bias_measurement"] = df["estimate"] - df["truth_sample"]
    df["bias_sample"] = df["truth_sample"] - df["truth"]
    df["bias_attrition"] = df["truth_sample"] - df["truth_sample_all"]
    return df[list(COLUMNS)]


def _row(inst: Instrument, group: str, estimator: str, unit: str, measure: str,
         e: est.Estimate, sample: est.Estimate | None, truth: est.Estimate,
         sample_all: est.Estimate | None = None) -> dict:
    return {
        "instrument": inst.name, "kind": inst.kind, "measure": measure, "group": group,
        "estimator": estimator, "unit": unit, "week_1": inst.waves[0],
        "week_2": inst.waves[1], "n_centers": e.n_centers, "n_units": e.n_units,
        "estimate": e.estimate, "ci_low": e.ci_low, "ci_high": e.ci_high,
        "p_value": e.p_value,
        "truth_sample": (sample or truth).estimate, "truth": truth.estimate,
        "truth_sample_all": (sample_all or sample or truth).estimate,
    }


def analyse_instrument(inst: Instrument, frame: Frame, pop: Frame, n_centers: int,
                       alpha: float = 0.05) -> list[dict]:
    """Estimates of one instrument (rows for `finish`)."""
    if inst.kind == "survey":
        return _survey_rows(inst, frame, pop, n_centers, alpha)
    if inst.kind == "observation":
        return _observation_rows(inst, frame, pop, n_centers, alpha)
    return _log_rows(inst, frame, pop, n_centers, alpha)


def _survey_rows(inst, frame, pop, n, alpha) -> list[dict]:
    unit = f"scale points ({inst.scale[0]:g}-{inst.scale[1]:g})"
    ok = ~np.isnan(frame["score"])
    ok_all = ok | frame["center_left"]        # as if no center had left
    every = np.ones(len(pop["center"]), dtype=bool)
    rows = []
    for g in inst.respondents:
        mask, pmask = group_mask(frame, g), group_mask(pop, g)
        truth = est.cross_section(pop, "true_score", every, n, pmask, alpha)
        for name in ("paired", "cross_section"):
            if name == "paired":
                e = est.paired(frame, "score", ok, "person", n, mask, alpha)
                s = est.paired(frame, "true_score", ok, "person", n, mask, alpha)
                a = est.paired(frame, "true_score", ok_all, "person", n, mask, alpha)
            else:
                e = est.cross_section(frame, "score", ok, n, mask, alpha)
                s = est.cross_section(frame, "true_score", ok, n, mask, alpha)
                a = est.cross_section(frame, "true_score", ok_all, n, mask, alpha)
            rows.append(_row(inst, g, name, unit, inst.measures, e, s, truth, a))
    return rows


def _observation_rows(inst, frame, pop, n, alpha) -> list[dict]:
    unit = "share of key practices"
    ok = ~np.isnan(frame["score"])
    ok_all = ok | frame["center_left"]        # as if no center had left
    every = np.ones(len(pop["center"]), dtype=bool)
    part, ppart = frame["participating"], pop["participating"]
    rows = []
    for group, mask, pmask in (("participating", part, ppart),
                               ("comparison", ~part, ~ppart)):
        e = est.paired(frame, "score", ok, "classroom", n, mask, alpha)
        s = est.paired(frame, "true_score", ok, "classroom", n, mask, alpha)
        a = est.paired(frame, "true_score", ok_all, "classroom", n, mask, alpha)
        t = est.paired(pop, "true_score", every, "classroom", n, pmask, alpha)
        rows.append(_row(inst, group, "paired", unit, inst.measures, e, s, t, a))
    e = est.difference(frame, "score", ok, "classroom", n, part, ~part, alpha)
    s = est.difference(frame, "true_score", ok, "classroom", n, part, ~part, alpha)
    a = est.difference(frame, "true_score", ok_all, "classroom", n, part, ~part, alpha)
    t = est.difference(pop, "true_score", every, "classroom", n, ppart, ~ppart, alpha)
    rows.append(_row(inst, "participating_minus_comparison", "difference", unit,
                     inst.measures, e, s, t, a))
    return rows


def _log_rows(inst, frame, pop, n, alpha) -> list[dict]:
    rows = []
    if inst.kind == "pdsa_tracker":
        for measure, pick in (("cycles_completed", None), ("cycles_adopted", "adopt")):
            w = (np.ones(len(frame["center"])) if pick is None
                 else (frame["decision"] == pick).astype(float))
            pw = (np.ones(len(pop["center"])) if pick is None
                  else (pop["decision"] == pick).astype(float))
            e = est.center_mean(frame["center"], w, n, alpha)
            t = est.center_mean(pop["center"], pw, n, alpha)
            rows.append(_row(inst, "teams", "center_mean", "cycles per center", measure,
                             e, None, t))
        return rows
    for event, measure in (("learning_session", "ls_attendances"),
                           ("calls", "call_attendances")):
        m, pm = frame["event"] == event, pop["event"] == event
        e = est.center_mean(frame["center"][m], frame["attendances"][m].astype(float), n,
                            alpha)
        t = est.center_mean(pop["center"][pm], pop["attendances"][pm].astype(float), n,
                            alpha)
        rows.append(_row(inst, "teams", "center_mean", "attendances per center", measure,
                         e, None, t))
    return rows
