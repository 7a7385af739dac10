"""The findings cache: keyed digests (no raw text), LRU bound, detector version, split values."""

from __future__ import annotations

import pickle

import pytest

from gateway.pipeline import detect as detect_module
from gateway.pipeline.cache import FindingsCache
from gateway.pipeline.detect import Detector
from gateway.types import Message
from tests.detect_fixtures import detector  # noqa: F401  (fixture)

SSN_TEXT = "Patient John Smith, SSN 219-09-9999, was seen today."


def _user(index: int, text: str) -> Message:
    return Message(index, "user", text)


# --- FindingsCache on its own -------------------------------------------------------------------


def test_miss_then_hit() -> None:
    cache: FindingsCache[tuple[int, ...]] = FindingsCache(4)
    key = cache.key("v1", "ner", "some text")
    assert cache.get(key) is None
    cache.put(key, (1, 2))
    assert cache.get(key) == (1, 2)
    assert (cache.hits, cache.misses) == (1, 1)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (("v1", "ner", "text"), ("v2", "ner", "text")),  # detector version
        (("v1", "ner", "text"), ("v1", "patterns", "text")),  # scan kind
        (("v1", "ner", "text"), ("v1", "ner", "text ")),  # content
        (("v1", "nerx", "y"), ("v1", "ner", "xy")),  # no ambiguity between parts
    ],
)
def test_key_depends_on_every_part(a: tuple[str, str, str], b: tuple[str, str, str]) -> None:
    cache: FindingsCache[int] = FindingsCache(4)
    assert cache.key(*a) != cache.key(*b)


def test_keys_are_keyed_per_process_not_plain_hashes() -> None:
    first: FindingsCache[int] = FindingsCache(4)
    second: FindingsCache[int] = FindingsCache(4)
    assert first.key("v", "ner", "219-09-9999") != second.key("v", "ner", "219-09-9999")
    fixed = FindingsCache[int](4, secret=b"k" * 32)
    assert fixed.key("v", "ner", "x") == FindingsCache[int](4, secret=b"k" * 32).key("v", "ner", "x")


def test_least_recently_used_entry_is_evicted() -> None:
    cache: FindingsCache[int] = FindingsCache(2)
    a, b, c = (cache.key("v", "ner", t) for t in "abc")
    cache.put(a, 1)
    cache.put(b, 2)
    assert cache.get(a) == 1  # b is now the least recently used
    cache.put(c, 3)
    assert len(cache) == 2
    assert cache.get(b) is None
    assert cache.get(a) == 1 and cache.get(c) == 3


def test_bound_must_be_positive() -> None:
    with pytest.raises(ValueError):
        FindingsCache(0)


# --- the Detector with its cache ----------------------------------------------------------------


def test_second_scan_of_the_same_text_is_a_hit_with_the_same_findings(detector: Detector) -> None:  # noqa: F811
    cache = detector.cache
    assert cache is not None
    text = "Call Maria Gonzalez on 217-555-0143 about invoice 7781."
    misses = cache.misses
    first = detector.detect([_user(0, text)])
    assert cache.misses > misses
    hits, misses = cache.hits, cache.misses
    second = detector.detect([_user(0, text)])
    assert cache.misses == misses and cache.hits > hits
    assert first == second
    assert {f.entity_type for f in first} >= {"PERSON", "PHONE_NUMBER"}


def test_cached_findings_are_reported_at_each_message_index(detector: Detector) -> None:  # noqa: F811
    detector.detect([_user(0, SSN_TEXT)])
    findings = detector.detect([_user(0, "hello"), Message(1, "assistant", "hi"), _user(2, SSN_TEXT)])
    ssn = [f for f in findings if f.entity_type == "US_SSN"]
    assert [(f.message_index, SSN_TEXT[f.start : f.end]) for f in ssn] == [(2, "219-09-9999")]


def test_cache_holds_no_raw_text(detector: Detector) -> None:  # noqa: F811
    secret_name, ssn = "Bartholomew Quinterro", "219-09-9999"
    detector.detect([_user(0, f"{secret_name} has SSN {ssn}"), _user(1, "and card 4111 1111"), _user(2, "1111 1111")])
    cache = detector.cache
    assert cache is not None
    dumped = pickle.dumps(list(cache._entries.items()))  # keys and values, as stored
    for value in (secret_name, ssn, "219099999", "4111 1111", "Quinterro"):
        assert value.encode() not in dumped
        assert value.encode("utf-16-le") not in dumped
    for key in cache._entries:
        assert isinstance(key, bytes) and len(key) == 32


