"""The speed benchmarks' generated prompts hold what their names say."""

from __future__ import annotations

from bench.accuracy.corpus import SEED, build_corpus
from bench.prompts import _IDENTIFIERS, DENSE_SIZE, dense_prompts


def test_pii_dense_prompts_hold_a_name_an_address_a_phone_and_an_identifier_each() -> None:
    types_of: dict[str, set[str]] = {}
    for case in build_corpus(SEED):
        if case.kind == "clean" and len(case.messages) == 1:
            types_of.setdefault(case.messages[0].text, set()).update(span.entity_type for span in case.spans)
    prompts = dense_prompts(30)
    assert prompts == dense_prompts(30)  # seeded: the same prompts every run
    for prompt in prompts:
        assert DENSE_SIZE - 100 <= len(prompt) <= DENSE_SIZE + 150
        parts = prompt.split("\n\n")  # corpus messages hold no blank line
        assert all(part in types_of for part in parts)  # whole labelled messages only: no value is cut
        held = set().union(*(types_of[part] for part in parts))
        assert {"PERSON", "STREET_ADDRESS", "PHONE_NUMBER"} <= held and held & set(_IDENTIFIERS)
