"""Sensitivity analysis: the SALib problem, its sample, and the sweep that runs it.

The problem comes from the SA file's factors (ranges from the parameter
declarations unless overridden, groups from each parameter's mechanism group), plus
a dummy factor that the model never sees: its indices show what replicate noise
alone produces. SALib draws the sample (Morris trajectories, or Saltelli's scheme
for Sobol); its seed is drawn from `SeedSequence(root_seed)`. Each sample row is one
point of an explicit sweep design (`bscsim.sweep.design_spec`), run `replicates`
times with seeds from the sweep's SeedSequence rule, so the runs are parallel,
distributed and resumable like any sweep.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..params import salib_problem
from ..sweep import SweepSpec, design_spec
from .spec import DUMMY, SASpec


def problem(spec: SASpec) -> dict[str, Any]:
    """The SALib problem: names, bounds and (grouped Sobol) groups. For bscsim's own
    parameters it is `bscsim.params.salib_problem` over the SA file's factors, plus
    the dummy factor."""
    factors = spec.factors
    if spec.model is None:
        out = salib_problem([f.name for f in factors],
                            bounds={f.name: (f.low, f.high) for f in factors},
                            groups=spec.groups)
    else:
        out = {"num_vars": len(factors), "names": [f.name for f in factors],
               "bounds": [[f.low, f.high] for f in factors]}
        if spec.groups:
            out["groups"] = [f.group for f in factors]
    if spec.dummy:
        out["num_vars"] += 1
        out["names"].append(DUMMY)
        out["bounds"].append([0.0, 1.0])
        if spec.groups:
            out["groups"].append(DUMMY)
    return out


def sample_seed(spec: SASpec) -> int:
    """The seed handed to SALib's sampler, from the root SeedSequence."""
    return int(np.random.SeedSequence(spec.root_seed).generate_state(1)[0])


def n_rows(spec: SASpec) -> int:
    """Rows of the SALib sample (model evaluations before replicates)."""
    d = len(spec.group_names) if spec.groups else len(spec.names)
    if spec.method == "morris":
        return spec.n_samples * (d + 1)
    return spec.n_samples * (2 * d + 2 if spec.second_order else d + 2)


def sample(spec: SASpec) -> pd.DataFrame:
    """The SALib sample, one row per model evaluation, one column per factor."""
    prob = problem(spec)
    if spec.method == "morris":
        from SALib.sample import morris
        x = morris.sample(prob, spec.n_samples, num_levels=spec.levels,
                          seed=sample_seed(spec))
    else:
        from SALib.sample import sobol
        x = sobol.sample(prob, spec.n_samples, calc_second_order=spec.second_order,
                         scramble=True, seed=sample_seed(spec))
    return pd.DataFrame(x, columns=list(spec.names))


def sweep_spec(spec: SASpec, x: pd.DataFrame) -> SweepSpec:
    """The sweep that runs sample `x`: one design point per row, the dummy factor
    dropped (`design_spec` rounds whole-number parameters)."""
    points = x.drop(columns=[DUMMY], errors="ignore")
    return design_spec(points, path=spec.path, title=spec.title, base=spec.base,
                       changes=spec.changes, replicates=spec.replicates,
                       root_seed=spec.root_seed, text=spec.text, model=spec.model,
                       outputs=spec.outputs if spec.model else None,
                       batch_size=spec.batch_size,
                       common_random_numbers=spec.common_random_numbers,
                       model_fn=spec.model_fn)
