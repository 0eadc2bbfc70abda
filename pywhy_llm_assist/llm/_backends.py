"""Backends: what actually answers a chat request (the OpenAI SDK, or a test double)."""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import json
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
    """True for http(s) URLs whose host is localhost or a loopback address."""
    if not url:
        return False
    host = urlparse(str(url)).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class OpenAIBackend:
    """Chat requests through the official `openai` SDK (any OpenAI-compatible server).

    Args:
        client: an `openai.AsyncOpenAI` or `openai.OpenAI` built by the caller (its own
            ``http_client``, Azure settings, ...). SDK retries are switched off on a copy:
            this library retries with its own policy.
        base_url: server URL when no client is given (default: ``$OPENAI_BASE_URL`` or OpenAI).
        api_key: key when no client is given (default: ``$OPENAI_API_KEY``; local servers
            need none).
        timeout: seconds before one request is abandoned (and retried).
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
        self._timeout = timeout

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
        return (key,) if isinstance(key, str) and key else ()

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
        client = openai.AsyncOpenAI(
            base_url=self.base_url,
            api_key=key,
            max_retries=0,
            timeout=self._timeout,
            http_client=openai.DefaultAsyncHttpxClient(verify=_shared_ssl_context()),
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
            response = await client.post(CHAT_COMPLETIONS_PATH, body=body, cast_to=httpx2.Response)
        else:
            response = await asyncio.to_thread(
                client.post, CHAT_COMPLETIONS_PATH, body=body, cast_to=httpx2.Response
            )
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
