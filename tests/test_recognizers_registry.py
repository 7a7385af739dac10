"""The registry of recognisers: every entity covered, no class shadowing one of Presidio's."""

from __future__ import annotations

from presidio_analyzer import EntityRecognizer

from gateway.entities import ENTITY_TYPES
from gateway.recognizers import RECOGNIZER_CLASSES, build_recognizers


def _all_subclasses(cls: type) -> set[type]:
    return set(cls.__subclasses__()).union(*(_all_subclasses(c) for c in cls.__subclasses__()))


def test_every_entity_has_a_recognizer() -> None:
    covered = {entity for recognizer in build_recognizers() for entity in recognizer.supported_entities}
    assert covered == ENTITY_TYPES


def test_no_recognizer_class_shares_a_name_with_another() -> None:
    # Presidio's default registry looks classes up by name among all subclasses:
    # a same-named class of ours would silently replace its recogniser in any default AnalyzerEngine.
    names = [cls.__name__ for cls in _all_subclasses(EntityRecognizer)]
    ours = {cls.__name__ for cls in RECOGNIZER_CLASSES}
    assert {name for name in names if names.count(name) > 1} & ours == set()
