"""Input files are read safely: regular files only, bounded, once; stdin when named."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest

from pywhy_llm_assist import InputError
from pywhy_llm_assist.core._files import (
    MAX_INPUT_BYTES,
    MissingFileError,
    UnsafeFileError,
    read_bytes,
    read_text_file,
)


def ends(function: Any, *arguments: Any) -> tuple[bool, Any]:
    """Run `function` in a thread: (whether it ended within 20 s, its result or exception)."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(function(*arguments))
        except BaseException as error:
            outcome.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(20)
    return not thread.is_alive(), outcome[0] if outcome else None


def test_a_regular_file_is_read_and_its_bom_dropped(tmp_path: Path) -> None:
    path = tmp_path / "v.yaml"
    path.write_bytes(b"\xef\xbb\xbfa: b\n")
    assert read_text_file(path, "variables file") == "a: b\n"


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "v.yaml"
    os.mkfifo(fifo)
    ended, outcome = ends(read_text_file, fifo, "variables file")
    assert ended, "opening the FIFO blocked"
    assert isinstance(outcome, UnsafeFileError)
    assert "is a FIFO (named pipe), not a regular file" in str(outcome)


def test_a_device_behind_a_symlink_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "z.yaml"
    link.symlink_to("/dev/zero")
    with pytest.raises(UnsafeFileError, match="character device"):
        read_bytes(link, "variables file")


def test_a_file_above_the_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    with path.open("wb") as handle:  # sparse: no disk used
        handle.truncate(MAX_INPUT_BYTES + 1)
    with pytest.raises(UnsafeFileError, match="too large"):
        read_bytes(path, "graph file")
    small = tmp_path / "small.txt"
    small.write_text("x" * 100)
    with pytest.raises(UnsafeFileError, match="too large"):
        read_bytes(small, "context file", limit=10)


def test_missing_folder_and_unreadable(tmp_path: Path) -> None:
    with pytest.raises(MissingFileError, match="does not exist"):
        read_bytes(tmp_path / "nope.yaml", "variables file")
    with pytest.raises(UnsafeFileError, match="is a folder"):
        read_bytes(tmp_path, "variables file")
    (tmp_path / "latin1.txt").write_bytes(b"caf\xe9")
    with pytest.raises(InputError, match="not UTF-8"):
        read_text_file(tmp_path / "latin1.txt", "context file")


def test_an_inherited_pipe_is_read_with_the_limit(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    os.write(write_end, b"digraph { a -> b }")
    os.close(write_end)
    try:
        assert read_bytes(f"/dev/fd/{read_end}", "graph file") == b"digraph { a -> b }"
    finally:
        os.close(read_end)
    read_end, write_end = os.pipe()
    os.write(write_end, b"x" * 100)
    os.close(write_end)
    try:
        with pytest.raises(UnsafeFileError, match="too large"):
            read_bytes(f"/dev/fd/{read_end}", "graph file", limit=10)
        with pytest.raises(UnsafeFileError, match="FIFO"):
            read_bytes(f"/dev/fd/{read_end}", "cache entry", streams=False)
    finally:
        os.close(read_end)
