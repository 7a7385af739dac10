"""JSON Lines: one JSON value a line (chat ``messages`` rows, flat fields, nested objects).

Blank lines are not rows. A cleaned row is written as compact JSON (non-ASCII
kept) with the line ending its line had; an unchanged row keeps its bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from gateway.dataset.formats import ByteWriter, DatasetError, FileInfo, Row, Shard, cut, line_ending, open_input


class JsonLines:
    NAME = "jsonl"

    def plan(self, path: Path, first_row: int, max_rows: int, max_bytes: int) -> tuple[FileInfo, list[Shard]]:
        with open_input(path) as handle:
            cuts = cut(((line, 1, bool(line.strip())) for line in handle), first_row, max_rows, max_bytes)
        info = FileInfo(str(path), self.NAME, cuts.sha256, cuts.rows, cuts.size)
        return info, cuts.shards(info)

    def rows(self, shard: Shard) -> Iterator[Row]:
        with open_input(Path(shard.info.path)) as handle:
            handle.seek(shard.start)
            position, line_no = shard.start, shard.line
            while position < shard.end:
                raw = handle.readline()
                if not raw:
                    break
                position += len(raw)
                if raw.strip():
                    yield Row(raw, _load(raw, shard.info.path, line_no))
                line_no += 1

    def encode(self, rows: Sequence[Row], info: FileInfo) -> bytes:
        out = bytearray()
        for row in rows:
            assert row.raw is not None
            if row.changed:
                out += json.dumps(row.cleaned, ensure_ascii=False).encode() + (line_ending(row.raw) or b"\n")
            else:
                out += row.raw if line_ending(row.raw) else row.raw + b"\n"
        return bytes(out)

    def writer(self, path: Path, info: FileInfo) -> ByteWriter:
        return ByteWriter(path)


def _load(raw: bytes, path: str, line_no: int) -> Any:
    try:
        return json.loads(raw)
    except RecursionError:
        raise DatasetError(f"{path}: line {line_no} is nested too deeply to be read") from None
    except UnicodeDecodeError:
        raise DatasetError(f"{path}: line {line_no} is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{path}: line {line_no} is not valid JSON (column {exc.colno}: {exc.msg})") from None


FORMAT = JsonLines()
