"""Render the app icon's PNGs from its SVG sources in static/icons/.

    python scripts/render_icons.py

Chromium (Debian's, /usr/bin/chromium, or the one named by CHROMIUM) opens each SVG in a
square window of the target size and photographs it, with a transparent background where
the drawing leaves one (the corners of the rounded tile). The PNGs are committed next to
the SVGs; run this again after changing either SVG.

Each PNG is then recompressed losslessly with optipng (Debian's `optipng`) when it is
installed: a palette when the drawing has at most 256 colours, the best filters and
deflate settings. That halves the apple-touch-icon, which a page links on every load.

| file                          | from              | used as                               |
| ----------------------------- | ----------------- | ------------------------------------- |
| apple-touch-icon.png (180)    | icon-maskable.svg | iOS home screen: iOS rounds the       |
|                               |                   | corners itself and shows transparent  |
|                               |                   | ones as black, so it gets the full    |
|                               |                   | square tile                           |
| icon-192.png, icon-512.png    | icon.svg          | the app icon (purpose "any")          |
| icon-maskable-512.png         | icon-maskable.svg | purpose "maskable": the mark inside   |
|                               |                   | the central 80 % circle               |
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ICONS = Path(__file__).resolve().parent.parent / "static" / "icons"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

#: (PNG written, SVG it comes from, width and height in pixels)
RENDERS: list[tuple[str, str, int]] = [
    ("apple-touch-icon.png", "icon-maskable.svg", 180),
    ("icon-192.png", "icon.svg", 192),
    ("icon-512.png", "icon.svg", 512),
    ("icon-maskable-512.png", "icon-maskable.svg", 512),
]


def render(out_dir: Path = ICONS) -> list[Path]:
    """Write every PNG of RENDERS into `out_dir` (the SVGs are read from static/icons/)."""
    from playwright.sync_api import sync_playwright

    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        for png, svg, size in RENDERS:
            page = browser.new_page(viewport={"width": size, "height": size})
            # An SVG document without width and height fills the window: the drawing is
            # scaled to the size, not rasterised small and enlarged.
            page.goto((ICONS / svg).as_uri())
            path = out_dir / png
            page.screenshot(path=str(path), omit_background=True)
            page.close()
            written.append(path)
        browser.close()
    optimise(written)
    return written


def optimise(paths: list[Path]) -> None:
    """Recompress the PNGs losslessly with optipng, if it is installed."""
    optipng = shutil.which("optipng")
    if optipng is None:
        print("optipng is not installed: the PNGs are left as Chromium wrote them")
        return
    subprocess.run([optipng, "-quiet", "-o7", *map(str, paths)], check=True)


if __name__ == "__main__":
    for path in render():
        print(path)
