"""Reading input files safely: regular files only, bounded in size, read exactly once.

A FIFO nobody writes to would block a reader forever, and ``/dev/zero`` (or a symlink to it)
would fill the memory; a file far larger than any input of this library is a mistake too.
Every input file therefore goes through `read_bytes`, which opens without blocking, checks
what the path is with ``fstat`` on the open descriptor (so a swap between the check and the
read changes nothing), and reads at most ``limit`` bytes. Standard input can be named
explicitly (``-``, ``/dev/stdin``, ``/dev/fd/N`` as made by ``<(...)``): that is the one
stream a user deliberately hands over, and it is read with the same size limit.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from ._errors import InputError

MAX_INPUT_BYTES = 32 * 1024 * 1024
"""Largest input file read (variables, graphs, context, decisions, critiques): 32 MiB."""
STREAM_NAMES = frozenset({"-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"})
STREAM_PREFIXES = ("/dev/fd/", "/proc/self/fd/")
_CHUNK = 1024 * 1024
_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class MissingFileError(InputError):
    """The file does not exist."""


class UnsafeFileError(InputError):
    """The path is not a regular file (a FIFO, a device, a folder) or is too large to read."""


def is_stream_name(path: str | Path) -> bool:
    """True for the names of standard input or of an inherited descriptor (``<(...)``)."""
    text = str(path)
    return text in STREAM_NAMES or text.startswith(STREAM_PREFIXES)


def read_bytes(
    path: str | Path, what: str, *, limit: int = MAX_INPUT_BYTES, streams: bool = True
) -> bytes:
    """Return the bytes of `path`, read once.

    Args:
        path: a file; with `streams`, also ``-`` or ``/dev/stdin`` (standard input) or
            ``/dev/fd/N``.
        what: what the file is, for messages (``"variables file"``).
        limit: most bytes accepted; a larger file is refused before it is read.
        streams: accept standard input and inherited descriptors (never for cache entries).

    Raises:
        MissingFileError: the file does not exist.
        UnsafeFileError: a folder, a FIFO, a device or a socket, or more than `limit` bytes.
        InputError: any other reason it cannot be read (permissions, I/O error).
    """
    shown = str(path)
    if streams and shown == "-":
        return _read_limited(sys.stdin.buffer.fileno(), what, shown, limit)
    location = Path(path).expanduser()
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(location, flags)
    except FileNotFoundError:
        raise MissingFileError(f"{what} {shown!r} does not exist") from None
    except IsADirectoryError:
        raise UnsafeFileError(f"{what} {shown!r} is a folder, not a file") from None
    except OSError as error:
        raise InputError(f"cannot read {what} {shown!r}: {error.strerror or error}") from None
    try:
        info = os.fstat(descriptor)
        if stat.S_ISDIR(info.st_mode):
            raise UnsafeFileError(f"{what} {shown!r} is a folder, not a file")
        if stat.S_ISREG(info.st_mode):
            if info.st_size > limit:
                raise UnsafeFileError(_too_large(what, shown, info.st_size, limit))
        elif not (streams and is_stream_name(shown)):
            kind = next((name for test, name in _KINDS if test(info.st_mode)), "not a file")
            raise UnsafeFileError(
                f"{what} {shown!r} is {kind}, not a regular file; save it to a file first"
                + (" (or pass it on standard input as '-')" if streams else "")
            )
        _blocking(descriptor)
        return _read_limited(descriptor, what, shown, limit)
    finally:
        os.close(descriptor)


def read_text_file(
    path: str | Path, what: str, *, limit: int = MAX_INPUT_BYTES, streams: bool = True
) -> str:
    """`read_bytes` decoded as UTF-8 (a leading byte-order mark is dropped).

    Raises:
        InputError: as `read_bytes`, or the file is not UTF-8 text.
    """
    data = read_bytes(path, what, limit=limit, streams=streams)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{what} {str(path)!r} is not UTF-8 text") from None


def _blocking(descriptor: int) -> None:
    """Clear O_NONBLOCK again (it was only there so that opening a FIFO cannot hang)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows has no O_NONBLOCK either
        return
    flags = fcntl.fcntl(descriptor, fcntl.F_GETFL)
    fcntl.fcntl(descriptor, fcntl.F_SETFL, flags & ~os.O_NONBLOCK)


def _read_limited(descriptor: int, what: str, shown: str, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        try:
            chunk = os.read(descriptor, min(_CHUNK, limit + 1 - size))
        except OSError as error:
            raise InputError(f"cannot read {what} {shown!r}: {error.strerror or error}") from None
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise UnsafeFileError(_too_large(what, shown, None, limit))


def _too_large(what: str, shown: str, size: int | None, limit: int) -> str:
    measured = f"{size:,} bytes" if size is not None else "more than that"
    return (
        f"{what} {shown!r} is too large to read ({measured}; the limit is {limit:,} bytes): "
        "is it the right file?"
    )
