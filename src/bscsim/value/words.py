"""Faces: a value-of-information analysis in words and as a printed report.

`bottom_line` gives the sentences a state administrator reads first (the report's
top, the printed report's end); `report_text` the whole printed report.
"""

from __future__ import annotations

import pandas as pd

GROUP_WORDS = {
    "psych_safety": "psychological safety (the first mechanism)",
    "vicarious": "learning across programs (the second mechanism)",
    "inquiry": "the inquiry mindset (the third mechanism)",
    "context": "the context (turnover, vacancies, starting points)",
    "design": "how tests of change and change ideas work (the collaborative's design)",
    "outcomes": "how practice turns into children's outcomes",
    "cost": "the prices behind the costs",
    "all": "every uncertain parameter together",
}
SMALL = 0.05          # an EVPPI below 5% of the EVPI (and 2 SE) "does not matter"


def usd(x: float) -> str:
    """Dollars, rounded; an estimate a hair below 0 (regression) reads $0."""
    return f"${max(x, 0.0):,.0f}" if x > -0.5 else f"-${-x:,.0f}"


def at(df: pd.DataFrame, wtp: float) -> pd.DataFrame:
    return df[df["wtp"] == wtp] if len(df) else df


def bottom_line(result) -> list[str]:
    """The findings in plain words, at the decision's headline willingness to pay."""
    d = result.decision
    w = d.headline_wtp
    labels = {o.name: o.label for o in d.options}
    ceac = at(result.ceac, w)
    best = ceac[ceac["best_expected"]].iloc[0]
    evpi = float(at(result.evpi, w)["evpi_per_center"].iloc[0])
    lines = [f"At {usd(w)} per {d.units}, {labels[best['option']]} has the highest expected "
             f"net benefit ({usd(best['expected_nb'])} per center) and is the best option "
             f"in {best['p_best']:.0%} of the {len(result.draws):,} parameter draws."]
    pop = d.population
    groups = at(result.groups, w).sort_values("evppi_per_center", ascending=False)
    every = groups[groups["group"] == "all"]
    groups = groups[groups["group"] != "all"]
    if len(every):
        known = float(every["evppi_per_center"].iloc[0])
        lines.append(f"Knowing every uncertain parameter exactly would be worth up to "
                     f"{usd(known)} per center ({usd(known * pop)} for the state's "
                     f"{pop:,.0f} centers, discounted): the most any research could be "
                     f"worth to this decision. (The EVPI over the draws, {usd(evpi)}, "
                     "also counts the chance events of single runs, which no research "
                     "can learn; the same regression on shuffled parameters finds "
                     f"{usd(every['null_per_center'].iloc[0])}, its overfit floor.)")
        evpi = known
    else:
        lines.append(f"Knowing every uncertain parameter exactly would be worth up to "
                     f"{usd(evpi)} per center ({usd(evpi * pop)} for the state's "
                     f"{pop:,.0f} centers, discounted).")
    if evpi <= 0 or not len(groups):
        lines.append("The choice does not depend on the uncertainty drawn: no research "
                     "would change it.")
        return lines
    top = groups.iloc[0]
    rest = groups.iloc[1:]
    if top["evppi_per_center"] < SMALL * evpi:
        lines.append(f"No group of parameters alone carries that value: resolving any "
                     f"one is worth under {SMALL:.0%} of it (at most "
                     f"{usd(top['evppi_per_center'])} per center); the value lies in "
                     "what the groups do together, or in chance the parameters do not "
                     "explain.")
        if result.evsi is not None and len(result.evsi):
            lines.append(study_words(result))
        return lines
    text = (f"Resolving {GROUP_WORDS.get(top['group'], top['group'])} is worth up to "
            f"{usd(top['evppi_per_center'])} per center (SE {usd(top['se_per_center'])})")
    if len(rest):
        nxt = rest.iloc[0]
        text += (f"; nothing else is worth more than {usd(nxt['evppi_per_center'])} "
                 f"({GROUP_WORDS.get(nxt['group'], nxt['group'])})")
    lines.append(text + ".")
    single = at(result.single, w).sort_values("evppi_per_center", ascending=False)
    if len(single) and single["evppi_per_center"].iloc[0] < 1:
        lines.append(f"No single parameter alone changes the choice: knowing any one of "
                     f"the {len(single)} the screen ranked highest is worth under $1 "
                     "per center.")
    elif len(single):
        s = single.iloc[0]
        lines.append(f"Of single parameters, {s['param']} matters most: knowing it alone "
                     f"is worth up to {usd(s['evppi_per_center'])} per center.")
    limit = SMALL * evpi
    small = groups[(groups["evppi_per_center"] < limit)
                   & (groups["evppi_per_center"] < limit + 2 * groups["se_per_center"])]
    if len(small):
        lines.append("Uncertainty that does not matter for this decision (worth under "
                     f"{SMALL:.0%} of the EVPI): "
                     + "; ".join(GROUP_WORDS.get(g, g) for g in small["group"]) + ".")
    if result.evsi is not None and len(result.evsi):
        lines.append(study_words(result))
    return lines


