"""Static files: fingerprinted URLs cached for a year, and compressed answers.

`url_for('static', filename=...)` gets ``?v=<hash of the file>``: a browser keeps the file
for a year without asking again (``immutable``), and a new deploy that changes the file
changes its URL, so nobody is left with a stale copy. A request without the current hash
(an old page, a hand-typed URL) gets the ordinary short-lived caching with revalidation.
Templates write `static_url(filename)`: the same URL, built once per version of the file
(every page links eight or nine files).

Flask-Compress compresses every text answer (pages, fragments, CSS, JS) with zstd, brotli
or gzip, whichever the browser accepts, at a level quick enough for each request. A
fingerprinted file asked for by a browser that accepts brotli is compressed once, at
brotli's best level (a fifth smaller than the quick level, and the first load is mostly
these files), and kept.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

import brotli
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

    def fingerprinted() -> str | None:
        """The static file this request asks for by its current fingerprint, if it does."""
        if request.endpoint != "static":
            return None
        filename = (request.view_args or {}).get("filename", "")
        version = request.args.get("v")
        return filename if version and version == fingerprint(filename) else None

    @app.after_request
    def cache_fingerprinted(response: Response) -> Response:
        if response.status_code in (200, 304) and fingerprinted():
            response.headers["Cache-Control"] = CACHE_FOREVER
        return response

    # Registered after the caching hook, so it runs before it (Flask runs after_request
    # functions in reverse) and compresses the answer first.
    compress.init_app(app)
    mimetypes = set(app.config["COMPRESS_MIMETYPES"])
    folder = Path(app.static_folder or "static")

    @app.after_request
    def best_brotli_for_fingerprinted(response: Response) -> Response:
        """Runs before Flask-Compress, which leaves an answer already encoded alone."""
        if (
            response.status_code != 200
            or response.mimetype not in mimetypes
            or not request.accept_encodings["br"]
        ):
            return response
        filename = fingerprinted()
        if filename is None:
            return response
        body = _best_brotli(folder / filename, fingerprint(filename) or "")
        response.direct_passthrough = False
        response.set_data(body)
        response.headers["Content-Encoding"] = "br"
        response.headers.pop("Accept-Ranges", None)  # ranges of the file, not of this
        response.vary.add("Accept-Encoding")
        etag, weak = response.get_etag()
        if etag and not weak:
            response.set_etag(f"{etag}:br")
        return response


@lru_cache(maxsize=64)
def _best_brotli(path: Path, version: str) -> bytes:
    """The file compressed at brotli's best level, once per version (`version` is only
    part of the key)."""
    return brotli.compress(path.read_bytes(), quality=11)  # type: ignore[no-any-return]
