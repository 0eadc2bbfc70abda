"""Backends: what actually answers a chat request (the OpenAI SDK, or a test double)."""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import json
import math
import os
import ssl
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable
from urllib.parse import urlparse

import httpx2
import openai

from ..core._errors import InputError, NetworkBlockedError
from ._retry import TransientResponseError

if TYPE_CHECKING:
    from ._query import Query

BLOCK_VARIABLE = "PYWHY_LLM_ASSIST_BLOCK_REMOTE"
CHAT_COMPLETIONS_PATH = "/chat/completions"
URL_SCHEMES = ("http", "https")
PLACEHOLDER_KEYS = frozenset({"not-needed", "local"})
"""Keys this library makes up for servers that ignore them: not secrets, never redacted."""


@dataclass(frozen=True)
class ChatRequest:
    """One chat-completion request, as sent to a backend.

    Attributes:
        model: model name.
        messages: chat messages (role, content).
        temperature, seed, max_tokens: sampling parameters.
        response_format: the OpenAI ``response_format`` value, or None.
        mode: the structured-output step (``json_schema``, ``json_object``, ``text``).
        query: the question this request asks (for test doubles; never sent).
    """

    model: str
    messages: tuple[dict[str, str], ...]
    temperature: float | None
    seed: int | None
    max_tokens: int
    response_format: dict[str, Any] | None
    mode: str
    query: Query | None = field(default=None, compare=False)

    def payload(self) -> dict[str, Any]:
        """The JSON body of the request (what goes over the wire and into the cache)."""
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [dict(message) for message in self.messages],
            "max_tokens": self.max_tokens,
        }
        if self.temperature is not None:
            body["temperature"] = self.temperature
        if self.seed is not None:
            body["seed"] = self.seed
        if self.response_format is not None:
            body["response_format"] = self.response_format
        return body


class ChatSession(Protocol):
    """One run's connection to a backend."""

    async def complete(self, request: ChatRequest) -> dict[str, Any]:
        """Return the raw chat.completion JSON for `request`."""
        ...


@runtime_checkable
class ChatBackend(Protocol):
    """Anything that answers chat requests with chat.completion JSON.

    Implement `complete` to plug in a test double or a custom transport; raise the
    `openai` SDK's exceptions (or `TransientResponseError`) for failures so the retry
    policy treats them alike.
    """

    def session(self) -> AbstractAsyncContextManager[ChatSession]:
        """An async context manager yielding a `ChatSession` for one run."""
        ...


def remote_calls_blocked() -> bool:
    """True when ``$PYWHY_LLM_ASSIST_BLOCK_REMOTE`` forbids non-loopback servers (tests)."""
    return os.environ.get(BLOCK_VARIABLE, "").strip().lower() in ("1", "true", "yes")


def is_loopback_url(url: str | None) -> bool:
    """True for http(s) URLs whose host is localhost or a loopback address.

    Loopback means ``localhost`` (and names under it), 127.0.0.0/8 and ``::1``.

    Example:
        >>> is_loopback_url("http://127.0.0.2:8080/v1"), is_loopback_url("https://api.openai.com")
        (True, False)
    """
    if not url:
        return False
    try:
        host = (urlparse(str(url)).hostname or "").rstrip(".")
    except ValueError:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(url: str) -> str:
    """Return `url` if it can name an OpenAI-compatible server, else raise `InputError`.

    An ``http``/``https`` URL with a host and, if given, a port from 1 to 65535: a typo is
    refused at once instead of being retried as a connection error.
    """
    shown = url if len(url) <= 200 else url[:200] + "..."
    try:
        parsed = urlparse(url.strip())
        port = parsed.port
    except ValueError as error:
        raise InputError(f"base URL {shown!r} is not a valid URL: {error}") from None
    if parsed.scheme.lower() not in URL_SCHEMES:
        raise InputError(
            f"base URL {shown!r} must start with http:// or https:// "
            "(e.g. http://localhost:11434/v1 for Ollama)"
        )
    if not parsed.hostname:
        raise InputError(f"base URL {shown!r} names no host (e.g. http://localhost:8000/v1)")
    if port == 0:
        raise InputError(f"base URL {shown!r}: port 0 is not a server port")
    return url


def check_timeout(timeout: float) -> float:
    """Return `timeout` if it is a finite number of seconds above 0, else raise `InputError`."""
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        raise InputError(f"timeout must be a number of seconds, not {type(timeout).__name__}")
    if not math.isfinite(timeout) or timeout <= 0:
        raise InputError(f"timeout must be a finite number of seconds above 0, not {timeout}")
    return float(timeout)


