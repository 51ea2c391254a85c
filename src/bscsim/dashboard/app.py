"""Faces: the dashboard page, Mesa's SolaraViz around the BSC-SEL model.

`solara run bscsim.dashboard.app` (or `bscsim dashboard`) serves `Page`:
Mesa's own controls (Reset, Play, Step, play interval) and its grid of views,
plus a settings panel generated from the parameter declarations and a scenario
picker. A changed setting is validated by `Params`; a refused value leaves the
settings as they were and says why on the page. An accepted change restarts the
run with the new settings and replays it to the week shown, so the views answer
"what if" at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import solara
from mesa.visualization import SolaraViz
from mesa.visualization import solara_viz
from mesa.visualization.utils import force_update

from ..config import ConfigError
from ..model import BSCModel
from ..outputs import words
from ..params import BY_NAME, ParamError, Params, UnknownParamError
from . import compare as comparing
from . import controls, scenarios, views

SCENARIOS = scenarios.discover()  # found once, at start-up
MAX_REPLICATES = 20


@dataclass
class Settings:
    """What the next model is built from; one per browser session."""

    params: solara.Reactive      # Params
    seed: solara.Reactive        # int
    scenario: solara.Reactive    # name of the picked scenario
    base: solara.Reactive        # Params of that scenario (to show what changed)
    message: solara.Reactive     # (kind, text) or None
    errors: solara.Reactive      # {parameter name: refusal}

    @classmethod
    def start(cls) -> "Settings":
        params = _initial_params()
        return cls(solara.reactive(params), solara.reactive(0),
                   solara.reactive(SCENARIOS[0].name), solara.reactive(params),
                   solara.reactive(None), solara.reactive({}))


def _initial_params() -> Params:
    try:
        return SCENARIOS[0].load()
    except ConfigError:
        return Params()


class DashboardModel(BSCModel):
    """The BSC-SEL model as SolaraViz builds it: from the page's current settings.

    It records its baseline in row 0 of the weekly record (the first step
    overwrites that row), so the views have values before the first step.
    A finished model ignores further steps. Other keywords that Mesa's controller
    may pass on Reset are ignored: parameters and seed come from the settings.
    """

    def __init__(self, settings: Settings | None = None, **kwargs):
        params = settings.params.value if settings else _initial_params()
        seed = settings.seed.value if settings else 0
        super().__init__(params, rng=seed)
        self.seed = seed
        self.collect()
        self.baseline_series = {k: float(v[0]) for k, v in self.series.items()}
        self.baseline = {k: v[0].copy() for k, v in self.by_center.items()}

    def step(self) -> None:
        if self.running:
            super().step()


def rebuild(model: solara.Reactive, settings: Settings) -> int:
    """Replace the model by one built from the settings, replayed to the same week
    (or its end, if the new horizon is shorter). Returns that week."""
    week = model.value.week
    new = DashboardModel(settings)
    while new.week < week and new.running:
        new.step()
    model.value = new
    force_update()
    return new.week


# ------------------------------------------------------------------ layout
# Mesa's grid (vue-grid-layout) gives each view a fixed height in rows of 30 px at
# a fixed share of the width: a view taller than its rows (the chain's boxes wrap
# on a laptop or a phone) spills over the next one, and 12 columns on a phone leave
# each view a sliver. The page lays the views out in the flow instead: the chain
# and the time series the whole width, centers and comparison side by side when
# there is room, each as tall as its content. (Dragging and resizing views, which
# need the fixed grid, are off.)
FLOW_LAYOUT = """
.vue-grid-layout { height: auto !important; display: flex; flex-wrap: wrap;
  gap: 14px; align-items: flex-start; }
.vue-grid-item { position: relative !important; transform: none !important;
  width: 100% !important; height: auto !important; touch-action: auto !important;
  min-width: 0; }
.vue-grid-item:nth-child(n+3) { flex: 1 1 380px; width: auto !important; }
.vue-grid-item > .vue-resizable-handle, .vue-grid-placeholder { display: none !important; }
.vue-grid-item > div > .v-card { height: auto !important; }
.solara-content-main img { max-width: 100%; height: auto; }
"""


def grid_layout(num_components: int) -> list[dict]:
    """The order of the views (chain, time series, centers, comparison): the
    page's FLOW_LAYOUT decides their sizes, so the grid is one column."""
    return [{"i": i, "x": 0, "y": i, "w": 12, "h": 1, "moved": False,
             "static": True} for i in range(num_components)]


