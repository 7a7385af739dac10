"""Logging: one JSON object per line on standard error, with the request id when there is one.

Log messages are fixed texts with ids, counts and exception type names as arguments, never a
value from a request (see the logging calls across ``gateway``); the access line written by
:mod:`gateway.api.observe` holds the route's template, not the query string.
"""

from __future__ import annotations

import json
import logging
import logging.config
from datetime import UTC, datetime
from typing import Any

from gateway import request_id

# Attributes every LogRecord has; anything else passed with ``extra=`` goes into the JSON object.
# uvicorn's ``color_message`` repeats the message with terminal colours.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName", "color_message"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,  # which worker of ``serve --workers N``
        }
        rid = getattr(record, "request_id", None) or request_id.current()
        if rid is not None:
            entry["request_id"] = rid
        for name, value in record.__dict__.items():
            if name not in _STANDARD and name not in entry and not name.startswith("_"):
                entry[name] = value
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = record.exc_info[0].__name__  # the type only: an exception's text may hold a value
        return json.dumps(entry, default=str, ensure_ascii=False)


def config(level: str = "INFO") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` dict (also handed to uvicorn) that writes JSON lines."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"stderr": handler},
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            # uvicorn's own handlers would print plain text; its access log holds query strings.
            "uvicorn": {"handlers": [], "propagate": True, "level": level},
            "uvicorn.error": {"handlers": [], "propagate": True, "level": level},
            "uvicorn.access": {"handlers": [], "propagate": False, "level": "WARNING"},
        },
    }


def configure(level: str = "INFO") -> None:
    logging.config.dictConfig(config(level))


_llama_callback: Any = None  # kept referenced: llama.cpp calls it from C


def route_llama_logs() -> None:
    """llama.cpp's own messages (printed to stderr by llama-cpp-python) as log records of ``llama.cpp``:
    warnings and errors only, each a JSON line like every other."""
    global _llama_callback
    if _llama_callback is not None:
        return
    import ctypes

    import llama_cpp

    levels = {2: logging.WARNING, 3: logging.ERROR}  # ggml_log_level; INFO, DEBUG and CONT are dropped
    logger = logging.getLogger("llama.cpp")

    @llama_cpp.llama_log_callback
    def callback(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
        if level in levels:
            logger.log(levels[level], text.decode("utf-8", errors="replace").strip())

    _llama_callback = callback
    llama_cpp.llama_log_set(callback, ctypes.c_void_p(0))
