"""Parquet, read and written with pyarrow one row group (and one batch) at a time.

A shard is a run of whole row groups (up to the shard's row budget); rows are
Python values (``to_pylist``), so nested structs and lists of strings are
inspected too. The cleaned copy has the same schema; an unchanged row has the
same values.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from gateway.dataset.formats import DatasetError, FileInfo, Row, Shard, file_sha256

BATCH_ROWS = 2048


def _open(path: Path) -> pq.ParquetFile:
    if not path.is_file():
        raise DatasetError(f"{path}: no such file")
    try:
        return pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise DatasetError(f"{path}: not a Parquet file ({str(exc).splitlines()[0]})") from None


class Parquet:
    NAME = "parquet"

    def plan(self, path: Path, first_row: int, max_rows: int, max_bytes: int) -> tuple[FileInfo, list[Shard]]:
        parquet = _open(path)
        meta = parquet.metadata
        schema = parquet.schema_arrow
        info = FileInfo(
            str(path), self.NAME, file_sha256(path), meta.num_rows, path.stat().st_size,
            columns=tuple(schema.names), schema=schema,
        )  # fmt: skip
        shards: list[Shard] = []
        group = 0
        row = first_row
        while group < meta.num_row_groups:
            start, rows, size = group, 0, 0
            while group < meta.num_row_groups and (group == start or (rows < max_rows and size < max_bytes)):
                rows += meta.row_group(group).num_rows
                size += meta.row_group(group).total_byte_size
                group += 1
            if rows:
                shards.append(Shard(info, row, rows, start, group))
            row += rows
        return info, shards

    def rows(self, shard: Shard) -> Iterator[Row]:
        parquet = _open(Path(shard.info.path))
        try:
            for batch in parquet.iter_batches(batch_size=BATCH_ROWS, row_groups=range(shard.start, shard.end)):
                for record in batch.to_pylist():
                    yield Row(None, record)
        except (pa.ArrowException, OSError) as exc:
            raise DatasetError(f"{shard.info.path}: cannot be read ({str(exc).splitlines()[0]})") from None

    def encode(self, rows: Sequence[Row], info: FileInfo) -> pa.Table:
        records: list[Any] = [row.cleaned if row.changed else row.record for row in rows]
        return pa.Table.from_pylist(records, schema=info.schema)

    def writer(self, path: Path, info: FileInfo) -> ParquetWriter:
        return ParquetWriter(path, info.schema)


class ParquetWriter:
    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self._writer = pq.ParquetWriter(path, schema)

    def write(self, piece: Any) -> None:
        self._writer.write_table(piece)

    def close(self) -> None:
        self._writer.close()


FORMAT = Parquet()
