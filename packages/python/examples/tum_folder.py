"""Stream a TUM RGB-D folder (depth.txt + depth/*.png, 16-bit PNGs at 5000 units per metre) to a session.

    python3 packages/python/examples/tum_folder.py data/samples/tum-fr2 "<publish link>" [--fps 30] [--loops 1]

Intrinsics: `camera_primesense.json` (Open3D's format) when the folder has one, else the Freiburg 2
Kinect's published values. Colour: when the folder has rgb.txt, the image nearest in time (within 20 ms,
TUM's associate.py rule) goes to world/camera/rgb as its file's bytes (EncodedImage), registered under
the depth's Pinhole. Needs OpenCV (python3-opencv) to read the depth PNGs.
"""

import argparse
import json
import time
from pathlib import Path

import cv2

import depthroom as dr


def read_list(folder: Path, name: str) -> list[tuple[float, Path]]:
    if not (folder / name).is_file():
        return []
    entries = []
    for line in (folder / name).read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            stamp, name = line.split()[:2]
            entries.append((float(stamp), folder / name))
    return entries


def read_pinhole(folder: Path, width: int, height: int) -> dr.Pinhole:
    camera = folder / "camera_primesense.json"
    if camera.is_file():
        spec = json.loads(camera.read_text())
        k = spec["intrinsic_matrix"]  # column-major, as Open3D writes it
        return dr.Pinhole(image_from_camera=k, width=spec["width"], height=spec["height"])
    return dr.Pinhole(focal_length=[520.9, 521.0], principal_point=[325.1, 249.7], width=width, height=height)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("link", help="the session's publish link")
    parser.add_argument("--fps", type=float, default=30.0)
    parser.add_argument("--loops", type=int, default=1)
    args = parser.parse_args()

    frames = read_list(args.folder, "depth.txt")
    colours = read_list(args.folder, "rgb.txt")
    first = cv2.imread(str(frames[0][1]), cv2.IMREAD_UNCHANGED)
    with dr.connect(args.link, name="tum folder") as rec:
        rec.log("world/camera", read_pinhole(args.folder, first.shape[1], first.shape[0]), static=True)
        sequence = 0
        for _ in range(args.loops):
            for stamp, path in frames:
                depth = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)  # uint16, 5000 per metre
                rec.set_time("frame", sequence=sequence)
                rec.set_time("capture", timestamp=stamp)
                rec.log("world/camera/depth", dr.DepthImage(depth, meter=5000.0))
                nearest = min(colours, key=lambda c: abs(c[0] - stamp), default=None)
                if nearest is not None and abs(nearest[0] - stamp) <= 0.02:
                    rec.log("world/camera/rgb", dr.EncodedImage(path=nearest[1]))
                sequence += 1
                time.sleep(1 / args.fps)
        rec.flush()
        print(f"sent {rec.stats()['depth_frames']} frames")


if __name__ == "__main__":
    main()