def test_results_are_keyed_by_detector_version(
    detector: Detector,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cache = detector.cache
    assert cache is not None
    text = "Member ID: XYZ123456789 for the claim."
    detector.detect([_user(0, text)])
    monkeypatch.setattr(detector, "_version", "sha256:another-detector")
    misses = cache.misses
    detector.detect([_user(0, text)])
    assert cache.misses > misses  # a new detector version never reuses old results


@pytest.mark.parametrize(
    "parts",
    [
        ["My SSN is 219-09-", "9999 thanks"],
        ["card 4111 1111", "1111 1111 please"],
        ["SSN 219", "09", "9999"],  # across three messages
    ],
)
def test_value_split_across_messages_is_found_with_the_cache_warm(
    detector: Detector,  # noqa: F811
    parts: list[str],
) -> None:
    for count in range(1, len(parts)):  # each earlier turn first, as a client would send them
        detector.detect([_user(i, p) for i, p in enumerate(parts[:count])])
    for _ in range(2):  # the second time every scan is a cache hit
        findings = detector.detect([_user(i, p) for i, p in enumerate(parts)])
        split = {f.message_index for f in findings if f.entity_type in {"US_SSN", "CREDIT_CARD"}}
        assert split == set(range(len(parts)))


def test_split_value_after_a_long_history_is_found(detector: Detector) -> None:  # noqa: F811
    history = [_user(i, f"Turn {i}: please tidy the quarterly summary paragraph. " * 8) for i in range(30)]
    messages = [*history, _user(30, "the SSN is 219-09-"), _user(31, "9999")]
    findings = detector.detect(messages)
    assert {f.message_index for f in findings if f.entity_type == "US_SSN"} == {30, 31}


def test_boundary_window_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(detect_module, "BOUNDARY_WINDOW", 10)
    messages = [_user(0, "a" * 50), _user(1, "bb"), _user(2, "c" * 50)]
    # Backwards the window crosses short messages; forwards it stops at the next message,
    # so a boundary's window (and its cached result) never changes when later turns arrive.
    assert detect_module._window(messages, 1) == [(messages[0], 40, 50), (messages[1], 0, 2)]
    window = detect_module._window(messages, 2)
    assert window == [(messages[0], 43, 50), (messages[1], 0, 2), (messages[2], 0, 10)]
    assert sum(end - start for _, start, end in window) <= 2 * 10
    assert detect_module._window([*messages, _user(3, "d" * 50)], 1) == detect_module._window(messages, 1)


def test_detector_without_cache_gives_the_same_findings(detector: Detector) -> None:  # noqa: F811
    uncached = Detector(cache_entries=0)
    assert uncached.cache is None
    messages = [_user(0, SSN_TEXT), _user(1, "card 4111 1111"), _user(2, "1111 1111")]
    assert uncached.detect(messages) == detector.detect(messages)


# --- NER batched over several texts ---------------------------------------------------------------

BATCH_TEXTS = [
    "Call Maria Gonzalez on 217-555-0143 about invoice 7781.",
    "Patient John Smith, SSN 219-09-9999, was seen today.",
    "   ",
    "def main():\n    log.info('started')\n    return 0",
    "Dear Dagny Taggart,\nyour card 4111 1111 1111 1111 ships to 42 Main St, Springfield.",
    "Patient John Smith, SSN 219-09-9999, was seen today.",  # a repeat within the batch
    "ask dagny about it; Otto Lilienthal flew first",
]


def test_segments_detected_together_give_what_each_gives_alone() -> None:
    uncached = Detector(cache_entries=0)
    together = uncached.detect([Message(i, "system", text) for i, text in enumerate(BATCH_TEXTS)])
    alone = [f for i, text in enumerate(BATCH_TEXTS) for f in uncached.detect([Message(i, "system", text)])]
    assert together == alone  # system messages: no boundaries between them are scanned
    assert {f.entity_type for f in together} >= {"PERSON", "PHONE_NUMBER", "US_SSN", "CREDIT_CARD"}


def test_prefetch_fills_the_cache_with_what_detect_finds() -> None:
    cold, warm = Detector(), Detector()
    warm.prefetch(BATCH_TEXTS)
    assert warm.cache is not None
    misses = warm.cache.misses
    for i, text in enumerate(BATCH_TEXTS):
        assert warm.detect([_user(i, text)]) == cold.detect([_user(i, text)])
    assert warm.cache.misses == misses  # every text came from the cache


def test_prefetch_without_a_cache_does_nothing() -> None:
    uncached = Detector(cache_entries=0)
    uncached.prefetch(BATCH_TEXTS)
    assert uncached.detect([_user(0, BATCH_TEXTS[1])])
