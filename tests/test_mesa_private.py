"""The private Mesa names bscsim still uses, each pinned to the Mesa versions it was
checked on. Mesa offers no public way to do these three things; when Mesa changes,
the pin fails and names the place to check, rather than a user finding wrong rows.

    DataCollector._collection_steps   bscsim/collector.py (batch_run reads it, Mesa >= 3.4)
    Agent._ids                        BSCModel.release (a memory leak in Mesa 3.3)
    solara_viz.make_initial_grid_layout   bscsim/dashboard/app.py (the dashboard's layout)
"""

from __future__ import annotations

import importlib.util

import mesa
import pytest

CHECKED = ("3.3", "3.4", "3.5")     # Mesa minor versions these uses were checked on


def minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def test_mesa_version_is_one_the_private_names_were_checked_on():
    assert minor(mesa.__version__) in CHECKED, (
        f"Mesa {mesa.__version__}: check DataCollector._collection_steps "
        "(bscsim/collector.py), Agent._ids (BSCModel.release) and "
        "solara_viz.make_initial_grid_layout (bscsim/dashboard/app.py) on this version, "
        "then add it to CHECKED")


def test_collection_steps_is_the_list_of_collection_times_batch_run_reads():
    import inspect
    from mesa.batchrunner import _collect_data
    dc = mesa.DataCollector(model_reporters={"x": lambda m: 1})
    dc.collect(mesa.Model(rng=0))
    if minor(mesa.__version__) == "3.3":
        assert not hasattr(dc, "_collection_steps"), "Mesa 3.3 has no _collection_steps"
        return
    assert dc._collection_steps == [0], "one time per collect(), the model's time"
    assert "_collection_steps" in inspect.getsource(_collect_data), \
        "batch_run picks each step's row with _collection_steps"


def test_release_drops_the_model_from_agent_ids(small_params):
    from bscsim import BSCModel
    model = BSCModel(small_params, rng=1)
    assert len(model.agents) > 0, "agents are made when Mesa asks for them"
    ids = getattr(mesa.Agent, "_ids", None)
    if minor(mesa.__version__) == "3.3":
        assert isinstance(ids, dict) and model in ids, \
            "Mesa 3.3 keeps every model in the class-level Agent._ids"
    else:
        assert ids is None, f"Mesa {mesa.__version__} has no Agent._ids"
    model.release()
    assert ids is None or model not in ids, "release() drops the model"


@pytest.mark.skipif(importlib.util.find_spec("solara") is None,
                    reason="needs the dashboard extra")
def test_solara_viz_still_builds_its_layout_with_make_initial_grid_layout():
    import inspect
    import mesa.visualization.solara_viz as solara_viz
    from bscsim.dashboard import app
    assert solara_viz.make_initial_grid_layout is app.grid_layout, \
        "the dashboard replaces Mesa's default layout"
    assert "make_initial_grid_layout(" in inspect.getsource(solara_viz.ComponentsView), \
        "SolaraViz's ComponentsView calls the layout function by that module-level name"
