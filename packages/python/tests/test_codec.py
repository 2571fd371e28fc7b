"""RVL and the wire codec on their own: round trips, defaults, named errors for bad input and bad bytes."""

import numpy as np
import pytest

import depthroom as dr
from depthroom.message import TimePoint, decode_message, encode_message
from depthroom.rvl import rvl_decode, rvl_encode


def test_rvl_round_trips_random_images_with_holes():
    rng = np.random.default_rng(7)
    for trial in range(200):
        n = int(rng.integers(1, 300))
        depth = rng.integers(0, 65536, n).astype(np.uint16)
        depth[rng.random(n) < rng.random()] = 0
        if trial % 3 == 0:
            depth = (depth % 9).astype(np.uint16)
        assert np.array_equal(rvl_decode(rvl_encode(depth), n), depth)


def test_rvl_refuses_corrupt_streams_by_name():
    depth = np.array([0, 0, 5, 6, 7, 0, 9], dtype=np.uint16)
    encoded = rvl_encode(depth)
    with pytest.raises(dr.DecodeError, match="corrupt-payload"):
        rvl_decode(encoded[:-1], 7)  # not whole words
    with pytest.raises(dr.DecodeError, match="overflows the image"):
        rvl_decode(encoded, 3)
    with pytest.raises(dr.DecodeError, match="stream ends"):
        rvl_decode(encoded, 70)
    with pytest.raises(dr.DecodeError, match="longer than 30 bits"):
        rvl_decode(b"\xff\xff\xff\xff" + (0xFFFF0000).to_bytes(4, "little"), 4)


def test_depth_image_defaults_are_reruns():
    integer = dr.DepthImage(np.zeros((2, 2), np.uint16))
    floating = dr.DepthImage(np.zeros((2, 2), np.float32))
    assert (integer.meter, floating.meter) == (1000.0, 1.0)
    assert (integer.colormap, integer.point_fill_ratio, integer.draw_order, integer.depth_range) == ("turbo", 1.0, -20.0, None)


@pytest.mark.parametrize(
    "build, field",
    [
        (lambda: dr.DepthImage(np.zeros((2, 2), np.complex64)), "DepthImage.image"),
        (lambda: dr.DepthImage(np.zeros((2, 2), bool)), "DepthImage.image"),
        (lambda: dr.DepthImage(np.zeros((2, 2, 3), np.uint16)), "DepthImage.image"),
        (lambda: dr.DepthImage(np.zeros(4, np.uint16)), "DepthImage.image"),
        (lambda: dr.DepthImage(np.zeros((2, 2), np.uint16), meter=-1), "DepthImage.meter"),
        (lambda: dr.DepthImage(np.zeros((2, 2), np.uint16), colormap="rainbow"), "DepthImage.colormap"),
        (lambda: dr.DepthImage(np.zeros((2, 2), np.uint16), depth_range=(5, 1)), "DepthImage.depth_range"),
        (lambda: dr.DepthImage(np.zeros((2, 2), np.uint16), point_fill_ratio=-0.5), "DepthImage.point_fill_ratio"),
        (lambda: dr.Pinhole(focal_length=-5, width=4, height=4), "Pinhole.focal_length"),
        (lambda: dr.Pinhole(focal_length=5), "Pinhole.principal_point"),
        (lambda: dr.Pinhole(focal_length=5, width=4), "Pinhole.width"),
        (lambda: dr.Pinhole(focal_length=5, width=4, height=4, camera_xyz="RRF"), "Pinhole.camera_xyz"),
        (lambda: dr.Pinhole(image_from_camera=np.eye(4)), "Pinhole.image_from_camera"),
        (lambda: dr.Transform3D(quaternion=[0, 0, 0, 0]), "Transform3D.quaternion"),
        (lambda: dr.Transform3D(translation=[1, 2]), "Transform3D.translation"),
        (lambda: dr.Image(np.zeros((2, 2, 2), np.uint8)), "Image.image"),
        (lambda: dr.Image(np.zeros((2, 2, 3), np.uint16)), "Image.image"),
        (lambda: dr.Image(np.zeros((2, 2, 3), np.uint8), "RGBA"), "Image.color_model"),
        (lambda: dr.Image(np.zeros((2, 2), np.uint8), opacity=2), "Image.opacity"),
        (lambda: dr.EncodedImage(contents=b"GIF89a"), "EncodedImage.contents"),
        (lambda: dr.EncodedImage(contents=b"\xff\xd8\xff\xe0", media_type="image/png"), "EncodedImage.media_type"),
        (lambda: dr.EncodedImage(path="/nonexistent/x.png"), "EncodedImage.path"),
        (lambda: encode_message("world//x", dr.Transform3D()), "entity_path"),
        (lambda: encode_message("world/x", dr.Transform3D(), [TimePoint("bad name", "sequence", 1)]), "timeline"),
    ],
)
def test_bad_arguments_are_value_errors_naming_the_field(build, field):
    with pytest.raises(ValueError) as caught:
        build()
    assert isinstance(caught.value, dr.DepthroomError)
    assert caught.value.field == field
    assert field in str(caught.value)


def test_pinhole_forms_agree():
    a = dr.Pinhole(focal_length=525.0, width=640, height=480)
    b = dr.Pinhole(focal_length=[525.0, 525.0], principal_point=[320, 240], resolution=[640, 480])
    c = dr.Pinhole(image_from_camera=[[525.0, 0, 320], [0, 525.0, 240], [0, 0, 1]], width=640, height=480)
    assert vars(a) == vars(b) == vars(c)


