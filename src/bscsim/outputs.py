"""Declarations: every model output, declared once, named after the theory of change.

Each output has a name, unit, meaning and the box of the seed's theory of change it
stands for (`outputs`, `mechanisms`, `short_term`, `long_term`, `impacts`, or
`context`), or `cost` (what the strategy costs, for cost-effectiveness). Plot labels, the summary table of `bscsim run` and `docs/outputs.md` are
derived from here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

BOXES = ("outputs", "mechanisms", "short_term", "long_term", "impacts", "context",
         "cost")
BOX_TITLES = {
    "outputs": "Outputs (BSC activities, structures, work processes)",
    "mechanisms": "Mechanisms",
    "short_term": "Short-term outcomes",
    "long_term": "Long-term outcomes (the primary drivers)",
    "impacts": "Impacts",
    "context": "Context",
    "cost": "Cost (of the strategy, over the collaborative; see docs/scenarios.md)",
}


DIRECTIONS = ("up", "down", "none")   # more is better, less is better, neither


@dataclass(frozen=True)
class Output:
    name: str
    unit: str
    box: str
    meaning: str
    direction: str = "none"               # one of DIRECTIONS; from GOALS below
    threshold: float | None = None        # success: at least (up) / at most (down)
    threshold_source: str = ""


def _o(name, unit, box, meaning):
    return Output(name, unit, box, meaning)


# Weekly, model-level (Result.timeseries). Counts are cumulative from week 0.
TIMESERIES: tuple[Output, ...] = (
    _o("ls_attendance", "person-sessions", "outputs", "Learning-session attendances."),
    _o("call_attendance", "person-calls", "outputs", "All-team and affinity call attendances."),
    _o("meetings_held", "meetings", "outputs", "Cross-role team meetings held."),
    _o("metrics_reported", "reports", "outputs", "Monthly metrics reports sent."),
    _o("pdsa_started", "cycles", "outputs", "PDSA cycles started."),
    _o("pdsa_completed", "cycles", "outputs", "PDSA cycles completed."),
    _o("pdsa_adopted", "cycles", "outputs", "Cycles ending in adopt."),
    _o("pdsa_adapted", "cycles", "outputs", "Cycles ending in adapt."),
    _o("pdsa_abandoned", "cycles", "outputs", "Cycles ending in abandon."),
    _o("spread_adoptions", "adoptions", "outputs",
       "Change ideas taken up by classrooms through spread."),
    _o("deadoptions", "practices", "outputs",
       "Practices in use dropped at team meetings because the teacher (or, for "
       "driver 5, the director) no longer believed they work."),
    _o("staff_ideas", "ideas", "mechanisms",
       "Ideas of their own that staff voiced at team meetings."),
    _o("psych_safety", "0-1", "mechanisms",
       "Mean psychological safety of participants (team members, or participating "
       "teachers and directors where there is no team)."),
    _o("efficacy", "0-1", "mechanisms", "Mean self-efficacy of participants."),
    _o("power_gap", "status units", "mechanisms",
       "Director's status minus the mean status of the other participants."),
    _o("voice", "acts", "mechanisms", "Times a member spoke up in a team meeting."),
    _o("inquiry", "0-1", "mechanisms", "Mean inquiry mindset of participants."),
    _o("ties", "0-1", "mechanisms", "Mean tie strength between pairs of teams."),
    _o("vicarious_updates", "updates", "mechanisms",
       "Beliefs moved by another center's shared PDSA report."),
    _o("team_updates", "updates", "mechanisms",
       "Beliefs moved by a teammate's shared PDSA report."),
    _o("knowledge_sel", "0-1", "short_term", "Mean SEL knowledge of participants."),
    _o("knowledge_family", "0-1", "short_term",
       "Mean family-engagement knowledge of participants."),
    _o("knowledge_equity", "0-1", "short_term",
       "Mean equity and cultural-responsiveness knowledge of participants."),
    _o("qi_skill", "0-1", "short_term", "Mean QI skill (making improvements) of participants."),
    _o("leadership", "0-1", "short_term", "Mean shared leadership of directors."),
    _o("climate", "0-1", "short_term",
       "Organizational climate: mean psychological safety of all staff present."),
    _o("practice_relationships", "share of key practices", "long_term",
       "Driver 1 practice, participating classrooms."),
    _o("practice_social_skills", "share of key practices", "long_term",
       "Driver 2 practice, participating classrooms."),
    _o("practice_family", "share of key practices", "long_term",
       "Driver 3 practice, participating classrooms."),
    _o("practice_equity", "share of key practices", "long_term",
       "Driver 4 practice, participating classrooms."),
    _o("capacity", "0-1", "long_term", "Driver 5: mean organizational capacity."),
    _o("practices_in_use", "practices", "long_term",
       "Mean number of change ideas (drivers 1-4) in use per participating classroom."),
    _o("harmful_in_use", "share", "long_term",
       "Share of the practices in use in participating classrooms that do harm there "
       "(true effect below 0; 0 when none is in use)."),
    _o("practice_participating", "share of key practices", "impacts",
       "Mean SEL practice quality of participating classrooms."),
    _o("practice_spread", "share of key practices", "impacts",
       "Mean SEL practice quality of the other classrooms of the centers."),
    _o("child_se", "z", "impacts",
       "Mean child social-emotional competence, participating classrooms."),
    _o("cb_share", "share of children", "impacts",
       "Share of children with challenging behavior, participating classrooms."),
    _o("vacancy_share", "share of posts", "context", "Vacant lead-teacher posts."),
    _o("leavers", "people", "context", "Staff who left (cumulative)."),
)

# Weekly, per center (Result.centers).
CENTER: tuple[Output, ...] = (
    _o("practice_participating", "share of key practices", "impacts",
       "Mean SEL practice quality of the center's participating classrooms."),
    _o("practice_all", "share of key practices", "impacts",
       "Mean SEL practice quality of all the center's classrooms."),
    _o("psych_safety", "0-1", "mechanisms", "Mean psychological safety of the participants."),
    _o("inquiry", "0-1", "mechanisms", "Mean inquiry mindset of the participants."),
    _o("capacity", "0-1", "long_term", "Organizational capacity."),
    _o("pdsa_completed", "cycles", "outputs", "PDSA cycles completed (cumulative)."),
    _o("vicarious_updates", "updates", "mechanisms", "Vicarious updates (cumulative)."),
    _o("vacancy_share", "share of posts", "context", "Vacant lead-teacher posts."),
)

# Scalars (Result.summary), at the end of the collaborative unless said otherwise.
SUMMARY: tuple[Output, ...] = (
    _o("classrooms_improved_share", "share", "impacts",
       "Participating classrooms whose observed SEL practice (with observer error "
       "`obs_error_sd`) rose by more than `improved_margin_sd` baseline SDs."),
    _o("practice_gain_sd", "baseline SD", "impacts",
       "Mean change in SEL practice quality of participating classrooms, in units of "
       "`practice_sd`."),
    _o("child_se_gain_sd", "SD", "impacts",
       "Mean change in child social-emotional competence, participating classrooms "
       "(baseline to end of the collaborative, same program year when 52 weeks)."),
    _o("challenging_behavior_change", "share of children", "impacts",
       "Change in the share of children with challenging behavior, participating "
       "classrooms (negative = fewer)."),
    _o("spread_gain_sd", "baseline SD", "impacts",
       "Mean change in SEL practice of non-participating classrooms of the centers."),
    _o("teams_improved_share", "share", "impacts",
       "Centers whose participating classrooms gained more than `improved_margin_sd` "
       "on average (true practice)."),
    _o("team_gain_sd_spread", "baseline SD", "impacts",
       "Between-center SD of the mean practice gain of participating classrooms."),
    _o("pdsa_completed_per_team", "cycles", "outputs", "PDSA cycles completed per center."),
    _o("pdsa_adopted_per_team", "cycles", "outputs", "Cycles ending in adopt per center."),
    _o("harmful_adoption_share", "share", "outputs",
       "Share of the cycles ending in adopt whose idea does harm in that center "
       "(true effect below 0)."),
    _o("harmful_in_use_share", "share", "long_term",
       "Share of the practices in use in participating classrooms that do harm there "
       "(0 when none is in use)."),
    _o("deadoptions_per_team", "practices", "outputs",
       "Practices in use dropped per center (de-adoption)."),
    _o("staff_ideas_per_team", "ideas", "mechanisms",
       "Ideas of their own voiced by staff, per center."),
    _o("failures_shared_share", "share", "mechanisms",
       "Share of failed tests (result at or below 0) whose runner "
       "shared them with her team."),
    _o("ties_sd", "0-1", "mechanisms",
       "SD of tie strength between pairs of teams (0: every pair alike)."),
    _o("iterative_share", "share", "outputs",
       "Share of tested (center, idea) pairs tested in a sequence of cycles: at least "
       "one cycle built on an earlier cycle of the same idea (after 'adapt')."),
    _o("psych_safety_end", "0-1", "mechanisms", "Mean psychological safety of participants."),
    _o("inquiry_end", "0-1", "mechanisms", "Mean inquiry mindset of participants."),
    _o("efficacy_end", "0-1", "mechanisms", "Mean self-efficacy of participants."),
    _o("vicarious_updates_per_team", "updates", "mechanisms",
       "Vicarious belief updates per center."),
    _o("capacity_end", "0-1", "long_term", "Mean organizational capacity."),
    _o("knowledge_sel_end", "0-1", "short_term", "Mean SEL knowledge of participants."),
    _o("leavers_per_center", "people", "context", "Staff who left, per center."),
    _o("practice_gain_sd_followup", "baseline SD", "impacts",
       "As practice_gain_sd, at the end of the follow-up."),
    _o("child_se_gain_sd_followup", "SD", "impacts",
       "Mean child competence at the end of the follow-up minus at baseline "
       "(a new cohort after each program year)."),
    # ---- issue 22: the causal chain's checks (bscsim.mechanisms)
    _o("practices_in_use_end", "practices", "long_term",
       "Mean number of change ideas in use per participating classroom."),
    _o("practices_in_use_followup", "practices", "long_term",
       "As practices_in_use_end, at the end of the follow-up."),
    _o("routines_end", "0-1", "long_term",
       "Mean BSC routines (running tests, reading data) of participants."),
    _o("routines_followup", "0-1", "long_term", "As routines_end, at the end of the follow-up."),
    _o("practices_lost_per_classroom", "practices", "context",
       "Practices in use that turnover ended (a teacher leaving or a newcomer "
       "arriving), per participating classroom, over the collaborative."),
    _o("routines_lost_per_center", "person-routines", "context",
       "BSC routines (0-1 per person) that turnover erased, per center, over the "
       "collaborative."),
    _o("harmful_tested_inquiry", "share", "outputs",
       "Share of the cycles decided by inquiry (own data, not compliance) whose idea "
       "does harm in that classroom (0 when there are none)."),
    _o("harmful_adopted_inquiry", "share", "outputs",
       "Share of the cycles decided by inquiry and ending in adopt whose idea does "
       "harm in that classroom (0 when there are none)."),
    # ---- issue 4: cost-effectiveness
    _o("cost_per_center", "USD", "cost",
       "Cost of the strategy per center over the collaborative (bscsim.cost)."),
    _o("cost_per_classroom_improved", "USD", "cost",
       "Cost of the strategy per participating classroom counted as improved "
       "(classrooms_improved_share); NaN when none improved."),
)

# What a policymaker wants of each summary output: its direction (more or less is
# better) and, where the field has one, the threshold of success with its source.
# Outputs not named here have no direction: they describe how the BSC worked
# (cycles run, ideas voiced), not whether it succeeded. Explorations (bscsim explore)
# take these as their defaults; a file may set other thresholds.
GOALS: dict[str, tuple[str, float | None, str]] = {
    "classrooms_improved_share": (
        "up", 0.5, "most participating classrooms improved (more than half): the "
        "question of issue 14; assumption"),
    "practice_gain_sd": (
        "up", 0.5, "a medium effect (half a baseline SD), as improved_margin_sd; "
        "assumption"),
    "child_se_gain_sd": (
        "up", 0.1, "the low end of child gains of SEL programs, 0.1-0.3 SD (Egert "
        "et al. 2018; pattern 2)"),
    "challenging_behavior_change": (
        "down", 0.0, "fewer children with challenging behavior than at baseline"),
    "spread_gain_sd": ("up", None, ""),
    "teams_improved_share": ("up", None, ""),
    "harmful_adoption_share": ("down", None, ""),
    "harmful_in_use_share": ("down", None, ""),
    "practice_gain_sd_followup": ("up", None, ""),
    "child_se_gain_sd_followup": ("up", None, ""),
    "cost_per_center": ("down", None, ""),
    "cost_per_classroom_improved": ("down", None, ""),
}
SUMMARY = tuple(replace(o, direction=GOALS[o.name][0], threshold=GOALS[o.name][1],
                        threshold_source=GOALS[o.name][2]) if o.name in GOALS else o
                for o in SUMMARY)

assert set(GOALS) <= {o.name for o in SUMMARY}, "GOALS names an undeclared output"
assert all(g[0] in DIRECTIONS for g in GOALS.values()), "GOALS holds an unknown direction"

TIMESERIES_NAMES = tuple(o.name for o in TIMESERIES)
CENTER_NAMES = tuple(o.name for o in CENTER)
SUMMARY_NAMES = tuple(o.name for o in SUMMARY)
BY_NAME = {o.name: o for o in TIMESERIES + SUMMARY}
SUMMARY_BY_NAME = {o.name: o for o in SUMMARY}


# Plain words for the outputs whose names are abbreviations, for readers who never
# saw the code (dashboard, reports); `words` gives every other name with spaces.
WORDS = {
    "ls_attendance": "learning-session attendance",
    "call_attendance": "call attendance",
    "metrics_reported": "metrics reports sent",
    "pdsa_started": "PDSA cycles started",
    "pdsa_completed": "PDSA cycles completed",
    "pdsa_adopted": "PDSA cycles adopted",
    "pdsa_adapted": "PDSA cycles adapted",
    "pdsa_abandoned": "PDSA cycles abandoned",
    "spread_adoptions": "ideas spread to other classrooms",
    "psych_safety": "psychological safety",
    "efficacy": "self-efficacy",
    "power_gap": "director's status gap",
    "voice": "times members spoke up",
    "inquiry": "inquiry mindset",
    "ties": "ties between programs",
    "vicarious_updates": "lessons from other programs",
    "team_updates": "lessons from teammates",
    "knowledge_sel": "SEL knowledge",
    "knowledge_family": "family-engagement knowledge",
    "knowledge_equity": "equity knowledge",
    "qi_skill": "skill at making improvements",
    "leadership": "directors' shared leadership",
    "climate": "climate (safety of all staff)",
    "practice_relationships": "practice: relationships",
    "practice_social_skills": "practice: social skills",
    "practice_family": "practice: family partnership",
    "practice_equity": "practice: equity",
    "capacity": "organizational capacity",
    "practice_participating": "SEL practice, team classrooms",
    "practice_spread": "SEL practice, other classrooms",
    "child_se": "children's social-emotional competence",
    "cb_share": "children with challenging behavior",
    "vacancy_share": "vacant lead-teacher posts",
    "leavers": "staff who left",
}


def words(name: str) -> str:
    """An output's name in plain words (no abbreviations)."""
    return WORDS.get(name, name.replace("_", " "))


def label(name: str) -> str:
    """A plot label: the output's name in words, with its unit."""
    o = BY_NAME[name]
    return f"{name.replace('_', ' ')} ({o.unit})"


def success(name: str, value, threshold: float | None = None):
    """Whether `value` (a number or an array) meets the output's threshold: at least
    it (direction up) or at most it (down). `threshold` overrides the declared one."""
    o = SUMMARY_BY_NAME[name]
    t = o.threshold if threshold is None else threshold
    if t is None or o.direction == "none":
        raise ValueError(f"output {name} has no threshold of success")
    return value >= t if o.direction == "up" else value <= t


def nearest_output(name: str, options=None) -> str | None:
    """The declared summary output closest to a misspelt name, or None."""
    from .params import nearest
    return nearest(name, SUMMARY_NAMES if options is None else options)
