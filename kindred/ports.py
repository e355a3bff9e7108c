"""Ports on this machine for the servers that tests and benchmarks start."""

import socket


def free_port():
    """A TCP port on 127.0.0.1 that nobody listens on: for a server about to be started there,
    or as an address that refuses connections (a cache or mail server that is down)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
