"""The files and batches endpoints of the fake OpenAI server (the Batch API, answered at once).

`FakeOpenAIServer` hands every request under ``/v1/files`` and ``/v1/batches`` to a
`FakeBatchService`: uploads (multipart, purpose ``batch``), file metadata and content, batch
creation, retrieval and cancellation. A batch's lines are answered when it is created, each
like a chat request to the same server (its responder, prompt cache and rejected formats),
but the batch reports ``in_progress`` for the first `polls_until_done` retrievals, so clients
must poll. Output and error files use the Batch API's line format.
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from ._fault_plan import error_body

if TYPE_CHECKING:
    from email.message import Message

FILES_PATH = "/v1/files"
BATCHES_PATH = "/v1/batches"
BATCH_ENDPOINTS = frozenset({"/v1/chat/completions"})
COMPLETION_WINDOWS = frozenset({"24h"})
MAX_UPLOAD_BYTES = 200 * 1024 * 1024

Answer = Callable[[dict[str, Any], str], "tuple[int, dict[str, Any]]"]
"""Takes a chat request body and a completion id; returns (HTTP status, response body)."""


class BatchHandler(Protocol):
    """What the service needs of the server's request handler."""

    command: str
    headers: Message

    def read_raw_body(self) -> bytes: ...

    def record_request(self, path: str, body: dict[str, Any]) -> None: ...

    def send_json(self, status: int, payload: object) -> None: ...

    def send_bytes(self, status: int, data: bytes, content_type: str) -> None: ...


@dataclass
class StoredFile:
    """An uploaded or generated file."""

    id: str
    filename: str
    purpose: str
    data: bytes
    created_at: int = field(default_factory=lambda: int(time.time()))

    def describe(self) -> dict[str, Any]:
        """The file object the API returns."""
        return {
            "id": self.id,
            "object": "file",
            "bytes": len(self.data),
            "created_at": self.created_at,
            "filename": self.filename,
            "purpose": self.purpose,
            "status": "processed",
        }


