"""Depth images the codec tests share: the shipped real frames (data/samples) and random ones."""

from pathlib import Path

import numpy as np

SAMPLES = Path(__file__).resolve().parents[3] / "data" / "samples"
# The shipped frames whose payloads generate.ts commits as golden/<encoding>-<name>.bin (SAMPLE_PAYLOADS).
PAYLOAD_SAMPLES = {"tum": "tum-fr2/depth/TUM_depth.png", "azure-room0": "azure-kinect/TestVector0_Room0.png"}


def read_png(path):
    """A shipped 16-bit PNG (a path, or relative to data/samples) as a 2-D uint16 array."""
    import cv2  # python3-opencv (installed by .ci/run)

    depth = cv2.imread(str(SAMPLES / path), cv2.IMREAD_UNCHANGED)
    assert depth.dtype == np.uint16 and depth.ndim == 2
    return depth


def random_depth(rng, height, width):
    """Smooth depth with noise, holes (single pixels, blocks, whole rows) and wild jumps."""
    y, x = np.mgrid[0:height, 0:width]
    depth = (1500 + 3 * x + 5 * y + rng.integers(-4, 5, (height, width))).astype(np.int64)
    depth[rng.random((height, width)) < 0.02] = rng.integers(1, 65536)
    depth[rng.random((height, width)) < 0.1] = 0
    if height > 4:
        depth[rng.integers(height)] = 0
        depth[2:4, : width // 2] = 0
    return depth.astype(np.uint16)


def bit_flips_give_pixels_or_decode_error(decode, payload, rng, count):
    """`decode` of `count` copies of `payload`, each with one bit flipped at a random place, returns or
    raises DecodeError: nothing else escapes it."""
    from depthroom.errors import DecodeError

    for _ in range(count):
        try:
            decode(bit_flipped(payload, rng))
        except DecodeError:
            pass


def bit_flipped(payload, rng):
    """`payload` with one bit flipped at a random place."""
    corrupted = bytearray(payload)
    corrupted[int(rng.integers(len(corrupted)))] ^= 1 << int(rng.integers(8))
    return bytes(corrupted)
