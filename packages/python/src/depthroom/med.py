"""MED-deflate (wire depth encoding 2) decoding, bit-exact with packages/schema/src/depthCodec.ts.

The grammar (PROTOCOL.md): a raw DEFLATE stream of "stage-1" bytes, at most 11*n + 8 of them for n
pixels. Stage 1 scans the U16 pixels row-major in alternating runs (zeros, then non-zeros), each run
length a LEB128 varint (<= 4 bytes); after each non-zero run's length, its pixels, each the varint
(<= 3 bytes, < 2^16) of the zigzag of (v - prediction) modulo 2^16. The prediction uses the decoded
neighbours a (left), b (up), c (up-left), 0 outside the image: all three non-zero -> MED (LOCO-I);
otherwise the first non-zero of a, b and the previous non-zero pixel in scan order.

Vectorised with numpy: inflating (zlib, capped at the bound + 1 byte), every varint's value and length
(a varint ends at a byte below 128), the residuals, and the whole first row (there the prediction is the
previous non-zero pixel, so the row is a cumulative sum). The run walk is a Python loop over pairs of runs,
and the rows below the first a per-pixel loop (each prediction needs the pixel just decoded to its left).
Encoding MED is not offered: the Python producer writes RVL.

float-deflate (wire depth encoding 3, float32) is decoded here too (`float_decode`), fully vectorised.
"""

from __future__ import annotations

import zlib

import numpy as np

from .errors import DecodeError


def med_stage_one_bound(pixel_count: int) -> int:
    """The most stage-1 bytes `pixel_count` pixels can take (as medStageOneBound in depthCodec.ts)."""
    return 11 * pixel_count + 8


def _error(message: str) -> DecodeError:
    return DecodeError("corrupt-payload", "med", message)


def med_inflate(data: bytes | bytearray | memoryview, pixel_count: int) -> bytes:
    """Undo stage 2: raw DEFLATE, refused past `med_stage_one_bound(pixel_count)` bytes of output."""
    return _inflate_bounded(data, med_stage_one_bound(pixel_count), _error)


def _inflate_bounded(data: bytes | bytearray | memoryview, bound: int, error) -> bytes:
    """Raw DEFLATE inflated, refused (`error(message)`) when corrupt or past `bound` bytes of output."""
    inflater = zlib.decompressobj(wbits=-15)
    try:
        out = inflater.decompress(bytes(data), bound + 1)
    except zlib.error as problem:
        raise error(f"bad DEFLATE stream: {problem}") from None
    if len(out) > bound:
        raise error(f"inflates past {bound} bytes")
    if not inflater.eof:
        raise error("bad DEFLATE stream: unexpected end of file")
    return out


def med_decode(data: bytes | bytearray | memoryview, pixel_count: int, width: int) -> np.ndarray:
    """Decompress `pixel_count` uint16 pixels (a flat array) of a `width`-wide image. Raises
    `DecodeError("corrupt-payload")` for any bad input (bad DEFLATE, too much output, a run past the
    image, an overlong varint, a zero inside a non-zero run, bytes left after the last pixel)."""
    return med_unpredict(med_inflate(data, pixel_count), pixel_count, width)


