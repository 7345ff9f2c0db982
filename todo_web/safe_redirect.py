"""Only follow `next` to a path on this site."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next_path(target: str | None) -> str | None:
    """`target` if it is a local absolute path, else None.

    Refuses anything with a scheme or host, protocol-relative ``//host`` and the
    ``/\\host`` form some browsers read as protocol-relative, and control characters.
    """
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(ord(ch) < 32 or ch == "\\" for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
