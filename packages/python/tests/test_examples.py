"""The README's TUM folder example runs here: it streams data/samples/tum-fr2 through a real relay and
a subscriber receives the real frame bit-exact, with the folder's intrinsics and its colour image."""

import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

import depthroom as dr

PACKAGE = Path(__file__).resolve().parents[1]
SAMPLE = PACKAGE.parents[1] / "data" / "samples" / "tum-fr2"


def test_tum_folder_example_streams_the_sample(relay):
    session = relay.create_session()
    result = subprocess.run(
        [sys.executable, str(PACKAGE / "examples" / "tum_folder.py"), str(SAMPLE), session["links"]["publish"], "--loops", "2"],
        env={**os.environ, "PYTHONPATH": str(PACKAGE / "src")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "sent 2 frames" in result.stdout

    expected = cv2.imread(str(SAMPLE / "depth" / "TUM_depth.png"), cv2.IMREAD_UNCHANGED)
    got = {}
    with dr.subscribe(session["links"]["view"]) as subscription:
        while len(got) < 3:
            message = subscription.get(timeout=10)
            assert message is not None, f"only {sorted(got)} arrived"
            got[message.archetype.kind] = message
    depth, pinhole = got["DepthImage"], got["Pinhole"]
    assert np.array_equal(depth.archetype.image, expected) and depth.archetype.meter == 5000.0
    assert depth.times == {"frame": 1, "capture": 0}
    assert (pinhole.archetype.fx, pinhole.archetype.cx, pinhole.archetype.cy) == (525.0, 319.5, 239.5)
    assert pinhole.archetype.resolution == (640.0, 480.0) and pinhole.static
    colour = got["EncodedImage"]
    assert colour.entity_path == "world/camera/rgb" and colour.archetype.media_type == "image/png"
    assert colour.archetype.contents == (SAMPLE / "rgb" / "TUM_color.png").read_bytes()
