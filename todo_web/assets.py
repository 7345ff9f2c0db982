"""Static files: fingerprinted URLs cached for a year, and compressed answers.

`url_for('static', filename=...)` gets ``?v=<hash of the file>``: a browser keeps the file
for a year without asking again (``immutable``), and a new deploy that changes the file
changes its URL, so nobody is left with a stale copy. A request without the current hash
(an old page, a hand-typed URL) gets the ordinary short-lived caching with revalidation.
Templates write `static_url(filename)`: the same URL, built once per version of the file
(every page links eight or nine files).

Flask-Compress compresses every text answer (pages, fragments, CSS, JS) with zstd, brotli
or gzip, whichever the browser accepts.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from flask import Flask, Response, request, url_for
from flask_compress import Compress

CACHE_FOREVER = "public, max-age=31536000, immutable"

compress = Compress()


class Fingerprints:
    """Content hashes of the files in the static folder, each computed once per change."""

    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)
        self._hashes: dict[str, tuple[float, str]] = {}

    def __call__(self, filename: str) -> str | None:
        path = self.folder / filename
        try:
            mtime = path.stat().st_mtime
        except (OSError, ValueError):
            return None
        known = self._hashes.get(filename)
        if known is None or known[0] != mtime:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            known = self._hashes[filename] = (mtime, digest)
        return known[1]


def init_app(app: Flask) -> None:
    fingerprint = Fingerprints(app.static_folder or "static")
    #: Static URLs by the app's mount point (SCRIPT_NAME), file name and fingerprint.
    urls: dict[tuple[str, str, str | None], str] = {}

    @app.template_global()
    def static_url(filename: str) -> str:
        """`url_for('static', filename=filename)`, built once per version of the file."""
        key = (request.script_root, filename, fingerprint(filename))
        url = urls.get(key)
        if url is None:
            url = urls[key] = url_for("static", filename=filename)
        return url

    @app.url_defaults
    def add_fingerprint(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "v" not in values and "filename" in values:
            version = fingerprint(values["filename"])
            if version:
                values["v"] = version

    @app.after_request
    def cache_fingerprinted(response: Response) -> Response:
        if (
            request.endpoint == "static"
            and response.status_code in (200, 304)
            and request.args.get("v")
            and request.args.get("v") == fingerprint((request.view_args or {}).get("filename", ""))
        ):
            response.headers["Cache-Control"] = CACHE_FOREVER
        return response

    # Registered after the caching hook, so it runs before it (Flask runs after_request
    # functions in reverse) and compresses the answer first.
    compress.init_app(app)
