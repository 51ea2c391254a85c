# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Getting started with bscsim
#
# A Breakthrough Series Collaborative on social and emotional learning, simulated:
# eight early care and education programs, each with a cross-role team, over a
# 52-week collaborative and 26 weeks of follow-up. This notebook runs the default
# collaborative once, looks at what it returns, draws it, and then runs it many
# times to see how much one run can differ from another.
#
# It is a jupytext "percent" notebook: open it in Jupyter (with `pip install
# jupytext`) or run it as a script, `python notebooks/01_getting_started.py`.

# %%
import bscsim

params = bscsim.load_config("configs/ccl_phase1.toml")   # the default: CCL Phase I
print(params.n_centers, "centers,", params.weeks_collab, "+", params.weeks_followup, "weeks")

# %% [markdown]
# ## One run
#
# `simulate` runs the model once and returns a `Result`: a summary (one number per
# output), weekly series and per-center tables. Every output is declared with its
# unit and the box of the theory of change it stands for (`bscsim.outputs`).

# %%
result = bscsim.simulate(params, seed=0)
result.summary[["practice_gain_sd", "classrooms_improved_share", "child_se_gain_sd",
                "psych_safety_end", "cost_per_center"]]

# %%
result.timeseries[["week", "psych_safety", "inquiry", "practice_participating"]].tail()

# %% [markdown]
# `Result.plot()` draws the theory-of-change chain over time (the figure `bscsim run`
# saves) and returns a matplotlib Figure.

# %%
from pathlib import Path

out = Path("results/notebooks")
out.mkdir(parents=True, exist_ok=True)
fig = result.plot()
fig.savefig(out / "01_overview.png", dpi=80)

# %% [markdown]
# ## One run is one draw
#
# Another seed gives other programs, other people and other chance events. The
# ensemble engine, `simulate_many`, runs many collaboratives at once (each with
# exactly the numbers it would have alone) and returns one summary row per run.

# %%
many = bscsim.simulate_many(params, seeds=range(20))
gain = many["practice_gain_sd"]
print(f"practice gain over 20 runs: median {gain.median():+.2f} SD, "
      f"90% of runs between {gain.quantile(0.05):+.2f} and {gain.quantile(0.95):+.2f}")

# %% [markdown]
# ## A change, compared on the same seeds
#
# To ask whether a change helps, run it on the same seeds (common random numbers)
# and look at the differences run by run: pairing removes most of the chance.

# %%
more_planning = bscsim.simulate_many(params.replace(planning_hours=4.0), seeds=range(20))
diff = more_planning["practice_gain_sd"] - many["practice_gain_sd"]
print(f"4 h paid planning instead of {params.planning_hours:g} h: practice gain "
      f"{diff.mean():+.2f} SD on average, higher in {(diff > 0).mean():.0%} of the "
      "20 paired runs")

# %% [markdown]
# Next: `notebooks/02_policy_question.py` answers a policy question with `compare`,
# and `docs/tutorial.md` walks through the command line.
