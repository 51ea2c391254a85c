"""Model: the Change Framework (BSC element 1), its change ideas and their true effects.

The seed names five primary drivers. Each driver has `n_ideas_per_driver` change
ideas in the change package; each center also has `n_staff_ideas` slots for ideas
its own staff bring (the seed: teams "empowered to generate ideas and test
changes"), unknown until someone voices them (teams.py). Ideas are numbered driver
by driver, package first, then the staff slots.

Not every idea works everywhere (the seed: practices "do not always work in exactly
the same way with all children and families"). A package idea is one of three
kinds, in declared proportions (`share_ideas_context`, `share_ideas_null`):
- works: a true mean effect m ~ N(idea_effect_mean, idea_effect_sd) in every program;
- context: m in one program type (its home, Head Start or child care, at random)
  and `idea_null_effect` in the other;
- null: `idea_null_effect` everywhere (no benefit; slightly negative by default, as
  the time it takes is taken from something else).
Each center's true effect adds a center part N(0, effect_context_sd), and each
classroom a part of its own, N(0, effect_classroom_sd) (its children; state.py),
so what works next door may not work here. A staff idea's
effect in its own center is N(staff_idea_effect_mean, staff_idea_effect_sd): it is
made for the place but untested. Sources: the seed (context-dependent effects,
empowerment); Kraft, Blazar & Hogan 2018 (effects at scale about half of efficacy
trials, evidence 16); kinds and values: assumption.

Research evidence (issue 22): what research on the package shows about an idea is a
noisy estimate of its true mean effect over the two program types, drawn once per
collaborative: evidence = mean effect + N(0, research_evidence_sd). It is the one
evidence base every strategy reads (the coach's choice, classrooms.coach; the
faculty's prior and prescription, collaborative.faculty_review and
pdsa.prescribed_order); nobody reads the true effects except where outcomes are
made (tests/test_truth.py). Drawn from its own stream (`research`), so the other
draws of a run do not move. Source: Kraft, Blazar & Hogan 2018 (evidence A3 16:
effects at scale about half of those of efficacy trials); value: assumption.
Each collaborative's package also has `tie`, a random order of its ideas that
breaks ties between equal scores in the faculty's order (no index order decides).

Drivers 1-4 are classroom practice dimensions; driver 5 (organizational capacity and
support) acts on the center's organizational capacity.
"""

from __future__ import annotations

from dataclasses import dataclass

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
ORG_DRIVER = 4

# Knowledge domains of the seed's short-term outcomes (QI skill is held apart).
DOMAINS = ("sel", "family", "equity")
# The domain whose knowledge scales the practice gain of each classroom driver.
DRIVER_DOMAIN = np.array([0, 0, 1, 2])

WORKS, CONTEXT, NULL, STAFF = 0, 1, 2, 3
KINDS = ("works", "context", "null", "staff")


@dataclass(frozen=True)
class Package:
    """The change package and the staff-idea slots of a run."""

    kind: np.ndarray       # (ideas,) WORKS, CONTEXT, NULL or STAFF
    driver: np.ndarray     # (centers, ideas): driver of each idea (staff slots differ)
    evidence: np.ndarray   # (ideas,): what research on the package shows, the mean
                           # effect over program types plus its error (-inf for
                           # staff slots: no research on them)
    n_package: int
    tie: np.ndarray | None = None   # (package ideas,): rank that breaks equal scores

    @property
    def n_ideas(self) -> int:
        return len(self.kind)


def n_package_ideas(p) -> int:
    return N_DRIVERS * p.n_ideas_per_driver


def idea_names(n_ideas_per_driver: int, n_staff_ideas: int = 0) -> list[str]:
    return ([f"{d}_{j + 1}" for d in DRIVERS for j in range(n_ideas_per_driver)]
            + [f"staff_{j + 1}" for j in range(n_staff_ideas)])


def change_package(p, is_head_start: np.ndarray, rng: np.random.Generator,
                   research: np.random.Generator | None = None) -> tuple[Package, np.ndarray]:
    """The package (kinds, drivers, research evidence) and the true effect of each
    idea in each center, shape (centers, ideas). The research evidence and the tie
    order are drawn from `research` (None: from `rng`, after everything else)."""
    n_pkg, n_staff, n_c = n_package_ideas(p), p.n_staff_ideas, len(is_head_start)
    n_ctx = int(round(p.share_ideas_context * n_pkg))
    n_null = min(int(round(p.share_ideas_null * n_pkg)), n_pkg - n_ctx)
    kind = np.full(n_pkg, WORKS)
    order = rng.permutation(n_pkg)
    kind[order[:n_ctx]] = CONTEXT
    kind[order[n_ctx:n_ctx + n_null]] = NULL
    m = rng.normal(p.idea_effect_mean, p.idea_effect_sd, n_pkg)
    home = rng.random(n_pkg) < 0.5                      # home type of a context idea
    by_type = np.empty((2, n_pkg))                      # row 0 child care, 1 Head Start
    for t in (0, 1):
        fits = (kind == WORKS) | ((kind == CONTEXT) & (home == bool(t)))
        by_type[t] = np.where(fits, m, p.idea_null_effect)
    effect = (by_type[is_head_start.astype(int)]
              + rng.normal(0.0, p.effect_context_sd, (n_c, n_pkg)))
    staff = rng.normal(p.staff_idea_effect_mean, p.staff_idea_effect_sd, (n_c, n_staff))
    staff_driver = rng.integers(0, CLASSROOM_DRIVERS, (n_c, n_staff))
    driver = np.hstack([np.broadcast_to(np.repeat(np.arange(N_DRIVERS),
                                                  p.n_ideas_per_driver), (n_c, n_pkg)),
                        staff_driver])
    research = rng if research is None else research
    found = by_type.mean(axis=0) + research.normal(0.0, p.research_evidence_sd, n_pkg)
    package = Package(
        kind=np.concatenate([kind, np.full(n_staff, STAFF)]),
        driver=np.ascontiguousarray(driver),
        evidence=np.concatenate([found, np.full(n_staff, -np.inf)]),
        n_package=n_pkg,
        tie=research.permutation(n_pkg),
    )
    return package, np.hstack([effect, staff])


def permute_package(package: Package, effect: np.ndarray,
                    order: np.ndarray) -> tuple[Package, np.ndarray]:
    """The same package with its ideas stored in another index order: idea j of the
    result is idea order[j] of `package` (its kind, driver, research evidence, tie
    rank and true effects kept). The staff slots stay last. A model whose outputs
    depend on this order, not on what the ideas are, has an order artefact
    (tests/test_order.py)."""
    n_pkg = package.n_package
    order = np.asarray(order)
    if sorted(order.tolist()) != list(range(n_pkg)):
        raise ValueError(f"permute_package: order must be a permutation of 0..{n_pkg - 1}")
    full = np.concatenate([order, np.arange(n_pkg, package.n_ideas)])
    return Package(kind=package.kind[full], driver=np.ascontiguousarray(package.driver[:, full]),
                   evidence=package.evidence[full], n_package=n_pkg,
                   tie=None if package.tie is None else package.tie[order]), effect[:, full]
