"""Declarations: plain labels for figure axes, legends and tables, from the declared
outputs (`bscsim.outputs`) and parameters (`bscsim.params`): words and units, never
code names such as `practice_gain_sd` or `turnover_cc`."""

from __future__ import annotations

import re

from .outputs import BY_NAME as OUTPUTS, label as output_label
from .params import BY_NAME as PARAMS

# Plain words for the parts of parameter names that are abbreviations.
PARAM_WORDS = {"n": "number of", "p": "chance", "dur": "duration", "rate": "rate",
               "cc": "(child care)", "hs": "(Head Start)", "ls": "learning session",
               "cb": "challenging behavior", "qi": "QI", "pdsa": "PDSA", "sd": "SD",
               "on": "on", "sel": "SEL", "ps": "safety", "psych": "psychological",
               "collab": "collaborative", "followup": "follow-up", "mult": "multiplier",
               "obs": "observation", "ageout": "age-out", "head": "Head", "start": "Start"}


def param_words(name: str) -> str:
    """A parameter's name in words: 'turnover_cc' -> 'turnover (child care)'
    (a switch loses its trailing 'on')."""
    parts = [PARAM_WORDS.get(w, w) for w in name.split("_")]
    if name in PARAMS and PARAMS[name].kind is bool and parts[-1] == "on":
        parts = parts[:-1]
    return " ".join(parts)


def axis(name: str) -> str:
    """The label of an axis showing a declared output or parameter: its plain words
    and unit ('change in classroom SEL practice (baseline SD)', 'turnover (child
    care) (share per year)'); any other column name with spaces for underscores."""
    if name in OUTPUTS:
        return output_label(name)
    if name in PARAMS:
        p = PARAMS[name]
        return f"{param_words(name)} ({p.unit})" if p.unit else param_words(name)
    return name.replace("_", " ")


def plain(text: str) -> str:
    """`text` with every declared output or parameter name in it replaced by its
    plain words: 'practice_gain_sd < 0.2' -> 'change in classroom SEL practice < 0.2'."""
    from .outputs import words
    names = sorted((n for n in (*OUTPUTS, *PARAMS) if "_" in n), key=len, reverse=True)
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b")
    return pattern.sub(lambda m: words(m[1]) if m[1] in OUTPUTS else param_words(m[1]),
                       text)
