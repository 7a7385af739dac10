"""Every string of a request body, addressed by JSON pointer: what the gateway inspects.

One walker over the parsed JSON, not a list of known fields: a field that a new
SDK version adds is inspected the day it appears. Object member names are
inspected too (a schema's property names, ``metadata`` keys are free text).
Pointers follow RFC 6901 (``~`` is written ``~0`` and ``/`` ``~1``).

The walk is iterative and bounded in depth, so a hostile body nested
thousands of levels gets a clear 400 rather than a recursion error; a string
that is not valid Unicode (a lone UTF-16 surrogate from a ``\\ud800``
escape) is refused with its location, since it cannot be inspected as text.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from gateway.errors import InvalidRequest
from gateway.types import Part

MAX_DEPTH = 256


@dataclass(frozen=True, slots=True)
class RawString:
    """A string found in the body: a value, or the name of the member at ``path``."""

    path: str
    text: str
    part: Part = Part.VALUE


def escape(token: str | int) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer(*tokens: str | int) -> str:
    return "".join("/" + escape(token) for token in tokens)


def tokens(path: str) -> list[str]:
    """The reference tokens of a JSON pointer (the inverse of :func:`pointer`)."""
    if not path:
        return []
    return [token.replace("~1", "/").replace("~0", "~") for token in path[1:].split("/")]


def walk(body: Any) -> Iterator[RawString]:
    """Every string value and member name in ``body``, depth first, in document order."""
    stack: list[tuple[str, Any, int]] = [("", body, 0)]
    while stack:
        path, node, depth = stack.pop()
        if isinstance(node, str):
            yield RawString(path, _checked(path, node))
        elif isinstance(node, dict):
            if depth >= MAX_DEPTH:
                raise InvalidRequest(f"Request body is nested more than {MAX_DEPTH} levels deep.")
            children = []
            for key, value in node.items():
                child = f"{path}/{escape(key)}"
                yield RawString(child, _checked(child, key), Part.KEY)
                children.append((child, value, depth + 1))
            stack.extend(reversed(children))
        elif isinstance(node, list):
            if depth >= MAX_DEPTH:
                raise InvalidRequest(f"Request body is nested more than {MAX_DEPTH} levels deep.")
            stack.extend((f"{path}/{i}", value, depth + 1) for i, value in reversed(list(enumerate(node))))


def _checked(path: str, text: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        where = path or "the body"
        raise InvalidRequest(
            f"{where}: the string holds a lone UTF-16 surrogate (an unpaired \\ud800-\\udfff escape), "
            "which is not valid text.",
            param=path or None,
        ) from None
    return text


def get(body: Any, path: str) -> Any:
    node = body
    for token in tokens(path):
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def replace(body: Any, path: str, part: Part, text: str) -> None:
    """Put ``text`` at ``path`` in place: the value there, or (``Part.KEY``) the member's name."""
    *parents, last = tokens(path)
    container = get(body, "".join("/" + escape(t) for t in parents))
    if part is Part.KEY:
        if text == last:
            return
        items = list(container.items())
        container.clear()
        container.update((text if key == last else key, value) for key, value in items)
    elif isinstance(container, list):
        container[int(last)] = text
    else:
        container[last] = text
