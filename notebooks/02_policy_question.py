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
# # A policy question: individual coaching or the full collaborative?
#
# A state can fund the full Breakthrough Series Collaborative (learning sessions,
# calls, cross-role teams, PDSA cycles) or individual coaching of teachers, which
# costs far less per program. Does coaching improve as many classrooms? This
# notebook compares the two configs, paired by seed, and reads the answer the way
# `bscsim compare` prints it: with the uncertainty in words, and a cost per
# classroom improved only where the difference in classrooms improved is
# distinguishable from zero.
#
# Run it as a script (`python notebooks/02_policy_question.py`) or open it in
# Jupyter with jupytext.

# %%
from bscsim.scenarios import compare, configs_as_scenarios

spec = configs_as_scenarios(["configs/ccl_phase1.toml", "configs/arms/coaching.toml"],
                            replicates=10, seed=2026)
comparison = compare(spec)          # 2 configs x 10 replicates, common random numbers
print(spec.reference, "is the reference;", spec.replicates, "paired replicates")

# %% [markdown]
# ## The outcomes, side by side
#
# `stats()` gives, per scenario and output, the median and the 90% interval over
# the replicates, and the paired difference from the reference.

# %%
st = comparison.stats()
st[st["output"].isin(["classrooms_improved_share", "practice_gain_sd",
                      "cost_per_center"])][["scenario", "output", "median", "lo", "hi",
                                            "diff_median", "diff_lo", "diff_hi"]]

# %% [markdown]
# ## What each extra improved classroom costs
#
# `incremental()` divides the mean extra cost per program by the mean extra
# classrooms improved per program, with 95% bootstrap intervals. Its `verdict` says
# whether the gain is detectable (its interval excludes zero); only then is the
# ratio a cost per extra classroom improved.

# %%
comparison.incremental()[["scenario", "extra_cost_per_center",
                          "extra_improved_per_center", "extra_improved_lo",
                          "extra_improved_hi", "verdict"]]

# %% [markdown]
# ## The answer in words

# %%
print(comparison.bottom_line())

# %% [markdown]
# ## The figure of differences
#
# The same figure `bscsim compare --plot FILE` writes: each scenario's paired
# difference from the reference, its median and the range of 90% of the runs.

# %%
from pathlib import Path

from bscsim.scenarios import plots

out = Path("results/notebooks")
out.mkdir(parents=True, exist_ok=True)
labels = {s.name: s.label for s in spec.scenarios}
fig = plots.differences(st, spec.names, labels, spec.reference)
fig.savefig(out / "02_differences.png", dpi=80)

# %% [markdown]
# Ten replicates is a first look; the command line runs the same comparison with
# more (`bscsim compare configs/ccl_phase1.toml configs/arms/coaching.toml
# --replicates 40 --report results/coaching.html`), and `configs/scenarios/strategies.toml`
# compares six strategies at once.
