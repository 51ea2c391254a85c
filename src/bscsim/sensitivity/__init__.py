"""Analyses: global sensitivity analysis of the mechanisms (SALib), run through the
sweep runner so it is parallel, distributed and resumable.

Which mechanism of the theory of change carries the effect of the BSC
(psychological safety, vicarious learning across programs, inquiry mindset), and
how much depends on context? An SA file (see `spec`) names the factors, the method
(Morris screening or Sobol, grouped by mechanism), the sample size, replicates and
outputs; `run_sensitivity` samples with SALib, runs the sample as an explicit sweep
design, averages replicates, separates replicate noise and reports indices with
bootstrap intervals and a convergence verdict (see docs/sensitivity.md).

    spec.py           reading and validating SA files
    sample.py         the SALib problem and sample; the sweep that runs it
    analyze.py        replicate means, noise, SALib indices, convergence
    runner.py         run_sensitivity, the results folder and the report
    plot.py           Sobol bars, Morris mu*-sigma plot
    testfunctions.py  Ishigami, to check the pipeline against known indices
"""

from .analyze import AnalysisError
from .runner import SAResult, load_indices, run_sensitivity
from .spec import SASpec, load_sa

__all__ = ["AnalysisError", "SAResult", "SASpec", "load_indices", "load_sa",
           "run_sensitivity"]
