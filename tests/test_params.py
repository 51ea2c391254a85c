"""Parameter declarations: one consistent declaration per parameter."""

import pytest

from bscsim.params import (GROUPS, PARAMS, ParamError, Params, UnknownParamError,
                           describe, salib_problem)


@pytest.mark.parametrize("p", PARAMS, ids=lambda p: p.name)
def test_declaration_is_consistent(p):
    assert p.group in GROUPS
    assert p.meaning and p.unit and p.source, f"{p.name} needs meaning, unit and source"
    if p.kind is not bool:
        lo, hi = p.valid
        plo, phi = p.plausible
        assert lo <= plo <= p.default <= phi <= hi, \
            f"{p.name}: need valid lo <= plausible lo <= default <= plausible hi <= valid hi"


@pytest.mark.parametrize("group", ["psych_safety", "vicarious", "inquiry"])
def test_each_mechanism_has_a_switch_and_strengths(group):
    members = [p for p in PARAMS if p.group == group]
    assert any(p.kind is bool and p.name == f"{group}_on" for p in members), \
        f"mechanism {group} needs an on/off switch"
    assert sum(p.kind is not bool for p in members) >= 2, f"{group} needs strength parameters"


def test_out_of_range_value_is_refused_with_one_line():
    with pytest.raises(ParamError) as e:
        Params(turnover_cc=1.5)
    msg = str(e.value)
    assert "turnover_cc" in msg and "0 to 0.95" in msg and "\n" not in msg


def test_wrong_type_is_refused():
    with pytest.raises(ParamError):
        Params(n_centers=2.5)
    with pytest.raises(ParamError):
        Params(vicarious_on="yes")
    with pytest.raises(ParamError):
        Params(planning_hours=True)


def test_unknown_name_suggests_the_nearest():
    with pytest.raises(UnknownParamError) as e:
        Params().replace(planing_hours=3)
    assert "planning_hours" in str(e.value)


def test_thresholds_must_be_ordered():
    with pytest.raises(ParamError):
        Params(abandon_threshold=0.5, adopt_threshold=0.1)


def test_salib_problem_uses_plausible_ranges_and_groups():
    problem = salib_problem(["ps_gain", "tie_gain"], groups=True)
    assert problem["num_vars"] == 2
    assert problem["bounds"][0] == list(next(p.plausible for p in PARAMS if p.name == "ps_gain"))
    assert problem["groups"] == ["psych_safety", "vicarious"]


def test_salib_problem_refuses_switches():
    with pytest.raises(ParamError):
        salib_problem(["vicarious_on"])


def test_describe_explains_a_parameter():
    text = describe("turnover_cc")
    assert "Doromal" in text and "per year" in text


def test_numpy_scalars_are_accepted_like_python_ones():
    import numpy as np
    p = Params(n_team_parents=np.int64(2), turnover_cc=np.float64(0.3),
               vicarious_on=np.bool_(False))
    assert p.n_team_parents == 2 and type(p.n_team_parents) is int
    assert p.turnover_cc == 0.3 and type(p.turnover_cc) is float
    assert p.vicarious_on is False


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf"), 1e999])
def test_nan_and_infinity_are_refused_in_one_line(bad):
    for name in ("n_centers", "turnover_cc"):
        with pytest.raises(ParamError) as e:
            Params(**{name: bad})
        assert name in str(e.value) and "\n" not in str(e.value)
