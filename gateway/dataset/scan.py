"""``gateway dataset scan``, as a function: plan, scan on an engine, merge, write report and copy.

The report and the cleaned copy are written beside their final names and moved
into place only by :meth:`Scanned.commit`, once the scan's audit event is
recorded; a failed scan leaves neither (:meth:`Scanned.discard`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gateway.dataset.formats import DatasetError, FileInfo, Shard, Writer, format_of, module
from gateway.dataset.progress import Progress
from gateway.dataset.report import ReportBuilder, dataset_sha256, html_path, write_reports
from gateway.dataset.rows import ScanSpec

MAX_SHARD_ROWS = 500
MAX_SHARD_BYTES = 4 << 20
EXIT_FLAGGED = 3


def plan(paths: Sequence[Path], given: str | None, spec: ScanSpec) -> tuple[list[FileInfo], list[Shard]]:
    """Every file read once (hash, rows, shard bounds); the fields and formats checked."""
    names = {format_of(path, given) for path in paths}
    if len(names) > 1:
        raise DatasetError(f"the files are of different formats ({', '.join(sorted(names))}); scan them apart")
    fmt = module(names.pop())
    files: list[FileInfo] = []
    shards: list[Shard] = []
    for path in paths:
        info, found = fmt.plan(path, sum(f.rows for f in files), MAX_SHARD_ROWS, MAX_SHARD_BYTES)
        if info.columns is not None:
            for name in spec.fields:
                if name.split(".")[0] not in info.columns:
                    raise DatasetError(f"{path}: no field {name!r} (fields: {', '.join(info.columns)})")
        if spec.clean and files and (info.columns, info.schema) != (files[0].columns, files[0].schema):
            raise DatasetError(f"{path}: its fields differ from {files[0].path}'s; one cleaned copy needs the same")
        files.append(info)
        shards.extend(found)
    return files, shards


def _partial(path: Path) -> Path:
    return path.with_name(f".{path.name}.partial")


@dataclass
class Scanned:
    """A finished scan whose outputs wait (as partial files) for :meth:`commit`."""

    summary: dict[str, Any]
    exit_code: int
    outputs: list[Path] = field(default_factory=list)

    def commit(self) -> None:
        for path in self.outputs:
            os.replace(_partial(path), path)

    def discard(self) -> None:
        for path in self.outputs:
            _partial(path).unlink(missing_ok=True)


def scan_dataset(
    paths: Sequence[Path],
    given_format: str | None,
    spec: ScanSpec,
    engine: Any,
    *,
    report: Path | None = None,
    clean: Path | None = None,
    progress: Progress | None = None,
) -> Scanned:
    started = datetime.now(UTC)
    files, shards = plan(paths, given_format, spec)
    builder = ReportBuilder()
    progress = progress or Progress()
    progress.start(sum(f.rows for f in files))
    writer: Writer | None = None
    outputs = [p for p in (clean, report, report and html_path(report)) if p is not None]
    scanned = Scanned({}, 0, outputs)
    try:
        if clean is not None:
            writer = module(files[0].format).writer(_partial(clean), files[0])
        for result in engine.run(shards):
            builder.add(result)
            if writer is not None:
                writer.write(result.output)
            progress.advance(result.rows)
        if writer is not None:
            writer.close()
            writer = None
        missing = [name for name in spec.fields if name.split(".")[0] not in builder.fields_seen and builder.rows]
        if missing:
            raise DatasetError(f"no row has the field {missing[0]!r}")
        if builder.detector_version is None:  # an empty data set: no worker ran
            from gateway.pipeline.detect import Detector

            builder.detector_version = Detector(spacy_model=engine.spacy_model, prefilter=False).version
        scanned.exit_code = EXIT_FLAGGED if builder.rows_flagged else 0
        scanned.summary = builder.summary(
            dataset={
                "sha256": dataset_sha256(files),
                "format": files[0].format,
                "files": [
                    {"path": f.path, "format": f.format, "sha256": f.sha256, "rows": f.rows, "bytes": f.size}
                    for f in files
                ],
            },
            policy={"name": spec.policy.name, "version": spec.policy.version},
            fields=list(spec.fields) or "every string field",
            engine={"name": engine.name, "workers": engine.workers},
            clean=None if clean is None else {"path": str(clean), "mode": spec.clean, "rows": builder.rows_written},
            exit_code=scanned.exit_code,
            started_at=started.isoformat(),
            elapsed_s=round(progress.elapsed_s, 3),
            rows_per_s=round(builder.rows / progress.elapsed_s, 1) if progress.elapsed_s > 0 else None,
        )
        if report is not None:
            write_reports(_partial(report), _partial(html_path(report)), scanned.summary, builder.decisions)
    except BaseException:
        if writer is not None:
            writer.close()
        scanned.discard()
        raise
    finally:
        progress.close()
    return scanned
