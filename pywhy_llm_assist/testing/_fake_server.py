"""A loopback OpenAI-compatible HTTP server with a seeded fault plan, for tests and benchmarks.

`FakeOpenAIServer` speaks enough of the OpenAI REST API for the official SDK
(``POST /v1/chat/completions`` without streaming, ``GET /v1/models``, and the Batch API's
files and batches endpoints, in ``_fake_batches``), serves requests concurrently on daemon
threads, logs every request, and injects the faults a `FaultPlan` decides. Nothing leaves
127.0.0.1.
"""

from __future__ import annotations

import copy
import json
import math
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from types import TracebackType
from typing import Any

from ._fake_batches import FakeBatchService
from ._fault_plan import (
    CONTENT_FAULT_KINDS,
    TRANSPORT_FAULT_KINDS,
    FaultKind,
    FaultPlan,
    error_body,
    message_texts,
)
from ._prompt_cache import PromptCache

Responder = Callable[[dict[str, Any]], "str | dict[str, Any]"]
"""Takes the parsed request body; returns the reply content, or a full chat.completion JSON."""

CHAT_COMPLETIONS_PATH = "/v1/chat/completions"
MODELS_PATH = "/v1/models"
_CLOSE_WAIT_SECONDS = 2.0


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake server received it.

    Attributes:
        index: Arrival index among all requests (0-based).
        method: ``"GET"`` or ``"POST"``.
        path: Request path without the query string, e.g. ``"/v1/chat/completions"``.
        body: Parsed JSON body (``{}`` for a GET).
        headers: Request headers, names lower-cased.
        fault: The fault injected into this request, or ``None``.
        rejected_response_format: The ``response_format.type`` answered with HTTP 400, if any.
    """

    index: int
    method: str
    path: str
    body: dict[str, Any]
    headers: dict[str, str]
    fault: FaultKind | None = None
    rejected_response_format: str | None = None


def build_chat_completion(
    content: str,
    *,
    model: str = "fake-model",
    messages: object = (),
    completion_id: str = "chatcmpl-fake-0",
    finish_reason: str = "stop",
    cached_tokens: int | None = None,
) -> dict[str, Any]:
    """Build a valid ``chat.completion`` JSON with one choice and estimated token usage.

    Token counts are estimates: characters divided by 4, rounded up.

    Args:
        content: The assistant message content.
        model: The model name to report.
        messages: The request messages (used for ``usage.prompt_tokens``).
        completion_id: The ``id`` field.
        finish_reason: The ``finish_reason`` of the choice.
        cached_tokens: Reported as ``usage.prompt_tokens_details.cached_tokens`` when given.

    Example:
        >>> reply = build_chat_completion('{"edges": []}', model="m")
        >>> reply["choices"][0]["message"]["content"], reply["usage"]["completion_tokens"]
        ('{"edges": []}', 4)
    """
    prompt_tokens = math.ceil(sum(len(text) for text in message_texts(messages)) / 4)
    completion_tokens = math.ceil(len(content) / 4)
    usage: dict[str, Any] = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }
    if cached_tokens is not None:
        usage["prompt_tokens_details"] = {"cached_tokens": min(cached_tokens, prompt_tokens)}
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": "fp_fake",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "logprobs": None,
                "finish_reason": finish_reason,
            }
        ],
        "usage": usage,
    }


class FakeOpenAIServer:
    """A threaded OpenAI-compatible server on 127.0.0.1 with an ephemeral port.

    Serves ``POST /v1/chat/completions`` (non-streaming) and ``GET /v1/models``. Each chat
    request is handled in this order: the fault plan draws a fault; ``latency`` is slept;
    a transport fault replaces the reply; a rejected ``response_format.type`` gets HTTP 400;
    otherwise the responder's reply is sent, spoiled by a content fault if one was drawn (a
    content fault drawn for a rejected request is not applied and not recorded).

    Every sleep wakes up when the server closes, so `close` returns promptly (within about
    two seconds even if a responder itself blocks).

    Args:
        responder: Takes the parsed request body (``model``, ``messages``,
            ``response_format``, ...); returns the assistant content as a ``str``, or a full
            ``chat.completion`` JSON ``dict`` sent as-is. Default: always ``"{}"``. If it
            raises, the client gets HTTP 500 and the exception is kept in `errors`.
        fault_plan: Decides which fault each chat request gets; ``None`` for none.
        latency: Seconds slept before every reply.
        reject_response_formats: ``response_format.type`` values (``"json_schema"``,
            ``"json_object"``) answered with an OpenAI-style HTTP 400.
        models: Model ids listed by ``GET /v1/models``.
        prompt_cache: Simulates a server's prompt-prefix cache: replies built from a string
            then report ``usage.prompt_tokens_details.cached_tokens``.
        batch_polls: Retrievals of a batch (``GET /v1/batches/ID``) that say
            ``in_progress`` before it is ``completed``; its lines are answered by the
            responder like chat requests. The service is `batches`.

    Example:
        >>> import openai
        >>> with FakeOpenAIServer(lambda body: "hello") as server:
        ...     client = openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0)
        ...     reply = client.chat.completions.create(
        ...         model="m", messages=[{"role": "user", "content": "hi"}]
        ...     )
        >>> reply.choices[0].message.content
        'hello'
    """

    def __init__(
        self,
        responder: Responder | None = None,
        *,
        fault_plan: FaultPlan | None = None,
        latency: float = 0.0,
        reject_response_formats: Collection[str] = (),
        models: Sequence[str] = ("fake-model",),
        prompt_cache: PromptCache | None = None,
        batch_polls: int = 1,
    ) -> None:
        self.responder: Responder = responder or (lambda body: "{}")
        self.fault_plan = fault_plan
        self.latency = latency
        self.reject_response_formats = frozenset(reject_response_formats)
        self.models = tuple(models)
        self.prompt_cache = prompt_cache
        self.batches = FakeBatchService(self._answer_batch_line, polls_until_done=batch_polls)
        self.errors: list[BaseException] = []
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._log: list[RecordedRequest] = []
        self._in_flight = 0
        self._max_in_flight = 0
        self._connections: dict[socket.socket, threading.Thread] = {}
        self._http: _HTTPServer | None = None
        self._serve_thread: threading.Thread | None = None

    def start(self) -> FakeOpenAIServer:
        """Bind 127.0.0.1 on a free port and start serving; returns ``self``."""
        if self._closing.is_set():
            raise RuntimeError("a closed FakeOpenAIServer cannot be started again")
        if self._http is None:
            self._http = _HTTPServer(self)
            self._serve_thread = threading.Thread(
                target=self._http.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"fake-openai-{self.port}",
                daemon=True,
            )
            self._serve_thread.start()
        return self

    def close(self) -> None:
        """Stop serving, wake every sleeping handler and drop every open connection."""
        http = self._http
        if http is None or self._closing.is_set():
            self._closing.set()
            return
        self._closing.set()
        http.shutdown()
        http.server_close()
        with self._lock:
            connections = dict(self._connections)
        for connection in connections:
            _shutdown_socket(connection)
        deadline = time.monotonic() + _CLOSE_WAIT_SECONDS
        for thread in [self._serve_thread, *connections.values()]:
            if thread is not None and thread is not threading.current_thread():
                thread.join(max(0.0, deadline - time.monotonic()))

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(
        self,
        exception_type: type[BaseException] | None,
        exception: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def port(self) -> int:
        """The TCP port the server listens on."""
        if self._http is None:
            raise RuntimeError("the FakeOpenAIServer is not started; use start() or `with`")
        return int(self._http.server_address[1])

    @property
    def base_url(self) -> str:
        """The ``base_url`` to give the SDK: ``"http://127.0.0.1:PORT/v1"``."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def requests(self) -> list[RecordedRequest]:
        """A copy of the request log, in arrival order."""
        with self._lock:
            return list(self._log)

    @property
    def request_count(self) -> int:
        """How many requests arrived (all paths)."""
        with self._lock:
            return len(self._log)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        """The logged ``POST /v1/chat/completions`` requests, in arrival order."""
        return [record for record in self.requests if record.path == CHAT_COMPLETIONS_PATH]

    @property
    def batch_requests(self) -> list[RecordedRequest]:
        """The logged requests to the files and batches endpoints, in arrival order."""
        return [record for record in self.requests if FakeBatchService.handles(record.path)]

    @property
    def headers_seen(self) -> list[dict[str, str]]:
        """The headers of every request (names lower-cased), in arrival order."""
        return [record.headers for record in self.requests]

    @property
    def fault_counts(self) -> Counter[FaultKind]:
        """How many times each fault kind was injected."""
        return Counter(record.fault for record in self.requests if record.fault is not None)

    @property
    def rejected_count(self) -> int:
        """How many requests were answered 400 for their ``response_format``."""
        return sum(1 for record in self.requests if record.rejected_response_format)

    @property
    def in_flight(self) -> int:
        """How many requests are being handled right now."""
        with self._lock:
            return self._in_flight

    @property
    def max_in_flight(self) -> int:
        """The highest number of requests handled at once so far."""
        with self._lock:
            return self._max_in_flight

    def answer(self, body: dict[str, Any], completion_id: str) -> dict[str, Any]:
        """The responder's reply to a chat request body, as a ``chat.completion`` JSON.

        Raises whatever the responder raises (the caller turns it into an HTTP 500).
        """
        answer = self.responder(copy.deepcopy(body))
        if isinstance(answer, dict):
            return copy.deepcopy(answer)
        if not isinstance(answer, str):
            raise TypeError(f"responder must return str or dict, not {type(answer).__name__}")
        cached = self.prompt_cache.cached_tokens(body) if self.prompt_cache is not None else None
        return build_chat_completion(
            answer,
            model=str(body.get("model") or "fake-model"),
            messages=body.get("messages"),
            completion_id=completion_id,
            cached_tokens=cached,
        )

    def _answer_batch_line(
        self, body: dict[str, Any], completion_id: str
    ) -> tuple[int, dict[str, Any]]:
        format_type = _response_format_type(body)
        if format_type in self.reject_response_formats:
            message = f"response_format {format_type} is not supported"
            return 400, error_body(message, param="response_format")
        try:
            return 200, self.answer(body, completion_id)
        except Exception as error:
            with self._lock:
                self.errors.append(error)
            return 500, error_body(f"fake server responder failed: {error!r}", "server_error")

    def _record(self, **fields: Any) -> RecordedRequest:
        with self._lock:
            record = RecordedRequest(index=len(self._log), **fields)
            self._log.append(record)
            return record

    @contextmanager
    def _handling(self) -> Iterator[None]:
        with self._lock:
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)
        try:
            yield
        finally:
            with self._lock:
                self._in_flight -= 1

    def _sleep(self, seconds: float) -> bool:
        """Sleep unless the server closes first; returns False if it did."""
        if seconds > 0:
            return not self._closing.wait(seconds)
        return not self._closing.is_set()

    def _register(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections[connection] = threading.current_thread()
        if self._closing.is_set():
            _shutdown_socket(connection)

    def _unregister(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.pop(connection, None)


def _shutdown_socket(connection: socket.socket) -> None:
    with suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    # socketserver's default backlog of 5 drops the SYNs of a client that opens more
    # connections at once; the client then waits a whole second to retransmit, which looks
    # like a connect timeout nobody injected.
    request_queue_size = 128

    def __init__(self, fake: FakeOpenAIServer) -> None:
        self.fake = fake
        super().__init__(("127.0.0.1", 0), _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn, a reverse DNS lookup that can stall.
        TCPServer.server_bind(self)
        self.server_name, self.server_port = "127.0.0.1", int(self.server_address[1])


class _Handler(BaseHTTPRequestHandler):
    """One connection (HTTP/1.1 keep-alive); ``do_*`` run once per request."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle's algorithm on, the body waits for the
    # client's delayed ACK of the headers (tens of ms per reply). Real servers set TCP_NODELAY.
    disable_nagle_algorithm = True
    server: _HTTPServer
    body: dict[str, Any]
    index: int

    def setup(self) -> None:
        super().setup()
        self.server.fake._register(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        finally:
            self.server.fake._unregister(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def do_GET(self) -> None:
        fake = self.server.fake
        path = self.path.split("?", 1)[0]
        if FakeBatchService.handles(path):
            fake.batches.handle(self, path)
            return
        self._log(path, {})
        if path != MODELS_PATH:
            self._not_found(path)
            return
        with fake._handling():
            if not fake._sleep(fake.latency):
                self.drop()
                return
            listing = [
                {"id": model, "object": "model", "created": 0, "owned_by": "fake"}
                for model in fake.models
            ]
            self.send_json(200, {"object": "list", "data": listing})

    def do_POST(self) -> None:
        fake = self.server.fake
        path = self.path.split("?", 1)[0]
        if FakeBatchService.handles(path):
            fake.batches.handle(self, path)
            return
        body = self._read_body()
        if body is None:
            self._log(path, {})
            self.send_json(400, error_body("Request body is not a JSON object."))
            return
        if path != CHAT_COMPLETIONS_PATH:
            self._log(path, body)
            self._not_found(path)
            return
        with fake._handling():
            self._chat_completion(body)

    def _chat_completion(self, body: dict[str, Any]) -> None:
        fake = self.server.fake
        plan = fake.fault_plan
        fault = plan.decide(body) if plan is not None else None
        format_type = _response_format_type(body)
        rejected = format_type if format_type in fake.reject_response_formats else None
        if rejected is not None and fault in CONTENT_FAULT_KINDS:
            fault = None
        self._log(CHAT_COMPLETIONS_PATH, body, fault=fault, rejected_response_format=rejected)
        self.body = body
        if not fake._sleep(fake.latency):
            self.drop()
        elif plan is not None and fault in TRANSPORT_FAULT_KINDS:
            plan.apply_transport_fault(fault, self)
        else:
            self.reply(fault)

    def reply(self, content_fault: FaultKind | None) -> None:
        """Send the normal reply: a 400 for a rejected format, else the responder's answer."""
        fake = self.server.fake
        format_type = _response_format_type(self.body)
        if format_type in fake.reject_response_formats:
            message = f"response_format {format_type} is not supported"
            self.send_json(400, error_body(message, param="response_format"))
            return
        try:
            completion = self.completion()
        except Exception as error:
            with fake._lock:
                fake.errors.append(error)
            message = f"fake server responder failed: {error!r}"
            self.send_json(500, error_body(message, "server_error"))
            return
        if content_fault is not None and fake.fault_plan is not None:
            fake.fault_plan.apply_content_fault(
                content_fault, completion, self.body, api_key=self.api_key()
            )
        self.send_json(200, completion)

    def api_key(self) -> str:
        """The key the request sent (its ``Authorization: Bearer`` value), or ``""``."""
        value = str(self.headers.get("Authorization") or "")
        return value[len("Bearer ") :] if value.startswith("Bearer ") else value

    def write(self, data: bytes) -> bool:
        """Send raw body bytes now; returns False if the client went away."""
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except OSError:
            self.close_connection = True
            return False
        return True

    def completion(self) -> dict[str, Any]:
        """Ask the responder and wrap its answer into a ``chat.completion`` JSON."""
        return self.server.fake.answer(self.body, f"chatcmpl-fake-{self.index}")

    def send_json(
        self, status: int, payload: object, extra_headers: Mapping[str, str] | None = None
    ) -> None:
        """Send a complete JSON reply; a client that went away is ignored."""
        data = json.dumps(payload).encode()
        try:
            self.send_head(status, len(data), extra_headers)
            self.wfile.write(data)
        except OSError:
            self.close_connection = True

    def send_bytes(self, status: int, data: bytes, content_type: str) -> None:
        """Send a complete reply of raw bytes (a file's content)."""
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-request-id", f"req_fake_{self.index}")
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            self.close_connection = True

    def read_raw_body(self) -> bytes:
        """The request body as sent (``Content-Length`` bytes)."""
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def record_request(self, path: str, body: dict[str, Any]) -> None:
        """Log a request to the files or batches endpoints."""
        self._log(path, body)

    def send_head(
        self, status: int, length: int, extra_headers: Mapping[str, str] | None = None
    ) -> None:
        """Send the status line and headers of a JSON reply of ``length`` bytes."""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(length))
        self.send_header("x-request-id", f"req_fake_{self.index}")
        for name, value in (extra_headers or {}).items():
            self.send_header(name, value)
        self.end_headers()

    def send_partial(self, status: int, data: bytes) -> None:
        """Send headers announcing ``len(data)`` bytes, then only the first half of ``data``."""
        with suppress(OSError):
            self.send_head(status, len(data))
            self.wfile.write(data[: len(data) // 2])

    def sleep(self, seconds: float) -> bool:
        """Sleep unless the server closes first; returns False if it did."""
        return self.server.fake._sleep(seconds)

    def drop(self) -> None:
        """Close the connection without a reply."""
        self.close_connection = True
        _shutdown_socket(self.connection)

    def reset(self) -> None:
        """Abort the connection with a TCP reset (SO_LINGER 0)."""
        self.close_connection = True
        with suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()

    def _log(self, path: str, body: dict[str, Any], **outcome: Any) -> None:
        headers = {name.lower(): value for name, value in self.headers.items()}
        fields = {"method": self.command, "path": path, "headers": headers, **outcome}
        self.index = self.server.fake._record(body=copy.deepcopy(body), **fields).index

    def _read_body(self) -> dict[str, Any] | None:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    def _not_found(self, path: str) -> None:
        message = f"Unknown request URL: {self.command} {path}."
        self.send_json(404, error_body(message, code="unknown_url"))


def _response_format_type(body: Mapping[str, Any]) -> str | None:
    response_format = body.get("response_format")
    if isinstance(response_format, dict) and isinstance(response_format.get("type"), str):
        return str(response_format["type"])
    return None
