"""MED-deflate decoding (wire depth encoding 2) against the TypeScript encoder's bytes (golden files
written by generate.ts: depth-U16-med*.bin messages, med-*.bin payloads of shipped real frames), and the
named error for corrupted payloads."""

import base64
import json
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest

import depthroom as dr
from depth_fixtures import bit_flips_give_pixels_or_decode_error, random_depth
from depthroom.errors import DecodeError
from depthroom.med import float_decode, float_stage_one_bound, float_unpredict, med_decode, med_stage_one_bound, med_unpredict
from depthroom.message import decode_message

GOLDEN = Path(__file__).resolve().parent / "golden"


def test_the_protocol_example():
    # PROTOCOL.md: the 3x2 image 0 1000 1002 / 1001 0 1003 is stage-1 01 03 d0 0f 04 01 01 01 02.
    stage_one = bytes.fromhex("0103d00f0401010102")
    assert med_unpredict(stage_one, 6, 3).tolist() == [0, 1000, 1002, 1001, 0, 1003]


def test_a_med_message_decodes_to_a_depth_image():
    cases = {c["name"]: c for c in json.loads((GOLDEN / "cases.json").read_text())}
    assert {"depth-U16-med", "depth-U16-med-holes"} <= set(cases)  # the pixels are checked in test_golden
    message = decode_message((GOLDEN / "depth-U16-med-holes.bin").read_bytes())
    assert isinstance(message.archetype, dr.DepthImage)
    assert message.archetype.image.shape == (7, 9) and message.archetype.datatype == "U16"


def tum_payload():
    return (GOLDEN / "med-tum.bin").read_bytes()


N, W = 640 * 480, 640


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"\xff\xff\xff\xff", id="not-deflate"),
        pytest.param(tum_payload()[:1000], id="truncated-deflate"),
        pytest.param(zlib.compress(b"\x00" * 100)[2:-4], id="stage-one-too-short"),
    ],
)
def test_bad_payloads_give_the_named_error(payload):
    with pytest.raises(DecodeError) as error:
        med_decode(payload, N, W)
    assert error.value.problem == "corrupt-payload" and error.value.field == "med"


def raw_deflate(data):
    compressor = zlib.compressobj(wbits=-15)
    return compressor.compress(data) + compressor.flush()


@pytest.mark.parametrize(
    "stage_one,problem",
    [
        pytest.param("0103d00f040101010200", "1 bytes left after the last pixel", id="bytes-after-the-last-pixel"),
        pytest.param("0103d00f040101", "stream ends at pixel 5", id="ends-inside-a-run"),
        pytest.param("0107", "run of 7 at pixel 1 overflows", id="run-past-the-image"),
        pytest.param("00ffffffff0f", "varint too long at pixel 0", id="overlong-run-length"),
        pytest.param("0006ffff7f0000000000", "varint too long at pixel 0", id="residual-past-16-bits"),
        pytest.param("0006000000000000", "zero depth inside a non-zero run at pixel 0", id="zero-first-row"),
        pytest.param("0006d00f0000cf0f0000", "zero depth inside a non-zero run at pixel 3", id="zero-second-row"),
    ],
)
def test_corrupt_stage_one_gives_the_named_error(stage_one, problem):
    with pytest.raises(DecodeError, match=problem) as error:
        med_decode(raw_deflate(bytes.fromhex(stage_one)), 6, 3)
    assert error.value.problem == "corrupt-payload"


def test_a_small_payload_cannot_inflate_past_the_bound():
    bomb = raw_deflate(b"\x00" * (med_stage_one_bound(N) + 1000))
    assert len(bomb) < 100_000
    with pytest.raises(DecodeError, match="inflates past"):
        med_decode(bomb, N, W)


def test_more_varints_than_pixels_allow_are_refused_before_the_work_arrays():
    with pytest.raises(DecodeError, match="varints, more than 307200 pixels can take"):
        med_decode(raw_deflate(b"\x00" * (3 * N + 3)), N, W)


def test_bit_flips_never_raise_anything_but_decode_error():
    payload = bytearray(tum_payload())
    rng = np.random.default_rng(7)
    bit_flips_give_pixels_or_decode_error(lambda p: med_decode(p, N, W), payload, rng, 40)


def test_a_med_message_with_another_datatype_is_refused():
    message = bytearray((GOLDEN / "depth-U16-med.bin").read_bytes())
    datatype_at = message.index(struct.pack("<II", 4, 3)) + 8
    assert message[datatype_at] == 8  # U16
    message[datatype_at] = 6  # U8
    with pytest.raises(DecodeError, match="MED-deflate with U8"):
        decode_message(bytes(message))


