"""Test functions with known sensitivity indices, run as "models" through the same
path as bscsim (SA file -> sample -> sweep -> analysis), to validate the pipeline.

Ishigami & Homma (1990), on x1, x2, x3 uniform on [-pi, pi], a = 7, b = 0.1:
    y = sin x1 + a sin^2 x2 + b x3^4 sin x1
First order S1 = (0.3139, 0.4424, 0), total ST = (0.5576, 0.4424, 0.2437)
(Saltelli et al. 2008, Global Sensitivity Analysis: The Primer, section 4.7).
`y_noisy` adds Gaussian noise drawn from the run's seed, like a stochastic model.
"""

from __future__ import annotations

import math

import numpy as np

A, B = 7.0, 0.1
NOISE_SD = 1.0
_V = A ** 2 / 8 + B * math.pi ** 4 / 5 + B ** 2 * math.pi ** 8 / 18 + 0.5
_V1 = 0.5 * (1 + B * math.pi ** 4 / 5) ** 2
_V2 = A ** 2 / 8
_V13 = B ** 2 * math.pi ** 8 * (1 / 18 - 1 / 50)
ISHIGAMI_S1 = {"x1": _V1 / _V, "x2": _V2 / _V, "x3": 0.0}
ISHIGAMI_ST = {"x1": (_V1 + _V13) / _V, "x2": _V2 / _V, "x3": _V13 / _V}
ISHIGAMI_VARIANCE = _V


def ishigami(values: dict[str, float], seed: int) -> dict[str, float]:
    """The Ishigami function of x1, x2, x3, exact (`y`) and with noise (`y_noisy`)."""
    x1, x2, x3 = values["x1"], values["x2"], values["x3"]
    y = math.sin(x1) + A * math.sin(x2) ** 2 + B * x3 ** 4 * math.sin(x1)
    noise = NOISE_SD * float(np.random.default_rng(seed).standard_normal())
    return {"y": y, "y_noisy": y + noise}
