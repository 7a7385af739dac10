"""Keyed hashes of detected values (``gateway.audit.subjects``): normalisation, the key, and the store's writes."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.audit.keyring import Keyring
from gateway.audit.subjects import (
    SubjectError,
    find_records,
    normalise,
    search_hash,
    subject_hash,
    subject_key,
)
from gateway.audit.verify import verify_trail
from tests.support.audit import event, ok, open_store
from tests.support.databases import database_url


@pytest.mark.parametrize(
    ("written", "searched"),
    [
        ("219-09-9999", "219 09 9999"),
        ("Theodora Blackwood", "  THEODORA  blackwood "),
        ("Jana.Novak@Example.org", "jana.novak@example.org"),
        ("DE89 3704 0044 0532 0130 00", "de89370400440532013000"),
        ("４１１１ １１１１", "4111-1111"),  # full-width digits fold (NFKC)
        ("Müller", "MÜLLER"),
    ],
)
def test_one_value_however_written_is_one_hash(written: str, searched: str) -> None:
    key = b"k" * 32
    assert subject_hash(key, written) == search_hash(key, searched)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("jana.novak@example.org", "jananovak@example.org"),  # two mailboxes
        ("219-09-9999", "219-09-9998"),
        ("Theodora Blackwood", "Theodore Blackwood"),
    ],
)
def test_different_values_are_different_hashes(one: str, other: str) -> None:
    assert subject_hash(b"k" * 32, one) != subject_hash(b"k" * 32, other)


def test_the_hash_depends_on_the_key() -> None:
    assert subject_hash(b"a" * 32, "219-09-9999") != subject_hash(b"b" * 32, "219-09-9999")
    assert normalise("219-09-9999") == "219099999"


@pytest.mark.parametrize("value", ["", "  ", "A-1", "x" * 501, "ab\x00cdef"])
def test_a_value_naming_nothing_searchable_is_refused(value: str) -> None:
    with pytest.raises(SubjectError):
        search_hash(b"k" * 32, value)


def test_the_key_is_derived_from_the_first_master_key_and_survives_rotation(tmp_path: Path) -> None:
    keyring = Keyring.generate(tmp_path / "master.key")
    before = subject_key(keyring)
    keyring.rotate()
    assert keyring.current_id != next(iter(keyring.keys))
    assert subject_key(Keyring.load(tmp_path / "master.key")) == before
    other = Keyring.generate(tmp_path / "other.key")
    assert subject_key(other) != before


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database_url(request.param, tmp_path) as url:
        yield url


def test_the_store_writes_the_hashes_with_the_record_and_a_search_finds_them(url: str, tmp_path: Path) -> None:
    store = open_store(url, tmp_path / "master.key")
    try:
        ssn = dataclasses.replace(event("SSN 219-09-9999"), subjects=(("US_SSN", "219-09-9999"),))
        both = dataclasses.replace(
            event("219 09 9999 / Theodora"), subjects=(("US_SSN", "219 09 9999"), ("PERSON", "Theodora"))
        )
        pending = store.record(both)  # completed later, as a forwarded request is
        first = store.record(ssn, ok())
        store.record(dataclasses.replace(event("no values"), subjects=()), ok())
        store.record(dataclasses.replace(event("SSN 219-09-9998"), subjects=(("US_SSN", "219-09-9998"),)), ok())
        store.complete(pending, ok())
        rows, total = find_records(store.engine, search_hash(store.subject_key, "219099999"))
        assert total == 2 and {r["id"] for r in rows} == {first, pending}
        assert all(r["matched_as"] == ["US_SSN"] for r in rows)
        rows, total = find_records(store.engine, search_hash(store.subject_key, "theodora"))
        assert [r["id"] for r in rows] == [pending] and rows[0]["matched_as"] == ["PERSON"]
        assert find_records(store.engine, search_hash(store.subject_key, "219099999"), limit=1)[1] == 2
        assert verify_trail(store.engine, store.keyring).ok
    finally:
        store.close()
        store.engine.dispose()
