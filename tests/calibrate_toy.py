"""A model with a known answer for the calibration's recovery test (as SALib is
tested on analytic functions): a toy collaborative of 8 teams in which each team
completes Poisson(26 x p_pdsa_max) PDSA cycles and gains Normal(0.35 x adopt_gain,
0.25) SD of practice. Statistics: the means over teams. Same signature as
`bscsim.calibrate.evaluate.statistics`."""

import numpy as np

TEAMS = 8


def toy_statistics(base, values, targets, seed, replicates):
    rng = np.random.default_rng(_seed(seed, values))
    cycles = rng.poisson(26 * values["p_pdsa_max"], TEAMS).mean()
    gain = rng.normal(0.35 * values["adopt_gain"], 0.25, TEAMS).mean()
    return {"pdsa_completed_per_team": float(cycles), "practice_gain_sd": float(gain)}


def _seed(seed, values):
    bits = [int(np.float64(values[k]).view(np.uint64)) for k in sorted(values)]
    return [int(seed)] + [w for b in bits for w in (b & 0xFFFFFFFF, b >> 32)]