def med_unpredict(stage_one: bytes, pixel_count: int, width: int) -> np.ndarray:
    """Undo stage 1: `stage_one` holds exactly the varint bytes of `pixel_count` pixels."""
    out = np.zeros(pixel_count, dtype=np.uint16)
    raw = np.frombuffer(stage_one, dtype=np.uint8)
    length = raw.size
    if pixel_count == 0:
        if length:
            raise _error(f"{length} bytes left after the last pixel")
        return out

    # Every varint: ends at a byte < 128; starts at 0 and after each end. Values level by level; a
    # varint of more than 4 bytes is refused wherever it sits (runs take <= 4, residuals <= 3).
    # A valid stream has at most 3n + 2 varints (a pair of run lengths per pixel, and each pixel): more
    # is refused before the work arrays (about 13 bytes a varint) are made, so a small payload inflating
    # to many tiny varints cannot make them large.
    is_end = raw < 128
    count = int(np.count_nonzero(is_end))
    if count > 3 * pixel_count + 2:
        raise _error(f"{count} varints, more than {pixel_count} pixels can take")
    ends = np.flatnonzero(is_end).astype(np.int32)
    del is_end
    starts = np.empty(count, dtype=np.int32)
    if count:
        starts[0] = 0
        starts[1:] = ends[:-1] + 1
    lengths = (ends - starts + 1).clip(0, 255).astype(np.uint8)
    values = (raw[starts] & 127).astype(np.int32)
    for k in range(1, 4):
        longer = np.flatnonzero(lengths > k)
        if longer.size == 0:
            break
        values[longer] |= (raw[starts[longer] + k] & 127).astype(np.int32) << (7 * k)
    lengths_list = lengths.tolist()
    values_list = values.tolist()

    # Walk the pairs of runs: one step per pair, never per pixel.
    pairs: list[tuple[int, int, int]] = []  # (first pixel of the non-zero run, its length, first residual)
    p = 0
    t = 0
    while p < pixel_count:
        for _ in range(2):
            if t >= count:
                raise _error(f"stream ends at pixel {p}")
            if lengths_list[t] > 4:
                raise _error(f"varint too long at pixel {p}")
            run = values_list[t]
            if run > pixel_count - p:
                raise _error(f"run of {run} at pixel {p} overflows the image")
            t += 1
            if _ == 0:
                p += run
        if t + run > count:
            raise _error(f"stream ends at pixel {p + count - t}")
        pairs.append((p, run, t))
        p += run
        t += run
    used = int(ends[t - 1]) + 1 if t else 0
    if used != length:
        raise _error(f"{length - used} bytes left after the last pixel")
    if not pairs:
        return out

    # Residuals of every pixel, in scan order; their varints must be <= 3 bytes and < 2^16.
    run_starts = np.array([q for q, _, _ in pairs], dtype=np.int64)
    run_lengths = np.array([n for _, n, _ in pairs], dtype=np.int64)
    token_starts = np.array([s for _, _, s in pairs], dtype=np.int64)
    offsets = np.repeat(token_starts - np.concatenate(([0], np.cumsum(run_lengths)[:-1])), run_lengths)
    tokens = np.arange(offsets.size, dtype=np.int64) + offsets
    zigzag = values[tokens]
    bad = np.flatnonzero((lengths[tokens] > 3) | (zigzag > 0xFFFF))
    pixels = np.repeat(run_starts - np.concatenate(([0], np.cumsum(run_lengths)[:-1])), run_lengths)
    pixels += np.arange(pixels.size, dtype=np.int64)
    if bad.size:
        raise _error(f"varint too long at pixel {int(pixels[bad[0]])}")
    deltas = ((zigzag >> 1) ^ -(zigzag & 1)).astype(np.int64)

    # First row: a pixel's prediction is the previous non-zero pixel (its left one inside a run).
    first = int(np.searchsorted(pixels, min(width, pixel_count)))
    row = np.cumsum(deltas[:first]) & 0xFFFF
    zero = np.flatnonzero(row == 0)
    if zero.size:
        raise _error(f"zero depth inside a non-zero run at pixel {int(pixels[zero[0]])}")
    out[pixels[:first]] = row
    previous = int(row[-1]) if first else 0

    # Rows below: one pixel at a time over Python ints (the prediction needs the left pixel just made).
    # Which neighbours are non-zero is known from the runs alone, so each pixel's case is found first,
    # vectorised: 0 MED (a, b, c non-zero; a is the previous pixel), 1 the previous non-zero pixel (a
    # non-zero, or a and b zero), 2 b (a zero, b non-zero). A zero decoded inside a run is looked for
    # afterwards (the pixels decoded after it are then thrown away with the error).
    below = pixels[first:]
    nonzero = np.zeros(pixel_count, dtype=bool)
    nonzero[pixels] = True
    inner = (below % width) != 0
    has_a = inner & nonzero[below - 1]
    has_b = nonzero[below - width]
    cases = np.where(has_a & has_b & inner & nonzero[below - width - 1], 0, np.where(has_a | ~has_b, 1, 2))
    flat = out.tolist()
    for q, d, case in zip(below.tolist(), deltas[first:].tolist(), cases.tolist()):
        if case == 0:
            b = flat[q - width]
            c = flat[q - width - 1]
            if previous < b:
                prediction = previous if c >= b else b if c <= previous else previous + b - c
            else:
                prediction = b if c >= previous else previous if c <= b else previous + b - c
            previous = (prediction + d) & 0xFFFF
        elif case == 1:
            previous = (previous + d) & 0xFFFF
        else:
            previous = (flat[q - width] + d) & 0xFFFF
        flat[q] = previous
    out[:] = flat
    zero = np.flatnonzero(out[below] == 0)
    if zero.size:
        raise _error(f"zero depth inside a non-zero run at pixel {int(below[zero[0]])}")
    return out


