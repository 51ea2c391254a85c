"""Model: state variables of centers, classrooms and staff posts (ODD element 2),
and their initialization (ODD element 5).

State is held on numpy arrays, one row per center, classroom or post, so that the
weekly submodels update whole populations at once. Mesa agents (`agents.py`) are the
people holding the posts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import ndtri

from .agents import DIRECTOR, PARENT, TEACHER
from .ensemble import column, pick
from .framework import CLASSROOM_DRIVERS, DOMAINS, STAFF, Package, change_package




@dataclass
class Centers:
    """One row per center (ECE program)."""

    is_hs: np.ndarray          # bool: Head Start (else child care)
    turnover: np.ndarray       # annual lead-teacher turnover of the center
    capacity: np.ndarray       # organizational capacity, 0-1
    capacity_base: np.ndarray  # baseline capacity (the no-routines level)
    effect: np.ndarray         # (centers, ideas): true effect of each change idea
    known: np.ndarray          # (centers, ideas) bool: ideas the center knows of
                               # (the package; its own staff ideas once voiced)
    org_in_use: np.ndarray     # (centers, ideas) bool: driver-5 ideas in use
    org_fidelity: np.ndarray   # (centers, ideas): how well each is run, 0-1
    ties: np.ndarray           # (centers, centers): tie strength between teams, 0-1
    last_meeting: np.ndarray   # week of the last team meeting held (-inf: none)
    last_metrics: np.ndarray   # week of the last monthly metrics report (-inf: none)

    n: int = field(init=False)   # how many rows (fixed for a run)

    def __post_init__(self) -> None:
        self.n = len(self.is_hs)


@dataclass
class Classrooms:
    """One row per classroom; practice per classroom driver (drivers 1-4)."""

    center: np.ndarray         # center index
    participating: np.ndarray  # bool: lead teacher's post is on the BSC team
    practice: np.ndarray       # (rooms, 4): share of key practices in use, 0-1
    practice_base: np.ndarray  # (rooms, 4): baseline practice
    practice_ref: np.ndarray   # mean baseline practice of the center's type
    in_use: np.ndarray         # (rooms, ideas) bool: practices (change ideas) in use
    fidelity: np.ndarray       # (rooms, ideas): how well each is run, 0-1
    fit: np.ndarray            # (rooms, ideas): the classroom's own part of each
                               # idea's true effect (its children; 0 for driver 5)
    target: np.ndarray         # (rooms, 4): practice the ideas in use sustain
    coached_person: np.ndarray # person the coaching arm coaches (-1: none)
    competence: np.ndarray     # mean child social-emotional competence (z units)
    cb_threshold: np.ndarray   # probit threshold: share CB = Phi(threshold - link*z)
    cb_share: np.ndarray       # share of children with challenging behavior

    n: int = field(init=False)   # how many rows (fixed for a run)

    def __post_init__(self) -> None:
        self.n = len(self.center)

    @property
    def quality(self) -> np.ndarray:
        """Overall SEL practice quality: mean over the classroom drivers (a sum in
        driver order, row by row: the same for a classroom whatever its row, so a
        collaborative's numbers do not depend on its batch; a BLAS product may
        round a row differently by where it sits)."""
        p = self.practice
        if len(p) < 1024:       # the same bits either way (term by term, in order)
            return np.add.reduce(p, axis=1) / CLASSROOM_DRIVERS
        return (((p[:, 0] + p[:, 1]) + p[:, 2]) + p[:, 3]) / CLASSROOM_DRIVERS


@dataclass
class Staff:
    """One row per post (teacher, director, parent); the holder's state."""

    role: np.ndarray           # TEACHER, DIRECTOR or PARENT
    center: np.ndarray
    classroom: np.ndarray      # teacher's classroom; a parent's child's; -1 director
    on_team: np.ndarray        # bool: the post holds a seat on the BSC team
    filled: np.ndarray         # bool: someone holds the post (else vacant)
    knowledge: np.ndarray      # (posts, 3): SEL, family, equity knowledge, 0-1
    qi: np.ndarray             # QI skill (data use, PDSA method), 0-1
    efficacy: np.ndarray
    inquiry: np.ndarray        # 0 compliance - 1 inquiry
    psych_safety: np.ndarray
    ps_base: np.ndarray        # the holder's baseline safety
    status: np.ndarray         # power the holder's voice carries
    person: np.ndarray         # id of the person holding the post (new per holder)
    routine: np.ndarray        # the holder's BSC routines (PDSA, data use), 0-1
    leadership: np.ndarray     # directors' shared leadership (others: unused)
    belief_mu: np.ndarray      # (posts, ideas): believed effect of each idea in
                               # general (what others report; beliefs.py)
    belief_tau: np.ndarray     # (posts, ideas): precision of that belief
    own_tau: np.ndarray        # (posts, ideas): own data on own classroom, sum w tau_y
    own_num: np.ndarray        # (posts, ideas): ... and sum w tau_y y
    cycle_idea: np.ndarray     # idea under test (-1: none)
    cycle_start: np.ndarray    # week the current cycle started
    cycle_room: np.ndarray     # classroom the test runs in
    cycle_comply: np.ndarray   # bool: the test applies the prescribed idea (compliance)
    next_idea: np.ndarray      # idea to test again after an 'adapt' (-1: none)
    taught: np.ndarray         # bool: the holder was taught the change package at a
                               # learning session (collaborative.teach_package)
    next_person: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))
                               # per collaborative: id its next newcomer gets

    n: int = field(init=False)   # how many rows (fixed for a run)

    def __post_init__(self) -> None:
        self.n = len(self.role)

    @property
    def present(self) -> np.ndarray:
        """Team members who currently hold their post."""
        return self.on_team & self.filled


