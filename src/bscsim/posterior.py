"""Posterior samples: the one format that `bscsim calibrate` writes and every command
with `--posterior DIR` reads.

A posterior folder holds `posterior.parquet`: one row per particle, one column per
fitted parameter (declared names, values inside the parameter's allowed range) and a
`weight` column (non-negative, not all zero; normalised here). Other files in the
folder (provenance, diagnostics) are the writer's business. Answers "with parameter
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


class PosteriorError(ValueError):
    """A posterior folder that cannot be used. The message is a single line."""


def load_posterior(folder: str | Path) -> pd.DataFrame:
    """The particles of a posterior folder, validated, weights summing to 1."""
    path = Path(folder) / POSTERIOR_FILE
    if not path.is_file():
        raise PosteriorError(f"{folder}: no {POSTERIOR_FILE} (a folder written by "
                             "`bscsim calibrate` is expected)")
    try:
        df = pd.read_parquet(path)
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
    if not np.all(np.isfinite(w)) or (w < 0).any() or w.sum() <= 0:
        raise PosteriorError(f"{path}: column '{WEIGHT}' must hold non-negative "
                             "numbers, not all zero")
    out = df[names].astype(float).copy()
    out[WEIGHT] = w / w.sum()
    return out.reset_index(drop=True)


def posterior_draws(folder: str | Path, n: int, seed: int = 0) -> list[dict[str, Any]]:
    """`n` parameter sets drawn from the posterior by weighted resampling (with
    replacement), reproducible from `seed`. Whole-number parameters are rounded."""
    df = load_posterior(folder)
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