if hasattr(solara_viz, "make_initial_grid_layout"):
    solara_viz.make_initial_grid_layout = grid_layout


# ---------------------------------------------------------------- controls
def note(text: str, color: str = "#777"):
    """A line of small print."""
    return solara.Div(children=[text], style={"font-size": "12.5px", "color": color})


@solara.component
def ParamControl(name: str, settings: Settings, model: solara.Reactive):
    """One parameter: label with its help text, slider and a box to type into."""
    p = BY_NAME[name]
    value = getattr(settings.params.value, name)
    error = settings.errors.value.get(name)
    changed = value != getattr(settings.base.value, name)

    def set_value(raw):
        errors = dict(settings.errors.value)
        try:
            new = controls.apply(settings.params.value, name, raw)
        except (ParamError, UnknownParamError) as e:
            errors[name] = controls.refusal(e)
            settings.errors.value = errors
            settings.message.value = ("error", errors[name])
            return
        errors.pop(name, None)
        settings.errors.value = errors
        settings.params.value = new
        week = rebuild(model, settings)
        settings.message.value = (
            "success", f"{name} = {controls.show(getattr(new, name))}: the run "
                       f"restarted with this value and replayed to week {week}.")

    with solara.Div(classes=["bscsim-param", f"bscsim-param-{name}"],
                    style={"margin-bottom": "6px"}):
        with solara.Tooltip(controls.help_text(p)):
            solara.Text(f"{controls.label(p)}{' •' if changed else ''}",
                        style={"font-size": "13px",
                               "font-weight": "600" if changed else "400"})
        if p.kind is bool:
            solara.Switch(label=f"{name}: {'on' if value else 'off'}", value=value,
                          on_value=set_value)
        else:
            s = controls.slider(p, value)
            with solara.Row(style={"align-items": "center"}):
                with solara.Div(style={"flex": "1 1 auto"}):
                    if p.kind is int:
                        solara.SliderInt("", value=int(value), min=int(s.min),
                                         max=int(s.max), step=1, on_value=set_value)
                    else:
                        solara.SliderFloat("", value=float(value), min=s.min, max=s.max,
                                           step=s.step, on_value=set_value)
                solara.InputText(name, value=controls.show(value), on_value=set_value,
                                 error=bool(error), message=error, dense=True,
                                 style={"max-width": "130px"},
                                 classes=[f"bscsim-input-{name}"])
            note(f"{p.unit}; allowed {p.allowed()[p.allowed().find('from'):]}")


@solara.component
def SettingsPanel(settings: Settings, model: solara.Reactive):
    """Scenario picker, seed, messages and the parameter sections."""
    # all sections closed at first: the page's first answer comes sooner (the
    # policy levers alone are 48 controls) and the settings fit a laptop's screen
    open_section, set_open = solara.use_state(None)
    scenario = next((s for s in SCENARIOS if s.name == settings.scenario.value), None)

    def pick(name):
        s = next(s for s in SCENARIOS if s.name == name)
        try:
            params = s.load()
        except ConfigError as e:
            settings.message.value = ("error", f"Scenario {name} not loaded: {e}")
            return
        settings.scenario.value = name
        settings.params.value = params
        settings.base.value = params
        settings.errors.value = {}
        week = rebuild(model, settings)
        settings.message.value = ("success", f"Loaded scenario {name}; replayed to "
                                             f"week {week}.")

    def set_seed(text):
        try:
            seed = controls.check_int("seed", text, 0, 2**32 - 1)
        except ParamError as e:
            settings.errors.value = {**settings.errors.value, "seed": controls.refusal(e)}
            settings.message.value = ("error", controls.refusal(e))
            return
        settings.errors.value = {k: v for k, v in settings.errors.value.items()
                                 if k != "seed"}
        settings.seed.value = seed
        week = rebuild(model, settings)
        settings.message.value = ("success", f"seed = {seed}: replayed to week {week}.")

    def restore():
        settings.params.value = settings.base.value
        settings.errors.value = {}
        week = rebuild(model, settings)
        settings.message.value = ("success", f"Scenario values restored; replayed to "
                                             f"week {week}.")

    with solara.Card("Scenario and settings", classes=["bscsim-settings"]):
        solara.Select("Scenario (configs/arms, configs/scenarios)",
                      values=[s.name for s in SCENARIOS], value=settings.scenario.value,
                      on_value=pick, classes=["bscsim-scenario"])
        if scenario is not None and scenario.title:
            solara.Div(children=[scenario.title],
                       style={"font-size": "12px", "color": "#555", "margin-bottom": "8px"})
        if len(SCENARIOS) == 1:
            solara.Div(children=["No files found in configs/arms/ or configs/scenarios/."],
                       style={"font-size": "12px", "color": "#777", "margin-bottom": "8px"})
        seed_error = settings.errors.value.get("seed")
        solara.InputText("seed", value=str(settings.seed.value), on_value=set_seed,
                         error=bool(seed_error), message=seed_error, dense=True,
                         classes=["bscsim-input-seed"])
        message = settings.message.value
        if message is not None:
            kind, text = message
            box = {"error": solara.Error, "success": solara.Success}.get(kind, solara.Info)
            box(text, dense=True, classes=["bscsim-message", f"bscsim-message-{kind}"])
        changed = [n for n in BY_NAME if getattr(settings.params.value, n)
                   != getattr(settings.base.value, n)]
        if changed:
            note(f"Changed from the scenario (•): {', '.join(changed)}", color="#333")
            solara.Button("Restore scenario values", on_click=restore, text=True,
                          color="primary", small=True)
        note("Open a section to change its settings. Each change restarts the run and "
             "replays it to the week shown. Hover a label for its meaning and source.")
        for group, title, params in controls.sections():
            is_open = open_section == group
            solara.Button(("▾ " if is_open else "▸ ") + title, text=True,
                          on_click=lambda g=group, o=is_open: set_open(None if o else g),
                          style={"text-transform": "none", "justify-content": "start",
                                 "width": "100%"},
                          classes=[f"bscsim-section-{group}"])
            if is_open:
                for p in params:
                    ParamControl(p.name, settings, model)


