"""up-zstd (wire depth encoding 4, U16) decoding, bit-exact with packages/schema/src/upZstdCodec.ts.

The grammar (PROTOCOL.md): one zstd frame (RFC 8878) with its content size in the header, whose content
is the "stage-1" bytes: per pixel, row-major, the zigzag z of the residual (v - prediction) modulo 2^16
read as signed 16-bit, as the byte z if z < 255, else the byte 255 then z as u16 little-endian. The
prediction is the left pixel in the first row (0 for pixel 0) and the pixel above in the others.

Decompression is the zstandard module's (Debian python3-zstandard, pip zstandard), optional: without it
the client imports and reads every other encoding, and an up-zstd frame is refused with a DecodeError
naming what to install. The content size in the frame header is checked against n..3n (n pixels)
before anything is allocated for it; zstd refuses content of another size than the header says.

Stage 1 is undone with numpy, no per-pixel loop: the escapes' positions (a 255 is an escape unless it is
one of the two bytes after another escape, which needs a 255 one or two bytes before it: without such a
pair every 255 is an escape; with one, a regular expression's left-to-right scan, in C, finds them),
the zigzag values, then the prediction's inverse: a cumulative sum along the first row and one down the
columns, in uint16 so they wrap modulo 2^16 as the encoder's differences do.
"""

from __future__ import annotations

import re

import numpy as np

from .errors import DecodeError

try:
    import zstandard
except ImportError:  # the client works without it; up-zstd frames are then refused by name
    zstandard = None

INSTALL_HINT = "install the zstandard module (Debian: apt-get install python3-zstandard; pip: pip install zstandard)"

# An escape is the byte 255 and the two bytes after it. Scanning left to right without overlaps, the first
# 255 after the last escape always starts a pixel, so the matches are exactly the escapes.
_ESCAPE = re.compile(rb"\xff..", re.DOTALL)


def up_zstd_available() -> bool:
    """Whether this Python can decode up-zstd (the zstandard module imports)."""
    return zstandard is not None


def up_zstd_stage_one_bound(pixel_count: int) -> int:
    """The most stage-1 bytes `pixel_count` pixels can take: every pixel escaped."""
    return 3 * pixel_count


def _error(message: str) -> DecodeError:
    return DecodeError("corrupt-payload", "up-zstd", message)


def up_zstd_decode(data: bytes | bytearray | memoryview, pixel_count: int, width: int) -> np.ndarray:
    """Decompress `pixel_count` uint16 pixels (a flat array) of a `width`-wide image. Raises
    `DecodeError("corrupt-payload")` for any bad input, and `DecodeError("invalid-field")` at
    `DepthImage.encoding` when the zstandard module is missing."""
    return up_zstd_unpredict(up_zstd_decompress(data, pixel_count), pixel_count, width)


def up_zstd_decompress(data: bytes | bytearray | memoryview, pixel_count: int) -> bytes:
    """Undo stage 2: exactly one zstd frame whose content size, from its header, is n..3n bytes."""
    if zstandard is None:
        raise DecodeError("invalid-field", "DepthImage.encoding", f"up-zstd (encoding 4) needs zstd: {INSTALL_HINT}")
    frame = bytes(data)
    try:
        size = zstandard.frame_content_size(frame)
    except zstandard.ZstdError:
        raise _error(f"no zstd frame header in {len(frame)} bytes") from None
    if size < 0:  # frame_content_size gives -1 for "not in the header"
        raise _error("the zstd frame header has no content size")
    bound = up_zstd_stage_one_bound(pixel_count)
    if not pixel_count <= size <= bound:
        raise _error(f"content size {size} is outside {pixel_count}..{bound} for {pixel_count} pixels")
    # One output buffer of the declared size; zstd refuses a frame whose content is longer or shorter.
    decompressor = zstandard.ZstdDecompressor().decompressobj(write_size=size)
    try:
        out = decompressor.decompress(frame)
    except zstandard.ZstdError as problem:
        raise _error(f"bad zstd frame: {problem}") from None
    if not decompressor.eof:
        raise _error("the zstd frame is cut short")
    if decompressor.unused_data:
        raise _error(f"{len(decompressor.unused_data)} bytes after the zstd frame")
    if len(out) != size:
        raise _error(f"the zstd frame holds {len(out)} bytes, its header says {size}")
    return out


def up_zstd_unpredict(stage_one: bytes, pixel_count: int, width: int) -> np.ndarray:
    """Undo stage 1: `stage_one` holds exactly the bytes of `pixel_count` pixels, `width` a row."""
    length = len(stage_one)
    raw = np.frombuffer(stage_one, dtype=np.uint8)
    escapes = _escape_positions(stage_one, raw)
    if escapes.size and int(escapes[-1]) + 2 >= length:
        raise _error(f"an escape cut short at byte {int(escapes[-1])}")
    count = length - 2 * escapes.size
    if count < pixel_count:
        raise _error(f"stage 1 ends at pixel {count} of {pixel_count}")
    if count > pixel_count:
        raise _error(f"{count - pixel_count} pixels' bytes left after the last pixel")

    # Zigzag values: every pixel's first byte, then the escaped ones' u16.
    first = np.ones(length, dtype=bool)
    first[escapes + 1] = False
    first[escapes + 2] = False
    zigzag = raw[first].astype(np.uint16)
    del first
    at = escapes - 2 * np.arange(escapes.size, dtype=np.int64)
    zigzag[at] = raw[escapes + 1] | (raw[escapes + 2].astype(np.uint16) << 8)

    # Residuals (z >> 1) ^ -(z & 1), then the prediction undone: the first row a running sum from 0, each
    # other pixel its upper neighbour plus its residual, so a running sum down every column.
    pixels = (zigzag >> 1) ^ ((zigzag & 1) * np.uint16(0xFFFF))
    grid = pixels.reshape(-1, width)
    np.cumsum(grid[0], dtype=np.uint16, out=grid[0])
    np.cumsum(grid, axis=0, dtype=np.uint16, out=grid)
    return pixels


def _escape_positions(stage_one: bytes, raw: np.ndarray) -> np.ndarray:
    """Where the escapes start (int64, ascending); the last may lack its two bytes (the caller checks).

    A 255 with no other 255 in the two bytes before it starts an escape (it cannot be an escape's
    second or third byte). Only chains of 255s each within two bytes of the previous are ambiguous; the
    first of a chain starts an escape, and the regular expression scans the chain from there."""
    candidates = np.flatnonzero(raw == 255)
    if candidates.size < 2:
        return candidates
    close = np.diff(candidates) <= 2
    if not close.any():
        return candidates
    starts = np.ones(candidates.size, dtype=bool)
    starts[1:][close] = False  # decided below, chain by chain
    link = np.concatenate(([False], close, [False])).astype(np.int8)
    heads = np.flatnonzero(np.diff(link) == 1)  # a chain's first candidate
    tails = np.flatnonzero(np.diff(link) == -1)  # its last
    found: list[int] = []
    for head, tail in zip(heads.tolist(), tails.tolist()):
        begin, last = int(candidates[head]), int(candidates[tail])
        end = begin
        for match in _ESCAPE.finditer(stage_one, begin, last + 3):
            found.append(match.start())
            end = match.end()
        if end <= last:  # a 255 left unmatched: the data ends inside its escape (the caller refuses it)
            found.append(stage_one.find(b"\xff", end))
    starts[np.searchsorted(candidates, found)] = True
    return candidates[starts]
