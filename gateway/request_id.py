"""The request id: taken from a client's ``x-request-id`` when it is safe, else made here.

One id follows a request through the logs, the answer's ``x-request-id`` header and its
audit record. A client's id is accepted only when it is short (``MAX_LENGTH``) and made of
a safe alphabet (letters, digits, ``-``, ``_``, ``.``, ``:``), so a header can carry neither a
log injection nor a long payload; anything else is replaced by a new id.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

HEADER = "x-request-id"
MAX_LENGTH = 128
_SAFE = re.compile(rf"[A-Za-z0-9._:-]{{1,{MAX_LENGTH}}}")

_current: ContextVar[str | None] = ContextVar("gateway_request_id", default=None)


def accept(offered: str | None) -> str:
    """``offered`` when it is a safe id, else a new one."""
    if offered is not None and _SAFE.fullmatch(offered):
        return offered
    return uuid.uuid4().hex


def current() -> str | None:
    """The id of the request being served (None outside a request)."""
    return _current.get()


def bind(request_id: str | None) -> object:
    """Make ``request_id`` current; returns the token for :func:`unbind`."""
    return _current.set(request_id)


def unbind(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]