# float-deflate (wire depth encoding 3, F32): see PROTOCOL.md and packages/schema/src/floatDepthCodec.ts.
_LAYOUT_PLANES = 0
_LAYOUT_INTERLEAVED = 1
_LAYOUT_BITS = 2  # the pixels' own bits, no prediction (added after 0 and 1)


def float_stage_one_bound(pixel_count: int) -> int:
    """The most stage-1 bytes float-deflate's `pixel_count` pixels can take (as floatStageOneBound)."""
    return 12 * pixel_count + 13


def _float_error(message: str) -> DecodeError:
    return DecodeError("corrupt-payload", "float-deflate", message)


def float_decode(data: bytes | bytearray | memoryview, pixel_count: int, width: int) -> np.ndarray:
    """Decompress `pixel_count` float32 pixels (a flat array, bit-exact) of a `width`-wide image.
    Raises `DecodeError("corrupt-payload")` for any bad input."""
    stage_one = _inflate_bounded(data, float_stage_one_bound(pixel_count), _float_error)
    return float_unpredict(stage_one, pixel_count, width)


def float_unpredict(stage_one: bytes, pixel_count: int, width: int) -> np.ndarray:
    """Undo float-deflate's stage 1, vectorised: the prediction a + b - c over the virtual image makes
    it the 2D prefix sum of the residuals (0 at holes), in uint32 arithmetic that wraps as the TypeScript
    int32 maths does; then the holes are written back."""
    length = len(stage_one)
    if length < 5:
        raise _float_error(f"stage 1 of {length} bytes has no header")
    hole = int.from_bytes(stage_one[:4], "little")
    layout = stage_one[4]
    if layout not in (_LAYOUT_PLANES, _LAYOUT_INTERLEAVED, _LAYOUT_BITS):
        raise _float_error(f"unknown layout {layout}")
    # The runs, in pairs (holes, others): a Python loop over runs, never over pixels.
    runs: list[int] = []
    r = 5
    p = 0
    m = 0
    while p < pixel_count:
        for kind in range(2):
            value = 0
            shift = 0
            while True:
                if r >= length:
                    raise _float_error(f"stream ends at pixel {p}")
                byte = stage_one[r]
                r += 1
                value |= (byte & 127) << shift
                shift += 7
                if shift >= 28 and byte & 128:
                    raise _float_error(f"varint too long at pixel {p}")
                if not byte & 128:
                    break
            if value > pixel_count - p:
                raise _float_error(f"run of {value} at pixel {p} overflows the image")
            runs.append(value)
            p += value
            if kind == 1:
                m += value
    if length - r != 4 * m:
        raise _float_error(f"{length - r} bytes of residuals, {m} non-hole pixels need {4 * m}")
    raw = np.frombuffer(stage_one, dtype=np.uint8, offset=r)
    if layout == _LAYOUT_PLANES:
        planes = raw.reshape(4, m).astype(np.uint32)
    else:
        planes = raw.reshape(m, 4).T.astype(np.uint32)
    zigzag = planes[0] | (planes[1] << 8) | (planes[2] << 16) | (planes[3] << 24)
    if layout == _LAYOUT_BITS:
        residuals = zigzag  # the bits themselves: V is the image, no prefix sum below
    else:
        residuals = (zigzag >> np.uint32(1)) ^ (np.uint32(0) - (zigzag & np.uint32(1)))
    valid = np.zeros(pixel_count, dtype=bool)
    bounds = np.cumsum(np.array(runs, dtype=np.int64))
    starts = np.concatenate(([0], bounds[:-1]))
    for start, end in zip(starts[1::2].tolist(), bounds[1::2].tolist()):
        valid[start:end] = True
    virtual = np.zeros(pixel_count, dtype=np.uint32)
    virtual[valid] = residuals
    if layout != _LAYOUT_BITS:
        grid = virtual.reshape(-1, width)
        np.cumsum(grid, axis=1, dtype=np.uint32, out=grid)
        np.cumsum(grid, axis=0, dtype=np.uint32, out=grid)
    if np.any(virtual[valid] == hole):
        at = int(np.flatnonzero(valid & (virtual == hole))[0])
        raise _float_error(f"the hole pattern outside a hole run at pixel {at}")
    virtual[~valid] = hole
    return virtual.view(np.float32)
