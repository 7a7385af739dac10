"""The disguise matrix: every entity type x every disguise that applies to it x every container.

Values come from ``bench.disguises`` (the generators ``python -m bench.disguises`` prints recall per cell
for), drawn by hypothesis; the real detector must find each one over every part of the disguised value.
Cells that are ambiguous by nature (``AMBIGUOUS``) are not asserted; cells measured below 0.95 (``PENDING``,
each with its reason) are expected failures, which turn into passes when they are fixed.
"""

from __future__ import annotations

import os
import random

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bench.disguises import AMBIGUOUS, CONTAINERS, DISGUISES, ENTITIES, PENDING, applies, caught, detect, sample
from gateway.pipeline.detect import Detector
from gateway.types import Message

EXAMPLES = int(os.environ.get("DISGUISE_MATRIX_EXAMPLES", "2"))

CELLS = [
    (entity, disguise, container)
    for entity in ENTITIES
    for disguise in DISGUISES
    for container in CONTAINERS
    if applies(ENTITIES[entity], DISGUISES[disguise], container) and (entity, disguise, container) not in AMBIGUOUS
]


def _marks(cell: tuple[str, str, str]) -> list[pytest.MarkDecorator]:
    reason = PENDING.get(cell)
    return [pytest.mark.xfail(reason=reason, strict=False)] if reason else []


@pytest.fixture(scope="module")
def detector() -> Detector:
    built = Detector(cache_entries=0)
    assert built.prefilter.wait(120)  # every cell through the pattern prefilter, as a warm worker runs
    return built


@pytest.mark.parametrize(("entity", "disguise", "container"), [pytest.param(*c, marks=_marks(c)) for c in CELLS])
# No shrinking: an expected failure (a pending cell) would otherwise be shrunk on every run.
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    phases=[Phase.generate],
    derandomize=True,  # the same draws every run: the expected failures listed in PENDING stay the same
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(seed=st.integers(0, 2**32 - 1))
def test_disguised_value_is_found(detector: Detector, entity: str, disguise: str, container: str, seed: int) -> None:
    rendered = sample(ENTITIES[entity], DISGUISES[disguise], container, random.Random(seed))
    assert rendered is not None
    findings = detect(detector, rendered)
    assert caught(findings, ENTITIES[entity], rendered), (rendered.messages, findings)


def test_the_matrix_covers_every_disguise_and_container() -> None:
    """Each disguise and each container has cells; ambiguous and pending cells exist in the matrix."""
    cells = {
        (e, d, c) for e in ENTITIES for d in DISGUISES for c in CONTAINERS if applies(ENTITIES[e], DISGUISES[d], c)
    }
    assert {d for _, d, _ in cells} == set(DISGUISES)
    assert {c for _, _, c in cells} == set(CONTAINERS)
    assert set(AMBIGUOUS) <= cells and set(PENDING) <= cells
    assert all(AMBIGUOUS.values()) and all(PENDING.values())


def test_a_plain_value_outside_a_disguise_is_not_invented(detector: Detector) -> None:
    """The disguise views do not make values out of ordinary text: words, numbers in columns, code."""
    texts = [
        "| qty | price |\n| --- | --- |\n| 12 | 3400 |\n| 7 | 1250 |",
        'label = "Total" + " due"\nprint(label)',
        "one two three four, here we go (at) the office [dot] nothing else",
        "The A4 sheet and the B52 bomber are on page 3.",
    ]
    for text in texts:
        assert detector.detect([Message(0, "user", text)]) == [], text
