"""The app's identity: its icons (SVG sources and the PNGs scripts/render_icons.py makes of
them), the wordmark in the header, and an accent colour that keeps WCAG AA contrast in
both themes."""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path
from xml.etree import ElementTree

import pytest

from todo_web import PROJECT_ROOT

from .client import Client, text_of

STATIC = PROJECT_ROOT / "static"
ICONS = STATIC / "icons"
SVG = "{http://www.w3.org/2000/svg}"

# -- the icons -------------------------------------------------------------------------------


def png_pixels(path: Path) -> tuple[int, int, list[list[tuple[int, ...]]]]:
    """Width, height and RGBA rows of an 8-bit, non-interlaced RGB, RGBA or palette PNG
    (what Chromium writes, and what optipng makes of it when a palette holds every
    colour), decoded here so that the tests need no imaging library."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    offset, chunks, header, palette, alphas = 8, [], b"", b"", b""
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks.append(body)
        elif kind == b"PLTE":
            palette = body
        elif kind == b"tRNS":
            alphas = body
        offset += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert (depth, interlace) == (8, 0) and colour in (2, 3, 6), (depth, colour, interlace)
    step = {2: 3, 3: 1, 6: 4}[colour]
    raw = zlib.decompress(b"".join(chunks))
    stride = width * step
    rows: list[list[tuple[int, ...]]] = []
    previous = bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - step] if x >= step else 0
            up = previous[x]
            corner = previous[x - step] if x >= step else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                guess = left + up - corner
                near = min((abs(guess - left), 0), (abs(guess - up), 1), (abs(guess - corner), 2))
                line[x] = (line[x] + (left, up, corner)[near[1]]) & 0xFF
        if colour == 3:
            rows.append(
                [(*palette[3 * i : 3 * i + 3], alphas[i] if i < len(alphas) else 255) for i in line]
            )
        else:
            rows.append(
                [
                    tuple(line[x : x + step]) + (() if step == 4 else (255,))
                    for x in range(0, stride, step)
                ]
            )
        previous = line
    return width, height, rows


ACCENT = (0x65, 0x50, 0xE0)


def near(pixel: tuple[int, ...], rgb: tuple[int, int, int]) -> bool:
    return pixel[3] == 255 and all(abs(a - b) <= 3 for a, b in zip(pixel, rgb, strict=False))


@pytest.mark.parametrize(
    ("name", "size", "rounded"),
    [
        ("apple-touch-icon.png", 180, False),  # iOS rounds it; transparent corners go black
        ("icon-192.png", 192, True),
        ("icon-512.png", 512, True),
        ("icon-maskable-512.png", 512, False),  # the platform's mask cuts the corners
    ],
)
def test_icon_pngs_are_the_drawing_at_their_size(name: str, size: int, rounded: bool) -> None:
    width, height, rows = png_pixels(ICONS / name)
    assert (width, height) == (size, size)
    corner = rows[1][1]
    assert (corner[3] == 0) if rounded else near(corner, ACCENT), corner
    assert near(rows[size // 2][size // 20], ACCENT)  # the tile, left of the mark
    # The mark is white and drawn across the middle: some row there is partly white.
    middle = rows[int(size * 0.62)]
    assert any(near(pixel, (255, 255, 255)) for pixel in middle)


def test_svg_sources_are_square_and_the_maskable_one_fills_it() -> None:
    for name in ("icon.svg", "icon-maskable.svg"):
        root = ElementTree.parse(ICONS / name).getroot()
        assert root.get("viewBox") == "0 0 512 512", name
    tile = ElementTree.parse(ICONS / "icon-maskable.svg").getroot().find(f"{SVG}rect")
    assert tile is not None
    assert (tile.get("width"), tile.get("height"), tile.get("rx")) == ("512", "512", None)
    favicon = ElementTree.parse(STATIC / "favicon.svg").getroot()
    assert favicon.get("viewBox") == "0 0 32 32"


ICON_LINK = re.compile(
    r'<link rel="icon" href="(/static/favicon\.svg\?v=\w+)" type="image/svg\+xml">'
)
TOUCH_LINK = re.compile(
    r'<link rel="apple-touch-icon" href="(/static/icons/apple-touch-icon\.png\?v=\w+)">'
)


def test_every_page_links_the_favicon_and_the_touch_icon(
    client: Client, alice_client: Client
) -> None:
    for user, path in ((client, "/auth/login"), (alice_client, "/tasks")):
        html = text_of(user.get(path))
        icon, touch = ICON_LINK.search(html), TOUCH_LINK.search(html)
        assert icon and touch, path
        assert '<link rel="manifest" href="/manifest.webmanifest">' in html  # tests/test_pwa.py
        for url, mimetype in ((icon.group(1), "image/svg+xml"), (touch.group(1), "image/png")):
            response = user.get(url)
            assert (response.status_code, response.mimetype) == (200, mimetype)


# -- the wordmark ------------------------------------------------------------------------------


def test_the_header_shows_the_wordmark_as_text_beside_the_mark(client: Client) -> None:
    html = text_of(client.get("/auth/login"))
    brand = re.search(r'<a href="/" class="brand">(.*?)</a>', html, re.S)
    assert brand is not None
    mark, name = brand.group(1), re.sub(r"<svg.*?</svg>", "", brand.group(1), flags=re.S)
    assert re.search(r'<svg class="brand-mark"[^>]*aria-hidden="true"', mark)
    assert re.sub(r"<[^>]+>", "", name).strip() == "todo-web"  # the name is text
    assert "<img" not in mark


# -- the accent's contrast ---------------------------------------------------------------------

LIGHT_PAGE = "#ffffff"
DARK_PAGE = (19, 22.5, 30.5)  # Pico's dark background, rgb(19, 22.5, 30.5)
DARK_CARD = "#181c25"


def luminance(colour: str | tuple[float, float, float]) -> float:
    if isinstance(colour, str):
        colour = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[assignment]
    channels = [c / 255 for c in colour]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str | tuple[float, float, float], b: str | tuple[float, float, float]) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def theme_variables() -> dict[str, dict[str, str]]:
    """The identity block's variables, for the light and the dark theme."""
    css = (STATIC / "app.css").read_text()
    start = css.index("/* Identity: accent colour and themes (issue 15) */")
    assert start < 200, "the identity block opens app.css"
    block = css[start:]

    def variables(selector: str) -> dict[str, str]:
        body = block[block.index(selector) :]
        body = body[body.index("{") + 1 : body.index("}")]
        return dict(re.findall(r"(--[\w-]+):\s*([^;]+);", body))

    root = variables(":root {")
    light = root | variables(":root:not([data-theme=dark]), [data-theme=light] {")
    dark = root | variables("  :root:not([data-theme]) {")
    assert variables("[data-theme=dark] {") == variables("  :root:not([data-theme]) {")
    return {"light": light, "dark": dark}