def study_words(result) -> str:
    d, plan = result.decision, result.decision.study
    ev = at(result.evsi, d.headline_wtp)
    label = {o.name: o.label for o in d.options}[plan.option]
    best = ev.loc[ev["enbs"].idxmax()]
    if best["enbs"] <= 0:
        lo, hi = int(ev["centers"].min()), int(ev["centers"].max())
        return (f"A study measuring {label} in {lo if lo == hi else f'{lo}-{hi}'} "
                f"centers is not worth its cost: its value "
                f"for the state (at most {usd(ev['evsi_state'].max())}) is below what it "
                f"costs at {usd(plan.cost_per_center)} per center studied.")
    return (f"A study measuring {label} is worth most, net of its cost, with "
            f"{int(best['centers'])} centers ({int(best['collaboratives'])} "
            f"collaborative(s)): it would be worth {usd(best['evsi_state'])} to the state "
            f"and cost {usd(best['study_cost'])}, an expected net benefit of sampling of "
            f"{usd(best['enbs'])}.")


def report_text(result) -> str:
    d = result.decision
    fmt = {"float_format": lambda v: f"{v:,.3g}"}
    lines = [d.title, f"{len(result.draws):,} parameter draws x {len(d.options)} options "
             f"(common random numbers); outcome {d.outcome} x {d.units_per_center:g} "
             f"{d.units} per center; population {d.population:,.0f} centers (discounted)"]
    if result.dropped:
        lines.append(f"  {result.dropped} draw(s) dropped: a run failed (see runs_*/)")
    src = pd.Series(result.sources).value_counts()
    lines.append("uncertainty: " + ", ".join(f"{n} parameters from the {s} "
                                            + ("(calibrated)" if s == "posterior" else
                                               "ranges (no calibration constrains them)")
                                            for s, n in src.items()))
    lines += ["", "Probability each option is best (CEAC), by willingness to pay:",
              result.ceac.pivot(index="wtp", columns="option", values="p_best")
              .to_string(**fmt), "",
              "EVPI (USD):", result.evpi.to_string(index=False, **fmt), ""]
    w = d.headline_wtp
    cols = ["group", "n_params", "evppi_per_center", "se_per_center", "null_per_center",
            "evppi_state", "r2_min", "resid_z_max"]
    if len(result.groups):
        lines += [f"EVPPI by group at wtp {w:,.0f} (USD; fit check: R^2, residual z):",
                  at(result.groups, w)[cols].to_string(index=False, **fmt), ""]
    if len(result.single):
        lines += [f"EVPPI of the top single parameters at wtp {w:,.0f}:",
                  at(result.single, w)[["param", "group", "evppi_per_center",
                                        "se_per_center", "r2_min", "screen"]]
                  .to_string(index=False, **fmt), ""]
    if result.evsi is not None:
        lines += [f"EVSI and ENBS of the study at wtp {w:,.0f}:",
                  at(result.evsi, w)[["centers", "evsi_per_center", "se_per_center",
                                      "evsi_state", "study_cost", "enbs", "r2"]]
                  .to_string(index=False, **fmt), ""]
    lines += ["In words:", *[f"  {s}" for s in bottom_line(result)]]
    if result.out is not None:
        lines.append(f"results in {result.out}/")
    return "\n".join(lines)
