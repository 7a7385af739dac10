"""The session-wide detector fixture (import it into a test module to use it)."""

from __future__ import annotations

import pytest

from gateway.pipeline.detect import Detector


@pytest.fixture(scope="session")
def detector() -> Detector:
    """One real Detector (real spaCy model, real AnalyzerEngine) for the whole session, its pattern
    prefilter compiled, so that the tests run the path requests take once a worker is warm."""
    built = Detector()
    assert built.prefilter.wait(120), "the pattern prefilter did not compile"
    return built
