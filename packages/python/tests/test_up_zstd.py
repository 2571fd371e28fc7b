"""up-zstd decoding (wire depth encoding 4) against the TypeScript encoder's bytes (golden files written
by generate.ts: depth-U16-up-zstd*.bin messages, up-zstd-*.bin payloads of shipped real frames; every
shipped frame and random images through tests/support/depthCodecMain.ts), the named error for hostile
payloads, and the client without the zstandard module."""

import base64
import json
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import zstandard

from depth_fixtures import PAYLOAD_SAMPLES, SAMPLES, bit_flipped, bit_flips_give_pixels_or_decode_error, random_depth, read_png
from depthroom.errors import DecodeError
from depthroom.message import decode_message
from depthroom.up_zstd import _escape_starts, up_zstd_decode, up_zstd_stage_one_bound, up_zstd_unpredict

GOLDEN = Path(__file__).resolve().parent / "golden"


def zstd(data, **options):
    return zstandard.ZstdCompressor(level=3, **options).compress(data)


def raw_block_frame(content, declared):
    """A zstd frame by hand (RFC 8878): single segment, an 8-byte content size `declared`, whatever the
    content's length, in one raw block."""
    header = b"\x28\xb5\x2f\xfd" + bytes([0xE0]) + struct.pack("<Q", declared)
    return header + ((len(content) << 3) | 1).to_bytes(3, "little") + content


@pytest.mark.parametrize(
    "stage_one,width,pixels",
    [
        # PROTOCOL.md: 0 1000 1002 / 1001 0 1003, and 65535 0 127 255 (zigzag 1, 2, 254 and an escaped 256).
        ("00ffd00704ffd207ffcf0702", 3, [0, 1000, 1002, 1001, 0, 1003]),
        ("0102feff0001", 4, [65535, 0, 127, 255]),
        ("ffffff" * 4, 2, [32768, 0, 0, 32768]),  # 0xffff escaped: three 255s a pixel
        ("ff0100", 1, [65535]),  # an escape of a value below 255 (not what writers do) still reads
    ],
)
def test_the_protocol_examples(stage_one, width, pixels):
    assert up_zstd_unpredict(bytes.fromhex(stage_one), len(pixels), width).tolist() == pixels
    assert up_zstd_decode(zstd(bytes.fromhex(stage_one)), len(pixels), width).tolist() == pixels


def test_the_protocol_raw_block_payload():
    # PROTOCOL.md: the 3x2 image's stage 1 in a frame of one raw block (single segment, content size 12).
    payload = bytes.fromhex("28b52ffd200c610000" "00ffd00704ffd207ffcf0702")
    assert up_zstd_decode(payload, 6, 3).tolist() == [0, 1000, 1002, 1001, 0, 1003]


def test_any_zstd_level_and_a_checksum_decode_the_same():
    """The level is not wire format (PROTOCOL.md): frames of the TUM frame's stage 1 written at other
    levels, with a content checksum, or a skippable frame before them, by libzstd instead of the
    TypeScript encoder; a skippable frame is not the one frame a payload must be."""
    depth = read_png(PAYLOAD_SAMPLES["tum"])
    stage_one = zstandard.ZstdDecompressor().decompress((GOLDEN / "up-zstd-tum.bin").read_bytes())
    for options in ({"level": -5}, {"level": 12}, {"level": 3, "write_checksum": True}):
        payload = zstandard.ZstdCompressor(**options).compress(stage_one)
        assert np.array_equal(up_zstd_decode(payload, depth.size, depth.shape[1]).reshape(depth.shape), depth)
    skippable = struct.pack("<II", 0x184D2A50, 4) + b"skip"
    with pytest.raises(DecodeError, match="content size 0 is outside"):
        up_zstd_decode(skippable + zstd(stage_one), depth.size, depth.shape[1])


N, W = 640 * 480, 640


