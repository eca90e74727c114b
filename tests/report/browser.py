"""Headless Chromium from the command line (Debian's ``chromium``), and a small PNG reader.

No Playwright, no driver download: ``--dump-dom`` prints the DOM after the page's scripts ran
(the page records its own render time in ``<html data-render-ms>``), ``--screenshot`` writes a
PNG.  A missing browser fails the test with the command that installs it: a skipped browser test
would pass for nothing.  ``.ci/run`` installs it when it is missing.
"""

from __future__ import annotations

import itertools
import operator
import re
import shutil
import struct
import subprocess
import tempfile
import zlib
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest

CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
FLAGS = (
    "--headless",
    "--no-sandbox",  # CI containers run as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--mute-audio",
)
TIMEOUT = 120


def chromium() -> str:
    """The browser's path; fails the test (never skips it) when there is none."""
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    pytest.fail(
        "headless Chromium is needed for the report page tests and was not found "
        f"(looked for {', '.join(CANDIDATES)} on PATH): apt-get install -y chromium "
        "(.ci/run does this when it is missing)",
        pytrace=False,
    )


def _run(page: Path, *extra: str, fragment: str = "") -> str:
    with tempfile.TemporaryDirectory(prefix="nox-support-chromium-") as profile:
        done = subprocess.run(
            [chromium(), *FLAGS, f"--user-data-dir={profile}", *extra, page.resolve().as_uri() + fragment],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    assert done.returncode == 0, f"chromium failed ({done.returncode}):\n{done.stderr[-3000:]}"
    return done.stdout


def dump_dom(page: Path, fragment: str = "") -> str:
    """The serialized DOM of *page* (opened with *fragment*, ``#...``) once its scripts have run."""
    dom = _run(page, "--dump-dom", fragment=fragment)
    assert "<html" in dom, f"chromium printed no DOM: {dom[:500]!r}"
    return dom


def screenshot(page: Path, target: Path, *, width: int = 1280, height: int = 900) -> Path:
    """A PNG of the top of *page* in a *width* x *height* window."""
    _run(page, f"--window-size={width},{height}", f"--screenshot={target}")
    assert target.is_file(), f"chromium wrote no screenshot at {target}"
    return target


def text_of(dom: str, element_id: str) -> str:
    """The text of the element with *element_id* (one without child elements)."""
    found = re.search(rf'id="{element_id}"[^>]*>([^<]*)<', dom)
    assert found is not None, f"no element with id {element_id}"
    return found.group(1)


def render_ms(dom: str) -> float:
    """The time the page's script recorded when its first render was done."""
    found = re.search(r'<html[^>]* data-render-ms="([0-9.]+)"', dom)
    assert found is not None, "the page's script did not run to its end (no data-render-ms on <html>)"
    return float(found.group(1))


@dataclass(frozen=True)
class Image:
    """Decoded 8-bit pixels, row after row (``channels`` bytes each: RGB or RGBA)."""

    width: int
    height: int
    channels: int
    data: bytes

    def pixels(self) -> list[tuple[int, ...]]:
        """Every pixel as a tuple of its channels."""
        return list(zip(*(self.data[c :: self.channels] for c in range(self.channels)), strict=True))

    def colours(self) -> int:
        """How many distinct colours the image has."""
        return len(set(self.pixels()))

    def share_unlike(self, colour: tuple[int, ...]) -> float:
        """The share of pixels that are not *colour*."""
        pixels = self.pixels()
        return sum(1 for p in pixels if p != colour) / len(pixels)


def read_png(path: Path) -> Image:
    """Decode a non-interlaced 8-bit RGB or RGBA PNG (what Chromium writes)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    at, idat, header = 8, b"", b""
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        at += 12 + length
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
    width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert (depth, interlace) == (8, 0), f"unsupported PNG: depth {depth}, interlace {interlace}"
    channels = {2: 3, 6: 4}[colour_type]
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[bytearray] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        _unfilter(kind, line, previous, channels)
        rows.append(line)
        previous = line
    return Image(width, height, channels, b"".join(rows))


def _unfilter(kind: int, line: bytearray, previous: bytearray, bpp: int) -> None:
    """Undo one scanline's filter in place (None, Sub and Up at C speed: most of Chromium's rows)."""
    if kind == 1:
        for channel in range(bpp):
            line[channel::bpp] = bytes(map((0xFF).__and__, itertools.accumulate(line[channel::bpp])))
    elif kind == 2:
        line[:] = bytes(map(operator.and_, map(operator.add, line, previous), itertools.repeat(0xFF)))
    elif kind in {3, 4}:
        for i in range(len(line)):
            left = line[i - bpp] if i >= bpp else 0
            up = previous[i]
            if kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            else:
                line[i] = (line[i] + _paeth(left, up, previous[i - bpp] if i >= bpp else 0)) & 0xFF


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


@dataclass(frozen=True)
class Cell:
    """A table cell as the browser left it: its text and its class."""

    text: str
    cls: str


class _Tables(HTMLParser):
    """The rows of every ``<table id=...>`` in a dumped DOM, and every element's tag."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, list[list[Cell]]] = {}
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self._table: str | None = None
        self._row: list[Cell] | None = None
        self._cell: tuple[list[str], str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        table_id = attributes.get("id")
        if tag == "table" and table_id:
            self._table = table_id
            self.tables[table_id] = []
        elif tag == "tr" and self._table is not None:
            self._row = []
            self.tables[self._table].append(self._row)
        elif tag in {"td", "th"} and self._row is not None:
            self._cell = ([], attributes.get("class") or "")
        elif tag == "br" and self._cell is not None:
            self._cell[0].append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"td", "th"} and self._cell is not None and self._row is not None:
            self._row.append(Cell(" ".join("".join(self._cell[0]).split()), self._cell[1]))
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell[0].append(data)


def parse_dom(dom: str) -> _Tables:
    """Tables (``id -> rows of cells``, the heading row first) and tags of a dumped DOM."""
    parser = _Tables()
    parser.feed(dom)
    return parser