def test_random_images_and_corrupted_payloads_agree_with_depth_codec_ts():
    from relay import run_ts

    rng = np.random.default_rng(11)
    shapes = [(1, 1), (1, 7), (6, 1), (5, 9), (16, 16), (33, 47), (48, 64)]
    images = [random_depth(rng, h, w) for h, w in shapes]
    images.append(np.zeros((4, 5), dtype=np.uint16))
    images.append(np.full((4, 5), 65535, dtype=np.uint16))
    stdin = "".join(
        json.dumps({"encoding": "med", "width": d.shape[1], "pixels": base64.b64encode(d.tobytes()).decode()}) + "\n"
        for d in images
    )
    payloads = [base64.b64decode(json.loads(line)["payload"]) for line in run_ts("depthCodecMain.ts", stdin=stdin).stdout.splitlines()]
    assert len(payloads) == len(images)
    cases = []
    for depth, payload in zip(images, payloads):
        assert np.array_equal(med_decode(payload, depth.size, depth.shape[1]).reshape(depth.shape), depth)
        # Corrupted stage-1 bytes, deflated again (so DEFLATE is valid and the grammar is what breaks).
        stage_one = bytearray(zlib.decompress(payload, wbits=-15))
        for _ in range(6):
            broken = bytearray(stage_one)
            at = int(rng.integers(len(broken)))
            broken[at] = int(rng.integers(256))
            cases.append((depth, raw_deflate(bytes(broken))))
        cases.append((depth, raw_deflate(bytes(stage_one[:-1]))))
        cases.append((depth, raw_deflate(bytes(stage_one) + b"\x00")))
    stdin = "".join(
        json.dumps({"encoding": "med", "width": d.shape[1], "count": d.size, "payload": base64.b64encode(p).decode()}) + "\n"
        for d, p in cases
    )
    answers = [json.loads(line) for line in run_ts("depthCodecMain.ts", stdin=stdin).stdout.splitlines()]
    assert len(answers) == len(cases)
    for (depth, payload), answer in zip(cases, answers):
        try:
            got = {"ok": base64.b64encode(med_decode(payload, depth.size, depth.shape[1]).tobytes()).decode()}
        except DecodeError as error:
            got = {"error": error.problem}
        assert got == answer, (depth.shape, payload.hex())
    assert sum("error" in a for a in answers) > len(answers) // 2


# float-deflate (wire depth encoding 3, F32): the golden message depth-F32-float-deflate.bin (NaN holes,
# -0, inf, a denormal, a NaN of another payload) is decoded bit-exactly by test_golden.py.
FLOAT_EXAMPLE = bytes.fromhex("0000c07f0001030101000000ff000000ff000000ff7f00807f")


def test_float_protocol_example():
    # PROTOCOL.md: the 3x2 image NaN 1 1 / 2 NaN 1.
    out = float_unpredict(FLOAT_EXAMPLE, 6, 3)
    assert out.view(np.uint32).tolist() == [0x7FC00000, 0x3F800000, 0x3F800000, 0x40000000, 0x7FC00000, 0x3F800000]
    packed = zlib.compressobj(1, zlib.DEFLATED, -15)
    payload = packed.compress(FLOAT_EXAMPLE) + packed.flush()
    assert float_decode(payload, 6, 3).tobytes() == out.tobytes()


# Layout 2 of the same image (PROTOCOL.md): the header and runs, then the non-hole pixels' own bits.
FLOAT_EXAMPLE_BITS = bytes.fromhex("0000c07f02010301010000803f0000803f000000400000803f")


def test_float_protocol_example_bits_layout():
    out = float_unpredict(FLOAT_EXAMPLE_BITS, 6, 3)
    assert out.tobytes() == float_unpredict(FLOAT_EXAMPLE, 6, 3).tobytes()


@pytest.mark.parametrize(
    "stage_one,count,why",
    [
        (FLOAT_EXAMPLE[:3], 6, "header"),
        (FLOAT_EXAMPLE[:4] + b"\x03" + FLOAT_EXAMPLE[5:], 6, "layout"),
        (bytes.fromhex("0000c07f0200010000c07f"), 1, "hole pattern"),  # layout 2: the hole's own bits
        (FLOAT_EXAMPLE[:-1], 6, "residuals"),
        (FLOAT_EXAMPLE + b"\x00", 6, "residuals"),
        (FLOAT_EXAMPLE[:5] + b"\x01\x03\x01\x02" + FLOAT_EXAMPLE[9:], 6, "overflows"),
        (FLOAT_EXAMPLE[:7], 6, "ends at pixel"),
        (bytes.fromhex("0000c07f000001000080ff"), 1, "hole pattern"),  # zigzag ff800000 -> 7fc00000
        (bytes.fromhex("0000c07f00008080808001"), 1, "varint"),
    ],
)
def test_float_refuses_corrupt_stage_one(stage_one, count, why):
    with pytest.raises(DecodeError, match=why) as caught:
        float_unpredict(stage_one, count, 3 if count == 6 else 1)
    assert caught.value.problem == "corrupt-payload" and caught.value.field == "float-deflate"


def test_float_refuses_bad_deflate_and_bombs():
    with pytest.raises(DecodeError, match="bad DEFLATE"):
        float_decode(b"\xff\xff\xff", 4, 2)
    packed = zlib.compressobj(1, zlib.DEFLATED, -15)
    bomb = packed.compress(bytes(float_stage_one_bound(4) + 100)) + packed.flush()
    with pytest.raises(DecodeError, match="inflates past"):
        float_decode(bomb, 4, 2)