class FakeBatchService:
    """Files and batches of one fake server.

    Args:
        answer: answers one chat request body (the server's own chat path).
        polls_until_done: retrievals of a batch that report ``in_progress`` before
            ``completed`` (0: completed at the first look).
    """

    def __init__(self, answer: Answer, *, polls_until_done: int = 1) -> None:
        self._answer = answer
        self.polls_until_done = polls_until_done
        self.files: dict[str, StoredFile] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self._polls: dict[str, int] = {}
        self._final: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    @staticmethod
    def handles(path: str) -> bool:
        """True for the paths this service answers."""
        return any(
            path == root or path.startswith(root + "/") for root in (FILES_PATH, BATCHES_PATH)
        )

    def handle(self, handler: BatchHandler, path: str) -> None:
        """Answer one request under ``/v1/files`` or ``/v1/batches``."""
        parts = path.strip("/").split("/")[1:]  # drop "v1"
        route = ROUTES.get((handler.command, parts[0], len(parts), parts[-1]))
        route = route or ROUTES.get((handler.command, parts[0], len(parts), "*"))
        if route is None:
            handler.record_request(path, {})
            message = f"Unknown request URL: {handler.command} {path}."
            handler.send_json(404, error_body(message, code="unknown_url"))
            return
        route(self, handler, path, parts)

    def _new_id(self, prefix: str) -> str:
        with self._lock:
            return f"{prefix}-fake-{next(self._ids)}"

    # ------------------------------------------------------------------ files
    def _upload(self, handler: BatchHandler, path: str, parts: list[str]) -> None:
        raw = handler.read_raw_body()
        fields = _form_fields(handler.headers.get("Content-Type", ""), raw)
        purpose = fields.get("purpose", (None, b""))[1].decode("utf-8", "replace")
        filename, data = fields.get("file", (None, b""))
        handler.record_request(path, {"purpose": purpose, "filename": filename, "bytes": len(data)})
        if filename is None:
            handler.send_json(400, error_body("No file was uploaded.", param="file"))
            return
        if purpose != "batch":
            message = f"This fake server stores batch input files only, not purpose {purpose!r}."
            handler.send_json(400, error_body(message, param="purpose"))
            return
        if len(data) > MAX_UPLOAD_BYTES:
            handler.send_json(400, error_body("The file is larger than 200 MB.", param="file"))
            return
        stored = StoredFile(self._new_id("file"), filename or "upload.jsonl", purpose, data)
        with self._lock:
            self.files[stored.id] = stored
        handler.send_json(200, stored.describe())

    def _file(self, handler: BatchHandler, path: str, parts: list[str]) -> None:
        handler.record_request(path, {})
        stored = self.files.get(parts[1])
        if stored is None:
            handler.send_json(404, error_body(f"No such File object: {parts[1]}"))
            return
        if parts[-1] == "content":
            handler.send_bytes(200, stored.data, "application/octet-stream")
        else:
            handler.send_json(200, stored.describe())

    # ------------------------------------------------------------------ batches
    def _create(self, handler: BatchHandler, path: str, parts: list[str]) -> None:
        try:
            body = json.loads(handler.read_raw_body() or b"{}")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            handler.record_request(path, {})
            handler.send_json(400, error_body("Request body is not a JSON object."))
            return
        handler.record_request(path, body)
        stored = self.files.get(str(body.get("input_file_id")))
        problem = (
            "input_file_id names no uploaded file"
            if stored is None
            else f"endpoint must be one of {sorted(BATCH_ENDPOINTS)}"
            if body.get("endpoint") not in BATCH_ENDPOINTS
            else f"completion_window must be one of {sorted(COMPLETION_WINDOWS)}"
            if body.get("completion_window") not in COMPLETION_WINDOWS
            else None
        )
        if problem is not None or stored is None:
            handler.send_json(400, error_body(f"Invalid batch: {problem}."))
            return
        batch_id = self._new_id("batch")
        now = int(time.time())
        batch: dict[str, Any] = {
            "id": batch_id,
            "object": "batch",
            "endpoint": body["endpoint"],
            "errors": None,
            "input_file_id": stored.id,
            "completion_window": body["completion_window"],
            "status": "validating",
            "output_file_id": None,
            "error_file_id": None,
            "created_at": now,
            "in_progress_at": None,
            "expires_at": now + 24 * 3600,
            "finalizing_at": None,
            "completed_at": None,
            "failed_at": None,
            "expired_at": None,
            "cancelling_at": None,
            "cancelled_at": None,
            "request_counts": {"total": 0, "completed": 0, "failed": 0},
            "metadata": body.get("metadata"),
        }
        self._final[batch_id] = self._run(batch, stored.data)
        with self._lock:
            self.batches[batch_id] = batch
            self._polls[batch_id] = 0
        handler.send_json(200, batch)

    def _run(self, batch: dict[str, Any], data: bytes) -> dict[str, Any]:
        """Answer every line now; return the fields the batch shows once it is done."""
        outputs: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        seen: set[str] = set()
        lines = [line for line in data.decode("utf-8", "replace").splitlines() if line.strip()]
        for number, line in enumerate(lines, start=1):
            try:
                item = json.loads(line)
            except ValueError:
                return _failed(f"line {number} is not JSON")
            if not isinstance(item, dict) or not isinstance(item.get("body"), dict):
                return _failed(f"line {number} has no request body")
            custom_id = item.get("custom_id")
            if not isinstance(custom_id, str) or custom_id in seen:
                return _failed(f"line {number}: custom_id missing or repeated")
            if item.get("url") != batch["endpoint"] or item.get("method") != "POST":
                return _failed(f"line {number}: method or url does not match the endpoint")
            seen.add(custom_id)
            status, response = self._answer(item["body"], f"chatcmpl-fake-batch-{number}")
            record = {
                "id": f"batch_req_fake_{number}",
                "custom_id": custom_id,
                "response": {
                    "status_code": status,
                    "request_id": f"req_fake_batch_{number}",
                    "body": response,
                },
                "error": None,
            }
            (outputs if status == 200 else errors).append(record)
        now = int(time.time())
        final: dict[str, Any] = {
            "status": "completed",
            "in_progress_at": now,
            "finalizing_at": now,
            "completed_at": now,
            "request_counts": {
                "total": len(outputs) + len(errors),
                "completed": len(outputs),
                "failed": len(errors),
            },
        }
        for kind, records in (("output_file_id", outputs), ("error_file_id", errors)):
            if records:
                text = "".join(json.dumps(record) + "\n" for record in records)
                produced = StoredFile(
                    self._new_id("file"), f"{kind}.jsonl", "batch_output", text.encode()
                )
                with self._lock:
                    self.files[produced.id] = produced
                final[kind] = produced.id
        return final

    def _retrieve(self, handler: BatchHandler, path: str, parts: list[str]) -> None:
        handler.record_request(path, {})
        batch_id = parts[1]
        with self._lock:
            batch = self.batches.get(batch_id)
            if batch is not None and batch["status"] in ("validating", "in_progress"):
                self._polls[batch_id] += 1
                if self._polls[batch_id] > self.polls_until_done:
                    batch.update(self._final[batch_id])
                else:
                    batch.update(status="in_progress", in_progress_at=int(time.time()))
            shown = json.loads(json.dumps(batch)) if batch is not None else None
        if shown is None:
            handler.send_json(404, error_body(f"No batch with id {batch_id!r}"))
            return
        handler.send_json(200, shown)

    def _cancel(self, handler: BatchHandler, path: str, parts: list[str]) -> None:
        handler.record_request(path, {})
        with self._lock:
            batch = self.batches.get(parts[1])
            if batch is not None and batch["status"] in ("validating", "in_progress"):
                batch.update(status="cancelled", cancelled_at=int(time.time()))
            shown = json.loads(json.dumps(batch)) if batch is not None else None
        if shown is None:
            handler.send_json(404, error_body(f"No batch with id {parts[1]!r}"))
            return
        handler.send_json(200, shown)


def _failed(reason: str) -> dict[str, Any]:
    """The fields of a batch whose input file did not validate."""
    return {
        "status": "failed",
        "failed_at": int(time.time()),
        "errors": {"object": "list", "data": [{"code": "invalid_request", "message": reason}]},
    }


def _form_fields(content_type: str, raw: bytes) -> dict[str, tuple[str | None, bytes]]:
    """Fields of a multipart/form-data body: name -> (filename, bytes)."""
    header = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(header + raw)
    fields: dict[str, tuple[str | None, bytes]] = {}
    if not message.is_multipart():
        return fields
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str):
            payload = part.get_payload(decode=True)
            fields[name] = (part.get_filename(), payload if isinstance(payload, bytes) else b"")
    return fields


Route = Callable[[FakeBatchService, BatchHandler, str, list[str]], None]
ROUTES: dict[tuple[str, str, int, str], Route] = {
    ("POST", "files", 1, "files"): FakeBatchService._upload,
    ("GET", "files", 2, "*"): FakeBatchService._file,
    ("GET", "files", 3, "content"): FakeBatchService._file,
    ("POST", "batches", 1, "batches"): FakeBatchService._create,
    ("GET", "batches", 2, "*"): FakeBatchService._retrieve,
    ("POST", "batches", 3, "cancel"): FakeBatchService._cancel,
}
"""(method, collection, path segments after /v1, last segment or ``*``) -> handler."""
