"""RVL, lossless depth compression (A. D. Wilson, "Fast Lossless Depth Image Compression", ISS 2017),
byte-identical to packages/schema/src/rvl.ts, with numpy and no per-pixel Python loop.

The stream (PROTOCOL.md): alternating runs of zero and non-zero pixels; each run length, then each
non-zero pixel as the zigzag of its difference to the previous non-zero pixel, is a variable-length code
of nibbles (3 data bits, low bits first; bit 3 = more follows). Nibbles fill 32-bit words from the most
significant nibble down; words are little-endian; the last word is padded with zero nibbles.

Encoding, vectorised: (1) the run lengths from where the non-zero mask changes; (2) one array of
"tokens" (the values to code, in stream order: zeros, non-zeros, then that run's zigzags), placed by
index arithmetic; (3) each code's first nibble (3 bits, bit 3 when more follow); the further nibbles
of the longer codes (values >= 8, a minority) placed level by level, then the first nibbles poured
into the places left in one masked pass; (4) pairs of nibbles to bytes, each word's four bytes
reversed (MSB-first nibbles in a little-endian word).

Decoding: the nibble stream and every code's value come out vectorised (a code ends at a nibble without
bit 3; `add.reduceat` sums the shifted groups). Which codes are run lengths depends on the values (the
next pair starts after the run's pixels), so that walk is a Python loop over runs (one step per pair of
runs, never per pixel); pixels are then scattered with a mask and a cumulative sum of the deltas.
"""

from __future__ import annotations

import numpy as np

from .errors import DecodeError

# A value v needs 1 + (number of thresholds <= v) nibbles.
_THRESHOLDS = np.array([8**k for k in range(1, 11)], dtype=np.int64)


def rvl_encode(depth: np.ndarray) -> bytes:
    """Compress uint16 depth (any shape; row-major order) to RVL bytes."""
    pixels = np.ascontiguousarray(depth, dtype=np.uint16).reshape(-1)
    n = pixels.size
    if n == 0:
        return b""
    nonzero = pixels != 0
    # Run boundaries: where the mask changes, plus the ends.
    changes = np.flatnonzero(nonzero[1:] != nonzero[:-1]) + 1
    bounds = np.concatenate(([0], changes, [n]))
    lengths = np.diff(bounds)
    if nonzero[0]:
        lengths = np.concatenate(([0], lengths))  # the stream starts with a (possibly empty) zero run
    if lengths.size % 2:
        lengths = np.concatenate((lengths, [0]))  # ends on zeros: an empty non-zero run closes it
    zero_runs = lengths[0::2]
    nonzero_runs = lengths[1::2]
    pairs = zero_runs.size

    values = pixels[nonzero]
    zigzag = np.empty(values.size, dtype=np.int32)
    if values.size:
        zigzag[0] = values[0]
        np.subtract(values[1:], values[:-1], out=zigzag[1:], dtype=np.int32)
    sign = zigzag >> 31
    zigzag <<= 1
    zigzag ^= sign

    # Tokens (the values to code, in stream order): pair k starts at 2k + (non-zero pixels before pair k).
    before = np.zeros(pairs, dtype=np.int64)
    np.cumsum(nonzero_runs[:-1], out=before[1:])
    starts = 2 * np.arange(pairs, dtype=np.int64) + before
    tokens = np.empty(2 * pairs + values.size, dtype=np.int32)
    is_pixel = np.ones(tokens.size, dtype=bool)
    is_pixel[starts] = False
    is_pixel[starts + 1] = False
    tokens[starts] = zero_runs
    tokens[starts + 1] = nonzero_runs
    tokens[is_pixel] = zigzag

    # Nibbles: most codes of real depth are one nibble. The further nibbles of the longer codes are
    # written first, level by level over a shrinking set (each longer code's first nibble lands after
    # the further nibbles of the longer codes before it); then every first nibble fills, in order, the
    # places left (a mask pass: no cumulative sum or scatter over all codes).
    longer_mask = tokens > 7
    first = tokens.astype(np.uint8)
    first &= 7
    first |= longer_mask.view(np.uint8) << 3
    longer = np.flatnonzero(longer_mask)
    if longer.size == 0:
        nibbles = first if first.size % 8 == 0 else np.concatenate((first, np.zeros(8 - first.size % 8, np.uint8)))
    else:
        long_tokens = tokens[longer]
        extra = np.searchsorted(_THRESHOLDS, long_tokens, side="right")
        before = np.empty(longer.size, dtype=np.intp)
        before[0] = 0
        np.cumsum(extra[:-1], out=before[1:])
        total = tokens.size + int(before[-1] + extra[-1])
        nibbles = np.zeros(total + (-total) % 8, dtype=np.uint8)
        is_first = np.zeros(nibbles.size, dtype=bool)
        is_first[:total] = True
        at = longer + before
        shift = 3
        while long_tokens.size:
            at += 1
            more = extra > shift // 3
            nibbles[at] = ((long_tokens >> shift) & 7) | (more.view(np.uint8) << 3)
            is_first[at] = False
            long_tokens, extra, at = long_tokens[more], extra[more], at[more]
            shift += 3
        nibbles[is_first] = first
    packed = (nibbles[0::2] << 4) | nibbles[1::2]
    return packed.reshape(-1, 4)[:, ::-1].tobytes()


