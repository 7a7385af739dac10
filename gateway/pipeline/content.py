"""Content stage: what a string really holds when it carries a file.

A data URI (``data:image/png;base64,...``) or a long bare base64 payload (an
``input_audio`` part's ``data``, a ``file`` part's ``file_data``) is decoded
before inspection, whatever field it sits in:

- text (``text/*``, JSON, XML, CSV, YAML, or bytes that are valid UTF-8 text)
  becomes a :attr:`Part.DECODED` segment, inspected like any string and
  re-encoded in place when redacted;
- a PDF's text is extracted with pypdf and inspected (it cannot be put back:
  such a segment has no envelope);
- everything else (images, audio, video, binary files, a PDF with no text, a
  payload that does not decode) is :class:`Unscannable`: the policy's
  ``unscannable`` action applies (``route_local`` or ``block``), so what the
  gateway has not read never reaches an external upstream.

A URL is just a string: its path and query are inspected as text.
"""

from __future__ import annotations

import base64
import binascii
import io
import logging
import re
import urllib.parse
from dataclasses import dataclass

from gateway.types import Part, Segment

log = logging.getLogger(__name__)

# A bare base64 string this long is taken for a file (shorter ones are inspected as text,
# and their decoded forms by the detector's decoded views).
MIN_BARE_BASE64 = 256
MAX_PDF_PAGES = 500
_DATA_URI = re.compile(r"data:(?P<type>[\w.+-]+/[\w.+-]+)?(?P<params>(?:;[\w.+-]+=[^;,]*)*)(?P<b64>;base64)?,", re.I)
_BARE_BASE64 = re.compile(r"[A-Za-z0-9+/\r\n]+={0,2}")
_TEXT_TYPES = re.compile(r"text/.*|application/(?:.*[+/])?(?:json|xml|yaml|x-yaml|csv|x-ndjson|jsonl|javascript|sql)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class Unscannable:
    """Content the gateway cannot read: where it is and what it seems to be (never its bytes)."""

    path: str
    index: int | None
    media_type: str
    size: int
    reason: str


def expand(segments: list[Segment]) -> tuple[list[Segment], list[Unscannable]]:
    """``segments`` with every file payload decoded to text or set apart as unscannable."""
    readable: list[Segment] = []
    unreadable: list[Unscannable] = []
    for segment in segments:
        if segment.opaque:
            unreadable.append(Unscannable(segment.path, segment.index, "application/octet-stream", len(segment.text),
                                          "encrypted or signed content"))  # fmt: skip
            continue
        if segment.part is not Part.VALUE or len(segment.text) < 5:
            readable.append(segment)
            continue
        found = _payload(segment.text)
        if found is None:
            readable.append(segment)
            continue
        media_type, data, envelope = found
        if data is None:
            unreadable.append(Unscannable(segment.path, segment.index, media_type, len(segment.text), "not decodable"))
            continue
        decoded = _as_text(media_type, data)
        if isinstance(decoded, str):
            text, can_put_back = decoded, media_type != "application/pdf"
            readable.append(
                Segment(
                    segment.index,
                    segment.role,
                    text,
                    segment.path,
                    Part.DECODED,
                    conversational=False,
                    media_type=media_type,
                    envelope=envelope,
                    rewritable=can_put_back and segment.rewritable,
                )
            )
        else:
            unreadable.append(Unscannable(segment.path, segment.index, media_type, len(data), decoded.reason))
    return readable, unreadable


def encode(segment: Segment, text: str) -> str:
    """The string that carries ``text`` in place of ``segment``'s decoded text (same envelope)."""
    if segment.envelope is None or not segment.rewritable:
        raise ValueError("this content cannot be re-encoded")
    return segment.envelope + base64.b64encode(text.encode("utf-8")).decode("ascii")


@dataclass(frozen=True, slots=True)
class _Unreadable:
    reason: str


def _payload(text: str) -> tuple[str, bytes | None, str] | None:
    """(media type, bytes or None if undecodable, envelope) when ``text`` carries a file, else None."""
    head = text.lstrip()
    if head[:5].lower() == "data:":
        match = _DATA_URI.match(head)
        if match is None:
            return None
        media_type = (match.group("type") or "text/plain").lower()
        body = head[match.end() :]
        if match.group("b64"):
            return media_type, _b64decode(body), head[: match.end()]
        envelope = head[: match.end() - 1] + ";base64,"  # a redacted text is put back base64-encoded
        return media_type, urllib.parse.unquote_to_bytes(body), envelope
    if len(text) >= MIN_BARE_BASE64 and _BARE_BASE64.fullmatch(text) and _looks_encoded(text):
        data = _b64decode(text)
        if data is not None:
            return _sniff(data), data, ""
    return None


def _looks_encoded(text: str) -> bool:
    """Base64 of a file mixes digits and both cases in whole 4-character groups (a long word does not)."""
    compact = re.sub(r"\s+", "", text)
    return (
        len(compact) % 4 == 0
        and any(c.isdigit() for c in compact)
        and any(c.islower() for c in compact)
        and any(c.isupper() for c in compact)
    )


def _b64decode(body: str) -> bytes | None:
    compact = re.sub(r"\s+", "", body)
    try:
        return base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True)
    except (binascii.Error, ValueError):
        try:
            return base64.urlsafe_b64decode(compact + "=" * (-len(compact) % 4))
        except (binascii.Error, ValueError):
            return None


_MAGIC = (
    (b"%PDF", "application/pdf"),
    (b"\x89PNG", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF8", "image/gif"),
    (b"RIFF", "audio/wav"),
    (b"ID3", "audio/mpeg"),
    (b"OggS", "audio/ogg"),
    (b"fLaC", "audio/flac"),
    (b"PK\x03\x04", "application/zip"),
)


def _sniff(data: bytes) -> str:
    for magic, media_type in _MAGIC:
        if data.startswith(magic):
            return media_type
    return "application/octet-stream"


def _as_text(media_type: str, data: bytes) -> str | _Unreadable:
    if data.startswith(b"%PDF") or media_type == "application/pdf":
        return _pdf_text(data)
    if _sniff(data) != "application/octet-stream":  # a known binary format, whatever the label says
        return _Unreadable("binary content")
    text = _utf8_text(data)
    if text is not None:
        return text
    if _TEXT_TYPES.fullmatch(media_type):
        return _Unreadable("labelled as text but not valid UTF-8 text")
    return _Unreadable("binary content")


def _utf8_text(data: bytes) -> str | None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    if len(_CONTROL.findall(text[:4096])) > max(2, len(text[:4096]) // 100):
        return None
    return text


def _pdf_text(data: bytes) -> str | _Unreadable:
    try:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            return _Unreadable("encrypted PDF")
        if len(reader.pages) > MAX_PDF_PAGES:
            return _Unreadable(f"PDF of more than {MAX_PDF_PAGES} pages")
        pages = [page.extract_text() or "" for page in reader.pages]
    except Exception as exc:  # a PDF pypdf cannot read is unscannable: it stays on premises
        log.info("PDF text extraction failed (%s); treated as unscannable", type(exc).__name__)
        return _Unreadable("PDF whose text could not be extracted")
    text = "\n".join(pages)
    if not text.strip():
        return _Unreadable("PDF with no text layer (scanned images)")
    return text
