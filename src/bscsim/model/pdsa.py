"""Model: small tests of change, the Model for Improvement (BSC element 4;
mechanism 3, the inquiry mindset).

Submodel `pdsa`. Team members with free time start a Plan-Do-Study-Act cycle: an
inquiry-minded member picks the idea to test by Thompson sampling from her beliefs
(explores where unsure); with chance 1 - inquiry she tests the idea the faculty
prescribes (compliance). After `dur_pdsa_weeks` she observes the idea's true effect
in her center plus noise that shrinks with QI skill, weighs her own data by her
inquiry mindset, and acts: adopt, adapt (a variant, tested again) or abandon.
Every cycle goes to the PDSA log. Sources: seed (PDSA, inquiry mindset); design
brief (choosing, running and acting on a test); Repenning & Sterman 2002 (time);
Sanner & Bunderson 2015 (motivation times safety); Zamboni et al. 2020
(normative pressure from other teams); Taylor et al. 2014.
"""

from __future__ import annotations

import numpy as np

from .agents import TEACHER
from .collaborative import update_beliefs
from .framework import CLASSROOM_DRIVERS, DRIVER_DOMAIN, N_DRIVERS


class PdsaLog:
    """One row per PDSA cycle, as columns (turned into a DataFrame by Result)."""

    COLUMNS = ("week_start", "week_end", "center", "post", "role", "classroom",
               "driver", "idea", "iteration", "observed", "true_effect", "tau",
               "decision", "shared_team", "shared_collab")

    def __init__(self) -> None:
        for c in self.COLUMNS:
            setattr(self, c, [])

    def __len__(self) -> int:
        return len(self.week_start)

    def add(self, **row) -> int:
        for c in self.COLUMNS:
            getattr(self, c).append(row[c])
        return len(self) - 1


def free_time(model, posts: np.ndarray) -> np.ndarray:
    """Share of the hours a test needs that a member has this week: planning
    hours minus pressure from vacancies and challenging behavior (capability trap,
    Repenning & Sterman 2002; Hamel & Schachter 2025)."""
    p, staff = model.p, model.staff
    c = staff.center[posts]
    room = staff.classroom[posts]
    cb = np.where(room >= 0, model.rooms.cb_share[np.maximum(room, 0)],
                  model.center_mean(model.rooms.cb_share)[c])
    hours = (p.planning_hours - p.pressure_vacancy * model.vacant_share()[c]
             - p.pressure_behavior * cb)
    return np.clip(hours / p.hours_pdsa, 0.0, 1.0)


def prescribed_idea(model, n: int) -> np.ndarray:
    """The faculty's recommended idea: the change package's lead idea of the
    driver in focus, which moves one driver on at each learning session
    (assumption: the package is taught driver by driver)."""
    driver = max(model.counts_sessions - 1, 0) % N_DRIVERS
    return np.full(n, driver * model.p.n_ideas_per_driver)


def choose_ideas(model, posts: np.ndarray, rooms: np.ndarray) -> np.ndarray:
    """Inquiry: Thompson sampling from beliefs, skipping ideas already in use in
    the classroom; compliance (chance 1 - inquiry): the prescribed idea."""
    staff, rng = model.staff, model.streams["pdsa"]
    mu, tau = staff.belief_mu[posts], staff.belief_tau[posts]
    draw = rng.normal(mu, 1.0 / np.sqrt(tau))
    draw[model.rooms.adopted[rooms]] = -np.inf
    pick = draw.argmax(axis=1)
    comply = rng.random(len(posts)) >= staff.inquiry[posts]
    pick = np.where(comply, prescribed_idea(model, len(posts)), pick)
    again = staff.next_idea[posts]
    return np.where(again >= 0, again, pick)


def start_cycles(model) -> None:
    p, staff, rng, ev = model.p, model.staff, model.streams["pdsa"], model.events
    if not (p.pdsa_support and p.teams_on):
        return
    idle = np.flatnonzero(staff.present & (staff.cycle_idea < 0))
    if len(idle) == 0:
        return
    drive = (staff.inquiry[idle] + p.compliance_drive) / (1.0 + p.compliance_drive)
    rate = p.p_pdsa_max * (1.0 if ev.collab else p.pdsa_after_factor)
    # normative pressure from the other teams one knows (mechanism 2, Zamboni 2020)
    n_c = model.centers.n
    peers = model.centers.ties.sum(axis=1) / max(n_c - 1, 1)
    pressure = 1.0 + p.vicarious_drive * peers[staff.center[idle]]
    p_start = rate * free_time(model, idle) * staff.psych_safety[idle] * drive * pressure
    go = idle[rng.random(len(idle)) < p_start]
    if len(go) == 0:
        return
    rooms = test_rooms(model, go)
    ideas = choose_ideas(model, go, rooms)
    staff.cycle_idea[go] = ideas
    staff.cycle_start[go] = ev.week
    staff.cycle_room[go] = rooms
    np.add.at(model.counts["pdsa_started"], staff.center[go], 1)


def test_rooms(model, posts: np.ndarray) -> np.ndarray:
    """A teacher tests in her classroom; a director or parent with a participating
    classroom of the center (assumption), or a parent's child's classroom."""
    staff, rooms, rng = model.staff, model.rooms, model.streams["pdsa"]
    out = staff.classroom[posts].copy()
    for j in np.flatnonzero((staff.role[posts] != TEACHER)):
        c = staff.center[posts[j]]
        part = np.flatnonzero((rooms.center == c) & rooms.participating)
        if len(part):
            out[j] = rng.choice(part)
        elif out[j] < 0:
            out[j] = rng.choice(np.flatnonzero(rooms.center == c))
    return out


