"""Model: random numbers keyed to the person and the week (ODD design concept:
stochasticity; common random numbers).

Each process draws its random numbers for the week in full, one per post (or per
post and idea), before it looks at who acts, and each person uses her own. So two
runs with the same seed that differ in one rule keep giving the same person the
same draw in the same week: a difference between them is the rule's, not a
reshuffled sequence of draws. Source: Starsim's per-agent random slots (Kleinman et
al. 2024); assumption that week and post are the right keys here.
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import NamedTuple

import numpy as np


def weekly_draws(rng: np.random.Generator, uniform: dict | None = None,
                 normal: dict | None = None) -> SimpleNamespace:
    """Uniform(0, 1) and standard normal arrays of the given shapes, as attributes:
    one call to the generator for each kind, split in a fixed order."""
    out = SimpleNamespace()
    named = out.__dict__
    for shapes, draw in ((uniform, rng.random), (normal, rng.standard_normal)):
        if not shapes:
            continue
        sizes = list(shapes.values())
        first = sizes[0]
        if type(first) is int and sizes.count(first) == len(sizes):
            # the usual case: one value per post for every name, one 2-d draw
            named.update(zip(shapes, draw((len(sizes), first))))
            continue
        sizes = [math.prod(shape) if isinstance(shape, tuple) else shape
                 for shape in sizes]
        flat = draw(sum(sizes))
        start = 0
        for (name, shape), size in zip(shapes.items(), sizes):
            part = flat[start:start + size]
            named[name] = part if type(shape) is int else part.reshape(shape)
            start += size
    return out


class Spec(NamedTuple):
    """What a process draws each week: (name, shape) pairs of uniforms and of
    standard normals, shapes given by what they run over ("posts", "centers", or
    ("rooms", k) for k per classroom, k a number or "ideas"); `BSCModel.weekly_draws`
    makes them for every collaborative of the model."""

    uniform: tuple = ()
    normal: tuple = ()


def spec(uniform: dict | None = None, normal: dict | None = None) -> Spec:
    return Spec(tuple((uniform or {}).items()), tuple((normal or {}).items()))
