"""free_port: a port the caller can start a server on, and that refuses connections until then."""

import socket

import pytest

from kindred.ports import free_port


def test_nobody_listens_on_a_free_port():
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", free_port()), timeout=1)


def test_a_server_can_listen_on_a_free_port():
    port = free_port()
    with socket.create_server(("127.0.0.1", port)) as server:
        assert server.getsockname()[1] == port
