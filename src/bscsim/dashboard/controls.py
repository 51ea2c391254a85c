"""Faces: the dashboard's controls, derived from the parameter declarations.

Every parameter of `bscsim.params.PARAMS` gets one control: its label comes from the
name, the slider spans the plausible range (widened to hold the default and the
current value), the help text is the declared meaning, unit, allowed range and
source. A typed value is validated by `Params` itself, so the dashboard refuses
exactly what a config file would refuse, with the same one-line message.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..config import ConfigError, parse_set
from ..labels import param_words
from ..params import PARAMS, Param, ParamError, Params, UnknownParamError

# Sections of the control panel, in order: the policy levers first, then the context
# and the three mechanisms of the seed; `outcomes` (how practice reaches children)
# and `cost` (prices) last, as they hold assumptions rather than levers.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("design", "Policy levers: the design of the collaborative"),
    ("context", "Context: turnover, time, starting points"),
    ("psych_safety", "Mechanism 1: psychological safety within programs"),
    ("vicarious", "Mechanism 2: learning from other programs"),
    ("inquiry", "Mechanism 3: the inquiry mindset"),
    ("outcomes", "From practice to children (outcome assumptions)"),
    ("cost", "Cost: prices behind cost-effectiveness"),
)

def label(p: Param) -> str:
    """A readable label from the parameter's name: 'turnover_cc' -> 'Turnover
    (child care)'. The name itself is shown beside it, so it stays searchable."""
    text = param_words(p.name)
    return text[:1].upper() + text[1:]


def help_text(p: Param) -> str:
    """The declared meaning, unit, allowed and plausible range, and source."""
    lines = [p.meaning, f"Unit: {p.unit}. Allowed: {p.allowed()}."]
    if p.kind is not bool:
        lines.append(f"Plausible: {p.plausible[0]:g} to {p.plausible[1]:g}.")
    lines.append(f"Source: {p.source}.")
    return " ".join(lines)


@dataclass(frozen=True)
class Slider:
    """Bounds and step of a parameter's slider."""

    min: float
    max: float
    step: float


def slider(p: Param, value: Any) -> Slider:
    """The plausible range, widened to hold the default and `value` (so a slider
    never clamps a value typed in the box), and clipped to the valid range."""
    lo = min(p.plausible[0], p.default, value)
    hi = max(p.plausible[1], p.default, value)
    lo, hi = max(lo, p.valid[0]), min(hi, p.valid[1])
    if p.kind is int:
        return Slider(int(lo), int(max(hi, lo + 1)), 1)
    if hi <= lo:
        hi = lo + 1.0
    return Slider(float(lo), float(hi), _nice_step((hi - lo) / 100))


def _nice_step(raw: float) -> float:
    """1, 2 or 5 times a power of ten, at most `raw`."""
    exp = math.floor(math.log10(raw))
    for m in (5, 2, 1):
        if m * 10 ** exp <= raw:
            return round(m * 10 ** exp, 12)
    return 10 ** exp


def sections() -> list[tuple[str, str, list[Param]]]:
    """(group, title, parameters) for every section, parameters in declared order."""
    return [(g, title, [p for p in PARAMS if p.group == g]) for g, title in SECTIONS]


def apply(params: Params, name: str, value: Any) -> Params:
    """`params` with one value changed, or ParamError / UnknownParamError (the
    message says what is allowed). A `str` is read like `--set name=value`."""
    if isinstance(value, str):
        try:
            value = parse_set([f"{name}={value}"])[name]
        except ConfigError as e:
            raise ParamError(name, value, str(e).split("expected ")[-1]) from None
    return params.replace(**{name: value})


def check_int(name: str, text: str, lo: int, hi: int) -> int:
    """A whole number from `lo` to `hi` typed in a box, or ParamError."""
    allowed = f"a whole number from {lo} to {hi}"
    try:
        value = float(str(text).strip())
    except ValueError:
        raise ParamError(name, text, allowed) from None
    if value != int(value) or not lo <= value <= hi:
        raise ParamError(name, text, allowed)
    return int(value)


def refusal(error: Exception, kept: bool = True) -> str:
    """The message shown on the page when a value is refused."""
    if isinstance(error, UnknownParamError) or not kept:
        return f"Refused: {error}."
    return f"Refused: {error}. The previous value is kept."


def show(value: Any) -> str:
    """A value as typed in a box."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