class OpenAIBackend:
    """Chat requests through the official `openai` SDK (any OpenAI-compatible server).

    Args:
        client: an `openai.AsyncOpenAI` or `openai.OpenAI` built by the caller (its own
            ``http_client``, Azure settings, ...). SDK retries are switched off on a copy:
            this library retries with its own policy.
        base_url: server URL when no client is given (default: ``$OPENAI_BASE_URL`` or OpenAI).
        api_key: key when no client is given (default: ``$OPENAI_API_KEY``; local servers
            need none).
        timeout: deadline in seconds for one attempt, from sending the request to the last
            byte of the reply (a server that drips its reply byte by byte is cut off on time);
            the attempt is then retried under the retry policy.

    Requests to a loopback server (the embedded model, Ollama, vLLM on this machine) never go
    through a proxy: ``$HTTP_PROXY``/``$HTTPS_PROXY`` would otherwise receive every prompt.
    Remote servers honour the proxy environment as usual.
    """

    def __init__(
        self,
        *,
        client: openai.AsyncOpenAI | openai.OpenAI | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float = 120.0,
    ) -> None:
        self._client = client.with_options(max_retries=0) if client is not None else None
        self._base_url = base_url
        self._api_key = api_key
        self._timeout = check_timeout(timeout)
        if self._client is None:
            check_base_url(self.base_url)

    @property
    def base_url(self) -> str:
        """The server URL requests go to."""
        if self._client is not None:
            return str(self._client.base_url)
        return self._base_url or os.environ.get("OPENAI_BASE_URL") or "https://api.openai.com/v1"

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values that must never be written anywhere (the API key)."""
        key = self._client.api_key if self._client is not None else self._resolved_key()
        return (key,) if isinstance(key, str) and key and key not in PLACEHOLDER_KEYS else ()

    @property
    def attempt_deadline(self) -> float | None:
        """Seconds one attempt may take, reply included (None: the caller's client decides)."""
        if self._client is None:
            return self._timeout
        timeout = self._client.timeout
        return float(timeout) if isinstance(timeout, int | float) and timeout > 0 else None

    def _resolved_key(self) -> str:
        key = self._api_key or os.environ.get("OPENAI_API_KEY")
        if key:
            return key
        # Local OpenAI-compatible servers ignore the key, but the SDK wants one.
        return "not-needed" if is_loopback_url(self.base_url) else ""

    @asynccontextmanager
    async def session(self) -> AsyncIterator[_OpenAISession]:
        """Open one run's connection; the client is built on the first request.

        A run answered entirely from the cache (a CI replay) therefore needs no API key and
        opens no connection.
        """
        session = _OpenAISession(self)
        try:
            yield session
        finally:
            await session.close()

    def _check_allowed(self) -> None:
        if remote_calls_blocked() and not is_loopback_url(self.base_url):
            raise NetworkBlockedError(
                f"real model calls are blocked (${BLOCK_VARIABLE}=1) and {self.base_url} is not "
                "a loopback server; use a test double, a recorded cache (cache_mode='replay') "
                "or a local server"
            )

    def build_client(self) -> tuple[openai.AsyncOpenAI | openai.OpenAI, bool]:
        """The client to send with, and whether the caller owns it (and must close it)."""
        self._check_allowed()
        if self._client is not None:
            return self._client, False
        key = self._resolved_key()
        if not key:
            raise InputError(
                "no API key: set $OPENAI_API_KEY, pass api_key=..., or use a local server "
                "(base_url='http://localhost:...') or Assistant.local()"
            )
        # A loopback server is reached directly, never through $HTTP_PROXY/$HTTPS_PROXY: the
        # prompts of the embedded model must not leave the machine (trust_env=False ignores
        # the proxy variables; TLS still uses the shared context, which read $SSL_CERT_FILE).
        direct = is_loopback_url(self.base_url)
        client = openai.AsyncOpenAI(
            base_url=self.base_url,
            api_key=key,
            max_retries=0,
            timeout=self._timeout,
            http_client=openai.DefaultAsyncHttpxClient(
                verify=_shared_ssl_context(), trust_env=not direct
            ),
        )
        return client, True


class _OpenAISession:
    def __init__(self, backend: OpenAIBackend) -> None:
        self._backend = backend
        self._client: openai.AsyncOpenAI | openai.OpenAI | None = None
        self._owned = False
        self._lock = asyncio.Lock()

    async def _connected(self) -> openai.AsyncOpenAI | openai.OpenAI:
        async with self._lock:
            if self._client is None:
                self._client, self._owned = self._backend.build_client()
            return self._client

    async def close(self) -> None:
        if self._owned and isinstance(self._client, openai.AsyncOpenAI):
            await self._client.close()
        self._client = None

    async def complete(self, request: ChatRequest) -> dict[str, Any]:
        # `post` sends the JSON body as built (same URL, headers, auth and status errors as
        # `chat.completions.create`, Azure deployments included) and skips the SDK's walk of the
        # body against its TypedDicts: a no-op here that cost about 5 ms of CPU per request.
        body = request.payload()
        client = await self._connected()
        response: httpx2.Response
        if isinstance(client, openai.AsyncOpenAI):
            sending = client.post(CHAT_COMPLETIONS_PATH, body=body, cast_to=httpx2.Response)
        else:
            sending = asyncio.to_thread(
                client.post, CHAT_COMPLETIONS_PATH, body=body, cast_to=httpx2.Response
            )
        # httpx's timeout bounds each read, not the whole reply: a server that sends one byte
        # every few seconds never trips it. This deadline covers the attempt end to end.
        deadline = self._backend.attempt_deadline
        try:
            response = await asyncio.wait_for(sending, deadline)
        except asyncio.TimeoutError:
            url = f"{str(client.base_url).rstrip('/')}{CHAT_COMPLETIONS_PATH}"
            raise openai.APITimeoutError(request=httpx2.Request("POST", url)) from None
        try:
            data = json.loads(response.text)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise TransientResponseError(f"the server's reply body is not JSON: {error}") from None
        if not isinstance(data, dict):
            raise TransientResponseError("the server's reply body is not a JSON object")
        return data


@functools.lru_cache(maxsize=1)
def _shared_ssl_context() -> ssl.SSLContext:
    """One TLS context for every client of this process.

    Building one loads the CA bundle (50-150 ms of CPU), which every run paid again when each
    run's fresh ``AsyncOpenAI`` built its own. ``$SSL_CERT_FILE``/``$SSL_CERT_DIR`` are read once.
    """
    return httpx2.create_ssl_context()
