"""Python and TypeScript through a real relay, both ways: every datatype arrives bit-exact, with its
options, times, Pinhole and Transform3D."""

import base64
import json
import time

import numpy as np
import pytest

import depthroom as dr
from relay import run_ts

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + bytes(range(40))
DTYPES = ["u1", "i1", "u2", "i2", "u4", "i4", "u8", "i8", "f2", "f4", "f8"]
NAMES = ["U8", "I8", "U16", "I16", "U32", "I32", "U64", "I64", "F16", "F32", "F64"]


def image_of(dtype: str) -> np.ndarray:
    """6 x 7 pixels: the type's extremes, zeros, and for floats NaN, -0, infinity and a subnormal."""
    dt = np.dtype("<" + dtype)
    rng = np.random.default_rng(abs(hash(dtype)) % 1000)
    if dt.kind in "ui":
        info = np.iinfo(dt)
        image = rng.integers(info.min, info.max, size=(6, 7), dtype=dt, endpoint=True)
        image.flat[[0, 1, 2]] = [0, info.min, info.max]
    else:
        image = (rng.standard_normal((6, 7)) * 1000).astype(dt)
        info = np.finfo(dt)
        image.flat[[0, 1, 2, 3, 4, 5]] = [0, np.nan, -0.0, np.inf, info.tiny / 4, info.max]
    return image


def test_python_producer_to_typescript_subscriber(relay):
    session = relay.create_session()
    with dr.connect(session["links"]["publish"]) as rec:
        rec.log("world/camera", dr.Pinhole(focal_length=[500.5, 501.25], width=7, height=6), static=True)
        rec.set_time("frame", sequence=12)
        rec.set_time("capture", timestamp=np.datetime64(1732000000123456789, "ns"))
        rec.log("world/rig", dr.Transform3D(translation=[1, 2, 3], quaternion=[0, 0, 0.6, 0.8]))
        for name, dtype in zip(NAMES, DTYPES):
            rec.log(f"world/camera/{name}", dr.DepthImage(image_of(dtype), colormap="plasma", depth_range=[0.5, 9], draw_order=2))
        rec.log("world/camera/U16-raw", dr.DepthImage(image_of("u2"), meter=5000))
        rec.log("world/camera/bgr", dr.Image(image_of("u1")[:, :6].reshape(6, 2, 3), "BGR", opacity=0.5))
        rec.log("world/camera/png", dr.EncodedImage(contents=PNG_BYTES))
        rec.flush()
        stats = rec.stats()
    assert stats["sent"] == 16 and stats["rejected"] == 0 and stats["dropped"] == 0

    entities = ["world/camera", "world/rig", *[f"world/camera/{n}" for n in NAMES], "world/camera/U16-raw"]
    entities += ["world/camera/bgr", "world/camera/png"]
    result = run_ts("subscribeMain.ts", session["links"]["view"], ",".join(entities), "30")
    got = {m["entity"]: m for m in map(json.loads, result.stdout.splitlines())}
    assert set(got) == set(entities)

    for name, dtype in zip(NAMES, DTYPES):
        m = got[f"world/camera/{name}"]
        assert m["kind"] == "DepthImage" and m["datatype"] == name
        assert (m["width"], m["height"]) == (7, 6)
        assert base64.b64decode(m["data"]) == image_of(dtype).tobytes(), name  # bit-exact
        assert m["meter"] == (1.0 if dtype.startswith("f") else 1000.0)
        assert (m["colormap"], m["depth_range"], m["point_fill_ratio"], m["draw_order"]) == ("plasma", [0.5, 9], 1, 2)
        assert m["timelines"] == [
            {"timeline": "frame", "kind": "sequence", "value": "12"},
            {"timeline": "capture", "kind": "timestamp", "value": "1732000000123456789"},
        ]
    assert got["world/camera/U16-raw"]["meter"] == 5000
    assert got["world/camera"]["static"] is True and got["world/camera"]["timelines"] == []
    assert got["world/camera"]["image_from_camera"] == [500.5, 0, 0, 0, 501.25, 0, 3.5, 3, 1]
    assert got["world/camera"]["resolution"] == [7, 6] and got["world/camera"]["camera_xyz"] == "RDF"
    assert got["world/rig"]["translation"] == [1, 2, 3] and got["world/rig"]["quaternion"] == [0, 0, 0.6, 0.8]
    bgr = got["world/camera/bgr"]
    assert (bgr["kind"], bgr["color_model"], bgr["datatype"], bgr["width"], bgr["height"]) == ("Image", "BGR", "U8", 2, 6)
    assert base64.b64decode(bgr["data"]) == image_of("u1")[:, :6].tobytes() and bgr["opacity"] == 0.5
    png = got["world/camera/png"]
    assert (png["kind"], png["media_type"], png["draw_order"]) == ("EncodedImage", "image/png", -10)
    assert base64.b64decode(png["contents"]) == PNG_BYTES


