"""Static files: fingerprinted URLs cached for a year, compression of pages and assets."""

from __future__ import annotations

import gzip
import re

import brotli

from todo_web import PROJECT_ROOT

from .client import Client


def asset_urls(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def test_pages_link_assets_by_content_hash(client: Client) -> None:
    urls = asset_urls(client.get("/auth/login").get_data(as_text=True))

    assert any("vendor/htmx.min.js" in url for url in urls)
    assert all(re.search(r"\?v=[0-9a-f]{12}$", url) for url in urls), urls


def test_fingerprinted_asset_is_cached_for_a_year(client: Client) -> None:
    url = next(
        u for u in asset_urls(client.get("/auth/login").get_data(as_text=True)) if "app.css" in u
    )

    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.get_data() == (PROJECT_ROOT / "static" / "app.css").read_bytes()


def test_asset_without_the_current_hash_is_revalidated(client: Client) -> None:
    for url in ("/static/app.css", "/static/app.css?v=000000000000"):
        response = client.get(url)
        assert response.status_code == 200
        assert "immutable" not in response.headers.get("Cache-Control", "")


def test_assets_and_pages_are_compressed_when_accepted(client: Client) -> None:
    original = (PROJECT_ROOT / "static" / "vendor" / "pico.min.css").read_bytes()
    # Files are streamed, and streams are compressed with brotli or zstd (as every current
    # browser accepts), not gzip.
    asset = client.get("/static/vendor/pico.min.css", headers={"Accept-Encoding": "gzip, br"})
    page = client.get("/auth/login", headers={"Accept-Encoding": "gzip"})
    plain = client.get("/auth/login")

    assert asset.headers["Content-Encoding"] == "br"
    assert brotli.decompress(asset.get_data()) == original
    assert page.headers["Content-Encoding"] == "gzip"
    assert b"<form" in gzip.decompress(page.get_data())
    assert "Content-Encoding" not in plain.headers
    assert "Accept-Encoding" in page.headers["Vary"]


def test_a_fingerprinted_file_gets_brotli_at_its_best_level(client: Client) -> None:
    """Compressed once at quality 11 and kept: smaller than the per-request level."""
    url = next(
        u for u in asset_urls(client.get("/auth/login").get_data(as_text=True)) if "app.css" in u
    )
    original = (PROJECT_ROOT / "static" / "app.css").read_bytes()
    best = client.get(url, headers={"Accept-Encoding": "gzip, br, zstd"})
    quick = client.get("/static/app.css", headers={"Accept-Encoding": "gzip, br"})
    zstd_only = client.get(url, headers={"Accept-Encoding": "zstd"})

    assert best.headers["Content-Encoding"] == "br"
    assert brotli.decompress(best.get_data()) == original
    assert len(best.get_data()) == len(brotli.compress(original, quality=11))
    assert len(best.get_data()) < len(quick.get_data())
    assert best.headers["ETag"].endswith(':br"')
    assert "Accept-Ranges" not in best.headers
    assert "Accept-Encoding" in best.headers["Vary"]
    assert zstd_only.headers["Content-Encoding"] == "zstd"


def test_static_files_carry_only_the_headers_that_apply_to_them(client: Client) -> None:
    """The document policies (CSP, framing, opener, permissions) are on pages, not on
    every stylesheet and script."""
    page = client.get("/auth/login")
    asset = client.get("/static/app.js")
    for header in ("Content-Security-Policy", "X-Frame-Options", "Permissions-Policy"):
        assert header in page.headers
        assert header not in asset.headers
    assert asset.headers["X-Content-Type-Options"] == "nosniff"
