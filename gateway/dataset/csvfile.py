"""CSV with a header row (RFC 4180: comma-separated, double quotes, quoted fields may span lines).

Every column is a string field. Records are found by the parity of quote
characters, so a plan never parses a field; a shard's records are parsed by the
standard ``csv`` module. A cleaned row is written with minimal quoting and the
line ending it had; an unchanged row keeps its bytes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from gateway.dataset.formats import ByteWriter, DatasetError, FileInfo, Row, Shard, cut, line_ending, open_input


def _records(handle: BinaryIO, limit: int | None = None) -> Iterator[tuple[bytes, int]]:
    """Each record's bytes as stored and the number of lines it spans, up to byte ``limit``."""
    read = 0
    pending: list[bytes] = []
    quoted = False
    for line in handle:
        read += len(line)
        pending.append(line)
        quoted ^= line.count(b'"') % 2 == 1
        if not quoted:
            yield b"".join(pending), len(pending)
            pending = []
        if limit is not None and read >= limit:
            break
    if pending:
        yield b"".join(pending), len(pending)


def _fields(raw: bytes, path: str, line_no: int) -> list[str]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise DatasetError(f"{path}: line {line_no} is not UTF-8 text") from None
    try:
        parsed = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        raise DatasetError(f"{path}: line {line_no} is not valid CSV ({exc})") from None
    return parsed[0] if parsed else []


class Csv:
    NAME = "csv"

    def plan(self, path: Path, first_row: int, max_rows: int, max_bytes: int) -> tuple[FileInfo, list[Shard]]:
        header: list[bytes] = []

        def units(handle: BinaryIO) -> Iterator[tuple[bytes, int, bool]]:
            for raw, lines in _records(handle):
                if not header:
                    header.append(raw)
                    yield raw, lines, False
                else:
                    yield raw, lines, bool(raw.strip())

        with open_input(path) as handle:
            cuts = cut(units(handle), first_row, max_rows, max_bytes)
        if not header or not header[0].strip():
            raise DatasetError(f"{path}: empty CSV file (a header row is needed)")
        columns = tuple(_fields(header[0], str(path), 1))
        duplicated = sorted({c for c in columns if columns.count(c) > 1})
        if duplicated:
            raise DatasetError(f"{path}: the header names a column more than once ({', '.join(duplicated)})")
        info = FileInfo(str(path), self.NAME, cuts.sha256, cuts.rows, cuts.size, header=header[0], columns=columns)
        return info, cuts.shards(info)

    def rows(self, shard: Shard) -> Iterator[Row]:
        columns = shard.info.columns or ()
        with open_input(Path(shard.info.path)) as handle:
            handle.seek(shard.start)
            line_no = shard.line
            for raw, lines in _records(handle, shard.end - shard.start):
                if raw.strip():
                    values = _fields(raw, shard.info.path, line_no)
                    if len(values) != len(columns):
                        raise DatasetError(
                            f"{shard.info.path}: line {line_no} has {len(values)} fields, the header {len(columns)}"
                        )
                    yield Row(raw, dict(zip(columns, values, strict=True)))
                line_no += lines

    def encode(self, rows: Sequence[Row], info: FileInfo) -> bytes:
        columns = info.columns or ()
        out = bytearray()
        for row in rows:
            assert row.raw is not None
            ending = line_ending(row.raw)
            if row.changed:
                text = io.StringIO()
                csv.writer(text, lineterminator=(ending or b"\n").decode()).writerow([row.cleaned[c] for c in columns])
                out += text.getvalue().encode()
            else:
                out += row.raw if ending else row.raw + b"\n"
        return bytes(out)

    def writer(self, path: Path, info: FileInfo) -> ByteWriter:
        return ByteWriter(path, info.header if line_ending(info.header) else info.header + b"\n")


FORMAT = Csv()
