"""A stand-in proxy: a loopback TCP listener that records every connection it gets.

`proxied` points every proxy variable at one, with nothing exempting loopback, so a test can
assert that no request went through a proxy.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy")


class Sink:
    """A TCP listener on 127.0.0.1 that counts connections: it stands in for a proxy."""

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(16)
        self.port = int(self._socket.getsockname()[1])
        self.received: list[bytes] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._socket.accept()
            except OSError:
                return
            with connection:
                connection.settimeout(2)
                try:
                    self.received.append(connection.recv(65536))
                    connection.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                except OSError:
                    pass

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._socket.close()


def proxied(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sink]:
    """Point every proxy variable at a new `Sink` (nothing exempts loopback); close it after.

    Use it in a fixture: ``yield from proxied(monkeypatch)``.
    """
    sink = Sink()
    for name in PROXY_VARIABLES:
        monkeypatch.setenv(name, sink.url)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    yield sink
    sink.close()