@pytest.mark.parametrize(
    "payload,why",
    [
        pytest.param(b"", "no zstd frame header", id="empty"),
        pytest.param(b"\xff" * 16, "no zstd frame header", id="not-zstd"),
        pytest.param((GOLDEN / "up-zstd-tum.bin").read_bytes()[:1000], "cut short", id="truncated"),
        pytest.param(zstd(b"\x00" * N, write_content_size=False), "no content size", id="no-content-size"),
        pytest.param(raw_block_frame(b"\x00" * 10, 1 << 40), "content size 1099511627776 is outside", id="claims-a-terabyte"),
        pytest.param(raw_block_frame(b"\x00" * 10, 3 * N + 1), "is outside", id="claims-past-3n"),
        pytest.param(zstd(b"\x00" * (N - 1)), "content size 307199 is outside", id="content-below-n"),
        pytest.param(raw_block_frame(b"\x00" * N, N + 1), "bad zstd frame", id="content-shorter-than-declared"),
        pytest.param(raw_block_frame(b"\x00" * (N + 1), N), "bad zstd frame", id="content-longer-than-declared"),
        pytest.param(zstd(b"\x00" * N) + b"\x00", "1 bytes after the zstd frame", id="a-trailing-byte"),
        pytest.param(zstd(b"\x00" * N) + zstd(b"\x00" * N), "after the zstd frame", id="two-frames"),
        pytest.param(zstd(b"\x00" * (N + 1)), "1 pixels' bytes left after the last pixel", id="leftover"),
        pytest.param(zstd(b"\x00" * (N - 2) + b"\xff\x00\x01"), "stage 1 ends at pixel 307199", id="missing"),
        pytest.param(zstd(b"\x00" * (N - 1) + b"\xff\x00"), "escape cut short", id="escape-cut-short"),
        pytest.param(zstd(b"\x00" * (N - 1) + b"\xff\xff\xff\xff\x00\x00"), "1 pixels' bytes left after", id="escape-chain-leftover"),
    ],
)
def test_hostile_payloads_give_the_named_error(payload, why):
    with pytest.raises(DecodeError, match=why) as error:
        up_zstd_decode(payload, N, W)
    assert error.value.problem == "corrupt-payload" and error.value.field == "up-zstd"


def test_the_bound_is_three_bytes_a_pixel():
    assert up_zstd_stage_one_bound(N) == 3 * N
    every_pixel_escaped = b"\xff\x00\x80" * N  # residual 16384 everywhere
    assert int(up_zstd_decode(zstd(every_pixel_escaped), N, W)[-1]) == (16384 * (640 + 479)) % 65536


def escapes_byte_by_byte(stage_one):
    """Where the escapes start, the spec read literally: left to right, a 255 at a pixel's start takes the
    next two bytes (a trailing 255 without them counted too)."""
    out, at = [], 0
    while at < len(stage_one):
        if stage_one[at] == 255:
            out.append(at)
            at += 3
        else:
            at += 1
    return out


def test_both_ways_of_finding_escapes_read_the_grammar_literally():
    """Chains of 255s (escaped values with a 255 byte) go through a regular expression up to a limit and
    through the block scan past it: both agree with a byte-by-byte reading, on random bytes rich in 255s
    and on the TUM frame's stage 1."""
    rng = np.random.default_rng(4)
    tum = zstandard.ZstdDecompressor().decompress((GOLDEN / "up-zstd-tum.bin").read_bytes())
    streams = [tum] + [bytes(rng.choice([255, 255, 0, 7], size=int(rng.integers(0, 400))).astype(np.uint8)) for _ in range(300)]
    for stream in streams:
        expected = escapes_byte_by_byte(stream)
        for limit in (0, 1 << 16):  # 0: always the block scan
            got = np.flatnonzero(_escape_starts(stream, np.frombuffer(stream, np.uint8), limit)).tolist()
            assert got == expected, (stream.hex(), limit)


def test_any_stream_decodes_in_linear_time_and_memory():
    """255 bytes only (every pixel escaped as 0xffff) and 255, 0 alternating: one chain the length of the
    stream, resolved by the block scan (no Python object per escape)."""
    assert up_zstd_unpredict(b"\xff" * (3 * N), N, W)[:3].tolist() == [32768, 0, 32768]
    assert up_zstd_unpredict(b"\xff\x00" * N, N, W).size == N  # escapes of 0xff00 and 0x00ff in turn


def test_bit_flips_and_cuts_never_raise_anything_but_decode_error():
    payload = (GOLDEN / "up-zstd-tum.bin").read_bytes()
    rng = np.random.default_rng(19)
    bit_flips_give_pixels_or_decode_error(lambda p: up_zstd_decode(p, N, W), payload, rng, 60)
    for cut in range(0, len(payload), 997):
        with pytest.raises(DecodeError):
            up_zstd_decode(payload[:cut], N, W)


def test_an_up_zstd_message_with_another_datatype_is_refused():
    message = bytearray((GOLDEN / "depth-U16-up-zstd.bin").read_bytes())
    datatype_at = message.index(struct.pack("<II", 4, 3)) + 8
    assert message[datatype_at : datatype_at + 3] == bytes([8, 5, 4])  # U16, turbo, up-zstd
    message[datatype_at] = 6  # U8
    with pytest.raises(DecodeError, match="up-zstd with U8"):
        decode_message(bytes(message))


def codec_lines(cases):
    from relay import run_ts

    stdin = "".join(json.dumps({"encoding": "up-zstd", **c}) + "\n" for c in cases)
    answers = [json.loads(line) for line in run_ts("depthCodecMain.ts", stdin=stdin).stdout.splitlines()]
    assert len(answers) == len(cases)
    return answers


def b64(data):
    return base64.b64encode(data).decode()


