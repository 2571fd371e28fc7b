"""up-zstd (wire depth encoding 4, U16) decoding, bit-exact with packages/schema/src/upZstdCodec.ts.

The grammar (PROTOCOL.md): one zstd frame (RFC 8878) with its content size in the header, whose content
is the "stage-1" bytes: per pixel, row-major, the zigzag z of the residual (v - prediction) modulo 2^16
read as signed 16-bit, as the byte z if z < 255, else the byte 255 then z as u16 little-endian. The
prediction is the left pixel in the first row (0 for pixel 0) and the pixel above in the others.

Decompression is the zstandard module's (Debian python3-zstandard, pip zstandard), optional: without it
the client imports and reads every other encoding, and an up-zstd frame is refused with a DecodeError
naming what to install. The content size in the frame header is checked against n..3n (n pixels)
before anything is allocated for it; zstd refuses content of another size than the header says.

Stage 1 is undone with numpy, no per-pixel loop: which 255s start an escape (`_escape_starts`: on real
depth every 255 but a few chains, and any bytes in linear time and memory), the zigzag values, then the prediction's inverse: a cumulative sum along the first row and one down the
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
    escape = _escape_starts(stage_one, raw)
    if length and (escape[-1] or (length > 1 and escape[-2])):
        raise _error(f"an escape cut short at byte {length - 1 if escape[-1] else length - 2}")
    # A pixel's first byte: any byte but the two after an escape's 255.
    first = np.ones(length, dtype=bool)
    first[1:] &= ~escape[:-1]
    first[2:] &= ~escape[:-2]
    count = int(np.count_nonzero(first))
    if count < pixel_count:
        raise _error(f"stage 1 ends at pixel {count} of {pixel_count}")
    if count > pixel_count:
        raise _error(f"{count - pixel_count} pixels' bytes left after the last pixel")

    # Zigzag values: every pixel's first byte, then the escaped ones' u16 (no escape in the last two bytes).
    zigzag = raw[first].astype(np.uint16)
    zigzag[zigzag == 255] = raw[1:][escape[:-1]] | (raw[2:][escape[:-2]].astype(np.uint16) << 8)
    del first, escape

    # Residuals (z >> 1) ^ -(z & 1), then the prediction undone: the first row a running sum from 0, each
    # other pixel its upper neighbour plus its residual, so a running sum down every column.
    pixels = (zigzag >> 1) ^ ((zigzag & 1) * np.uint16(0xFFFF))
    grid = pixels.reshape(-1, width)
    np.cumsum(grid[0], dtype=np.uint16, out=grid[0])
    np.cumsum(grid, axis=0, dtype=np.uint16, out=grid)
    return pixels


# An escape is the byte 255 and the two bytes after it. Scanning left to right without overlaps from a byte
# that starts a pixel, the first 255 always starts a pixel too, so the matches are exactly the escapes.
_ESCAPE = re.compile(rb"\xff..", re.DOTALL)
# Up to this many chained 255s the regular expression resolves them; past it, the block scan (linear in
# the bytes, whatever they hold, and no Python object per escape).
_REGEX_CHAIN_LIMIT = 1 << 16
_BLOCK = 64  # bytes a block of the scan


def _escape_starts(stage_one: bytes, raw: np.ndarray, regex_limit: int = _REGEX_CHAIN_LIMIT) -> np.ndarray:
    """A bool per byte: the 255 that starts an escape (the last ones may lack their bytes: the caller checks).

    A 255 with no other 255 in the two bytes before it starts an escape: it cannot be an escape's second
    or third byte. Only chains of 255s, each within two bytes of the next, are ambiguous; that happens on
    real depth only where an escaped value has a 255 byte. A chain's first 255 starts an escape; from
    there a regular expression (in C) scans it; past `regex_limit` chained 255s, `_scan_escape_starts`."""
    ff = raw == 255
    chained = np.zeros_like(ff)
    for gap in (1, 2):
        pair = ff[gap:] & ff[:-gap]
        chained[gap:] |= pair
        chained[:-gap] |= pair
    count = int(np.count_nonzero(chained))
    if count == 0:
        return ff
    if count > regex_limit:
        return _scan_escape_starts(ff)
    positions = np.flatnonzero(chained)
    breaks = np.flatnonzero(np.diff(positions) > 2)
    heads = positions[np.concatenate(([0], breaks + 1))].tolist()
    tails = positions[np.concatenate((breaks, [positions.size - 1]))].tolist()
    found: list[int] = []
    for head, tail in zip(heads, tails):
        end = head
        for match in _ESCAPE.finditer(stage_one, head, tail + 3):
            found.append(match.start())
            end = match.end()
        if end <= tail:  # a 255 left unmatched: the data ends inside its escape (the caller refuses it)
            found.append(stage_one.find(b"\xff", end))
    starts = ff
    starts[positions] = False
    starts[found] = True
    return starts


def _scan_escape_starts(ff: np.ndarray) -> np.ndarray:
    """`_escape_starts` for any bytes (`ff`: which are 255), by the state "bytes of an escape still to
    come" (0, 1 or 2: a 255 read at 0 makes it 2, any byte read at 1 or 2 takes one off), in numpy: per
    block of 64 bytes, where each of the three states at its start leads (64 steps over all blocks at
    once); the state at every block's start by composing those maps (a prefix scan, log2(blocks)
    steps); then the blocks again from their true states. Linear in the bytes, a few bytes of memory
    each; no Python loop over bytes or escapes."""
    blocks = -(-ff.size // _BLOCK)
    padded = np.zeros(blocks * _BLOCK, dtype=bool)
    padded[: ff.size] = ff
    columns = padded.reshape(blocks, _BLOCK)

    def step(state: np.ndarray, is_ff: np.ndarray) -> np.ndarray:
        return np.where(state > 0, state - 1, is_ff * np.uint8(2)).astype(np.uint8)

    # Each block as a map of its starting state (rows 0, 1, 2) to its ending state.
    ends = np.repeat(np.arange(3, dtype=np.uint8)[:, None], blocks, axis=1)
    for j in range(_BLOCK):
        ends = step(ends, columns[:, j][None, :])
    # Prefix composition: after it, ends[:, k] maps the state at block 0's start to the state at block k's end.
    shift = 1
    while shift < blocks:
        ends[:, shift:] = np.take_along_axis(ends[:, shift:], ends[:, :-shift].astype(np.intp), axis=0)
        shift *= 2
    state = np.concatenate(([0], ends[0, :-1])).astype(np.uint8)
    starts = np.empty_like(columns)
    for j in range(_BLOCK):
        starts[:, j] = (state == 0) & columns[:, j]
        state = step(state, columns[:, j])
    return starts.reshape(-1)[: ff.size]
