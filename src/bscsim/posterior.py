"""Posterior samples: the one format that `bscsim calibrate` writes and every command
with `--posterior DIR` reads.

A posterior folder holds `posterior.parquet`: one row per particle, one column per
fitted parameter (declared names, values inside the parameter's allowed range) and a
`weight` column (finite, non-negative, not all zero; normalised here). Its
`provenance.json`, if any, must be a calibration's (a table whose `priors` and
`targets` are lists of tables), and every value must lie inside its prior's
support. A folder marked `INCOMPLETE` (a calibration still running or killed) is
refused. Other files in the folder (diagnostics) are the writer's business. Answers "with parameter
uncertainty" run each replicate at one posterior draw: `posterior_draws(folder, n,
seed)` draws `n` parameter sets by weighted resampling, reproducibly from `seed`, so
the same folder, `n` and seed give the same draws on any machine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .params import BY_NAME, ParamError, nearest

POSTERIOR_FILE = "posterior.parquet"
WEIGHT = "weight"
MAX_BYTES = 1 << 30             # a posterior.parquet larger than this is refused
MAX_PROVENANCE_BYTES = 64 << 20


class PosteriorError(ValueError):
    """A posterior folder that cannot be used. The message is a single line."""


def load_posterior(folder: str | Path, partial: bool = False) -> pd.DataFrame:
    """The particles of a posterior folder, validated, weights summing to 1. With
    `partial`, a folder marked INCOMPLETE is read too (the calibration itself)."""
    from .atomic import INCOMPLETE, read_small
    from .config import ConfigError
    path = Path(folder) / POSTERIOR_FILE
    if not partial and (Path(folder) / INCOMPLETE).exists():
        raise PosteriorError(f"{folder}: marked {INCOMPLETE} (a calibration still "
                             "running or interrupted): run the same bscsim calibrate "
                             "again to finish it")
    if path.is_symlink() or not path.is_file():
        raise PosteriorError(f"{folder}: no {POSTERIOR_FILE} (a folder written by "
                             "`bscsim calibrate` is expected)")
    try:
        import io
        df = pd.read_parquet(io.BytesIO(read_small(path, MAX_BYTES)))
    except ConfigError as e:
        raise PosteriorError(str(e)) from None
    except Exception as e:  # noqa: BLE001 - any unreadable file gets one line
        raise PosteriorError(f"{path}: not a readable Parquet file "
                             f"({type(e).__name__})") from None
    if WEIGHT not in df.columns:
        raise PosteriorError(f"{path}: no '{WEIGHT}' column (expected one column per "
                             "fitted parameter and a 'weight' column)")
    names = [c for c in df.columns if c != WEIGHT]
    if not names:
        raise PosteriorError(f"{path}: no parameter columns")
    if len(df) == 0:
        raise PosteriorError(f"{path}: no particles (the table is empty)")
    for name in names:
        if name not in BY_NAME:
            hint = nearest(name, BY_NAME)
            raise PosteriorError(f"{path}: column '{name}' is not a parameter"
                                 + (f" (did you mean '{hint}'?)" if hint else ""))
        values = pd.to_numeric(df[name], errors="coerce")
        if values.isna().any():
            raise PosteriorError(f"{path}: column '{name}' holds a value that is not "
                                 "a number")
        try:
            for v in (float(values.min()), float(values.max())):
                BY_NAME[name].check(round(v) if BY_NAME[name].kind is int else v)
        except ParamError as e:
            raise PosteriorError(f"{path}: {e}") from None
    w = pd.to_numeric(df[WEIGHT], errors="coerce").to_numpy(float)
    if not np.all(np.isfinite(w)) or (w < 0).any() or w.max() <= 0:
        raise PosteriorError(f"{path}: column '{WEIGHT}' must hold finite non-negative "
                             "numbers, not all zero")
    w = w / w.max()               # huge weights (1e308) sum without overflow
    for prior in provenance_of(folder).get("priors", []):
        if prior["name"] in names:
            v = pd.to_numeric(df[prior["name"]], errors="coerce")
            if (v < prior["low"]).any() or (v > prior["high"]).any():
                raise PosteriorError(
                    f"{path}: column '{prior['name']}' holds values outside its prior's "
                    f"support [{prior['low']:g}, {prior['high']:g}] (provenance.json)")
    out = df[names].astype(float).copy()
    out[WEIGHT] = w / w.sum()
    return out.reset_index(drop=True)


def provenance_of(folder: str | Path) -> dict[str, Any]:
    """The `provenance.json` of a posterior folder, checked: {} if absent, else a
    table whose `priors` (name, low, high) and `targets` (with a text `source`)
    are lists of tables and whose `config` is a table; a PosteriorError (one
    line) otherwise."""
    import json
    import math

    from .atomic import read_small
    from .config import ConfigError
    path = Path(folder) / "provenance.json"
    if not path.exists() and not path.is_symlink():
        return {}
    try:
        prov = json.loads(read_small(path, MAX_PROVENANCE_BYTES).decode("utf-8"))
    except ConfigError as e:
        raise PosteriorError(str(e)) from None
    except (OSError, ValueError, RecursionError):
        raise PosteriorError(f"{path}: not readable JSON") from None

    def number(v) -> bool:
        return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
    if not isinstance(prov, dict):
        raise PosteriorError(f"{path}: expected a table (the provenance bscsim calibrate "
                             "writes)")
    priors, targets = prov.get("priors", []), prov.get("targets", [])
    if not isinstance(priors, list) or not all(
            isinstance(p, dict) and isinstance(p.get("name"), str) and number(p.get("low"))
            and number(p.get("high")) for p in priors):
        raise PosteriorError(f"{path}: 'priors' must be a list of tables with name, low "
                             "and high")
    if not isinstance(targets, list) or not all(
            isinstance(t, dict) and isinstance(t.get("source", ""), str) for t in targets):
        raise PosteriorError(f"{path}: 'targets' must be a list of tables with a text "
                             "'source'")
    if not isinstance(prov.get("config", {}), dict):
        raise PosteriorError(f"{path}: 'config' must be a table of parameters")
    return prov


def posterior_draws(folder: str | Path, n: int, seed: int = 0, partial: bool = False
                    ) -> list[dict[str, Any]]:
    """`n` parameter sets drawn from the posterior by weighted resampling (with
    replacement), reproducible from `seed`. Whole-number parameters are rounded."""
    df = load_posterior(folder, partial)
    rng = np.random.default_rng([int(seed), 0x9057])   # a stream of its own
    rows = rng.choice(len(df), size=int(n), replace=True, p=df[WEIGHT].to_numpy())
    names = [c for c in df.columns if c != WEIGHT]
    draws = []
    for i in rows:
        d = {}
        for name in names:
            v = float(df.at[int(i), name])
            d[name] = int(round(v)) if BY_NAME[name].kind is int else v
        draws.append(d)
    return draws


def uncertainty_text(info: dict[str, Any] | None, per: str = "replicate") -> str:
    """One sentence for a printed table or a report: which uncertainty its intervals
    include. `info`: None (no posterior), or a dict with `folder`, `drawn` (the
    parameters drawn) and optionally `held` (posterior parameters held at values
    the user stated) and `distinct_draws`."""
    if info is None:
        return ("the intervals include chance only (every run at the config's "
                "parameter values; --posterior DIR adds parameter uncertainty)")
    drawn = info.get("drawn", [])
    if not drawn:
        return (f"the intervals include chance only: every parameter of the posterior "
                f"{info['folder']} is set by the file or varied, so none was drawn")
    names = ", ".join(drawn[:4]) + (f" and {len(drawn) - 4} more" if len(drawn) > 4 else "")
    text = (f"the intervals include chance and parameter uncertainty: each {per} uses "
            f"one draw from the posterior {info['folder']} ({names})")
    if info.get("distinct_draws"):
        text += f", {info['distinct_draws']} distinct draws"
    if info.get("held"):
        text += f"; held at the stated values, not drawn: {', '.join(info['held'])}"
    return text
