"""The test helpers the browser tests rely on: a missing browser fails, the PNG reader decodes."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest

from tests.report.browser import chromium, read_png


def test_a_missing_browser_fails_the_test_with_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    with pytest.raises(pytest.fail.Exception, match=r"apt-get install -y chromium \(\.ci/run does this"):
        chromium()


def _paeth(left: int, up: int, upper_left: int) -> int:
    """The PNG specification's predictor, as written there (independent of the reader's)."""
    estimate = left + up - upper_left
    distances = [abs(estimate - left), abs(estimate - up), abs(estimate - upper_left)]
    return (left, up, upper_left)[distances.index(min(distances))]


def _filtered(kind: int, line: bytes, previous: bytes, bpp: int) -> bytes:
    """PNG's forward filter *kind* of one scanline (the encoder side, written out plainly)."""
    out = bytearray()
    for i, value in enumerate(line):
        left = line[i - bpp] if i >= bpp else 0
        up = previous[i]
        upper_left = previous[i - bpp] if i >= bpp else 0
        predictor = (0, left, up, (left + up) // 2, _paeth(left, up, upper_left))[kind]
        out.append((value - predictor) & 0xFF)
    return bytes(out)


def _png(width: int, rows: list[bytes]) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    raw, previous = b"", bytes(width * 3)
    for y, row in enumerate(rows):
        kind = y % 5  # every filter type, including after one another
        raw += bytes([kind]) + _filtered(kind, row, previous, 3)
        previous = row
    header = struct.pack(">IIBBBBB", width, len(rows), 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def test_the_png_reader_undoes_every_filter(tmp_path: Path) -> None:
    width = 7
    rows = [
        bytes((x * 37 + y * 91 + c * 13) % 256 for x in range(width) for c in range(3)) for y in range(11)
    ]
    path = tmp_path / "image.png"
    path.write_bytes(_png(width, rows))
    image = read_png(path)
    assert (image.width, image.height, image.channels) == (width, 11, 3)
    assert image.data == b"".join(rows)
    pixels = [tuple(row[x : x + 3]) for row in rows for x in range(0, width * 3, 3)]
    assert image.colours() == len(set(pixels)) > 1
    assert image.share_unlike(pixels[0]) == sum(p != pixels[0] for p in pixels) / len(pixels) > 0
