"""A request's detection cut into bounded slices, so one large request never holds a worker for long.

(This module imports nothing heavy: the gateway process plans the slices, the detection workers scan them.)

Each slice is the arguments of :meth:`gateway.pipeline.detect.Detector.scan`: some
segments scanned one by one, and a run of the conversation whose boundaries it
scans joined (with the earlier messages those boundaries' windows reach back
to). The slices of a request together scan exactly what ``Detector.detect``
scans, so ``finish`` over their findings equals ``detect``'s result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gateway.types import Segment

# Characters of context taken on each side of a boundary between user messages (gateway.pipeline.detect).
BOUNDARY_WINDOW = 1024
# About how much text one slice scans (characters; a boundary counts what its window joins).
SLICE_CHARS = 16_000
SLICE_SEGMENTS = 256


class TooLargeToInspect(Exception):
    """A request too large to inspect within its detection budget: refused as the client's error (413)."""


@dataclass(frozen=True, slots=True)
class Slice:
    segments: tuple[Segment, ...]
    conversation: tuple[Segment, ...] = ()
    first_boundary: int = 1

    @property
    def args(self) -> tuple[list[Segment], list[Segment], int]:
        return list(self.segments), list(self.conversation), self.first_boundary


def conversation(segments: Sequence[Segment]) -> list[Segment]:
    """The messages whose boundaries are scanned joined: the user's conversational ones, in order."""
    return [s for s in segments if s.role == "user" and s.conversational]


def window_start(messages: Sequence[Segment], boundary: int) -> int:
    """The first message the window of ``boundary`` reaches back to (as ``gateway.pipeline.detect._window`` walks)."""
    room = BOUNDARY_WINDOW
    index = boundary
    while index > 0:
        index -= 1
        room -= min(len(messages[index].text), room) + 1
        if room <= 0:
            break
    return index


def plan(segments: Sequence[Segment], *, chars: int = SLICE_CHARS, count: int = SLICE_SEGMENTS) -> list[Slice]:
    """The slices of a request: segments in order, then the conversation's boundaries in order."""
    slices: list[Slice] = []
    batch: list[Segment] = []
    size = 0
    for segment in segments:
        if batch and (size + len(segment.text) > chars or len(batch) >= count):
            slices.append(Slice(tuple(batch)))
            batch, size = [], 0
        batch.append(segment)
        size += len(segment.text)
    messages = conversation(segments)
    boundary = 1
    while boundary < len(messages):
        first, cost = boundary, 0
        while boundary < len(messages) and (boundary == first or cost < chars) and boundary - first < count:
            cost += BOUNDARY_WINDOW + min(len(messages[boundary].text), BOUNDARY_WINDOW)
            boundary += 1
        start = window_start(messages, first)
        run = tuple(messages[start:boundary])
        if batch:  # the last segments travel with the first boundaries
            slices.append(Slice(tuple(batch), run, first - start))
            batch = []
        else:
            slices.append(Slice((), run, first - start))
    if batch or not slices:
        slices.append(Slice(tuple(batch)))
    return slices


def size(segments: Sequence[Segment]) -> int:
    return sum(len(segment.text) for segment in segments)