def init_centers(p, rng: np.random.Generator,
                 research: np.random.Generator | None = None) -> tuple[Centers, Package]:
    """Centers: type, zero-inflated turnover, capacity; the change package and the
    true effects of its ideas (framework.py).

    Turnover: with chance `turnover_zero_share` a center has none; otherwise a Beta
    draw with mean (type mean) / (1 - zero share), so the type mean is kept
    (Doromal et al. 2022; derivation in docs/calibration.md).
    """
    n = p.n_centers
    n_hs = int(round(p.share_head_start * n))
    is_hs = np.zeros(n, dtype=bool)
    is_hs[rng.permutation(n)[:n_hs]] = True
    mean = np.where(is_hs, p.turnover_hs, p.turnover_cc)
    mean_pos = np.minimum(mean / max(1.0 - p.turnover_zero_share, 1e-9), 0.99)
    k = p.turnover_concentration
    draw = rng.beta(np.maximum(mean_pos * k, 1e-6), np.maximum((1 - mean_pos) * k, 1e-6))
    zero = rng.random(n) < p.turnover_zero_share
    turnover = np.where(zero | (mean == 0), 0.0, draw)
    capacity = np.clip(rng.normal(p.capacity_baseline, p.capacity_sd, n), 0.0, 1.0)
    package, effect = change_package(p, is_hs, rng, research)
    return Centers(
        is_hs=is_hs,
        turnover=turnover,
        capacity=capacity,
        capacity_base=capacity.copy(),
        effect=effect,
        known=np.broadcast_to(package.kind != STAFF, effect.shape).copy(),
        org_in_use=np.zeros(effect.shape, dtype=bool),
        org_fidelity=np.zeros(effect.shape),
        ties=np.zeros((n, n)),
        last_meeting=np.full(n, -np.inf),
        last_metrics=np.full(n, -np.inf),
    ), package


def init_classrooms(p, centers: Centers, package: Package,
                    rng: np.random.Generator) -> Classrooms:
    """Classrooms: at least one per center, Poisson spread around the mean."""
    sizes = 1 + rng.poisson(max(p.n_classrooms - 1, 0), centers.n)
    center = np.repeat(np.arange(centers.n), sizes)
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    rank = np.arange(len(center)) - first[center]
    participating = rank < p.n_team_teachers
    ref = np.where(centers.is_hs[center], p.practice_baseline_hs, p.practice_baseline_cc)
    room_level = rng.normal(0.0, p.practice_sd, len(center))
    practice = np.clip(ref[:, None] + room_level[:, None]
                       + rng.normal(0.0, p.driver_sd, (len(center), CLASSROOM_DRIVERS)),
                       0.0, 1.0)
    shape = (len(center), centers.effect.shape[1])
    # practice (4 drivers), competence and challenging behavior are columns of one
    # table, so that collect takes their means in one product (views, updated in place)
    table = np.zeros((len(center), CLASSROOM_DRIVERS + 2))
    table[:, :CLASSROOM_DRIVERS] = practice
    rooms = Classrooms(
        center=center,
        participating=participating,
        practice=table[:, :CLASSROOM_DRIVERS],
        practice_base=practice.copy(),
        practice_ref=ref,
        in_use=np.zeros(shape, dtype=bool),
        fidelity=np.zeros(shape),
        fit=np.where(package.driver[center] < CLASSROOM_DRIVERS,
                     rng.normal(0.0, p.effect_classroom_sd, shape), 0.0),
        target=practice.copy(),
        coached_person=np.full(len(center), -1),
        competence=table[:, CLASSROOM_DRIVERS],
        cb_threshold=np.zeros(len(center)),
        cb_share=table[:, CLASSROOM_DRIVERS + 1],
    )
    new_cohort(p, rooms, np.ones(len(center), dtype=bool), rng)
    return rooms


