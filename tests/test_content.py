"""Content stage: file payloads decoded to text, or set apart as unscannable."""

from __future__ import annotations

import base64

import pytest

from gateway.pipeline import content
from gateway.types import Part, Segment
from tests.support import files

SSN_TEXT = "Patient SSN 219-09-9999, seen on Monday."


def _expand(text: str) -> tuple[list[Segment], list[content.Unscannable]]:
    return content.expand([Segment(0, "user", text, "/messages/0/content/1/file/file_data")])


@pytest.mark.parametrize(
    ("payload", "media_type"),
    [
        (files.data_uri("text/plain", SSN_TEXT.encode()), "text/plain"),
        (files.data_uri("text/csv", b"name,ssn\nJo," + SSN_TEXT.encode()), "text/csv"),
        (files.data_uri("application/json", ('{"note": "' + SSN_TEXT + '"}').encode()), "application/json"),
        ("data:text/plain," + SSN_TEXT.replace(" ", "%20"), "text/plain"),
        (files.data_uri("application/octet-stream", SSN_TEXT.encode()), "application/octet-stream"),
        (files.data_uri("application/pdf", files.pdf(SSN_TEXT)), "application/pdf"),
        (files.b64(((SSN_TEXT + " ") * 10).encode()), "application/octet-stream"),
        (files.b64(files.pdf(SSN_TEXT * 3)), "application/pdf"),
    ],
)
def test_text_inside_a_payload_is_decoded_for_inspection(payload: str, media_type: str) -> None:
    readable, unreadable = _expand(payload)
    assert unreadable == []
    [segment] = readable
    assert segment.part is Part.DECODED and segment.media_type == media_type
    assert "219-09-9999" in segment.text
    assert segment.path == "/messages/0/content/1/file/file_data"


@pytest.mark.parametrize(
    ("payload", "media_type", "reason"),
    [
        (files.data_uri("image/png", files.png()), "image/png", "binary"),
        (files.data_uri("audio/wav", files.wav()), "audio/wav", "binary"),
        (files.b64(files.wav(0.2)), "audio/wav", "binary"),
        (files.data_uri("application/pdf", files.pdf(None)), "application/pdf", "no text layer"),
        (files.data_uri("application/pdf", b"%PDF-1.4 this is not really a pdf"), "application/pdf", "could not"),
        (files.data_uri("text/plain", b"\xff\xfe\x00bad"), "text/plain", "not valid UTF-8"),
        (files.data_uri("image/jpeg", b"\xff\xd8\xff" + bytes(range(256))), "image/jpeg", "binary"),
        ("data:image/png;base64,%%%not-base64%%%", "image/png", "not decodable"),
        (files.data_uri("text/plain", files.png()), "text/plain", "binary"),  # mislabelled: the bytes decide
    ],
)
def test_what_cannot_be_read_is_unscannable(payload: str, media_type: str, reason: str) -> None:
    readable, unreadable = _expand(payload)
    assert readable == []
    [item] = unreadable
    assert item.media_type == media_type and reason in item.reason
    assert item.path == "/messages/0/content/1/file/file_data" and item.index == 0


@pytest.mark.parametrize(
    "text",
    [
        "https://example.com/scan.png?patient=219-09-9999",
        "plain words",
        "data: not a uri, just words after a colon",
        "QUJD" * 10,  # short base64: inspected as text (the detector decodes it in its views)
        "x" * 300,
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ" * 12,  # long and all base64 letters, but a word, not a file
        "0123456789abcdef" * 20,  # a long hex digest
    ],
)
def test_ordinary_strings_stay_as_they_are(text: str) -> None:
    segment = Segment(0, "user", text, "/messages/0/content")
    assert content.expand([segment]) == ([segment], [])


def test_a_decoded_text_is_put_back_in_its_envelope() -> None:
    [segment], _ = _expand(files.data_uri("text/plain", SSN_TEXT.encode()))
    again = content.encode(segment, segment.text.replace("219-09-9999", "[US_SSN_1]"))
    assert again.startswith("data:text/plain;base64,")
    assert base64.b64decode(again.split(",", 1)[1]).decode() == SSN_TEXT.replace("219-09-9999", "[US_SSN_1]")
    [bare], _ = _expand(files.b64(((SSN_TEXT + " ") * 10).encode()))
    assert base64.b64decode(content.encode(bare, "x")) == b"x"


def test_text_from_a_pdf_cannot_be_put_back() -> None:
    [segment], _ = _expand(files.data_uri("application/pdf", files.pdf(SSN_TEXT)))
    assert not segment.rewritable
    with pytest.raises(ValueError):
        content.encode(segment, "x")
