"""CSV and other delimited tables pasted into a message: each cell read with its column's header.

A header names what a column holds (``nhs_number``, ``phone``, ``MRN``), but it sits lines above
the cell, out of reach of the recognisers that need a label next to a value. :func:`layout` lays
every data cell out after its header (``nhs_number: 943 476 5919``); the header is a label piece,
context only. A table is a run of two or more lines that split into the same number (two or more)
of cells by one delimiter (comma, semicolon or tab; a quoted cell may hold the delimiter), whose
first line reads as a header: short names with a letter, none of them a number or a sentence.
"""

from __future__ import annotations

import re

from gateway.recognizers.formats.fields import Layout, Piece, Span, trim

DELIMITERS = (",", ";", "\t")
_LINE = re.compile(r"[^\r\n]+")
_CELLS = {d: re.compile(rf'[ \t]*"(?:[^"]|"")*"[ \t]*(?={re.escape(d)}|$)|[^{re.escape(d)}\r\n]*') for d in DELIMITERS}
_HEADER_CELL = re.compile(r"[A-Za-z][\w .#/()-]{0,39}")
_MAX_HEADER_WORDS = 4


def layout(text: str) -> list[Layout]:
    """One view per table in ``text``: ``header: cell`` for every cell of every data row."""
    if not any(d in text for d in DELIMITERS) or "\n" not in text:
        return []
    lines = [(m.start(), m.end()) for m in _LINE.finditer(text)]
    views: list[Layout] = []
    index = 0
    while index < len(lines) - 1:
        table = _table_at(text, lines, index)
        if table is None:
            index += 1
            continue
        header, rows = table
        pieces: Layout = []
        for row in rows:
            for name, cell in zip(header, row, strict=True):
                start, end = _unquoted(text, cell)
                if end > start:
                    pieces.append(Piece(name[0], name[1], ": ", label=True))
                    pieces.append(Piece(start, end, "\n"))
        if pieces:
            views.append(pieces)
        index += 1 + len(rows)
    return views


def _table_at(text: str, lines: list[Span], index: int) -> tuple[list[Span], list[list[Span]]] | None:
    """The header and data rows of a table whose header is line ``index``, or None."""
    for delimiter in DELIMITERS:
        header = _split(text, lines[index], delimiter)
        if len(header) < 2 or not all(_header_like(text[slice(*trim(text, cell))]) for cell in header):
            continue
        rows = []
        previous = lines[index]
        for line in lines[index + 1 :]:
            if text[previous[1] : line[0]] not in ("\n", "\r\n"):  # a blank line ends the table
                break
            previous = line
            cells = _split(text, line, delimiter)
            if len(cells) != len(header):
                break
            rows.append(cells)
        if rows:
            return [trim(text, cell) for cell in header], rows
    return None


def _split(text: str, line: Span, delimiter: str) -> list[Span]:
    if delimiter not in text[line[0] : line[1]]:
        return []
    cells: list[Span] = []
    position = line[0]
    pattern = _CELLS[delimiter]
    while True:
        match = pattern.match(text, position, line[1])
        assert match is not None  # the pattern matches the empty string
        cells.append((match.start(), match.end()))
        position = match.end()
        if position >= line[1] or text[position] != delimiter:
            break
        position += 1
    return cells if position >= line[1] else []


def _header_like(name: str) -> bool:
    return bool(_HEADER_CELL.fullmatch(name)) and len(name.split()) <= _MAX_HEADER_WORDS


def _unquoted(text: str, cell: Span) -> Span:
    start, end = trim(text, cell)
    if end - start >= 2 and text[start] == '"' and text[end - 1] == '"':
        return trim(text, (start + 1, end - 1))
    return start, end