def new_cohort(p, rooms: Classrooms, which: np.ndarray, rng: np.random.Generator) -> None:
    """A new cohort of children arrives in the classrooms `which`.

    Classroom mean competence is the mean of `children_per_classroom` standard
    normal children; the share with challenging behavior is a binomial draw around
    `share_cb_baseline` (Qi & Kaiser 2003). Source of the yearly cohort: design brief.
    """
    n = int(which.sum())
    size = p.children_per_classroom
    rooms.competence[which] = rng.normal(0.0, 1.0 / np.sqrt(size), n)
    share = rng.binomial(size, p.share_cb_baseline, n) / size
    share = np.clip(share, 0.5 / size, 1 - 0.5 / size)
    # threshold so that the share holds at the cohort's starting competence
    rooms.cb_threshold[which] = ndtri(share) + p.cb_link * rooms.competence[which]
    rooms.cb_share[which] = share


def init_staff(p, centers: Centers, rooms: Classrooms, rng: np.random.Generator) -> Staff:
    """Posts: one lead teacher per classroom, one director per center, and
    `n_team_parents` parents per center on the team (when teams are formed)."""
    n_c = centers.n
    teams = p.teams_on
    t_center = rooms.center
    t_room = np.arange(rooms.n)
    par_center = np.repeat(np.arange(n_c), p.n_team_parents if teams else 0)
    par_room = _random_room_of(par_center, rooms, rng)
    role = np.concatenate([np.full(rooms.n, TEACHER), np.full(n_c, DIRECTOR),
                           np.full(len(par_center), PARENT)])
    center = np.concatenate([t_center, np.arange(n_c), par_center])
    classroom = np.concatenate([t_room, np.full(n_c, -1), par_room])
    on_team = np.concatenate([rooms.participating & teams, np.full(n_c, teams),
                              np.ones(len(par_center), dtype=bool)])
    n = len(role)
    # vacancies at baseline: the steady state of hazard h and mean duration D,
    # h*D / (1 + h*D) (assumption: the collaborative starts in steady state)
    hazard = weekly_hazard(centers.turnover[center])
    dur = p.dur_vacancy_weeks
    vacant0 = (role == TEACHER) & (rng.random(n) < hazard * dur / (1 + hazard * dur))
    n_ideas = centers.effect.shape[1]
    table = np.zeros((n, 4 + len(DOMAINS)))
    staff = Staff(
        role=role, center=center, classroom=classroom, on_team=on_team,
        filled=~vacant0,
        # the states collect averages over participants are columns of one table
        # (views, updated in place): safety, efficacy, inquiry, QI skill, knowledge
        psych_safety=table[:, 0], efficacy=table[:, 1], inquiry=table[:, 2],
        qi=table[:, 3], knowledge=table[:, 4:4 + len(DOMAINS)], ps_base=np.zeros(n),
        status=np.zeros(n), leadership=np.zeros(n),
        person=np.full(n, -1), routine=np.zeros(n),
        belief_mu=np.zeros((n, n_ideas)), belief_tau=np.zeros((n, n_ideas)),
        own_tau=np.zeros((n, n_ideas)), own_num=np.zeros((n, n_ideas)),
        cycle_idea=np.full(n, -1), cycle_start=np.zeros(n, dtype=np.int64),
        cycle_room=np.full(n, -1), cycle_comply=np.zeros(n, dtype=bool),
        next_idea=np.full(n, -1), taught=np.zeros(n, dtype=bool),
    )
    newcomers(p, staff, np.arange(n), rng)
    return staff


def _random_room_of(center_of: np.ndarray, rooms: Classrooms,
                    rng: np.random.Generator) -> np.ndarray:
    """A random classroom of each given center (a parent's child's classroom)."""
    out = np.empty(len(center_of), dtype=np.int64)
    for j, c in enumerate(center_of):
        out[j] = rng.choice(np.flatnonzero(rooms.center == c))
    return out