def finish_cycles(model) -> None:
    """Study and act on the cycles that end this week."""
    p, staff, rng, ev = model.p, model.staff, model.streams["pdsa"], model.events
    done = np.flatnonzero((staff.cycle_idea >= 0)
                          & (ev.week - staff.cycle_start >= p.dur_pdsa_weeks))
    if len(done) == 0:
        return
    ideas, rooms = staff.cycle_idea[done], staff.cycle_room[done]
    c = staff.center[done]
    truth = model.centers.effect[c, ideas]
    sd = p.pdsa_noise_sd * (1.0 - p.qi_noise_reduction * staff.qi[done])
    tau_y = 1.0 / np.maximum(sd, 1e-3) ** 2
    y = truth + rng.normal(0.0, 1.0, len(done)) * sd
    # study: own data, weighted by the inquiry mindset (design brief)
    d_tau = np.zeros((len(done), staff.belief_mu.shape[1]))
    d_num = np.zeros_like(d_tau)
    d_tau[np.arange(len(done)), ideas] = staff.inquiry[done] * tau_y
    d_num[np.arange(len(done)), ideas] = staff.inquiry[done] * tau_y * y
    update_beliefs(staff, done, d_tau, d_num)
    belief = staff.belief_mu[done, ideas]
    decision = np.where(belief > p.adopt_threshold, "adopt",
                        np.where(belief < p.abandon_threshold, "abandon", "adapt"))
    iteration = np.where(staff.next_idea[done] == ideas, 1, 0)
    for j, post in enumerate(done):
        row = model.log.add(
            week_start=int(staff.cycle_start[post]), week_end=ev.week, center=int(c[j]),
            post=int(post), role=int(staff.role[post]), classroom=int(rooms[j]),
            driver=int(ideas[j] // p.n_ideas_per_driver), idea=int(ideas[j]),
            iteration=int(iteration[j]), observed=float(y[j]), true_effect=float(truth[j]),
            tau=float(tau_y[j]), decision=str(decision[j]), shared_team=False,
            shared_collab=False)
        model.pending.append(row)
    act(model, done, ideas, rooms, c, decision)
    np.add.at(model.counts["pdsa_completed"], c, 1)
    if p.inquiry_on:
        staff.inquiry[done] += p.inquiry_gain_pdsa * (1.0 - staff.inquiry[done])
    staff.cycle_idea[done] = -1


def act(model, posts, ideas, rooms, centers, decision) -> None:
    """Adopt: the idea goes into use and moves practice; adapt: the center gets a
    variant (true effect near the parent's), which the member tests again with
    chance = her inquiry mindset (Taylor et al. 2014: iteration is rare); abandon:
    drop it."""
    p, staff, rng = model.p, model.staff, model.streams["pdsa"]
    adopt = decision == "adopt"
    adapt = decision == "adapt"
    np.add.at(model.counts["pdsa_adopted"], centers[adopt], 1)
    np.add.at(model.counts["pdsa_adapted"], centers[adapt], 1)
    np.add.at(model.counts["pdsa_abandoned"], centers[decision == "abandon"], 1)
    # an inquiry mindset iterates on an adapted idea; compliance moves on
    iterate = adapt & (rng.random(len(posts)) < staff.inquiry[posts])
    staff.next_idea[posts] = np.where(iterate, ideas, -1)
    eff = model.centers.effect
    for c, i in zip(centers[adapt], ideas[adapt]):
        eff[c, i] += rng.normal(p.adapt_shift, p.adapt_sd)
    if p.psych_safety_on:
        up = posts[adopt]
        staff.efficacy[up] += p.efficacy_gain * (1.0 - staff.efficacy[up])
    knowledge = model.team_knowledge()
    for post, i, k, c in zip(posts[adopt], ideas[adopt], rooms[adopt], centers[adopt]):
        adopt_idea(model, int(k), int(i), 1.0, knowledge[c])


def adopt_idea(model, room: int, idea: int, fidelity: float,
               knowledge: np.ndarray) -> None:
    """Put `idea` in use in `room`: practice on its driver moves toward 1 (or 0,
    for an idea that does harm here) by adopt_gain x true effect x a knowledge
    factor; a driver-5 idea raises the center's capacity instead (design brief)."""
    p, rooms = model.p, model.rooms
    if rooms.adopted[room, idea]:
        return
    rooms.adopted[room, idea] = True
    c = rooms.center[room]
    d = idea // p.n_ideas_per_driver
    effect = model.centers.effect[c, idea]
    if d < CLASSROOM_DRIVERS:
        k = knowledge[DRIVER_DOMAIN[d]]
        step = p.adopt_gain * fidelity * effect * (1.0 - p.knowledge_weight
                                                   + p.knowledge_weight * k)
        x = rooms.practice[room, d]
        rooms.practice[room, d] = x + step * ((1.0 - x) if step > 0 else x)
    else:
        cap = model.centers.capacity
        step = p.adopt_gain * fidelity * effect
        cap[c] = cap[c] + step * ((1.0 - cap[c]) if step > 0 else cap[c])


def pdsa(model) -> None:
    """PDSA cycles: finish (study, act, log) those that end, then start new ones."""
    finish_cycles(model)
    start_cycles(model)
