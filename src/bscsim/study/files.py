"""Analyses / simulated study: writing a study's data, analysis and power results
with provenance. Everything goes to a temporary folder first, so a failure leaves
nothing behind."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from ..results import versions
from .analyse import StudyData


def provenance(data: StudyData, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Study file, resolved model config (design applied), seeds and versions."""
    return {
        "study": data.study.source,
        "study_spec": data.study.raw,
        "model_config": data.study.config,
        "config": data.params.to_dict(),
        "seed": data.seed,
        "versions": versions(),
        **(extra or {}),
    }


def write_tables(folder: Path, tables: dict[str, pd.DataFrame]) -> None:
    """Each table as Parquet and CSV."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        df.to_parquet(folder / f"{name}.parquet", index=False)
        df.to_csv(folder / f"{name}.csv", index=False)


def write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, indent=2, default=_jsonable))


def _jsonable(x: Any) -> Any:
    if hasattr(x, "item"):
        return x.item()
    return repr(x)
