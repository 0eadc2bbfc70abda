"""Shared test setup: no real network, a private cache folder per test, a clean ladder memory.

Every test runs with:

- a socket guard: connecting to anything but loopback (127.0.0.0/8, ::1, ``localhost``) or a
  Unix socket raises `RealNetworkCallError` before a packet leaves the machine;
- ``PYWHY_LLM_ASSIST_BLOCK_REMOTE=1`` (the library refuses non-loopback servers itself);
- ``PYWHY_LLM_ASSIST_CACHE_DIR`` pointing at a fresh temporary folder;
- no ``OPENAI_API_KEY``, ``OPENAI_BASE_URL`` or ``PYWHY_LLM_ASSIST_CACHE_MODE`` from the shell;
- the structured-output ladder's memory of servers forgotten.

With ``PYWHY_LLM_ASSIST_REQUIRE_ALL=1`` (set by `scripts/test.sh`) a skipped test is a
failure (`_require_all`).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _require_all import pytest_make_collect_report, pytest_runtest_makereport  # noqa: F401

from pywhy_llm_assist.llm import _engine

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


class RealNetworkCallError(RuntimeError):
    """A test tried to open a connection to a non-loopback address."""


def _is_loopback_host(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    name = host.strip("[]").split("%", 1)[0].lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _check_address(family: int | None, address: Any) -> None:
    unix = getattr(socket, "AF_UNIX", None)
    if family is not None and family == unix:
        return
    if family is not None and family not in (socket.AF_INET, socket.AF_INET6):
        return  # netlink and friends are not "the network"
    host = address[0] if isinstance(address, tuple) and address else address
    if not _is_loopback_host(host):
        raise RealNetworkCallError(
            f"a test tried to connect to {address!r}: real network calls are forbidden in tests "
            "(use pywhy_llm_assist.testing.ScriptedModel, an httpx2.MockTransport, a recorded "
            "cache or a loopback server)"
        )


@pytest.fixture(autouse=True)
def _no_real_network(monkeypatch: pytest.MonkeyPatch) -> None:
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_create_connection = socket.create_connection

    def guarded_connect(self: socket.socket, address: Any) -> None:
        _check_address(self.family, address)
        return real_connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: Any) -> int:
        _check_address(self.family, address)
        return real_connect_ex(self, address)

    def guarded_create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        _check_address(socket.AF_INET, address)
        return real_create_connection(address, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)
    monkeypatch.setattr(socket, "create_connection", guarded_create_connection)


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    cache_folder = tmp_path / "pywhy-llm-assist-cache"
    monkeypatch.setenv("PYWHY_LLM_ASSIST_BLOCK_REMOTE", "1")
    monkeypatch.setenv("PYWHY_LLM_ASSIST_CACHE_DIR", str(cache_folder))
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "PYWHY_LLM_ASSIST_CACHE_MODE"):
        monkeypatch.delenv(name, raising=False)
    return cache_folder


@pytest.fixture(autouse=True)
def _fresh_ladder() -> Iterator[None]:
    _engine.LADDER.forget()
    yield
    _engine.LADDER.forget()


@pytest.fixture
def cache_folder(_isolated_environment: Path) -> Path:
    """The per-test folder ``$PYWHY_LLM_ASSIST_CACHE_DIR`` points at (created lazily)."""
    return _isolated_environment
