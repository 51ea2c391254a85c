"""Every evidence number a parameter or a page of the docs cites ("evidence 1.6",
"evidence A2 10-12", "evidence.md 2.6", "(1.4)") has its section in docs/evidence.md."""

from __future__ import annotations

import re
from pathlib import Path

from bscsim.params import PARAMS

ROOT = Path(__file__).resolve().parents[1]
EVIDENCE = ROOT / "docs" / "evidence.md"
HEADING = re.compile(r"^#{2,4} (\d+\.\d+|A\d+ \d+)\b", re.M)
ROWS = re.compile(r"\bA(\d+) (\d+(?:(?:-|, ?)\d+)*)")
SECTION = re.compile(r"(?:evidence(?:\.md`?)?\s+|\()(\d+\.\d+)\b")


def cited(text: str) -> set[str]:
    """The evidence ids `text` cites: '1.6', 'A2 10' (ranges and lists expanded)."""
    ids = set(SECTION.findall(text))
    for table, rows in ROWS.findall(text):
        for part in re.split(r", ?", rows):
            lo, _, hi = part.partition("-")
            ids.update(f"A{table} {n}" for n in range(int(lo), int(hi or lo) + 1))
    return ids


def sections() -> set[str]:
    return set(HEADING.findall(EVIDENCE.read_text()))


def test_ids_are_parsed_as_cited():
    assert cited("evidence A2 10-12; (1.4); evidence A1 1, 6; `evidence.md` 2.6") == \
        {"A2 10", "A2 11", "A2 12", "1.4", "A1 1", "A1 6", "2.6"}, "ranges, lists, forms"


def test_every_parameter_source_resolves_to_a_section():
    have = sections()
    missing = {(p.name, i) for p in PARAMS for i in cited(p.source) if i not in have}
    assert not missing, f"cited in parameter sources, no section in docs/evidence.md: {missing}"
    assert len({i for p in PARAMS for i in cited(p.source)}) >= 25, \
        "the parameters cite the evidence (a parser that finds nothing would pass)"


def test_every_evidence_id_cited_in_the_docs_resolves():
    have = sections()
    for page in (ROOT / "docs").glob("*.md"):
        if page == EVIDENCE:
            continue
        text = page.read_text()
        ids = {i for m in re.finditer(r"evidence(?:\.md)?`?[^.\n]{0,3}[\dA][^;)|\n]*", text)
               for i in cited(m.group(0))}
        assert ids <= have, f"{page.name} cites evidence without a section: {ids - have}"
