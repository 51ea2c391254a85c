"""Declarations: every model parameter, declared once.

Layer 1 of the package (knows nothing of Mesa). Each `Param` carries its default,
valid range, plausible range for sensitivity analysis, unit, meaning, mechanism
group and source. From this one table come: validation (`Params`), the generated
`docs/parameters.md`, `bscsim params`, the SALib problem (`salib_problem`) and the
dashboard controls.

Groups follow the seed's theory of change: the three mechanisms (`psych_safety`,
`vicarious`, `inquiry`), the `context` that blocks or helps them, the `design` of the
collaborative (the BSC's five elements and the policy levers), `outcomes` (how
practice turns into children's outcomes), and `cost` (what a strategy costs, for
cost-effectiveness; used by `bscsim.cost`, never by the model).
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

GROUPS = ("psych_safety", "vicarious", "inquiry", "context", "design", "outcomes",
          "cost")

# What part a parameter plays in exploratory modelling (Lempert's XLRM; EMA Workbench):
#   lever        chosen by a funder or a state (planning hours paid, team make-up,
#                sessions, coaching): what a policy sets
#   uncertainty  chosen by nobody (turnover, starting points, mechanism strengths):
#                what futures sample
#   constant     fixed by the design of a study or a program (its size, length,
#                prices for costing): held at the config's value
#   structure    switches and definitions of the model itself (mechanisms on/off,
#                what counts as improved): varied only to test the model
ROLES = ("lever", "uncertainty", "constant", "structure")

ASSUMPTION = "assumption"


@dataclass(frozen=True)
class Param:
    """One model parameter: its default, ranges, unit, meaning and source."""

    name: str
    default: float | int | bool
    valid: tuple[float, float]
    plausible: tuple[float, float]
    unit: str
    group: str
    meaning: str
    source: str
    kind: type = float
    role: str = "uncertainty"     # one of ROLES; set from ROLE_OF below the table

    def check(self, value: Any) -> float | int | bool:
        """Return `value` coerced to this parameter's kind, or raise ParamError.

        numpy scalars are accepted wherever Python ones are (`np.int64(2)`,
        `np.float64(0.3)`, `np.bool_(True)`); NaN and infinity are refused with the
        same one-line message as any other value out of range.
        """
        allowed = self.allowed()
        if isinstance(value, np.generic):
            value = value.item()
        if self.kind is bool:
            if not isinstance(value, bool):
                raise ParamError(self.name, value, allowed)
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ParamError(self.name, value, allowed)
        if not math.isfinite(value):
            raise ParamError(self.name, value, allowed)
        if self.kind is int:
            if float(value) != int(value):
                raise ParamError(self.name, value, allowed)
            value = int(value)
        else:
            value = float(value)
        if not (self.valid[0] <= value <= self.valid[1]):
            raise ParamError(self.name, value, allowed)
        return value

    def allowed(self) -> str:
        if self.kind is bool:
            return "true or false"
        kind = "a whole number" if self.kind is int else "a number"
        return f"{kind} from {_fmt(self.valid[0])} to {_fmt(self.valid[1])}"


class ParamError(ValueError):
    """A parameter value that is not allowed; its message is one line."""

    def __init__(self, name: str, value: Any, allowed: str):
        self.name, self.value, self.allowed = name, value, allowed
        super().__init__(f"{name} = {value!r} is not allowed: expected {allowed}")


def nearest(name: str, options, cutoff: float = 0.6) -> str | None:
    """The valid name closest to a misspelt one, or None: for "did you mean" hints."""
    near = difflib.get_close_matches(str(name), list(options), n=1, cutoff=cutoff)
    return near[0] if near else None


class UnknownParamError(KeyError):
    """A parameter name that does not exist; names the nearest valid one."""

    def __init__(self, name: str):
        self.name = name
        near = nearest(name, NAMES)
        hint = f"; did you mean '{near}'?" if near else "; see `bscsim params`"
        self.message = f"unknown parameter '{name}'{hint}"
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


def _fmt(x: float) -> str:
    return f"{x:g}"


def _p(name, default, valid, plausible, unit, group, meaning, source, kind=None):
    if kind is None:
        kind = bool if isinstance(default, bool) else type(default)
    return Param(name, default, valid, plausible, unit, group, meaning, source, kind)


B = (False, True)  # valid and plausible range of a switch

PARAMS: tuple[Param, ...] = (
    # ---------------------------------------------------------------- design
    _p("n_centers", 8, (1, 5000), (4, 40), "centers", "design",
       "Number of ECE programs (centers) in the collaborative.",
       "CCL Phase I: 8 centers (OPRE CCL project page; evidence 1.6)"),
    _p("share_head_start", 0.5, (0.0, 1.0), (0.0, 1.0), "share", "design",
       "Share of centers that are Head Start programs; the rest are child care.",
       "CCL Phase I: 4 Head Start and 4 child care (evidence 1.6)"),
    _p("n_classrooms", 4, (1, 20), (3, 6), "classrooms per center", "design",
       "Mean number of preschool classrooms per center (at least 1; spread is Poisson).",
       "NSECE 2012/2019: about 54 children per center, 16-17 per preschool room, "
       "8-11 classroom staff (evidence A2 10-12)"),
    _p("children_per_classroom", 16, (1, 40), (10, 20), "children", "design",
       "Children per preschool classroom (sets cohort sampling noise).",
       "NSECE 2019: 16-17 children in 3-5 rooms (evidence A2 12)"),
    _p("weeks_collab", 52, (4, 156), (39, 78), "weeks", "design",
       "Length of the collaborative (learning sessions and action periods).",
       "CCL Phase I: about 12 months (evidence 1.3); 12-18 months in general (1.4)"),
    _p("weeks_followup", 26, (0, 156), (0, 52), "weeks", "design",
       "Follow-up after the collaborative ends, to see what is sustained.", ASSUMPTION),
    _p("n_learning_sessions", 4, (0, 12), (2, 6), "sessions", "design",
       "In-person learning sessions, spread evenly over the collaborative; 0 = none.",
       "CCL Phase I: four learning sessions (Research Connections 34192; evidence 1.5)"),
    _p("call_interval_weeks", 4, (0, 26), (2, 8), "weeks", "design",
       "Weeks between all-team collaborative calls in the action periods; 0 = no calls.",
       "IHI BTS: monthly calls and reports in action periods (evidence 3.4)"),
    _p("affinity_calls", True, B, B, "switch", "design",
       "Monthly affinity-group calls by role (directors, teachers, parents).",
       "Seed: affinity group calls are a BSC structure"),
    _p("teams_on", True, B, B, "switch", "design",
       "Each center forms a cross-role BSC team (director, teachers, parents).",
       "Seed: cross-role teams are BSC element 3"),
    _p("n_team_teachers", 2, (0, 10), (1, 4), "teachers per team", "design",
       "Lead teachers on each center's team; their classrooms are 'participating'.",
       "IHI BTS: about 3 members per team (evidence 3.3); CCL team size not found"),
    _p("n_team_parents", 1, (0, 5), (0, 2), "parents per team", "design",
       "Parents on each center's team.", "Seed: teams include parents (element 3)"),
    _p("meeting_interval_weeks", 2, (1, 8), (1, 4), "weeks", "design",
       "Weeks between cross-role team meetings.", ASSUMPTION),
    _p("pdsa_support", True, B, B, "switch", "design",
       "Teams are taught and supported to run PDSA cycles (Model for Improvement).",
       "Seed: the Model for Improvement is BSC element 4"),
    _p("faculty_hours_month", 2.0, (0.0, 40.0), (0.0, 8.0), "hours per team per month",
       "design", "BSC faculty consultation time with each team (raises QI skill).",
       "IHI BTS: 5-8 faculty for dozens of teams (evidence 3.3); hours: assumption"),
    _p("training_dose", 0.0, (0.0, 1.0), (0.0, 0.5), "share of knowledge gap", "design",
       "One-off workshop at week 0 for all teachers: closes this share of the gap "
       "to full SEL knowledge (training-only arm).", ASSUMPTION),
    _p("coaching_hours_week", 0.0, (0.0, 10.0), (0.0, 2.0), "hours per teacher per week",
       "design", "Individual practice-based coaching of each participating teacher "
       "during the collaborative period (coaching arm).",
       "Pyramid Model: 16 weeks of practice-based coaching (Hemmeter et al. 2016)"),
    _p("coaching_gain", 0.01, (0.0, 1.0), (0.0, 0.05), "share of fidelity gap per hour",
       "design", "Weekly rise of the fidelity of a coached classroom's practices in "
       "use, per coaching hour.",
       "Assumption, checked (not tuned): with it, 16 weeks at 1 h/week give about "
       "+0.59 SD at their end, inside the 0.3-0.6 SD band of Kraft, Blazar & Hogan "
       "2018 (evidence 16); see docs/calibration.md"),
    _p("p_attend", 0.85, (0.0, 1.0), (0.6, 1.0), "probability", "design",
       "Chance that a team member attends a given learning session or call.", ASSUMPTION),
    # --- engagement and leaving the collaborative (issue 26; model/engagement.py)
    _p("engage_start", 0.7, (0.0, 1.0), (0.6, 0.9), "engagement (0-1)", "design",
       "Mean engagement of a center's team when the collaborative starts.",
       "assumption; teams join willing (CCL: 8 centers recruited, evidence 1.6)"),
    _p("engage_start_sd", 0.15, (0.0, 0.5), (0.05, 0.2), "engagement (0-1)", "design",
       "Between-center standard deviation of starting engagement.",
       "Øvretveit et al. 2002: large differences between teams (evidence 4.10); "
       "size: assumption"),
    _p("rate_engage_settle", 0.05, (0.0, 1.0), (0.02, 0.15), "share per week", "design",
       "Share of the gap to its own starting engagement a team closes in a week "
       "(habit: a team drifts back to how committed it was).", ASSUMPTION),
    _p("engage_win", 0.01, (0.0, 0.2), (0.0, 0.03), "engagement per test", "design",
       "Engagement a team gains from each of its own tests adopted (an early win).",
       "Nembhard 2009 (PDSA cycles give motivation); Øvretveit 2002; size: assumption"),
    _p("engage_failure", 0.03, (0.0, 0.2), (0.0, 0.04), "engagement per test", "design",
       "Engagement a team loses from each of its own tests abandoned (a failure).",
       "Øvretveit 2002 (teams discouraged by slow results); size: assumption"),
    _p("engage_director_loss", 0.03, (0.0, 0.2), (0.0, 0.03), "engagement per week",
       "design", "Engagement a team loses each week its center's director post is "
       "vacant.", "Hulscher et al. 2013 and Schouten 2008 (leadership support as a "
       "determinant; evidence 4.8); size: assumption"),
    _p("engage_vacancy_loss", 0.03, (0.0, 0.2), (0.0, 0.03), "engagement per week",
       "design", "Engagement a team loses each week at full lead-teacher vacancy "
       "(scaled by the share vacant).", "Hulscher et al. 2013 (staff turnover); "
       "size: assumption"),
    _p("engage_time_loss", 0.004, (0.0, 0.1), (0.0, 0.01), "engagement per week",
       "design", "Engagement a team loses each week with no free time for the work "
       "(scaled by the share of the hours a test needs that it lacks).",
       "Repenning & Sterman 2002; Hulscher et al. 2013 (time); size: assumption"),
    _p("engage_contact_gain", 0.002, (0.0, 0.1), (0.0, 0.01), "engagement per hour",
       "design", "Engagement a team gains per hour of faculty contact (monthly "
       "consultation and outreach).", "Nembhard 2009 (faculty rated most helpful); "
       "size: assumption"),
    _p("engage_peer_gain", 0.005, (0.0, 0.1), (0.0, 0.02), "engagement per test",
       "design", "Engagement a team gains per test the other teams adopt in a week "
       "(mean over the other teams): peers' progress.",
       "Nembhard 2009 (social support, motivation from other teams); size: assumption"),
    _p("engage_noise_sd", 0.03, (0.0, 0.3), (0.0, 0.06), "engagement per week", "design",
       "Standard deviation of the weekly change of engagement from what else happens "
       "in a center.", ASSUMPTION),
    _p("engage_full", 0.5, (0.01, 1.0), (0.3, 0.7), "engagement (0-1)", "design",
       "Engagement at or above which a team takes part fully (attends, reports, "
       "tests at its usual rate); below it, in proportion.", ASSUMPTION),
    _p("engage_leave_threshold", 0.4, (0.0, 1.0), (0.2, 0.45), "engagement (0-1)",
       "design", "Engagement below which a team is at risk of leaving.", ASSUMPTION),
    _p("dur_engage_low_weeks", 6, (1, 52), (4, 12), "weeks", "design",
       "Weeks in a row below engage_leave_threshold after which a team leaves the "
       "collaborative.", "assumption; calibration target: about 1 in 8 teams leaves "
       "in a year (CCL 7 of 8; 2 of 13 and 5 of 15 elsewhere, evidence 1.6, 3.8)",
       kind=int),
    _p("outreach_hours", 0.0, (0.0, 20.0), (0.0, 4.0), "hours per quiet team per month",
       "design", "Policy lever: faculty outreach to a team that has gone quiet (no "
       "metrics report for outreach_quiet_weeks); 0 = no outreach.",
       "IHI BTS faculty follow up teams (evidence 3.3); hours: assumption"),
    _p("engage_outreach_gain", 0.03, (0.0, 0.5), (0.0, 0.06), "engagement per hour",
       "design", "Engagement a quiet team gains per hour of the faculty's outreach to "
       "it (a call that asks what got in the way and re-plans the next test).",
       "IHI BTS faculty follow-up (evidence 3.3); Nembhard 2009 (faculty support "
       "motivates); size: assumption"),
    _p("outreach_quiet_weeks", 8, (1, 52), (4, 12), "weeks", "design",
       "Weeks without a metrics report after which the faculty count a team as quiet.",
       ASSUMPTION, kind=int),
    _p("stipend_hours", 0.0, (0.0, 10.0), (0.0, 2.0), "hours per member per week",
       "design", "Policy lever: paid hours a week for the collaborative's work, on top "
       "of planning_hours, during the collaborative (free time for tests).",
       "assumption; costed at wage_hour per team seat"),
    _p("ls_knowledge_gain", 0.15, (0.0, 1.0), (0.05, 0.3), "share of knowledge gap",
       "design", "Share of the knowledge gap a learning session closes for an attendee.",
       ASSUMPTION),
    _p("call_knowledge_gain", 0.03, (0.0, 1.0), (0.0, 0.1), "share of knowledge gap",
       "design", "Share of the knowledge gap a call closes for an attendee.", ASSUMPTION),
    _p("faculty_qi_gain", 0.02, (0.0, 0.5), (0.0, 0.05), "share of gap per hour",
       "design", "QI skill gain of team members per faculty consultation hour.",
       ASSUMPTION),
    # -------------------------------------------------------------- context
    _p("turnover_cc", 0.40, (0.0, 0.95), (0.2, 0.6), "per year", "context",
       "Mean annual lead-teacher turnover of child care centers.",
       "Doromal, Bassok et al. 2022: center mean 40% (evidence 6.1)"),
    _p("turnover_hs", 0.17, (0.0, 0.95), (0.05, 0.35), "per year", "context",
       "Mean annual lead-teacher turnover of Head Start centers.",
       "FACES: 9-10% within a program year (Markowitz 2024), annualised; "
       "see docs/calibration.md"),
    _p("turnover_zero_share", 0.3, (0.0, 0.95), (0.1, 0.5), "share of centers",
       "context", "Share of centers with (near) zero turnover: the zero-inflation.",
       "NSECE 2019: 44% of centers had no turnover; Doromal 2022: 44% never high "
       "(evidence A1 1, 6); value: assumption between them"),
    _p("turnover_concentration", 4.0, (0.5, 100.0), (2.0, 10.0), "Beta a+b", "context",
       "Concentration of the Beta distribution of turnover among centers that have "
       "some; lower = more spread between centers.", ASSUMPTION),
    _p("turnover_director", 0.15, (0.0, 0.95), (0.05, 0.3), "per year", "context",
       "Annual director turnover.", ASSUMPTION),
    _p("dur_vacancy_weeks", 8.0, (0.0, 52.0), (2.0, 20.0), "weeks", "context",
       "Mean time a lead-teacher post stays vacant after an exit (geometric).",
       "Bassok et al. 2024: 15% of lead posts unfilled implies long vacancies; "
       "value: assumption"),
    _p("planning_hours", 2.0, (0.0, 10.0), (0.0, 4.0), "hours per week", "context",
       "Paid planning (non-contact) time of a team member.",
       "Hamel & Schachter 2025: 1 in 10 teachers has enough time (evidence A2 14); "
       "value: assumption"),
    _p("hours_pdsa", 2.0, (0.1, 10.0), (1.0, 4.0), "hours per week", "context",
       "Free hours per week at which a member can run PDSA cycles at full pace.",
       ASSUMPTION),
    _p("pressure_vacancy", 4.0, (0.0, 20.0), (0.0, 8.0), "hours per week", "context",
       "Planning hours lost when every other post of the center is vacant "
       "(scaled by the vacant share).",
       "Hamel & Schachter 2025: 37 min/week of planning lost to coverage; value: "
       "assumption"),
    _p("pressure_behavior", 2.0, (0.0, 20.0), (0.0, 4.0), "hours per week", "context",
       "Planning hours lost when every child shows challenging behavior (scaled by "
       "the share).", "Repenning & Sterman 2002 capability trap; value: assumption"),
    _p("share_cb_baseline", 0.22, (0.01, 0.9), (0.14, 0.34), "share of children",
       "context", "Mean share of children with challenging behavior at baseline.",
       "Qi & Kaiser 2003: 14-34% (evidence 6.4)"),
    _p("practice_baseline_cc", 0.40, (0.0, 1.0), (0.3, 0.5), "share of key practices",
       "context", "Mean baseline SEL practice (TPOT-like share of key practices in "
       "use) in child care classrooms.",
       "TPOT baseline about 40-50% (evidence A5 35, recalled); child care below Head "
       "Start (A5 34)"),
    _p("practice_baseline_hs", 0.45, (0.0, 1.0), (0.35, 0.55), "share of key practices",
       "context", "Mean baseline SEL practice in Head Start classrooms.",
       "TPOT baseline about 40-50% (evidence A5 35, recalled)"),
    _p("practice_sd", 0.12, (0.01, 0.4), (0.08, 0.16), "share of key practices",
       "context", "Between-classroom SD of baseline practice; the unit of all "
       "practice gains reported in SD.", "Classroom-level spread (evidence A5 34); "
       "value: assumption"),
    _p("capacity_baseline", 0.3, (0.0, 1.0), (0.1, 0.5), "0-1", "context",
       "Mean baseline organizational capacity (routines, policies) of a center.",
       ASSUMPTION),
    _p("knowledge_baseline", 0.35, (0.0, 1.0), (0.2, 0.5), "0-1", "context",
       "Mean baseline knowledge of staff in each domain (SEL, family, equity).",
       "Seed: many have SEL training but a know-do gap remains; value: assumption"),
    _p("person_sd", 0.1, (0.0, 0.5), (0.05, 0.2), "0-1", "context",
       "Between-person SD of baseline knowledge, QI skill, efficacy, safety and "
       "leadership.", ASSUMPTION),
    _p("capacity_sd", 0.1, (0.0, 0.5), (0.05, 0.2), "0-1", "context",
       "Between-center SD of baseline organizational capacity.", ASSUMPTION),
    _p("driver_sd", 0.06, (0.0, 0.4), (0.02, 0.1), "share of key practices", "context",
       "SD of a classroom's practice on one driver around its overall level.",
       ASSUMPTION),
    _p("qi_skill_baseline", 0.1, (0.0, 1.0), (0.0, 0.3), "0-1", "context",
       "Baseline QI skill (data use, PDSA method) of staff.", ASSUMPTION),
    _p("parent_family_knowledge", 0.7, (0.0, 1.0), (0.4, 0.9), "0-1", "context",
       "Parents' knowledge of family partnership (what families need).",
       "Seed: parents' expertise should be respected; value: assumption"),
    _p("p_parent_ageout", 0.5, (0.0, 1.0), (0.3, 0.8), "probability per year", "context",
       "Chance that a parent on the team leaves at the program-year boundary "
       "(child ages out).", ASSUMPTION),
    # ---------------------------------------------------------- psych_safety
    _p("psych_safety_on", True, B, B, "switch", "psych_safety",
       "Mechanism 1 switch: psychological safety, efficacy and status can shift. "
       "Off: they stay at their baseline values.", "Seed: mechanism 1"),
    _p("psych_safety_baseline", 0.45, (0.0, 1.0), (0.3, 0.6), "0-1", "psych_safety",
       "Mean baseline perceived psychological safety.", ASSUMPTION),
    _p("efficacy_baseline", 0.5, (0.0, 1.0), (0.3, 0.7), "0-1", "psych_safety",
       "Mean baseline self-efficacy.", ASSUMPTION),
    _p("ps_gain", 0.12, (0.0, 1.0), (0.05, 0.2), "share of gap", "psych_safety",
       "Rise of the speaker's psychological safety after a supportive response.",
       "Edmondson 1999 (leader coaching is an antecedent); value: assumption"),
    _p("ps_loss", 0.05, (0.0, 1.0), (0.02, 0.1), "share of level", "psych_safety",
       "Fall of the speaker's psychological safety after a dismissive response.",
       ASSUMPTION),
    _p("efficacy_gain", 0.05, (0.0, 1.0), (0.01, 0.1), "share of gap", "psych_safety",
       "Rise of self-efficacy after a supportive response or an adopted change.",
       "Frontiers Educ 2024: efficacy rose with coaching and CoPs (evidence A7 45)"),
    _p("status_gain", 0.05, (0.0, 1.0), (0.01, 0.1), "share of gap", "psych_safety",
       "Rise of the speaker's status (voice) after a supportive response: the "
       "power gap narrows.", "Seed: power dynamics shift; value: assumption"),
    _p("status_director", 0.9, (0.0, 1.0), (0.7, 1.0), "0-1", "psych_safety",
       "Baseline status (power an agent's ideas carry) of directors.", ASSUMPTION),
    _p("status_teacher", 0.5, (0.0, 1.0), (0.3, 0.7), "0-1", "psych_safety",
       "Baseline status of lead teachers.", ASSUMPTION),
    _p("status_parent", 0.2, (0.0, 1.0), (0.1, 0.4), "0-1", "psych_safety",
       "Baseline status of parents.", ASSUMPTION),
    _p("leadership_baseline", 0.6, (0.0, 1.0), (0.4, 0.8), "0-1", "psych_safety",
       "Director's baseline shared leadership (answers voice supportively).",
       "Douglass et al. 2022 distributed leadership (evidence 1.16); value: assumption"),
    _p("leadership_gain", 0.1, (0.0, 1.0), (0.0, 0.2), "share of gap", "psych_safety",
       "Rise of a director's shared leadership per learning session attended.",
       ASSUMPTION),
    _p("power_gap_penalty", 0.5, (0.0, 5.0), (0.0, 1.0), "per unit status gap",
       "psych_safety", "How much a status gap between director and speaker lowers "
       "the chance of a supportive response.", "Seed: power dynamics; value: assumption"),
    _p("voice_bias", 0.0, (-5.0, 5.0), (-1.0, 1.0), "logit", "psych_safety",
       "Log-odds of speaking up in a meeting at middling safety, efficacy and status.",
       ASSUMPTION),
    _p("voice_slope", 8.0, (0.0, 20.0), (4.0, 12.0), "logit per unit", "psych_safety",
       "Rise in log-odds of speaking up per unit of mean(safety, efficacy, status).",
       "Frazier et al. 2017: PS related to information sharing (evidence A7 41-42)"),
    _p("failure_report_power", 1.0, (0.0, 10.0), (0.5, 3.0), "exponent", "psych_safety",
       "A failed test is shared with chance safety**power (successes: p_share_success).",
       "Edmondson 1999; selective reporting; value: assumption"),
    _p("p_share_success", 0.95, (0.0, 1.0), (0.8, 1.0), "probability", "psych_safety",
       "Chance that a successful test is shared (team meeting, collaborative).",
       ASSUMPTION),
    _p("p_staff_idea", 0.1, (0.0, 1.0), (0.02, 0.3), "probability per meeting",
       "psych_safety", "Chance that a member who speaks up brings an idea of her own, "
       "at full efficacy (times her efficacy).",
       "Seed: teams empowered to generate ideas; value: assumption"),
    _p("team_weight", 2.0, (0.0, 5.0), (0.5, 3.0), "weight", "psych_safety",
       "Weight of a teammate's report in belief updating (times listener safety and "
       "speaker status).", "Design brief, belief rule; value: assumption (a "
       "teammate's result concerns the same program's children, so it counts at "
       "least as much as another program's, vicarious_weight_ls, before safety and "
       "status lower it)"),
    _p("director_exit_safety_loss", 0.3, (0.0, 1.0), (0.1, 0.5), "share of gain",
       "psych_safety", "Share of the team's safety gain lost when the director leaves.",
       ASSUMPTION),
    # ------------------------------------------------------------- vicarious
    _p("vicarious_on", True, B, B, "switch", "vicarious",
       "Mechanism 2 switch: learning from other centers' shared PDSA reports. Off: "
       "no cross-program reading and no ties.", "Seed: mechanism 2"),
    _p("vicarious_weight_ls", 0.5, (0.0, 2.0), (0.1, 1.0), "weight", "vicarious",
       "Weight of another center's report read at a learning session (times context "
       "similarity).", "Nembhard 2009: LS interactions most helpful (evidence 5.3)"),
    _p("vicarious_weight_call", 0.2, (0.0, 2.0), (0.0, 0.5), "weight", "vicarious",
       "Weight of another center's report heard on a call (times similarity and tie "
       "strength).", ASSUMPTION),
    _p("similarity_cross_type", 0.5, (0.0, 1.0), (0.2, 0.9), "0-1", "vicarious",
       "Context similarity between a Head Start and a child care center (1 within a "
       "type).", ASSUMPTION),
    _p("tie_gain", 0.3, (0.0, 1.0), (0.1, 0.6), "share of gap", "vicarious",
       "Growth of tie strength between two centers that share a table at a learning "
       "session.",
       ASSUMPTION),
    _p("vicarious_drive", 0.5, (0.0, 5.0), (0.0, 1.0), "multiplier per unit tie",
       "vicarious", "Rise in a member's chance to start a test per unit of her team's "
       "mean tie strength to other teams (normative pressure, peer recognition).",
       "Zamboni et al. 2020 (evidence 5.4): cross-team interaction creates normative "
       "pressure; value: assumption, kept small so that information carries the "
       "mechanism (docs/odd.md)"),
    _p("table_size", 4, (2, 5000), (2, 8), "centers", "vicarious",
       "Centers at a table of a learning session, or in a breakout group of an "
       "affinity call; ties grow between centers that share one.", ASSUMPTION),
    _p("call_tie_share", 0.3, (0.0, 1.0), (0.1, 0.6), "share of tie_gain", "vicarious",
       "Tie growth from sharing an affinity-call breakout group, relative to a "
       "learning-session table.", ASSUMPTION),
    _p("rate_tie_decay", 0.5, (0.0, 10.0), (0.2, 1.0), "per year", "vicarious",
       "Decay of a tie between two teams without contact.", ASSUMPTION),
    # --------------------------------------------------------------- inquiry
    _p("inquiry_on", True, B, B, "switch", "inquiry",
       "Mechanism 3 switch: the inquiry mindset can shift. Off: it stays at baseline.",
       "Seed: mechanism 3"),
    _p("inquiry_baseline", 0.2, (0.0, 1.0), (0.1, 0.4), "0-1", "inquiry",
       "Mean baseline inquiry mindset (0 = compliance, 1 = inquiry).",
       "Seed: one-size-fits-all mindset is common; value: assumption"),
    _p("inquiry_sd", 0.1, (0.0, 0.5), (0.05, 0.2), "0-1", "inquiry",
       "Between-person SD of baseline inquiry.", ASSUMPTION),
    _p("compliance_drive", 1.0, (0.0, 5.0), (0.5, 2.0), "relative weight", "inquiry",
       "Drive to run a test from the faculty's expectation alone, relative to the "
       "drive of a full inquiry mindset (which adds 1).",
       "Sanner & Bunderson 2015: motivation times safety (evidence A7 43); assumption"),
    _p("inquiry_gain_ls", 0.25, (0.0, 1.0), (0.1, 0.35), "share of gap", "inquiry",
       "Rise of inquiry per learning session attended (the science of improvement).",
       ASSUMPTION),
    _p("inquiry_gain_pdsa", 0.06, (0.0, 1.0), (0.02, 0.1), "share of gap", "inquiry",
       "Rise of inquiry per completed PDSA cycle (data make problems visible).",
       "Seed: using data shows whether ideas head the right way; value: assumption"),
    # ------------------------------------------------ PDSA engine (design)
    _p("n_ideas_per_driver", 4, (1, 10), (2, 6), "ideas", "design",
       "Change ideas per primary driver in the change framework.", ASSUMPTION),
    _p("p_pdsa_max", 0.2, (0.0, 1.0), (0.12, 0.3), "probability per week", "design",
       "Weekly chance to start a PDSA at full inquiry, safety and free time.",
       "Taylor et al. 2014: few, weakly iterative cycles (evidence A8 48); value: "
       "calibrated, see docs/calibration.md"),
    _p("pdsa_after_factor", 0.3, (0.0, 1.0), (0.0, 0.6), "multiplier", "design",
       "PDSA start rate after the collaborative ends, relative to during it.",
       "Wells et al. 2018: gains rarely shown to last (evidence A6 39); assumption"),
    _p("dur_pdsa_weeks", 4, (1, 26), (2, 8), "weeks", "design",
       "Length of one PDSA cycle from plan to act.", ASSUMPTION),
    _p("pdsa_noise_sd", 0.3, (0.0, 2.0), (0.15, 0.45), "effect units", "design",
       "SD of the observed result of a test around its true effect, at zero QI skill.",
       ASSUMPTION),
    _p("qi_noise_reduction", 0.6, (0.0, 1.0), (0.3, 0.8), "share", "design",
       "Share of that noise removed at full QI skill (better measurement).",
       ASSUMPTION),
    _p("adopt_threshold", 0.12, (-1.0, 2.0), (0.05, 0.2), "effect units", "design",
       "An inquiry-minded tester adopts when her believed effect of the tested idea "
       "exceeds this (a result above it is a success).", ASSUMPTION),
    _p("abandon_threshold", -0.05, (-2.0, 1.0), (-0.1, 0.0), "effect units", "design",
       "Abandon a tested idea, or drop a practice in use, when the believed effect "
       "falls below this; between the thresholds: adapt.", ASSUMPTION),
    _p("adapt_shift", 0.05, (-1.0, 1.0), (0.0, 0.1), "effect units", "design",
       "Mean gain in true effect of an adapted variant over its parent.",
       "Seed: teachers must adapt practices to reach all children; value: assumption"),
    _p("adapt_sd", 0.1, (0.0, 1.0), (0.05, 0.2), "effect units", "design",
       "SD of an adapted variant's true effect around parent plus shift.", ASSUMPTION),
    _p("idea_effect_mean", 0.25, (-1.0, 2.0), (0.15, 0.35), "effect units", "design",
       "Mean true effect of the package ideas that work (where they work).", ASSUMPTION),
    _p("idea_effect_sd", 0.15, (0.0, 1.0), (0.05, 0.2), "effect units", "design",
       "SD of the mean true effect between change ideas.", ASSUMPTION),
    _p("effect_context_sd", 0.1, (0.0, 1.0), (0.05, 0.2), "effect units", "design",
       "SD of an idea's true effect between centers of the same program type "
       "(the center's own part).", "Seed; value: assumption"),
    _p("effect_classroom_sd", 0.2, (0.0, 1.0), (0.1, 0.3), "effect units", "design",
       "SD of an idea's true effect between classrooms of one center (drivers 1-4): "
       "practices do not work the same way with all children.",
       "Seed (children and families differ); value: assumption"),
    _p("share_ideas_context", 0.4, (0.0, 1.0), (0.2, 0.6), "share of package ideas",
       "design", "Package ideas that work in one program type only (Head Start or "
       "child care, at random) and have idea_null_effect in the other.",
       "Seed: practices do not work the same way with all children and families; "
       "Kraft et al. 2018: effects at scale about half of efficacy trials (evidence "
       "16); value: assumption"),
    _p("share_ideas_null", 0.3, (0.0, 1.0), (0.15, 0.45), "share of package ideas",
       "design", "Package ideas that do not work anywhere (true mean effect "
       "idea_null_effect).", "Assumption (see share_ideas_context)"),
    _p("idea_null_effect", -0.25, (-1.0, 1.0), (-0.35, -0.1), "effect units", "design",
       "True mean effect of an idea where it does not work: slightly negative, as "
       "its time is taken from something else.", ASSUMPTION),
    _p("n_staff_ideas", 2, (0, 10), (0, 4), "ideas per center", "design",
       "Ideas of its own a center's staff can bring (each unknown until a member "
       "voices it at a team meeting).",
       "Seed: teams empowered to generate ideas and test changes; value: assumption"),
    _p("staff_idea_effect_mean", 0.1, (-1.0, 2.0), (0.0, 0.2), "effect units",
       "design", "Mean true effect of a staff idea in its own center (made for the "
       "place, untested).", ASSUMPTION),
    _p("staff_idea_effect_sd", 0.15, (0.0, 1.0), (0.05, 0.3), "effect units",
       "design", "SD of a staff idea's true effect.", ASSUMPTION),
    _p("prior_mean", 0.1, (-1.0, 2.0), (0.0, 0.2), "effect units", "design",
       "Prior belief of staff about every change idea (what the change package "
       "promises) until the package is taught at a learning session (then the research "
       "evidence on its ideas, collaborative.teach_package); about staff ideas always.",
       ASSUMPTION),
    _p("prior_sd", 0.2, (0.01, 2.0), (0.1, 0.4), "effect units", "design",
       "Prior uncertainty about a change idea; also the uncertainty a taught member and "
       "the faculty give the research evidence.", ASSUMPTION),
    _p("research_evidence_sd", 0.15, (0.0, 1.0), (0.05, 0.3), "effect units", "design",
       "Error of the research evidence on a package idea: what research shows is the "
       "idea's true mean effect plus N(0, this), drawn once per collaborative; the "
       "coach and the BSC faculty read it, never the true effect.",
       "Kraft, Blazar & Hogan 2018 (evidence A3 16): effects at scale about half of "
       "efficacy trials; derived there: 0.12 (a 40-classroom trial's sampling error) "
       "to 0.17 (with the efficacy-to-scale error); value: assumption in that range"),
    # -------------------------------------------------------------- outcomes
    _p("adopt_gain", 1.30, (0.0, 4.0), (1.0, 2.0), "share of gap per effect unit",
       "outcomes", "Practice a classroom's ideas in use sustain on a driver: "
       "baseline + adopt_gain x sum(effect x fidelity) of the gap to 1 (to 0 for "
       "harmful ideas).",
       "Calibrated (patterns 1 and 2a are its fitting targets, not evidence): the "
       "median of its conditional posterior (the calibration's rule, the other nine "
       "fitted parameters at their defaults) after members are taught the research "
       "evidence (issue 22; was 1.5, then 1.37), see docs/calibration.md"),
    _p("n_practices_max", 3, (1, 20), (2, 5), "practices per classroom", "outcomes",
       "Change ideas (drivers 1-4) a classroom can hold in use at once; a new one "
       "displaces the one believed least in.",
       "Hamel & Schachter 2025: teachers' time is scarce (evidence A2 14); a few "
       "practices taken on at once (evidence A2 15); value: assumption"),
    _p("n_practices_attention", 2, (1, 20), (1, 4), "practices per classroom",
       "outcomes", "Practices a teacher can run at full attention; with more in use, "
       "each is run at attention = this / number in use.",
       "Hamel & Schachter 2025 (teachers' time, evidence A2 14); Lally et al. 2010 "
       "(attention until a new behavior is automatic, evidence A2 15); value: assumption"),
    _p("rate_implementation", 0.15, (0.0, 1.0), (0.05, 0.3), "share of gap per week",
       "outcomes", "Weekly move of practice toward what its ideas in use sustain, "
       "when that is higher (putting practices in place takes time).", ASSUMPTION),
    _p("unsupported_uptake", 0.25, (0.0, 1.0), (0.0, 1.0), "share", "outcomes",
       "Share of rate_implementation at which practice still rises toward what its "
       "ideas in use sustain in a center that no longer gets external support: "
       "practices not yet fully in place when support ends are put in place slowly "
       "(1 = support makes no difference; falls are not slowed).",
       "Joyce & Showers 2002 (new practices reach regular classroom use mainly with "
       "follow-up support such as coaching; evidence A6 40, recalled); Han & Weiss "
       "2005 (A6 40); value: assumption, set with pattern 7 in view"),
    _p("routine_gain", 0.1, (0.0, 1.0), (0.05, 0.2), "share of gap", "outcomes",
       "Growth of a person's BSC routines (running tests, reading data) per PDSA "
       "cycle she completes; routines set organizational capacity.", ASSUMPTION),
    _p("routine_gain_metrics", 0.03, (0.0, 1.0), (0.0, 0.06), "share of gap",
       "outcomes", "Growth of the routines of the team members present per monthly "
       "metrics report.", ASSUMPTION),
    _p("knowledge_weight", 0.5, (0.0, 1.0), (0.2, 0.8), "share", "outcomes",
       "How much domain knowledge sets the fidelity a test or a practice is run "
       "with: 1 - weight + weight x knowledge.",
       "Seed: knowledge is a short-term outcome feeding practice; assumption"),
    _p("rate_practice_decay", 0.25, (0.0, 5.0), (0.1, 0.5), "per year", "outcomes",
       "Drift of the fidelity of practices in use (and of practice above what they "
       "sustain) per year at zero organizational capacity.",
       "Ringstaff et al.: 10-30% of gain per year (evidence A6 37)"),
    _p("support_decay_factor", 3.0, (1.0, 5.0), (1.0, 5.0), "multiplier", "outcomes",
       "How much faster the fidelity of practices in use drifts in a center that no "
       "longer gets external support (the collaborative has ended; the coach has "
       "gone): 1 = support makes no difference.",
       "Han & Weiss 2005 (teachers' implementation is kept up by ongoing feedback "
       "from a consultant; evidence A6 40); Wiltsey Stirman et al. 2012 (partial "
       "sustainment is the common finding; A6 40); value: assumption, set with "
       "pattern 7 in view (a calibration target)"),
    _p("rate_routine_decay", 0.5, (0.0, 5.0), (0.0, 1.0), "per year", "outcomes",
       "Weakening of a person's BSC routines (running tests, reading data) per year "
       "once her center no longer gets the collaborative's support (no calls, "
       "reports or faculty to keep them up); routines set organizational capacity.",
       "Wiltsey Stirman et al. 2012 and Scheirer 2005 (sustainment follows how far a "
       "program is built into routines; evidence A6 40); value: assumption"),
    _p("capacity_sustain", 0.8, (0.0, 1.0), (0.5, 1.0), "share", "outcomes",
       "Share of that drift prevented at full organizational capacity.",
       "Hemmeter 2018: practices kept up to a year (evidence A6 36); assumption"),
    _p("newcomer_practice_loss", 0.7, (0.0, 1.0), (0.4, 1.0), "share of gain", "outcomes",
       "Share of a classroom's practice gain above baseline lost when a newcomer "
       "takes it over (her predecessor's practices leave with her).",
       "Hemmeter: loss at center level comes mainly through turnover (A6 36)"),
    _p("p_spread", 0.2, (0.0, 1.0), (0.05, 0.4), "probability per week", "outcomes",
       "Weekly chance that a non-team classroom takes up a practice all other "
       "classrooms of the center use, at full capacity, safety and leadership.",
       "Seed: spread is measured; Centola 2010 (adoption rises with adopters); "
       "value: assumption"),
    _p("spread_fidelity", 0.5, (0.0, 1.0), (0.2, 1.0), "share", "outcomes",
       "Practice gain of a spread adoption relative to a tested one.", ASSUMPTION),
    _p("training_transfer", 0.03, (0.0, 1.0), (0.0, 0.1), "share", "outcomes",
       "Direct practice gain from a knowledge gain, without tests of change (the "
       "know-do gap); it fades to what the practices in use sustain.",
       "Joyce & Showers: workshops alone bring 0-5% regular classroom use (evidence "
       "21, qualitative); value: assumption, checked by patterns 6b and 6c"),
    _p("capacity_growth", 0.03, (0.0, 1.0), (0.01, 0.06), "share of gap per week",
       "outcomes", "Weekly growth of organizational capacity toward a higher target "
       "(set by the routines people hold and the driver-5 ideas in use).", ASSUMPTION),
    _p("capacity_erosion", 0.01, (0.0, 1.0), (0.0, 0.03), "share per week", "outcomes",
       "Weekly erosion of organizational capacity toward a lower target.",
       ASSUMPTION),
    _p("child_growth", 0.15, (0.0, 1.0), (0.05, 0.25), "SD per week per unit practice",
       "outcomes", "Weekly change in classroom mean child SE competence per unit of "
       "practice above the baseline mean.",
       "Calibrated to pattern 2 (child gains 0.1-0.3 SD; Egert et al. 2018, Reinke "
       "et al. 2018), see docs/calibration.md"),
    _p("rate_child_fade", 0.7, (0.0, 5.0), (0.3, 1.4), "per year", "outcomes",
       "Relaxation of child competence toward norm (fade-out) per year.",
       "Bailey et al. 2017: gains halve within about a year (ln 2 = 0.69)"),
    _p("cb_link", 0.7, (0.0, 3.0), (0.3, 1.2), "SD of behavior per SD of competence",
       "outcomes", "Shift of the latent behavior-problem score per SD of competence "
       "(probit link to the share with challenging behavior).",
       "Hemmeter et al. 2016: problem behavior g 0.31 vs social skills g 0.44"),
    _p("obs_error_sd", 0.05, (0.0, 0.5), (0.02, 0.1), "share of key practices",
       "outcomes", "Observer error of a classroom observation of SEL practice.",
       ASSUMPTION),
    _p("improved_margin_sd", 0.5, (0.0, 5.0), (0.25, 1.0), "baseline SD", "outcomes",
       "Observed practice gain that counts a classroom as improved.",
       "Half a baseline SD, a medium effect; assumption"),
    # ---- issue 4: scenarios (coaching length, cohorts) and cost
    _p("coach_weeks_per_practice", 4, (1, 52), (2, 8), "weeks", "design",
       "A coach brings a new practice (the package's best by research evidence) to "
       "a coached classroom with room for it every this many weeks.",
       "Practice-based coaching works on a few practices at a time (Hemmeter et al. "
       "2016); value: assumption"),
    _p("dur_coaching_weeks", 16, (1, 156), (8, 52), "weeks", "design",
       "Weeks of individual coaching from the start of the collaborative (coaching "
       "arm; never beyond the collaborative).",
       "Hemmeter et al. 2016: about 16 weeks of practice-based coaching; "
       "coaching_gain is checked for 16 weeks"),
    _p("n_cohorts", 1, (1, 50), (1, 10), "cohorts", "design",
       "Successive collaboratives (cohorts) of n_centers programs each, for a state "
       "enrolling n_cohorts x n_centers programs. Run by the scenario runner "
       "(bscsim.cohorts): cohorts do not interact in the model.", ASSUMPTION),
    _p("cohort_interval_weeks", 52, (1, 260), (26, 104), "weeks", "design",
       "Weeks between the starts of successive cohorts (sets the state's calendar: "
       "when the last cohort finishes).", ASSUMPTION),
    _p("wage_hour", 25.0, (0.0, 200.0), (18.0, 35.0), "USD per hour", "cost",
       "Cost of one hour of staff time (teachers, directors; parents get a stipend "
       "at the same rate), wages plus benefits.",
       "BLS OEWS May 2023: preschool teachers' median about $17.8/h; plus about 30% "
       "benefits and directors' higher pay: assumption"),
    _p("cost_ls_attendee", 300.0, (0.0, 5000.0), (150.0, 600.0),
       "USD per attendee per session", "cost",
       "Direct cost of a learning session per attendee: venue, meals, travel, "
       "materials and the faculty's time at the session.",
       "assumption: a one-day regional meeting"),
    _p("hours_learning_session", 8.0, (0.0, 24.0), (6.0, 16.0), "hours", "cost",
       "Staff time one attendee spends at a learning session (paid at wage_hour).",
       "assumption: one day (learning collaboratives begin with about two days of "
       "in-person training, evidence 3.7)"),
    _p("cost_call_attendee", 10.0, (0.0, 500.0), (0.0, 30.0),
       "USD per attendee per call", "cost",
       "Direct cost of a call per attendee (facilitation, platform).", ASSUMPTION),
    _p("hours_call", 1.0, (0.0, 8.0), (0.5, 1.5), "hours", "cost",
       "Staff time per call attended (paid at wage_hour).", ASSUMPTION),
    _p("hours_meeting", 1.0, (0.0, 8.0), (0.5, 1.5), "hours", "cost",
       "Length of a cross-role team meeting; every team seat is paid at wage_hour.",
       ASSUMPTION),
    _p("cost_faculty_hour", 100.0, (0.0, 1000.0), (60.0, 200.0), "USD per hour", "cost",
       "Cost of one hour of BSC faculty consultation with a team.",
       "assumption: a QI consultant's hourly rate"),
    _p("cost_coach_hour", 80.0, (0.0, 1000.0), (50.0, 150.0), "USD per hour", "cost",
       "Cost of one hour of practice-based coaching, including the coach's "
       "preparation and travel (the teacher's time is added at wage_hour).",
       "assumption: a coach's salary and overhead spread over coaching hours"),
    _p("cost_workshop_teacher", 250.0, (0.0, 5000.0), (100.0, 500.0),
       "USD per teacher", "cost",
       "Direct cost of the training-only workshop per lead teacher (trainer, "
       "materials).", "assumption: a one-day workshop"),
    _p("hours_workshop", 6.0, (0.0, 40.0), (3.0, 16.0), "hours", "cost",
       "Staff time of one teacher at the workshop (paid at wage_hour).",
       "assumption: one day"),
    _p("planning_hours_paid_base", 2.0, (0.0, 10.0), (0.0, 4.0), "hours per week",
       "cost", "Planning hours a team member already has without the policy; each "
       "hour of planning_hours above it is a cost of the strategy (wage_hour, each "
       "team seat, each week of the collaborative).",
       "assumption: equal to the default planning_hours"),
    _p("cost_collab_fixed", 50000.0, (0.0, 1e7), (20000.0, 150000.0),
       "USD per collaborative", "cost",
       "Fixed cost of running a collaborative (design, change package, data "
       "system, faculty planning), shared by its centers; charged when teams meet "
       "at learning sessions or calls.",
       "assumption: a small organizing staff for a year"),
)

# Each parameter's role (see ROLES). Every parameter not named here is an uncertainty:
# nobody chooses it, and an exploration samples it over its plausible range.
ROLE_OF: dict[str, str] = {
    **dict.fromkeys((
        # the BSC's elements and the policy levers of a funder or a state
        "n_learning_sessions", "call_interval_weeks", "affinity_calls", "teams_on",
        "n_team_teachers", "n_team_parents", "meeting_interval_weeks", "pdsa_support",
        "faculty_hours_month", "training_dose", "coaching_hours_week",
        "planning_hours", "dur_coaching_weeks", "coach_weeks_per_practice",
        "n_cohorts", "cohort_interval_weeks", "outreach_hours", "stipend_hours",
    ), "lever"),
    **dict.fromkeys((
        # the size and calendar of a collaborative, and the prices of its costing
        "n_centers", "share_head_start", "n_classrooms", "children_per_classroom",
        "weeks_collab", "weeks_followup", "wage_hour", "cost_ls_attendee",
        "hours_learning_session", "cost_call_attendee", "hours_call", "hours_meeting",
        "cost_faculty_hour", "cost_coach_hour", "cost_workshop_teacher",
        "hours_workshop", "planning_hours_paid_base", "cost_collab_fixed",
    ), "constant"),
    **dict.fromkeys((
        # switches of the theory's mechanisms and definitions of a measure
        "psych_safety_on", "vicarious_on", "inquiry_on", "improved_margin_sd",
        "obs_error_sd",
    ), "structure"),
}
PARAMS = tuple(dataclasses.replace(p, role=ROLE_OF.get(p.name, "uncertainty"))
               for p in PARAMS)

BY_NAME: dict[str, Param] = {p.name: p for p in PARAMS}
NAMES: tuple[str, ...] = tuple(BY_NAME)
DEFAULTS: dict[str, Any] = {p.name: p.default for p in PARAMS}

assert len(BY_NAME) == len(PARAMS), "parameter names must be unique"
assert all(p.group in GROUPS for p in PARAMS), "every parameter needs a known group"
assert set(ROLE_OF) <= set(BY_NAME), "ROLE_OF names a parameter that does not exist"
assert set(ROLE_OF.values()) <= set(ROLES), "ROLE_OF holds an unknown role"


def _validate(self) -> None:
    for p in PARAMS:
        object.__setattr__(self, p.name, p.check(getattr(self, p.name)))
    for lo, hi in (("abandon_threshold", "adopt_threshold"),):
        if getattr(self, lo) > getattr(self, hi):
            raise ParamError(lo, getattr(self, lo), f"a number at most {hi} "
                             f"({_fmt(getattr(self, hi))})")


def _replace(self, **changes) -> "Params":
    """A copy with `changes` applied, validated like any other Params."""
    for name in changes:
        if name not in BY_NAME:
            raise UnknownParamError(name)
    return dataclasses.replace(self, **changes)


def _to_dict(self) -> dict[str, Any]:
    return {p.name: getattr(self, p.name) for p in PARAMS}


Params = dataclasses.make_dataclass(
    "Params",
    [(p.name, p.kind, dataclasses.field(default=p.default)) for p in PARAMS],
    frozen=True,
    namespace={
        "__post_init__": _validate,
        "replace": _replace,
        "to_dict": _to_dict,
        "__doc__": "All model parameters, validated and frozen. Build with "
                   "`Params(**values)` or `load_config`; change with `.replace()`.",
    },
)
Params.__module__ = __name__


def make_params(values: dict[str, Any] | None = None) -> "Params":
    """Params from a plain dict; an unknown name names the nearest valid one."""
    values = dict(values or {})
    for name in values:
        if name not in BY_NAME:
            raise UnknownParamError(name)
    return Params(**values)


def salib_problem(names: list[str] | None = None,
                  bounds: dict[str, tuple[float, float]] | None = None,
                  groups: bool = False) -> dict[str, Any]:
    """The SALib problem over `names` (default: every numeric parameter).

    Bounds come from the plausible ranges unless overridden; with `groups=True`
    each parameter is grouped by its mechanism group.
    """
    names = list(names) if names is not None else [
        p.name for p in PARAMS if p.kind is not bool]
    bounds = bounds or {}
    for name in list(names) + list(bounds):
        if name not in BY_NAME:
            raise UnknownParamError(name)
        if BY_NAME[name].kind is bool:
            raise ParamError(name, "switch", "a numeric parameter (switches cannot be "
                             "sampled)")
    problem = {
        "num_vars": len(names),
        "names": names,
        "bounds": [list(bounds.get(n, BY_NAME[n].plausible)) for n in names],
    }
    if groups:
        problem["groups"] = [BY_NAME[n].group for n in names]
    return problem


def describe(name: str) -> str:
    """A plain-text explanation of one parameter (for `bscsim params NAME`)."""
    if name not in BY_NAME:
        raise UnknownParamError(name)
    p = BY_NAME[name]
    lines = [
        f"{p.name}  ({p.group}; role: {p.role})",
        f"  {p.meaning}",
        f"  default:   {p.default}",
        f"  unit:      {p.unit}",
        f"  allowed:   {p.allowed()}",
    ]
    if p.kind is int:
        lines.append("  sampling:  designs that draw from a range (random, LHS, Sobol, "
                     "Morris, your own) round it to the nearest whole number")
    if p.kind is not bool:
        lines.append(f"  plausible: {_fmt(p.plausible[0])} to {_fmt(p.plausible[1])} "
                     "(range used by sensitivity analysis)")
    lines.append(f"  source:    {p.source}")
    return "\n".join(lines)
