"""The Python encoder's bytes equal the TypeScript encoder's (golden files written by generate.ts), and
RVL output equals rvlEncode on every real frame shipped in data/samples."""

import base64
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

import depthroom as dr
from depth_fixtures import PAYLOAD_SAMPLES, read_png
from depthroom.connection import FRAME_CREDITS, PERMANENT_CODES, RELAY_PROTOCOL_VERSION
from depthroom.message import TimePoint, decode_message, encode_message
from depthroom.med import med_decode
from depthroom.rvl import rvl_decode, rvl_encode
from depthroom.up_zstd import up_zstd_decode

GOLDEN = Path(__file__).resolve().parent / "golden"
SAMPLES = Path(__file__).resolve().parents[3] / "data" / "samples"
CASES = json.loads((GOLDEN / "cases.json").read_text())


def build(case):
    spec = dict(case["archetype"])
    kind = spec.pop("kind")
    if kind in ("DepthImage", "Image"):
        image = np.frombuffer(base64.b64decode(spec.pop("data")), dtype=np.dtype(spec.pop("dtype")))
        return getattr(dr, kind)(image.reshape(spec.pop("shape")), **spec)
    if kind == "EncodedImage":
        return dr.EncodedImage(contents=base64.b64decode(spec.pop("contents")), **spec)
    return {"Pinhole": dr.Pinhole, "Transform3D": dr.Transform3D}[kind](**spec)


def times(case):
    return tuple(TimePoint(t["timeline"], t["kind"], int(t["value"])) for t in case["timelines"])


def test_every_datatype_and_archetype_has_a_case():
    kinds = {c["archetype"]["kind"] for c in CASES}
    dtypes = {c["archetype"].get("dtype") for c in CASES} - {None}
    assert kinds == {"DepthImage", "Pinhole", "Transform3D", "Image", "EncodedImage"}
    assert len(dtypes) == 11


# The Python producer writes raw and RVL only: MED-deflate, float-deflate and up-zstd cases are decoded (below),
# not encoded.
ENCODABLE = [c for c in CASES if c.get("encoding") not in ("med", "float-deflate", "up-zstd")]


@pytest.mark.parametrize("case", ENCODABLE, ids=[c["name"] for c in ENCODABLE])
def test_bytes_equal_the_typescript_encoder(case):
    expected = (GOLDEN / f"{case['name']}.bin").read_bytes()
    actual = encode_message(
        case["entity"], build(case), times(case), static=case.get("static", False), depth_encoding=case.get("encoding")
    )
    assert actual.hex() == expected.hex()


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_decodes_the_typescript_bytes(case):
    message = decode_message((GOLDEN / f"{case['name']}.bin").read_bytes())
    original = build(case)
    assert message.entity_path == case["entity"].lstrip("/")
    assert message.timelines == times(case)
    assert message.static == case.get("static", False)
    assert type(message.archetype) is type(original)
    if isinstance(original, dr.DepthImage):
        got = message.archetype
        assert got.image.dtype == original.image.dtype and got.image.shape == original.image.shape
        assert got.image.tobytes() == original.image.tobytes()  # bit-exact, NaN and -0 included
        for name in ("meter", "colormap", "depth_range", "point_fill_ratio", "draw_order", "datatype"):
            assert getattr(got, name) == getattr(original, name), name
    elif isinstance(original, dr.Image):
        got = message.archetype
        assert got.image.dtype == original.image.dtype and got.image.shape == original.image.shape
        assert got.image.tobytes() == original.image.tobytes()
        for name in ("color_model", "datatype", "opacity", "draw_order"):
            assert getattr(got, name) == getattr(original, name), name
    else:
        assert vars(message.archetype) == vars(original)


def sample_frames():
    """The shipped depth frames (the folders generate.ts reads; colour images sit beside some)."""
    return sorted(p for folder in ("azure-kinect", "tum-fr2/depth") for p in (SAMPLES / folder).glob("*.png"))


def test_rvl_equals_rvl_encode_on_the_shipped_real_frames():
    import cv2  # python3-opencv (installed by .ci/run; test:python checks for it)
    digests = json.loads((GOLDEN / "samples.json").read_text())
    frames = sample_frames()
    assert {str(p.relative_to(SAMPLES)) for p in frames} == set(digests)
    for path in frames:
        depth = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        assert depth.dtype == np.uint16 and depth.ndim == 2
        encoded = rvl_encode(depth)
        assert hashlib.sha256(encoded).hexdigest() == digests[str(path.relative_to(SAMPLES))], path.name
        assert np.array_equal(rvl_decode(encoded, depth.size).reshape(depth.shape), depth)


@pytest.mark.parametrize("encoding", ["med", "up-zstd"])
@pytest.mark.parametrize("name,sample", PAYLOAD_SAMPLES.items())
def test_the_typescript_payloads_of_shipped_frames_decode_bit_exact(encoding, name, sample):
    """golden/<encoding>-<name>.bin: medEncode's and upZstdEncode's payloads of real frames."""
    depth = read_png(sample)
    payload = (GOLDEN / f"{encoding}-{name}.bin").read_bytes()
    decode = {"med": med_decode, "up-zstd": up_zstd_decode}[encoding]
    decoded = decode(payload, depth.size, depth.shape[1]).reshape(depth.shape)
    assert decoded.dtype == np.uint16
    assert np.array_equal(decoded, depth)


def test_the_codes_not_retried_are_the_schemas():
    codes = json.loads((GOLDEN / "codes.json").read_text())
    assert PERMANENT_CODES == {code for code, retry in codes.items() if not retry}


def test_the_socket_protocol_constants_are_the_schemas():
    protocol = json.loads((GOLDEN / "protocol.json").read_text())
    assert RELAY_PROTOCOL_VERSION == protocol["relayProtocolVersion"]
    assert FRAME_CREDITS == protocol["frameCredits"]
