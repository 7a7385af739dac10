"""Builds gateway/recognizers/data/names.txt.gz, the names lexicon, from ``names-dataset`` (PyPI, Apache-2.0).

Usage: ``python scripts/build_names_lexicon.py [--rank 2000] [--words /usr/share/dict/american-english]``
(needs ``pip install names-dataset==3.3.1`` and Debian's ``wamerican`` word list; about 30 s and 2 GB).

``names-dataset`` 3.3.1 ranks 730,000 given names and 980,000 surnames per country (105 countries).
Loaded whole it takes about 14 s and 0.9 GB per name table, too much for every gateway worker, so
the lexicon is this derived file: the names ranked within ``--rank`` in at least one country,
written in letters (with ``-`` or ``'``), two letters or more, and not a lower-case English word
of the word list (``will``, ``may``, ``rose``, ``the``: the dataset's users typed those too).
Place names stay in (``Georgia``, ``Paris`` are given names too): the lexicon only ever confirms a
word that NER or a name's context put forward, never finds one alone.
The English words themselves are kept too (``E <word>``, the word list's lower-case entries of
three letters or more): a capitalised word after a given name is a surname only if it is not one
("Trifon Nekrasov", not "Victoria Station"). Word list: SCOWL via Debian's ``wamerican``
(copyright Kevin Atkinson and others, a permissive licence: /usr/share/doc/wamerican/copyright).
English words that are also common names (``john``, ``dean``, ``rose``: ranked within
``--ambiguous-rank`` as a given name or a surname in some country) are listed apart (``A <word>``):
such a word alone may still be a person, where another English word (``Workflow``) is not.
The file is plain text: a header, then ``G <name>``, ``S <name>``, ``E <word>`` and ``A <word>`` lines, sorted.
"""

from __future__ import annotations

import argparse
import gzip
import pickle
import re
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "gateway" / "recognizers" / "data" / "names.txt.gz"
_SHAPE = re.compile(r"[^\W\d_]{2,}(?:[-'][^\W\d_]{2,})?")


def _load(path: Path) -> dict:
    with gzip.open(path, "rb") as handle:
        return pickle.load(handle)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rank", type=int, default=2000)
    parser.add_argument("--words", type=Path, default=Path("/usr/share/dict/american-english"))
    parser.add_argument("--ambiguous-rank", type=int, default=1000)
    args = parser.parse_args()
    from importlib.metadata import version
    from importlib.util import find_spec

    spec = find_spec("names_dataset")  # its data files only: the package's import loads every table
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("names-dataset is not installed (pip install names-dataset==3.3.1)")
    data = Path(list(spec.submodule_search_locations)[0]) / "v3"
    english = {w.strip() for w in args.words.read_text(encoding="utf-8").splitlines() if w[:1].islower()}
    english |= {w.split("'")[0] for w in english}

    def wanted(name: str, info: dict) -> bool:
        ranks = info.get("rank") or {}
        return (
            bool(ranks)
            and min(ranks.values()) <= args.rank
            and _SHAPE.fullmatch(name) is not None
            and name.lower() not in english
        )

    def common_name(info: dict) -> bool:
        ranks = info.get("rank") or {}
        return bool(ranks) and min(ranks.values()) <= args.ambiguous_rank

    ambiguous: set[str] = set()
    first = _load(data / "first_names.pkl.gz")
    given = sorted(name for name, info in first.items() if wanted(name, info))
    ambiguous |= {n.lower() for n, info in first.items() if n.lower() in english and common_name(info)}
    del first
    last = _load(data / "last_names.pkl.gz")
    surnames = sorted(name for name, info in last.items() if wanted(name, info))
    ambiguous |= {n.lower() for n, info in last.items() if n.lower() in english and common_name(info)}
    del last
    header = (
        f"# Derived from names-dataset {version('names-dataset')} (Apache-2.0, github.com/philipperemy/name-dataset)"
        f" and SCOWL's word list (Debian wamerican) by scripts/build_names_lexicon.py --rank {args.rank}"
        f" --ambiguous-rank {args.ambiguous_rank}\n"
    )
    words = sorted(w for w in english if len(w) >= 3 and w.isalpha())
    body = "".join(f"G {n}\n" for n in given) + "".join(f"S {n}\n" for n in surnames)
    body += "".join(f"E {w}\n" for w in words)
    body += "".join(f"A {w}\n" for w in sorted(w for w in ambiguous if len(w) >= 2 and w.isalpha()))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(OUT, "wb", mtime=0) as handle:
        handle.write((header + body).encode("utf-8"))
    print(f"{OUT}: {len(given)} given names, {len(surnames)} surnames, {len(words)} English words "
          f"({len(ambiguous)} of them common names too), "
          f"{OUT.stat().st_size:,} bytes")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
