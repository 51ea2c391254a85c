"""Model: the Change Framework (BSC element 1) and the true effects of change ideas.

The seed names five primary drivers. Each driver has `n_ideas_per_driver` change
ideas. An idea's true effect differs by center (the seed: practices "do not always
work in exactly the same way with all children and families"), partly by program
type and partly by the center itself, so teams must test and adapt rather than copy.

Drivers 1-4 are classroom practice dimensions; driver 5 (organizational capacity and
support) acts on the center's organizational capacity.
"""

from __future__ import annotations

import numpy as np

DRIVERS = (
    "relationships",   # 1 nurturing, responsive, supportive relationships and environments
    "social_skills",   # 2 teaching social skills and emotional competencies
    "family",          # 3 family partnership
    "equity",          # 4 racial equity and cultural responsiveness
    "org_capacity",    # 5 organizational capacity and support for adopting SEL practices
)
N_DRIVERS = len(DRIVERS)
CLASSROOM_DRIVERS = 4  # drivers 1-4 live in classrooms; driver 5 in the center

# Knowledge domains of the seed's short-term outcomes (QI skill is held apart).
DOMAINS = ("sel", "family", "equity")
# The domain whose knowledge scales the practice gain of each classroom driver.
DRIVER_DOMAIN = np.array([0, 0, 1, 2])


def idea_driver(n_ideas_per_driver: int) -> np.ndarray:
    """Driver index (0-4) of each change idea, ideas numbered driver by driver."""
    return np.repeat(np.arange(N_DRIVERS), n_ideas_per_driver)


def idea_names(n_ideas_per_driver: int) -> list[str]:
    return [f"{d}_{j + 1}" for d in DRIVERS for j in range(n_ideas_per_driver)]


def true_effects(p, is_head_start: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """True effect of each idea in each center, shape (centers, ideas).

    effect[c, i] = mean_i + type_i[type(c)] + center_ci, with
    mean_i ~ N(idea_effect_mean, idea_effect_sd), and the between-center variance
    effect_context_sd**2 split into a program-type part (effect_type_share) and a
    center part. Source: the seed (context-dependent effects); values: assumption.
    """
    n_ideas = N_DRIVERS * p.n_ideas_per_driver
    mean = rng.normal(p.idea_effect_mean, p.idea_effect_sd, n_ideas)
    type_sd = p.effect_context_sd * np.sqrt(p.effect_type_share)
    own_sd = p.effect_context_sd * np.sqrt(1.0 - p.effect_type_share)
    by_type = rng.normal(0.0, type_sd, (2, n_ideas))
    own = rng.normal(0.0, own_sd, (len(is_head_start), n_ideas))
    return mean[None, :] + by_type[is_head_start.astype(int)] + own