def test_corrupted_messages_give_decode_errors_never_anything_else():
    rng = np.random.default_rng(3)
    good = [
        encode_message("world/cam/depth", dr.DepthImage(rng.integers(0, 3000, (24, 32)).astype(np.uint16)), [TimePoint("frame", "sequence", 1)]),
        encode_message("world/cam/depth", dr.DepthImage(rng.random((8, 8)).astype(np.float32))),
        encode_message("world/cam", dr.Pinhole(focal_length=50, width=32, height=24, image_plane_distance=1), static=True),
        encode_message("world/cam", dr.Transform3D(translation=[1, 2, 3])),
    ]
    for message in good:
        decode_message(message)
        for _ in range(300):
            data = bytearray(message)
            for _ in range(int(rng.integers(1, 4))):
                data[int(rng.integers(0, len(data)))] = int(rng.integers(0, 256))
            cut = int(rng.integers(0, len(data) + 1)) if rng.random() < 0.3 else len(data)
            try:
                decode_message(bytes(data[:cut]))
            except dr.DecodeError:
                pass
    with pytest.raises(dr.DecodeError, match="bad-magic"):
        decode_message(b"NOPE" + good[0][4:])
    with pytest.raises(dr.DecodeError, match="truncated"):
        decode_message(good[0][:10])


def test_rvl_decode_ignores_words_past_the_longest_stream_and_allocates_for_the_image_only():
    depth = np.array([[0, 7, 7, 0, 65535, 1]], dtype=np.uint16)
    padded = rvl_encode(depth) + b"\x11\x22\x33\x44" * 250_000  # 1 MB of junk after a complete stream
    assert np.array_equal(rvl_decode(padded, depth.size), depth.reshape(-1))


def test_rvl_decode_agrees_with_rvl_ts_on_random_and_corrupted_streams():
    """Same pixels, or both refuse, as the TypeScript decoder: valid streams, bit flips, truncations,
    non-canonical codes (extra zero groups) and random words."""
    import base64
    import json

    from relay import run_ts

    rng = np.random.default_rng(11)
    cases = []
    for trial in range(400):
        n = int(rng.integers(1, 64))
        depth = rng.integers(0, 65536, n).astype(np.uint16)
        depth[rng.random(n) < 0.4] = 0
        if trial % 2:
            depth = (depth % 13).astype(np.uint16)
        words = bytearray(rvl_encode(depth))
        kind = trial % 4
        if kind == 1 and words:
            words[int(rng.integers(0, len(words)))] ^= 1 << int(rng.integers(0, 8))
        elif kind == 2:
            words = words[: 4 * int(rng.integers(0, len(words) // 4 + 1))]
        elif kind == 3:
            words = bytearray(rng.integers(0, 256, 4 * int(rng.integers(1, 12)), dtype=np.uint8).tobytes())
        cases.append((n, bytes(words)))
    # Non-canonical codes (a spare zero group each): nibbles 8 0 | 9 0 | A 1 = zeros 0, run 1, pixel 5.
    cases.append((1, bytes([0x00, 0xA1, 0x90, 0x80])))
    assert rvl_decode(cases[-1][1], 1).tolist() == [5]
    stdin = "".join(json.dumps({"pixels": n, "words": base64.b64encode(w).decode()}) + "\n" for n, w in cases)
    answers = [json.loads(line) for line in run_ts("rvlDecodeMain.ts", stdin=stdin).stdout.splitlines()]
    assert len(answers) == len(cases)
    for (n, words), answer in zip(cases, answers):
        try:
            got = {"ok": base64.b64encode(rvl_decode(words, n).tobytes()).decode()}
        except dr.DecodeError as error:
            got = {"error": error.problem}
        assert got == answer, (n, words.hex())


def test_pinhole_lens_distortion_versions_and_refusals():
    plain = dr.Pinhole(focal_length=(600, 500), width=640, height=480)
    lens = dr.Pinhole(focal_length=(600, 500), width=640, height=480, distortion=("plumb_bob", [-0.3, 0.1, 0, 0, 0.01]))
    # Body version 1 without a distortion (bytes as before), 2 with one (PROTOCOL.md).
    assert encode_message("cam", plain)[6] == 1
    data = encode_message("cam", lens)
    assert data[6] == 2
    assert decode_message(data).archetype.distortion == ("plumb_bob", (-0.3, 0.1, 0.0, 0.0, 0.01))
    as_v1 = bytearray(data)
    as_v1[6] = 1
    with pytest.raises(dr.DecodeError, match="Pinhole.flags"):
        decode_message(bytes(as_v1))
    with pytest.raises(dr.ValidationError, match="plumb_bob takes 5 coefficients, got 4"):
        dr.Pinhole(focal_length=1, width=2, height=2, distortion=("plumb_bob", [0, 0, 0, 0]))
    with pytest.raises(dr.ValidationError, match="Pinhole.distortion.model"):
        dr.Pinhole(focal_length=1, width=2, height=2, distortion=("fisheye624", [0] * 5))
    with pytest.raises(dr.ValidationError, match="finite"):
        dr.Pinhole(focal_length=1, width=2, height=2, distortion=("equidistant", [0, float("nan"), 0, 0]))
