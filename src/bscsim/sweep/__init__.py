"""Analyses: parameter sweeps at scale, from a laptop to a cluster.

A sweep file (TOML, see `spec`) names a base config, the parameters to vary and a
design (grid, random, Latin hypercube, Sobol), replicates and a root seed. `run_sweep`
runs it with an executor (serial, local processes, Dask) and streams the results to
a folder of Parquet parts with a manifest; running it again resumes. `load_sweep`
reads the folder back as one DataFrame.

    design.py     the resolved design and each run's seed (SeedSequence)
    spec.py       reading and validating sweep files; design_spec for explicit points
    tasks.py      a batch of runs, as executed by a worker
    executors.py  serial, processes, Dask
    store.py      the output folder: parts, manifest, resume, load_sweep
    runner.py     run_sweep, the --dry-run estimate, the final report
    plot.py       the heat map of an output over a two-parameter grid
"""

from .design import resolve, run_seed
from .runner import RunsFailed, SweepReport, estimate, run_sweep
from .spec import SweepSpec, design_spec, load_spec
from .store import load_sweep

__all__ = ["RunsFailed", "SweepReport", "SweepSpec", "design_spec", "estimate", "load_spec", "load_sweep", "resolve",
           "run_seed", "run_sweep"]