# -------------------------------------------------------------- comparison
def reference_choices() -> list[str]:
    return ([s.name for s in SCENARIOS]
            + [f"current settings, {g} off" for g in comparing.MECHANISM_SWITCHES])


def reference_params(choice: str, current: Params) -> Params:
    for g, switch in comparing.MECHANISM_SWITCHES.items():
        if choice == f"current settings, {g} off":
            return current.replace(**{switch: False})
    return next(s for s in SCENARIOS if s.name == choice).load()


@solara.component
def Comparison(model):
    """Current settings beside a reference on the same seeds: the difference over
    the weeks with its 95% band, and the summary outcomes."""
    reference, set_reference = solara.use_state(SCENARIOS[0].name)
    output, set_output = solara.use_state("practice_participating")
    n_text, set_n_text = solara.use_state("5")
    error, set_error = solara.use_state(None)
    progress = solara.use_reactive(0.0)
    current, seed = model.p, model.seed

    def run():
        n = controls.check_int("replicates", n_text, 2, MAX_REPLICATES)
        ref = reference_params(reference, current)
        progress.value = 0.0
        result = comparing.compare(current, ref, n=n, seed=seed,
                                   progress=lambda d, t: progress.set(d / t))
        return result, reference, current, seed

    task = solara.lab.use_task(run, dependencies=None)

    def start():
        try:
            controls.check_int("replicates", n_text, 2, MAX_REPLICATES)
        except ParamError as e:
            set_error(controls.refusal(e, kept=False))
            return
        set_error(None)
        task()

    done = task.finished and task.value is not None and not task.pending
    figure = solara.use_memo(  # drawn once per result and output, not at every step
        lambda: comparison_figure(task.value[0], output, task.value[1]) if done else None,
        [id(task.value), output, done])

    with solara.Column(classes=["bscsim-view-comparison"], gap="4px"):
        solara.Text("Comparison: current settings minus a reference, same seeds",
                    style={"font-weight": "600", "font-size": "13px"})
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.Select("reference", values=reference_choices(), value=reference,
                          on_value=set_reference, dense=True, style={"min-width": "230px"})
            solara.Select("output", values=list(comparing.OUTPUTS),
                          value=output, on_value=set_output, dense=True)
            solara.InputText("replicates (2-20)", value=n_text, on_value=set_n_text,
                             continuous_update=True, dense=True, error=bool(error),
                             message=error, style={"max-width": "130px"},
                             classes=["bscsim-input-replicates"])
            solara.Button("Compare", on_click=start, color="primary",
                          disabled=task.pending, classes=["bscsim-compare"])
        if error:
            solara.Error(error, dense=True, classes=["bscsim-message-error"])
        if task.pending:
            solara.ProgressLinear(value=progress.value * 100)
        elif task.error:
            solara.Error(f"Comparison failed: {task.exception}", dense=True)
        elif done:
            result, ref_name, cur_params, cur_seed = task.value
            if cur_params != current or cur_seed != seed:
                solara.Warning("The settings changed since this comparison; press "
                               "Compare again.", dense=True)
            solara.FigureMatplotlib(figure, format="png",
                                    dependencies=[id(task.value), output])
            solara.Markdown(summary_table(result))
        else:
            note("Pick a reference and press Compare: each replicate runs both "
                 "settings to the end with the same seed.", color="#555")


