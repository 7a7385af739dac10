"""Real faults for tests: a TCP peer that accepts connections and never answers, and a proxy that freezes or
resets the connections to a real server."""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def black_hole() -> Iterator[int]:
    """A loopback port that accepts connections, reads nothing and never says a word (as a server gone
    without FIN/RST, or an upstream hung mid-request, looks to a client); yields the port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    listener.settimeout(0.2)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in accepted:
            conn.close()
        listener.close()


class FreezableProxy:
    """A loopback TCP proxy in front of a real server (PostgreSQL) that can fail as links and servers do.

    ``freeze()``: the connections stay open and nothing more passes either way, with no FIN or RST (a
    black-holed link, or a server stopped dead: what a client sends is taken and never answered);
    new connections are accepted and hang the same way. ``reset()``: every connection is cut with RST
    and new ones are refused the same way (the server killed). ``restore()``: traffic flows again.
    """

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self._listener.settimeout(0.2)
        self.port = int(self._listener.getsockname()[1])
        self._mode = "open"
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> FreezableProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._listener.close()
        with self._lock:
            for conn in [s for pair in self._pairs for s in pair] + self._held:
                conn.close()

    @property
    def held(self) -> int:
        """How many connections were opened while frozen (each hangs: a client's attempt to reach the server)."""
        with self._lock:
            return len(self._held)

    def freeze(self) -> None:
        self._mode = "frozen"

    def restore(self) -> None:
        self._mode = "open"

    def reset(self) -> None:
        self._mode = "reset"
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for client, server in pairs:
            _abort(client)
            server.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self._mode == "reset":
                _abort(client)
            elif self._mode == "frozen":
                with self._lock:
                    self._held.append(client)
            else:
                server = socket.create_connection(self.target)
                with self._lock:
                    self._pairs.append((client, server))
                for source, sink in ((client, server), (server, client)):
                    threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        source.settimeout(0.1)
        while not self._stop.is_set():
            if self._mode == "frozen":  # read nothing, send nothing: bytes wait in the kernel's buffers
                time.sleep(0.05)
                continue
            try:
                data = source.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                break
            while self._mode == "frozen" and not self._stop.is_set():  # what arrived as it froze is held too
                time.sleep(0.05)
            if self._mode == "reset":
                return
            if not data:  # the peer closed: pass its FIN on once the bytes before it have gone, as TCP does
                _shutdown(sink, socket.SHUT_WR)
                return
            try:
                sink.sendall(data)
            except OSError:
                break
        # This side's peer is gone (reset, or it refuses what we send): the other end hears of it as it
        # would over a real link, so a server whose client went away ends its session (rolls back, lets go
        # of its locks) instead of waiting for that client for ever.
        if not self._stop.is_set() and self._mode != "reset":
            _shutdown(sink, socket.SHUT_RDWR)
            _shutdown(source, socket.SHUT_RDWR)


def _shutdown(conn: socket.socket, how: int) -> None:
    try:
        conn.shutdown(how)
    except OSError:  # already closed or never connected
        pass


def _abort(conn: socket.socket) -> None:
    """Close with RST (SO_LINGER 0), as a killed server's kernel answers."""
    try:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    finally:
        conn.close()