def rvl_decode(data: bytes | bytearray | memoryview | np.ndarray, pixel_count: int) -> np.ndarray:
    """Decompress `pixel_count` uint16 pixels (a flat array). Raises `DecodeError("corrupt-payload")`
    when the stream ends early, a run overflows the image, or a code is longer than 30 bits."""
    raw = np.frombuffer(data, dtype=np.uint8) if not isinstance(data, np.ndarray) else data.view(np.uint8)
    if raw.size % 4:
        raise DecodeError("corrupt-payload", "rvl", f"length {raw.size} is not a whole number of 32-bit words")
    out = np.zeros(pixel_count, dtype=np.uint16)
    if pixel_count == 0:
        return out
    # Words past the longest stream n pixels can take are never read (as in rvl.ts, which stops at n
    # pixels): at most 3n codes (a pixel, or a pair of run lengths per pixel) of at most 10 nibbles.
    # Cutting them here bounds the work arrays by the image, not by what a peer sent.
    raw = raw[: 4 * ((30 * pixel_count + 7) // 8 + 1)]
    ordered = raw.reshape(-1, 4)[:, ::-1].reshape(-1)
    nibbles = np.empty(ordered.size * 2, dtype=np.uint8)
    nibbles[0::2] = ordered >> 4
    nibbles[1::2] = ordered & 15
    # A code ends at a nibble without the continuation bit; codes start at the first nibble and after
    # each end (a start after the last end begins a code the stream never finishes: not a code).
    terminal = nibbles < 8
    code_count = int(np.count_nonzero(terminal))
    if code_count == 0:
        raise DecodeError("corrupt-payload", "rvl", "stream ends at pixel 0")
    is_start = np.empty(nibbles.size, dtype=bool)
    is_start[0] = True
    is_start[1:] = terminal[:-1]
    firsts = nibbles[is_start][:code_count]
    # Each code's value: its first group, then the further groups of the (rarer) longer codes, level by
    # level. A code still going on at its 10th nibble is longer than 30 bits: refused once reached.
    codes = (firsts & 7).astype(np.int32)
    index = np.flatnonzero(firsts >= 8)
    at = np.flatnonzero(is_start & ~terminal)[: index.size]
    first_overlong = code_count
    for k in range(1, 10):
        if index.size == 0:
            break
        at += 1
        group = nibbles[at]
        codes[index] |= (group & 7).astype(np.int32) << (3 * k)
        going_on = group >= 8
        index, at = index[going_on], at[going_on]
    if index.size:
        first_overlong = int(index[0])

    # Walk the run pairs: one step per pair, never per pixel.
    pair_starts: list[int] = []
    p = 0
    t = 0
    while p < pixel_count:
        if t + 1 >= code_count:
            raise DecodeError("corrupt-payload", "rvl", f"stream ends at pixel {p}")
        if t + 1 >= first_overlong:
            raise DecodeError("corrupt-payload", "rvl", f"code longer than 30 bits at pixel {p}")
        zeros = codes.item(t)
        if zeros > pixel_count - p:
            raise DecodeError("corrupt-payload", "rvl", f"run of {zeros} at pixel {p} overflows the image")
        p += zeros
        run = codes.item(t + 1)
        if run > pixel_count - p:
            raise DecodeError("corrupt-payload", "rvl", f"run of {run} at pixel {p} overflows the image")
        if t + 2 + run > code_count:
            raise DecodeError("corrupt-payload", "rvl", f"stream ends at pixel {p + (code_count - t - 2)}")
        pair_starts.append(t)
        p += run
        t += 2 + run
    if first_overlong < t:
        raise DecodeError("corrupt-payload", "rvl", "code longer than 30 bits in a run of pixels")
    starts = np.array(pair_starts, dtype=np.int64)
    zero_runs = codes[starts]
    nonzero_runs = codes[starts + 1]
    is_pixel = np.ones(t, dtype=bool)
    is_pixel[starts] = False
    is_pixel[starts + 1] = False
    zigzag = codes[:t][is_pixel]
    deltas = zigzag >> 1
    zigzag &= 1
    np.negative(zigzag, out=zigzag)
    deltas ^= zigzag
    values = np.cumsum(deltas, dtype=np.int32).astype(np.uint16)  # wraps: differences of 16-bit values
    runs = np.empty(2 * starts.size, dtype=np.int64)
    runs[0::2] = zero_runs
    runs[1::2] = nonzero_runs
    mask = np.repeat(np.tile(np.array([False, True]), starts.size), runs)
    out[: mask.size][mask] = values
    return out