def test_the_accent_keeps_aa_contrast_in_both_themes() -> None:
    themes = theme_variables()
    light, dark = themes["light"], themes["dark"]
    for theme, page in ((light, LIGHT_PAGE), (dark, DARK_PAGE)):
        # Links, and the focus ring drawn in the same colour.
        assert contrast(theme["--pico-primary"], page) >= 4.5
        assert contrast(theme["--pico-primary-hover"], page) >= 4.5
        # Button labels on the button, resting and hovered.
        label = theme["--pico-primary-inverse"]
        label = "#ffffff" if label == "#fff" else label
        assert contrast(label, theme["--pico-primary-background"]) >= 4.5
        assert contrast(label, theme["--pico-primary-hover-background"]) >= 4.5
        # The button itself against the page (a control: 3:1).
        assert contrast(theme["--pico-primary-background"], page) >= 3
        # Deleting the account: the red words, and the white words on the red button.
        assert contrast(theme["--todo-danger-text"], page) >= 4.5
        assert contrast("#ffffff", theme["--todo-danger"]) >= 4.5
    assert contrast(dark["--pico-primary"], DARK_CARD) >= 4.5
    assert contrast(dark["--todo-danger-text"], DARK_CARD) >= 4.5
    assert contrast("#ffffff", "#9f1d23") >= 4.5  # the red button hovered (settings block)
