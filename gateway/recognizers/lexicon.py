"""The names lexicon: given names and surnames from ``names-dataset``, kept as two sets.

The file ``data/names.txt.gz`` is built by ``scripts/build_names_lexicon.py`` from
``names-dataset`` 3.3.1 (PyPI, Apache-2.0): the names ranked among the first 2,000 in at least
one of its 105 countries, minus lower-case English words: about 103,000 given names and 128,000
surnames; and 64,000 English words (SCOWL's list) to tell a surname from a word. Read once per
process (about 0.4 s, 40 MB; the file is 0.9 MB). The package itself is not a dependency: loaded whole it takes
14 s and 0.9 GB per table, in every worker. Licences: ``data/NOTICE``.

The lexicon never finds a name alone: it confirms a word that NER or a name's context put
forward, or a given name followed by a surname (``gateway.recognizers.ner``).
"""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

_FILE = Path(__file__).with_name("data") / "names.txt.gz"


@cache
def _sets() -> tuple[frozenset[str], frozenset[str], frozenset[str], frozenset[str], frozenset[str]]:
    sets: dict[str, set[str]] = {"G": set(), "S": set(), "E": set(), "A": set()}
    with gzip.open(_FILE, "rt", encoding="utf-8") as handle:
        for line in handle:
            kind, _, name = line.rstrip("\n").partition(" ")
            if kind in sets:
                sets[kind].add(name.lower())
    given, surnames = frozenset(sets["G"]), frozenset(sets["S"])
    return given, surnames, frozenset(sets["E"]), given | surnames, frozenset(sets["A"])


def names_among(words: list[str]) -> set[str]:
    """The lower-cased ``words`` that are names of the lexicon (one set intersection)."""
    return {word.lower() for word in words} & _sets()[3]


def load() -> None:
    """Read the lexicon now (the detector calls this once at start, not on the first request)."""
    _sets()


def is_given_name(word: str) -> bool:
    """Whether ``word`` (any case) is a given name of the lexicon."""
    return word.lower() in _sets()[0]


def is_surname(word: str) -> bool:
    """Whether ``word`` (any case) is a surname of the lexicon."""
    return word.lower() in _sets()[1]


def is_name(word: str) -> bool:
    """A given name or a surname."""
    lower = word.lower()
    return lower in _sets()[3]


def is_common_name_too(word: str) -> bool:
    """Whether the English word ``word`` is also a common given name or surname (``john``, ``rose``, ``miller``)."""
    return word.lower() in _sets()[4]


def is_english_word(word: str) -> bool:
    """Whether ``word`` (any case) is a lower-case word of the English word list (``station``, ``brown``)."""
    return word.lower() in _sets()[2]
