"""Faces: a ready EMA Workbench model of bscsim, built from the declarations.

For users who already work in EMA Workbench (Kwakkel 2017): "a model is a function of
parameters that returns outcomes". `model()` returns an `ema_workbench.ReplicatorModel`
whose uncertainties and levers are the parameters of those roles (`bscsim params
--role uncertainty|lever`) over their plausible ranges, whose outcomes are the
summary outputs with a direction (MAXIMIZE or MINIMIZE; the mean over replications)
and whose replications carry seeds derived from one root seed: replication r has the
same seed in every experiment (common random numbers), as `bscsim explore` runs them.

    from ema_workbench import perform_experiments
    from bscsim.ema import model
    m = model(uncertainties=["turnover_cc", "planning_hours_base"], ...)
    experiments, outcomes = perform_experiments(m, scenarios=100, policies=4)

Needs the optional extra: pip install 'bscsim[ema]' (EMA Workbench 2.5.3 on
Python 3.11, 3.0 on 3.12). `bscsim explore` runs the same kind of experiment through
bscsim's own runner (resumable, Dask), with PRIM and robustness from EMA.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from .config import ConfigError, default_config_path, load_config
from .outputs import SUMMARY, SUMMARY_BY_NAME
from .params import BY_NAME, PARAMS, UnknownParamError
from .sweep.design import run_seed


def _run(base: dict[str, Any], outcomes: tuple[str, ...], seed: int, **values
         ) -> dict[str, float]:
    """One run: the base parameters with `values` (EMA passes numpy scalars; Params
    takes them), at `seed`; the named summary outputs."""
    from .params import make_params
    from .simulate import simulate
    result = simulate(make_params({**base, **values}), seed=int(seed))
    return {o: float(result.summary[o]) for o in outcomes}


def _a(role: str) -> str:
    return f"an {role}" if role[0] in "aeiou" else f"a {role}"


def _parameters(names: Iterable[str] | dict[str, tuple[float, float]], role: str):
    from ema_workbench import BooleanParameter, IntegerParameter, RealParameter
    ranges = names if isinstance(names, dict) else {n: None for n in names}
    out = []
    for name, bounds in ranges.items():
        if name not in BY_NAME:
            raise UnknownParamError(name)
        p = BY_NAME[name]
        if p.role != role and not (role == "uncertainty" and p.role == "structure"):
            raise ConfigError(f"{name} is a {p.role}, not {_a(role)} (bscsim params --role "
                              f"{p.role})")
        if p.kind is bool:
            out.append(BooleanParameter(name))
            continue
        low, high = bounds if bounds is not None else p.plausible
        if p.kind is int:
            out.append(IntegerParameter(name, int(low), int(high)))
        else:
            out.append(RealParameter(name, float(low), float(high)))
    return out


def model(base: str | Path | None = None, changes: dict[str, Any] | None = None,
          uncertainties: Iterable[str] | dict[str, tuple[float, float]] | None = None,
          levers: Iterable[str] | dict[str, tuple[float, float]] | None = None,
          outcomes: Iterable[str] | None = None, replications: int = 2,
          root_seed: int = 0, name: str = "bscsim"):
    """An EMA Workbench ReplicatorModel of bscsim.

    `base` (a config file, default the CCL Phase I config) with `changes` is what
    every run starts from. `uncertainties` and `levers` name parameters of those
    roles (plausible ranges) or map them to (low, high); by default every numeric
    parameter of the role. `outcomes` names summary outputs (default: those with a
    declared direction). Replication r runs at seed `run_seed(root_seed, r)` in
    every experiment (common random numbers)."""
    from ema_workbench import ReplicatorModel, ScalarOutcome
    if not str(name).isalnum():
        raise ConfigError(f"model name {name!r}: EMA Workbench needs letters and digits only")
    params = load_config(base if base is not None else default_config_path(),
                         **(changes or {}))
    if uncertainties is None:
        uncertainties = [p.name for p in PARAMS if p.role == "uncertainty"
                         and p.kind is not bool]
    if levers is None:
        levers = [p.name for p in PARAMS if p.role == "lever" and p.kind is not bool]
    if outcomes is None:
        outcomes = [o.name for o in SUMMARY if o.direction != "none"]
    outcomes = tuple(outcomes)
    for o in outcomes:
        if o not in SUMMARY_BY_NAME:
            raise ConfigError(f"unknown output '{o}' (bscsim.outputs, docs/outputs.md)")
    m = ReplicatorModel(name, function=functools.partial(_run, params.to_dict(),
                                                         outcomes))
    m.uncertainties = _parameters(uncertainties, "uncertainty")
    m.levers = _parameters(levers, "lever")
    kinds = {"up": ScalarOutcome.MAXIMIZE, "down": ScalarOutcome.MINIMIZE,
             "none": ScalarOutcome.INFO}
    m.outcomes = [ScalarOutcome(o, kind=kinds[SUMMARY_BY_NAME[o].direction],
                                function=np.mean) for o in outcomes]
    m.replications = [{"seed": run_seed(root_seed, r)} for r in range(replications)]
    return m


__all__ = ["model"]
