"""What every data-set format provides: a plan of shards, the rows of a shard, the cleaned copy.

A format module (:mod:`jsonl`, :mod:`csvfile`, :mod:`parquetfile`) reads a file
once to plan it (its SHA-256, its rows, shards of bounded rows and bytes), reads
one shard's rows (each with its bytes as stored, so a row left unchanged is
written back byte for byte) and encodes a shard of the cleaned copy.
"""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Protocol

NAMES = ("jsonl", "csv", "parquet")
_SUFFIXES = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}
_MODULES = {"jsonl": "jsonl", "csv": "csvfile", "parquet": "parquetfile"}
READ_CHUNK = 1 << 20


class DatasetError(Exception):
    """A data set that cannot be scanned as asked (a bad file, format or field): one clear line."""


@dataclass(frozen=True, slots=True)
class FileInfo:
    """One file of the data set, as its plan found it."""

    path: str
    format: str
    sha256: str
    rows: int
    size: int
    header: bytes = b""  # CSV: the header record as stored
    columns: tuple[str, ...] | None = None  # CSV and Parquet: the fields every row has
    schema: Any = None  # Parquet: the Arrow schema


@dataclass(frozen=True, slots=True)
class Shard:
    """Rows ``first_row`` .. ``first_row + rows - 1`` of the data set, in one file.

    ``start``/``end`` are byte offsets (JSONL, CSV) or row-group numbers (Parquet); ``line`` is the
    file's line number of the first row (for messages)."""

    info: FileInfo
    first_row: int
    rows: int
    start: int
    end: int
    line: int = 1


@dataclass(slots=True)
class Row:
    """One row: its bytes as stored (None for Parquet), the parsed record and, once cleaned, its new record."""

    raw: bytes | None
    record: Any
    cleaned: Any = None
    changed: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


class Format(Protocol):
    NAME: str

    def plan(self, path: Path, first_row: int, max_rows: int, max_bytes: int) -> tuple[FileInfo, list[Shard]]: ...

    def rows(self, shard: Shard) -> Iterator[Row]: ...

    def encode(self, rows: Sequence[Row], info: FileInfo) -> Any:
        """The cleaned copy's piece for ``rows`` (unchanged rows as stored)."""
        ...

    def writer(self, path: Path, info: FileInfo) -> Writer: ...


class Writer(Protocol):
    def write(self, piece: Any) -> None: ...

    def close(self) -> None: ...


def format_of(path: Path, given: str | None) -> str:
    if given is not None:
        return given
    found = _SUFFIXES.get(path.suffix.lower())
    if found is None:
        raise DatasetError(f"{path}: cannot tell the format from the file name; give --format jsonl, csv or parquet")
    return found


def module(name: str) -> Format:
    """The format module of ``name`` (imported when first used: Parquet brings in pyarrow)."""
    found: Format = importlib.import_module(f"gateway.dataset.{_MODULES[name]}").FORMAT
    return found


def open_input(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except FileNotFoundError:
        raise DatasetError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DatasetError(f"{path}: is a directory, not a data file") from None
    except OSError as exc:
        raise DatasetError(f"{path}: cannot be read ({exc.strerror})") from None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open_input(path) as handle:
        while chunk := handle.read(READ_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class ByteWriter:
    """The cleaned copy of a text format: pieces of bytes, appended (a CSV copy starts with its header)."""

    def __init__(self, path: Path, head: bytes = b"") -> None:
        self._handle = path.open("wb")
        self._handle.write(head)

    def write(self, piece: Any) -> None:
        self._handle.write(piece)

    def close(self) -> None:
        self._handle.close()


@dataclass(frozen=True, slots=True)
class Cuts:
    """What a text file's plan found: its SHA-256, its size, its rows, and shard bounds."""

    sha256: str
    size: int
    rows: int
    bounds: list[tuple[int, int, int, int, int]]  # first row, rows, start byte, end byte, first line

    def shards(self, info: FileInfo) -> list[Shard]:
        return [Shard(info, first, count, start, end, line) for first, count, start, end, line in self.bounds]


def cut(units: Iterable[tuple[bytes, int, bool]], first_row: int, max_rows: int, max_bytes: int) -> Cuts:
    """Shards of up to ``max_rows`` rows and about ``max_bytes`` bytes over ``units`` (bytes as stored, the
    lines they span, whether they are a row), hashing every byte on the way."""
    digest = hashlib.sha256()
    bounds: list[tuple[int, int, int, int, int]] = []
    offset = rows = shard_rows = shard_start = shard_line = 0
    line_no = 1
    for raw, lines, is_row in units:
        digest.update(raw)
        if is_row:
            if shard_rows == 0:
                shard_start, shard_line = offset, line_no
            shard_rows += 1
            rows += 1
        offset += len(raw)
        line_no += lines
        if shard_rows and (shard_rows >= max_rows or offset - shard_start >= max_bytes):
            bounds.append((first_row + rows - shard_rows, shard_rows, shard_start, offset, shard_line))
            shard_rows = 0
    if shard_rows:
        bounds.append((first_row + rows - shard_rows, shard_rows, shard_start, offset, shard_line))
    return Cuts(digest.hexdigest(), offset, rows, bounds)


def line_ending(raw: bytes) -> bytes:
    return b"\r\n" if raw.endswith(b"\r\n") else b"\n" if raw.endswith(b"\n") else b""
