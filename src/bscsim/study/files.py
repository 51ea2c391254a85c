"""Analyses / simulated study: writing a study's data, analysis and power results
with provenance. Everything goes to a temporary folder first, so a failure leaves
nothing behind."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable

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


def write_atomic(out: str | Path, fill: Callable[[Path], None]) -> Path:
    """Call `fill(tmp)` on a fresh folder beside `out`, then move its contents into
    `out` (replacing files and subfolders of the same name)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        fill(tmp)
        if out.exists():
            for f in tmp.iterdir():
                target = out / f.name
                if target.is_dir():
                    shutil.rmtree(target)
                os.replace(f, target)
            tmp.rmdir()
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


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