def test_typescript_producer_to_python_subscriber(relay):
    session = relay.create_session()
    result = run_ts("produceMain.ts", session["links"]["publish"])
    sent = {m["entity"]: m for m in map(json.loads, result.stdout.splitlines())}
    assert len(sent) == 17  # 11 datatypes, U16 again as MED-deflate and up-zstd, Pinhole, Transform3D, Image, EncodedImage

    received = {}
    with dr.subscribe(session["links"]["view"]) as subscription:
        deadline = time.monotonic() + 20
        while set(received) != set(sent) and time.monotonic() < deadline:
            message = subscription.get(timeout=1)
            if message is not None:
                received[message.entity_path] = message
    assert set(received) == set(sent)

    for path, expected in sent.items():
        message = received[path]
        if "wire_bytes" in expected:  # sent as MED-deflate or up-zstd, not as the SDK's default
            assert message.byte_length == expected["wire_bytes"], path
        assert message.static == expected["static"]
        assert [(t.timeline, t.kind, str(t.value)) for t in message.timelines] == [
            (t["timeline"], t["kind"], t["value"]) for t in expected["timelines"]
        ]
        archetype = message.archetype
        assert archetype.kind == expected["kind"]
        if expected["kind"] == "DepthImage":
            assert archetype.datatype == expected["datatype"]
            assert archetype.image.shape == (expected["height"], expected["width"])
            assert archetype.image.tobytes() == base64.b64decode(expected["data"]), path  # bit-exact
            assert archetype.image.dtype.kind == ("f" if expected["datatype"].startswith("F") else expected["datatype"][0].lower())
            for field in ("meter", "colormap", "point_fill_ratio", "draw_order"):
                assert getattr(archetype, field) == expected[field], field
            assert list(archetype.depth_range) == expected["depth_range"]
        elif expected["kind"] == "Image":
            assert (archetype.color_model, archetype.datatype) == (expected["color_model"], expected["datatype"])
            assert archetype.image.shape == (expected["height"], expected["width"], 4)
            assert archetype.image.tobytes() == base64.b64decode(expected["data"])
            assert (archetype.opacity, archetype.draw_order) == (expected["opacity"], expected["draw_order"])
        elif expected["kind"] == "EncodedImage":
            assert archetype.contents == base64.b64decode(expected["contents"])
            assert (archetype.media_type, archetype.draw_order) == (expected["media_type"], expected["draw_order"])
        elif expected["kind"] == "Pinhole":
            assert list(archetype.image_from_camera) == expected["image_from_camera"]
            assert list(archetype.resolution) == expected["resolution"]
        else:
            assert list(archetype.translation) == expected["translation"]
            assert list(archetype.quaternion) == expected["quaternion"]


def test_callback_form_and_entity_filter(relay):
    session = relay.create_session()
    got = []
    with dr.subscribe(session["links"]["view"], got.append, entities=["world/a"]):
        with dr.connect(session["links"]["publish"]) as rec:
            for i in range(3):
                rec.set_time("frame", sequence=i)
                rec.log("world/a/depth", dr.DepthImage(np.full((4, 4), i + 1, np.uint16)))
                rec.log("world/b/depth", dr.DepthImage(np.full((4, 4), i + 1, np.uint16)))
                rec.flush()
                time.sleep(0.1)
        deadline = time.monotonic() + 5
        while (not got or got[-1].times.get("frame") != 2) and time.monotonic() < deadline:
            time.sleep(0.05)
    assert got and all(m.entity_path == "world/a/depth" for m in got)
    assert got[-1].times == {"frame": 2} and int(got[-1].archetype.image[0, 0]) == 3


@pytest.mark.parametrize("seconds", [1732000000.5])
def test_timestamps_are_nanoseconds(relay, seconds):
    session = relay.create_session()
    with dr.connect(session["links"]["publish"]) as rec, dr.subscribe(session["links"]["view"]) as sub:
        rec.set_time("capture", timestamp=seconds)
        rec.log("world/t", dr.Transform3D())
        rec.flush()
        message = sub.get(timeout=10)
    assert message is not None and message.timelines[0].kind == "timestamp"
    assert message.times == {"capture": 1732000000500000000}


def test_a_slow_subscriber_gets_the_latest_frame_not_a_backlog(relay):
    """A frame's credit goes back when it is taken or replaced by a newer one of its entity while it
    waits (protocol 2), so the relay (past its 8 credits) and the client keep the newest frame of each
    entity for a slow script instead of queuing every frame for it."""
    session = relay.create_session()
    with dr.subscribe(session["links"]["view"]) as subscription:
        with dr.connect(session["links"]["publish"]) as rec:
            for frame in range(100):
                rec.set_time("frame", sequence=frame)
                rec.log("world/cam/depth", dr.DepthImage(np.full((48, 64), frame + 1, np.uint16)))
                rec.flush()
        seen = []
        while True:
            message = subscription.get(timeout=3)
            if message is None:
                break
            seen.append(message.times["frame"])
            time.sleep(0.2)  # a slow analysis step
    assert seen[-1] == 99  # the newest frame arrives
    assert len(seen) <= 5, seen  # and not the 100-frame backlog