def comparison_figure(result: comparing.Comparison, output: str, reference: str):
    """The two means over the weeks above their difference with its band: 420 px
    wide (fits a phone), text at 10 pt or more (13 px and up on screen)."""
    from matplotlib.figure import Figure
    d = result.weekly[result.weekly["output"] == output]
    fig = Figure(figsize=(4.2, 5.0), dpi=100, layout="constrained")
    ax, ax2 = fig.subplots(2, 1, sharex=True)
    ax.plot(d["week"], d["current"], label="current", lw=2)
    ax.plot(d["week"], d["reference"], label=reference, lw=2, ls="--")
    ax.set_title(f"{words(output)} (mean of {result.n})", fontsize=11, loc="left")
    ax.legend(fontsize=10, frameon=False)
    ax2.fill_between(d["week"], d["lo"], d["hi"], alpha=0.3, color="tab:purple",
                     lw=0, label="95% band")
    ax2.plot(d["week"], d["mean"], color="tab:purple", lw=2, label="difference")
    ax2.axhline(0, color="0.3", lw=0.8)
    ax2.set_title("current minus reference", fontsize=11, loc="left")
    ax2.legend(fontsize=10, frameon=False)
    ax2.set_xlabel("week", fontsize=10)
    for a in (ax, ax2):
        a.set_ylabel(words(output), fontsize=10)
        a.tick_params(labelsize=10)
    return fig


def summary_table(result: comparing.Comparison) -> str:
    lines = ["| outcome (end of collaborative) | current | reference | difference (95% band) |",
             "|---|---:|---:|---:|"]
    for r in result.summary.itertuples():
        band = "" if np.isnan(r.lo) else f" ({r.lo:+.3f} to {r.hi:+.3f})"
        lines.append(f"| {words(r.output)} | {r.current:.3f} | "
                     f"{r.reference:.3f} | {r.difference:+.3f}{band} |")
    return "\n".join(lines)


# -------------------------------------------------------------------- page
# What SolaraViz always draws and this page does not use, hidden (Mesa has no
# option for them): the tab bar of a single page ("Page 0"), the "Use Threads"
# box of its Controls card, and its "Model Parameters" card, empty because the
# settings live in our own panel. tests/test_dashboard_browser.py checks the page.
MESA_LEFTOVERS = """
.v-tabs:not(:has(.v-tab ~ .v-tab)) { display: none; }
.v-card:has([aria-label="Play Interval (ms)"]) .v-input--checkbox { display: none; }
.v-card:has(> .v-card__text > .v-sheet:empty) { display: none; }
"""


@solara.component
def SidebarBelowMesa(settings: Settings, model: solara.Reactive, depth: int):
    """The settings panel in the sidebar, below Mesa's own cards (Reset, Play,
    Step): the sidebar orders its parts by how deep in the page they are set."""
    if depth > 0:
        SidebarBelowMesa(settings, model, depth - 1)
        return
    with solara.Sidebar():
        SettingsPanel(settings, model)


@solara.component
def Page():
    settings = solara.use_memo(Settings.start, [])
    model = solara.use_memo(lambda: solara.reactive(DashboardModel(settings)), [])

    def release_replaced():
        def on_change(new, old):
            if old is not None and old is not new:
                old.release()
        return model.subscribe_change(on_change)

    solara.use_effect(release_replaced, [])
    solara.Style(MESA_LEFTOVERS + FLOW_LAYOUT)
    SolaraViz(
        model,
        components=[views.chain, views.timeseries, views.centers, Comparison],
        model_params={"settings": settings},
        name="bscsim: a Breakthrough Series Collaborative on SEL, week by week",
        play_interval=150,
    )
    SidebarBelowMesa(settings, model, 4)
