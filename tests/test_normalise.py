"""The normalised views and their exact map back to the original text."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.pipeline.normalise import (
    DIGIT_SEPARATORS,
    LETTER_SEPARATORS,
    LINE_BREAK,
    NormalisedText,
    collapse,
    decoded_views,
    fold,
    fold_char,
    joins_a_value,
    normalise,
    removed,
    unescape,
)

# Characters that exercise every rule: digits, separators, zero-width, full-width and
# Arabic-Indic digits, homoglyphs, ligatures / compatibility forms, plain letters.
_ALPHABET = (
    list("0123456789 .-_/\nitarITAR")
    + list("\u200b\u200c\u200d\u2060\ufeff")
    + list("０１２３４５６７８９٠١٢٣٤٥٦٧٨٩ІТАРаеоﬁ①Ａ\u2013\u00a0é")
)
texts = st.text(alphabet=st.sampled_from(_ALPHABET), max_size=40)
# Only characters that fold to one character each (fold's character-for-character path).
one_for_one = st.text(alphabet=st.sampled_from([c for c in _ALPHABET if len(fold_char(c)) == 1]), max_size=40)


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        ("2\u200b1\u200c9\u200d-0\u20609-\ufeff9999", "219-09-9999"),
        ("ＳＳＮ １２３", "SSN 123"),
        ("٢١٩-٠٩-٩٩٩٩", "219-09-9999"),
        ("ІТАR", "ITAR"),
        ("ΤΟΡ SΕCRΕΤ", "TOP SECRET"),
        ("ﬁle", "file"),
        ("12\u201334", "12-34"),
        ("plain ascii", "plain ascii"),
    ],
)
def test_fold(original: str, expected: str) -> None:
    assert fold(original).text == expected


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        ("219 09 9999", "219099999"),
        ("4111.1111.1111.1111", "4111111111111111"),
        ("219\n09\n9999", "219099999"),
        ("219 - 09 - 9999", "219099999"),
        ("i t a r controlled", "ITAR controlled"),  # spelt out: upper-cased like a banner
        ("t o p  s e c r e t / / s c i", "TOP SECRET//SCI"),  # spaced words keep one space
        ("p r o p r i e t a r y.", "PROPRIETARY."),
        ("and / or", "and / or"),  # words, not spaced letters
        ("C.U.I", "CUI"),
        ("room 12, bed 4", "room 12, bed 4"),
        ("a b", "a b"),
        ("12    34", "12    34"),  # a wide gap is not a separator
        ("4111 1111\n1111 1111", "4111111111111111"),  # a wrapped value
        ("219-\n09-9999", "219099999"),
        # Mixed separators are dates, times and log lines, not a disguised number.
        ("494\n2024-05-04 10:21:33 GET /", "494\n2024-05-04 10:21:33 GET /"),
        ("2024-05-04 10", "2024-05-04 10"),
    ],
)
def test_collapse(original: str, expected: str) -> None:
    assert normalise(original).text == expected


def test_to_original_points_at_the_disguised_text() -> None:
    original = "SSN: 2\u200b1\u200b9 09\n9999."
    view = normalise(original)
    start = view.text.index("219099999")
    assert view.to_original(start, start + 9) == (5, 18)
    assert original[5:18] == "2\u200b1\u200b9 09\n9999"


def test_to_original_rejects_empty_or_outside_spans() -> None:
    view = fold("abc")
    with pytest.raises(ValueError):
        view.to_original(1, 1)
    with pytest.raises(ValueError):
        view.to_original(0, 4)


@pytest.mark.parametrize(
    ("encoded", "decoded"),
    [
        (base64.b64encode(b"SSN 219-09-9999").decode(), "SSN 219-09-9999"),
        (base64.urlsafe_b64encode(b"card 4111111111111111??").decode(), "card 4111111111111111??"),
        (b"219-09-9999".hex(), "219-09-9999"),
        ("".join(f"\\x{b:02x}" for b in b"ITAR data"), "ITAR data"),
        ("%32%31%39-09-9999", "219-09-9999"),
        ("email=jo%40example.com", "email=jo@example.com"),  # one escape is enough when it is an "@"
    ],
)
def test_decoded_views_map_to_the_encoded_segment(encoded: str, decoded: str) -> None:
    original = f"please check {encoded} today"
    views = decoded_views(original)
    # the decoded segment in place, with the words around it (a label before a value still applies)
    assert [v.text for v in views] == [f"please check {decoded} today"]
    at = len("please check ")
    start, end = views[0].to_original(at, at + len(decoded))
    assert original[start:end] == encoded
    assert views[0].to_original(0, at) == (0, at)


def test_base64_after_a_key_is_decoded_without_the_key() -> None:
    encoded = base64.b64encode(b"4532398914543662").decode()
    original = f"payload card_b64={encoded} is it right?"
    views = decoded_views(original)
    assert [v.text for v in views] == ["payload card_b64=4532398914543662 is it right?"]
    at = len("payload card_b64=")
    start, end = views[0].to_original(at, at + 16)
    assert original[start:end] == encoded


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        ('{\\"member_id\\": \\"W528\\"}', '{"member_id": "W528"}'),
        ("line\\nnext \\u00e9 \\/ \\\\", "line\nnext \u00e9 / \\"),
        ("no escapes here", "no escapes here"),
        ("\\ud83d half a pair", "\\ud83d half a pair"),  # a lone surrogate stays as written
    ],
)
def test_unescape(original: str, expected: str) -> None:
    assert unescape(fold(original)).text == expected


_ESCAPED = st.lists(st.sampled_from([*'ab1 "\\/nu0e9tD8', '\\"', "\\u00e9", "\\n", "\\ud83d"]), max_size=20).map(
    "".join
)


@settings(max_examples=300, deadline=None)
@given(_ESCAPED)
def test_unescaped_spans_map_back_exactly(original: str) -> None:
    view = unescape(fold(original))
    assert len(view.starts) == len(view.ends) == len(view.text)
    for start in range(len(view.text)):
        for end in range(start + 1, len(view.text) + 1):
            a, b = view.to_original(start, end)
            assert 0 <= a < b <= len(original)
            # The original span, unescaped on its own, gives back the view's characters.
            assert view.text[start:end] in unescape(fold(original[a:b])).text


@pytest.mark.parametrize(
    "text", ["ThisIsAnOrdinaryIdentifierName", "deadbeefcafe0001", "4111111111111111", "100%25 sure"]
)
def test_decoded_views_ignore_non_text(text: str) -> None:
    assert all(view.text.isprintable() for view in decoded_views(f"value {text} here"))
    assert decoded_views("deadbeefcafe0001") == []


def _ascii_lower(text: str) -> str:
    return "".join(char.lower() if char.isascii() else char for char in text)


def _is_subsequence(needle: str, haystack: str) -> list[int] | None:
    """Indices of ``haystack`` that spell ``needle`` in order, or None."""
    positions, index = [], 0
    for char in needle:
        index = haystack.find(char, index)
        if index < 0:
            return None
        positions.append(index)
        index += 1
    return positions


@settings(max_examples=300, deadline=None)
@given(texts)
def test_fold_spans_map_back_exactly(original: str) -> None:
    view = fold(original)
    assert len(view.starts) == len(view.ends) == len(view.text)
    for start in range(len(view.text)):
        for end in range(start + 1, len(view.text) + 1):
            a, b = view.to_original(start, end)
            assert 0 <= a < b <= len(original)
            assert view.text[start:end] in fold(original[a:b]).text


@settings(max_examples=300, deadline=None)
@given(texts)
def test_collapsed_spans_map_back_to_the_same_characters(original: str) -> None:
    view = normalise(original)
    for start in range(len(view.text)):
        for end in range(start + 1, len(view.text) + 1):
            a, b = view.to_original(start, end)
            assert 0 <= a < b <= len(original)
            folded = fold(original[a:b]).text
            # Spelt-out ASCII letters are upper-cased (``i t a r`` -> ``ITAR``): compare ASCII case-blind.
            positions = _is_subsequence(_ascii_lower(view.text[start:end]), _ascii_lower(folded))
            assert positions is not None
            # Inside the span only separators were removed (edges may hold the rest of a
            # character that folds to several, such as a ligature).
            inner = set(range(positions[0], positions[-1] + 1)) - set(positions)
            assert all(folded[i] in DIGIT_SEPARATORS | LETTER_SEPARATORS for i in inner)


def _char_by_char(original: str) -> NormalisedText:
    """The definition of ``fold``: each character's ``fold_char``, mapped to that character."""
    pieces = [(fold_char(char), index) for index, char in enumerate(original)]
    return NormalisedText(
        "".join(folded for folded, _ in pieces),
        tuple(index for folded, index in pieces for _ in folded),
        tuple(index + 1 for folded, index in pieces for _ in folded),
    )


@settings(max_examples=300, deadline=None)
@given(st.one_of(texts, one_for_one))
def test_fold_is_fold_char_of_each_character(original: str) -> None:
    assert fold(original) == _char_by_char(original)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_removed_and_collapsed_views_keep_the_spans_of_the_characters_left(original: str) -> None:
    base = fold(original)
    for view in (collapse(base), removed(base, LINE_BREAK, joins_a_value), removed(base, LINE_BREAK)):
        if view is base:
            continue
        positions = _is_subsequence(_ascii_lower(view.text), _ascii_lower(base.text))
        assert positions is not None
        assert view.starts == tuple(base.starts[i] for i in positions)
        assert view.ends == tuple(base.ends[i] for i in positions)