def newcomers(p, staff: Staff, posts: np.ndarray, rng: np.random.Generator) -> None:
    """Give the holders of `posts` a newcomer's state (newcomers_in_blocks, for one
    collaborative with parameters `p` and generator `rng`)."""
    newcomers_in_blocks(staff, posts, np.zeros(len(posts), dtype=np.int64),
                        {k: np.array([getattr(p, k)]) for k in NEWCOMER_PARAMS}, [rng])


NEWCOMER_PARAMS = ("knowledge_baseline", "person_sd", "parent_family_knowledge",
                   "qi_skill_baseline", "efficacy_baseline", "inquiry_baseline",
                   "psych_safety_baseline", "leadership_baseline", "inquiry_sd",
                   "status_teacher", "status_director", "status_parent", "prior_mean",
                   "prior_sd")


def newcomers_in_blocks(staff: Staff, posts: np.ndarray, blocks: np.ndarray,
                        values: dict[str, np.ndarray], streams: list) -> None:
    """Give the holders of `posts` a newcomer's state: baseline knowledge and
    mindset, no BSC experience, prior beliefs (design brief, turnover rule).
    People are numbered within their collaborative.

    `blocks` is the collaborative of each post (sorted); collaborative b takes its
    own parameter values (`values[name][b]`) and draws from its own generator
    (`streams[b]`) every normal of its newcomers in one call, in the order of the
    rule: knowledge (posts x domains), parents' family knowledge, QI skill,
    efficacy, inquiry, safety, leadership; each is mean + sd x a standard normal.
    So each post gets what it would get in a run of its collaborative alone."""
    m = len(posts)
    if m == 0:
        return
    n_b, n_d = len(streams), len(DOMAINS)
    role = staff.role[posts]
    parent = role == PARENT
    if n_b == 1:               # one collaborative: its draws in the rule's order
        n_p = np.count_nonzero(parent)
        z = streams[0].standard_normal(m * n_d + n_p + 5 * m)
        per_block = m
        z_know = z[:m * n_d].reshape(m, n_d)
        z_family = z[m * n_d:m * n_d + n_p]
        z_trait = z[m * n_d + n_p:].reshape(5, m)
        rank = np.arange(m)
        v = {k: x[0] for k, x in values.items()}
    else:                      # each collaborative's draws, laid end to end
        per_block = np.bincount(blocks, minlength=n_b)
        parents = np.bincount(blocks[parent], minlength=n_b)
        size = per_block * n_d + parents + 5 * per_block
        base = np.concatenate([[0], np.cumsum(size)[:-1]])
        z = np.empty(int(size.sum()))
        for b in np.flatnonzero(per_block):
            streams[b].standard_normal(out=z[base[b]:base[b] + size[b]])
        rank = np.arange(m) - np.concatenate([[0], np.cumsum(per_block)[:-1]])[blocks]
        start, here = base[blocks], per_block[blocks]
        z_know = z[(start + rank * n_d)[:, None] + np.arange(n_d)]
        p_rank = (np.cumsum(parent) - 1
                  - np.concatenate([[0], np.cumsum(parents)[:-1]])[blocks])
        z_family = z[(start + here * n_d + p_rank)[parent]]
        z_trait = z[start + here * n_d + parents[blocks] + rank
                    + np.arange(5)[:, None] * here]
        v = {k: x[blocks] for k, x in values.items()}
    k = np.clip(column(v["knowledge_baseline"]) + column(v["person_sd"]) * z_know, 0, 1)
    k[parent, 1] = np.clip(pick(v["parent_family_knowledge"], parent)
                           + pick(v["person_sd"], parent) * z_family, 0, 1)
    # QI skill, efficacy, inquiry, safety, leadership: one row each, clipped at once
    names = ("qi_skill_baseline", "efficacy_baseline", "inquiry_baseline",
             "psych_safety_baseline", "leadership_baseline")
    sds = ("person_sd", "person_sd", "inquiry_sd", "person_sd", "person_sd")
    trait = np.clip(np.reshape([v[a] for a in names], (5, -1))
                    + np.reshape([v[s] for s in sds], (5, -1)) * z_trait, 0, 1)
    staff.knowledge[posts] = k
    staff.qi[posts] = trait[0]
    staff.efficacy[posts] = trait[1]
    staff.inquiry[posts] = trait[2]
    staff.psych_safety[posts] = trait[3]
    staff.ps_base[posts] = trait[3]
    staff.status[posts] = np.where(role == TEACHER, v["status_teacher"],
                                   np.where(role == DIRECTOR, v["status_director"],
                                            v["status_parent"]))
    staff.leadership[posts] = np.where(role == DIRECTOR, trait[4], 0.0)
    staff.person[posts] = staff.next_person[blocks] + rank
    staff.next_person += per_block
    staff.routine[posts] = 0.0
    staff.belief_mu[posts] = column(v["prior_mean"])
    staff.belief_tau[posts] = column(1.0 / (v["prior_sd"] * v["prior_sd"]))
    staff.own_tau[posts] = 0.0
    staff.own_num[posts] = 0.0
    staff.cycle_idea[posts] = -1
    staff.next_idea[posts] = -1
    staff.taught[posts] = False


