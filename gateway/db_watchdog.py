"""A client-side bound on every wait for a PostgreSQL reply: a connection that sent something and has heard
nothing back for ``bound_s`` is cut, so the call waiting on it raises and the request is refused (503).

The server's ``statement_timeout`` ends a slow statement on a live server, and TCP keepalives with
``tcp_user_timeout`` notice a link that drops packets. Neither fires when the peer's TCP stack still
acknowledges every byte but nothing answers: a server process stopped dead, a proxy or load balancer
hung mid-connection. One thread watches every connection: while a command is in progress (libpq says
``PQTRANS_ACTIVE``) and TCP_INFO (Linux) says the last data was sent longer ago than ``bound_s`` with
nothing received since, no reply is coming; the socket is shut down (the blocked call returns at once,
psycopg raises ``OperationalError``, the pool discards the connection). An idle connection is never cut.
"""

from __future__ import annotations

import logging
import os
import socket
import struct
import threading
import time
import weakref
from typing import Any

log = logging.getLogger(__name__)

CHECK_EVERY_S = 0.25
# struct tcp_info (linux/tcp.h): 8 one-byte fields, then u32s; tcpi_last_data_sent is the 10th u32 and
# tcpi_last_data_recv the 12th (milliseconds ago).
_TCP_INFO_LEN = 104
_LAST_DATA_SENT = 8 + 4 * 9
_LAST_DATA_RECV = 8 + 4 * 11
_ACTIVE = 1  # libpq's PQTRANS_ACTIVE: a command is in progress (the client waits for its reply)


def _silence_ms(fd: int) -> int | None:
    """How long (ms) the peer has been silent since our last data, or None when it answered after it
    (the kernel keeps both times in milliseconds: a reply in the same millisecond counts as none yet)."""
    info = socket.socket(fileno=os.dup(fd))
    try:
        raw = info.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, _TCP_INFO_LEN)
    finally:
        info.close()
    sent_ago, recv_ago = (
        struct.unpack_from("I", raw, _LAST_DATA_SENT)[0],
        struct.unpack_from("I", raw, _LAST_DATA_RECV)[0],
    )
    return sent_ago if recv_ago >= sent_ago else None


def _cut(fd: int) -> None:
    conn = socket.socket(fileno=os.dup(fd))
    try:
        conn.shutdown(socket.SHUT_RDWR)
    finally:
        conn.close()


class _Watchdog:
    def __init__(self) -> None:
        self._watched: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def watch(self, dbapi_connection: Any, bound_s: float) -> None:
        with self._lock:
            self._watched[dbapi_connection] = bound_s
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="postgres-watchdog", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            time.sleep(CHECK_EVERY_S)
            with self._lock:
                watched = list(self._watched.items())
            for conn, bound_s in watched:
                self.check(conn, bound_s)

    @staticmethod
    def check(conn: Any, bound_s: float) -> bool:
        """Cut ``conn`` if it has waited for a reply longer than ``bound_s``; whether it was cut."""
        try:
            if conn.closed or conn.pgconn.transaction_status != _ACTIVE:  # not waiting on a command
                return False
            fd = conn.pgconn.socket
            silent = _silence_ms(fd)
            if silent is None or silent < bound_s * 1000:
                return False
            log.error("the audit store has not answered for %.1f s; the connection is cut", silent / 1000)
            _cut(fd)
            return True
        except Exception:  # closed meanwhile, or no TCP socket (a Unix socket): nothing to watch
            return False


WATCHDOG = _Watchdog()


def watch(dbapi_connection: Any, bound_s: float) -> None:
    """Cut ``dbapi_connection`` (psycopg) whenever it waits longer than ``bound_s`` for a reply."""
    WATCHDOG.watch(dbapi_connection, bound_s)