def python_answer(depth, payload):
    try:
        return {"ok": b64(up_zstd_decode(payload, depth.size, depth.shape[1]).tobytes())}
    except DecodeError as error:
        return {"error": error.problem}


def test_every_shipped_frame_and_random_images_and_their_corruptions_agree_with_up_zstd_codec_ts():
    """Python decodes what upZstdEncode writes bit-exact, on every shipped frame and on random images
    (edges, holes, all-zero, all-max, 1x1, odd widths). On corrupted stage-1 bytes compressed again (a
    valid zstd frame whose grammar breaks) the two decoders give the same answer: the pixels or
    corrupt-payload. On changed or cut frame bytes, whatever both decode is the same pixels, and what the
    TypeScript decoder decodes Python decodes too; the converse does not hold: zstd 1.5.7 (zstddec, in
    TypeScript) refuses some corrupted frames that Debian's libzstd 1.5.4 (python3-zstandard) decodes to
    well-formed stage-1 bytes, so Python then returns (wrong) pixels where TypeScript refuses. Frames have
    no checksum: zstd never promised to catch every changed byte."""
    rng = np.random.default_rng(19)
    images = [read_png(p) for folder in ("azure-kinect", "tum-fr2/depth") for p in sorted((SAMPLES / folder).glob("*.png"))]
    assert len(images) == 7
    shapes = [(1, 1), (1, 7), (6, 1), (5, 9), (16, 16), (33, 47), (48, 64)]
    images += [random_depth(rng, h, w) for h, w in shapes]
    images += [np.zeros((4, 5), np.uint16), np.full((4, 5), 65535, np.uint16)]
    images.append(rng.integers(0, 65536, (9, 13), dtype=np.uint16))  # chains of 255s among the escapes
    payloads = [
        base64.b64decode(a["payload"])
        for a in codec_lines([{"width": d.shape[1], "pixels": b64(d.tobytes())} for d in images])
    ]
    grammar, frames = [], []
    for depth, payload in zip(images, payloads):
        assert np.array_equal(up_zstd_decode(payload, depth.size, depth.shape[1]).reshape(depth.shape), depth)
        if depth.size > 10_000:
            continue  # the real frames: decoded above; the corruptions below use the small images
        stage_one = zstandard.ZstdDecompressor().decompress(payload)
        for _ in range(6):
            broken = bytearray(stage_one)
            at = int(rng.integers(len(broken)))
            broken[at] = int(rng.choice([0, 1, 254, 255, int(rng.integers(256))]))
            grammar.append((depth, zstd(bytes(broken))))
        grammar.append((depth, zstd(stage_one[:-1])))
        grammar.append((depth, zstd(stage_one + b"\x00")))
        frames += [(depth, bit_flipped(payload, rng)) for _ in range(4)]
        frames.append((depth, payload[: int(rng.integers(len(payload)))]))
    cases = grammar + frames
    answers = codec_lines([{"width": d.shape[1], "count": d.size, "payload": b64(p)} for d, p in cases])
    for (depth, payload), answer in zip(grammar, answers):
        assert python_answer(depth, payload) == answer, (depth.shape, payload.hex())
    refused = sum("error" in a for a in answers[: len(grammar)])
    assert len(grammar) // 4 < refused < len(grammar) * 3 // 4  # a changed byte below 255 is still a pixel
    for (depth, payload), answer in zip(frames, answers[len(grammar) :]):
        got = python_answer(depth, payload)
        assert got == answer or "ok" in got and "error" in answer, (depth.shape, payload.hex())


WITHOUT_ZSTANDARD = """
import sys
sys.modules["zstandard"] = None  # import zstandard now raises ImportError, as where it is not installed
import numpy as np
import depthroom as dr
from depthroom.message import decode_message, encode_message
from depthroom.up_zstd import up_zstd_available
assert not up_zstd_available()
image = np.arange(12, dtype=np.uint16).reshape(3, 4)
for encoding in ("rvl", "raw"):
    assert np.array_equal(decode_message(encode_message("a", dr.DepthImage(image), (), depth_encoding=encoding)).archetype.image, image)
try:
    decode_message(open(sys.argv[1], "rb").read())
except dr.DecodeError as error:
    print(error.problem, error.field, error)
"""


def test_without_the_zstandard_module_the_client_works_and_names_what_to_install():
    result = subprocess.run(
        [sys.executable, "-c", WITHOUT_ZSTANDARD, str(GOLDEN / "depth-U16-up-zstd.bin")],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src"), "PYTHONDONTWRITEBYTECODE": "1"},
    )
    problem, field, message = result.stdout.strip().split(" ", 2)
    assert (problem, field) == ("invalid-field", "DepthImage.encoding")
    assert "python3-zstandard" in message and "pip install zstandard" in message, message
