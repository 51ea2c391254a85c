"""Model: beliefs about change ideas, and how evidence moves them (ODD design
concept: learning).

A person's belief about an idea has two levels (a hierarchical normal model):
- what works in general: a normal belief about the idea's effect across
  classrooms, mean `belief_mu` and precision `belief_tau`, starting at what the
  change package promises (`prior_mean`, `prior_sd`; for a package idea, the
  research evidence once the package is taught, collaborative.teach_package) and
  moved by what others
  report (teammates at team meetings, other programs on the board). A report is a
  result y with its precision tau_y and a weight w (safety and the speaker's status
  in her team; similarity and tie strength across programs);
- what works here: her own data about her own classroom (her tests and her
  experience of practices in use), summed as `own_tau` (sum of w tau_y) and
  `own_num` (sum of w tau_y y), each weighted by her inquiry mindset (reading one's
  own data is what the inquiry mindset is).
Her classroom may differ from the general effect by the variance v of an idea's
effect around its mean over classrooms (`between_programs`), so her
belief about her own classroom has precision 1/(1/belief_tau + v) + own_tau and
mean (belief_mu / (1/belief_tau + v) + own_num) / that precision (`here`).
However many others report, what they say cannot tell her more about her own
classroom than 1/v: only her own data can. Compliance (choosing what one has been
told works) reads the general level; inquiry reads her own classroom's. Normal-
normal updating: mu <- (tau mu + sum w tau_y y) / (tau + sum w tau_y). Sources:
design brief, belief rule; the two levels: assumption (a standard random-effects
reading of others' results).
"""

from __future__ import annotations

import numpy as np


def evidence(n_rows: int, n_ideas: int, rows: np.ndarray, ideas: np.ndarray,
             y: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sum reports into (rows, ideas) tables of weight and weight x result, e.g. per
    source center: what a reader adds to her precision and to its numerator."""
    flat = rows * n_ideas + ideas
    size = n_rows * n_ideas
    w = np.bincount(flat, weights=weight, minlength=size).reshape(n_rows, n_ideas)
    wy = np.bincount(flat, weights=weight * y, minlength=size).reshape(n_rows, n_ideas)
    return w, wy


def update_beliefs(staff, readers: np.ndarray, d_tau: np.ndarray, d_num: np.ndarray) -> None:
    """Move the general beliefs of `readers` by others' summed evidence `d_tau`
    (sum of w tau_y) and `d_num` (sum of w tau_y y), both (readers, ideas)."""
    if len(readers) == 0:
        return
    tau = staff.belief_tau[readers]
    staff.belief_mu[readers] = (tau * staff.belief_mu[readers] + d_num) / (tau + d_tau)
    staff.belief_tau[readers] = tau + d_tau


def add_own_data(staff, posts: np.ndarray, ideas: np.ndarray, y: np.ndarray,
                 tau_y: np.ndarray) -> None:
    """Each post in `posts` (distinct) takes in one result of her own classroom,
    weighted by her inquiry mindset."""
    w = staff.inquiry[posts] * tau_y
    staff.own_tau[posts, ideas] += w
    staff.own_num[posts, ideas] += w * y


def here(staff, posts: np.ndarray, v: float,
         ideas: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Belief (mean, precision) about each idea in the posts' own classroom, or
    about one idea per post when `ideas` is given."""
    at = posts if ideas is None else (posts, ideas)
    if ideas is None and isinstance(v, np.ndarray):      # one variance per post (at_posts)
        v = v[:, None]
    prior_tau = 1.0 / (1.0 / staff.belief_tau[at] + v)
    tau = prior_tau + staff.own_tau[at]
    return (prior_tau * staff.belief_mu[at] + staff.own_num[at]) / tau, tau


def between_programs(p) -> float:
    """Variance of an idea's true effect in one classroom around its mean over the
    classrooms of programs of one type (center and classroom parts; framework.py).
    The type difference is the reader's `similarity_cross_type` weight."""
    # squares as products: a float's ** 2 (C pow) and an array's (x * x) can
    # differ in the last bit, and a run alone must equal its run in a batch
    a, b = p.effect_classroom_sd, p.effect_context_sd
    return a * a + b * b
