"""``gateway serve --workers N`` shares a listener whose connections keep Nagle's algorithm off."""

from __future__ import annotations

import asyncio
import socket

from gateway.cli.serve import tcp_listener


def _nodelay_of_accepted_connection(listener: socket.socket) -> int:
    async def run() -> int:
        accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                sock = transport.get_extra_info("socket")
                accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        server = await asyncio.get_running_loop().create_server(Probe, sock=listener)
        host, port = listener.getsockname()[:2]
        _, writer = await asyncio.open_connection(host, port)
        try:
            return await asyncio.wait_for(accepted, 10)
        finally:
            writer.close()
            server.close()
            await server.wait_closed()

    return asyncio.run(run())


def _bound_like_uvicorn() -> socket.socket:
    sock = socket.socket(family=socket.AF_INET)  # what uvicorn's Config.bind_socket makes: proto 0
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def test_a_listener_bound_like_uvicorns_loses_nodelay() -> None:
    assert _nodelay_of_accepted_connection(_bound_like_uvicorn()) == 0  # the bug being worked around


def test_the_shared_listener_gives_connections_nodelay() -> None:
    original = _bound_like_uvicorn()
    address, fd = original.getsockname(), original.fileno()
    listener = tcp_listener(original)
    assert (listener.proto, listener.getsockname(), listener.fileno()) == (socket.IPPROTO_TCP, address, fd)
    assert listener.get_inheritable()
    assert _nodelay_of_accepted_connection(listener) != 0