def stack(blocks: list[tuple[Centers, Package, Classrooms, Staff]]):
    """Many collaboratives as one population (the ensemble engine, model.py): the
    rows of every collaborative's centers, classrooms and posts, one collaborative
    after the other, with center and classroom indices shifted to the whole. Ties
    stay per collaborative, (collaboratives, centers, centers): every collaborative
    of a batch has the same number of centers. Returns (centers, package, rooms,
    staff, evidence), `evidence` the package's research evidence per center (the
    package's ideas differ between collaboratives)."""
    if len(blocks) == 1:
        centers, package, rooms, staff = blocks[0]
        centers.ties = centers.ties[None]
        return centers, package, rooms, staff, np.broadcast_to(package.evidence,
                                                                centers.effect.shape)
    cs, packages, rs, ss = zip(*blocks)
    c_off = np.cumsum([0] + [c.n for c in cs])
    r_off = np.cumsum([0] + [r.n for r in rs])
    cat = np.concatenate

    def joined(parts, name):
        return cat([getattr(x, name) for x in parts])

    centers = Centers(**{k: joined(cs, k) for k in (
        "is_hs", "turnover", "capacity", "capacity_base", "effect", "known",
        "org_in_use", "org_fidelity", "last_meeting", "last_metrics")},
        ties=np.stack([c.ties for c in cs]))
    package = Package(kind=packages[0].kind, driver=joined(packages, "driver"),
                      evidence=packages[0].evidence, n_package=packages[0].n_package)
    evidence = cat([np.broadcast_to(pk.evidence, c.effect.shape)
                    for pk, c in zip(packages, cs)])
    table = cat([np.column_stack([r.practice, r.competence, r.cb_share]) for r in rs])
    shift = lambda x, off: np.where(x >= 0, x + off, x)   # noqa: E731 (-1: none)
    rooms = Classrooms(
        center=cat([r.center + o for r, o in zip(rs, c_off)]),
        practice=table[:, :CLASSROOM_DRIVERS], competence=table[:, CLASSROOM_DRIVERS],
        cb_share=table[:, CLASSROOM_DRIVERS + 1],
        **{k: joined(rs, k) for k in ("participating", "practice_base", "practice_ref",
                                      "in_use", "fidelity", "fit", "target",
                                      "coached_person", "cb_threshold")})
    table = cat([np.column_stack([s.psych_safety, s.efficacy, s.inquiry, s.qi,
                                  s.knowledge]) for s in ss])
    staff = Staff(
        center=cat([s.center + o for s, o in zip(ss, c_off)]),
        classroom=cat([shift(s.classroom, o) for s, o in zip(ss, r_off)]),
        cycle_room=cat([shift(s.cycle_room, o) for s, o in zip(ss, r_off)]),
        psych_safety=table[:, 0], efficacy=table[:, 1], inquiry=table[:, 2],
        qi=table[:, 3], knowledge=table[:, 4:4 + len(DOMAINS)],
        next_person=cat([s.next_person for s in ss]),
        **{k: joined(ss, k) for k in (
            "role", "on_team", "filled", "ps_base", "status", "person", "routine",
            "leadership", "belief_mu", "belief_tau", "own_tau", "own_num",
            "cycle_idea", "cycle_start", "cycle_comply", "next_idea", "taught")})
    return centers, package, rooms, staff, evidence


def toward_one(x: np.ndarray, gain) -> np.ndarray:
    """x moved `gain` of its gap toward 1, as 1 - (1 - gain)(1 - x): the same as
    x + gain (1 - x), but it never leaves [0, 1] by a rounding error when x and gain
    are in [0, 1]."""
    return 1.0 - (1.0 - gain) * (1.0 - x)


def weekly_hazard(annual: np.ndarray | float) -> np.ndarray:
    """Weekly exit chance from an annual rate: 1 - (1 - a)**(1/52) (design brief)."""
    return 1.0 - (1.0 - np.asarray(annual)) ** (1.0 / 52.0)
