"""The server a backend talks to, as it enters cache keys and batch state files."""

from __future__ import annotations

from urllib.parse import urlsplit


def server_identity(backend: object) -> str:
    """The server a backend talks to, as cache keys and batch state files name it: a plain URL.

    Scheme and host in lower case, the port explicit, no trailing slash; user name, password,
    query and fragment are left out, so no credential reaches the cache or a state file. A
    backend without a URL is named by its type (a test double by its ``base_url`` text).

    Example:
        >>> class Backend:
        ...     base_url = "HTTP://user:secret@LocalHost:11434/v1/?key=x"
        >>> server_identity(Backend())
        'http://localhost:11434/v1'
    """
    url = getattr(backend, "base_url", None)
    if not isinstance(url, str) or not url.strip():
        return type(backend).__name__
    parts = urlsplit(url.strip())
    if not parts.scheme or not parts.netloc:
        return url.strip()  # a test double's name, not a URL
    scheme = parts.scheme.lower()
    try:
        port = parts.port or {"http": 80, "https": 443}.get(scheme)
    except ValueError:
        port = None
    host = (parts.hostname or "").lower()
    location = f"[{host}]" if ":" in host else host
    return f"{scheme}://{location}{f':{port}' if port else ''}{parts.path.rstrip('/')}"
