"""Benchmark of the Python producer: `python3 -m depthroom.bench`.

Streams 848x480 uint16 depth at 30 Hz for 10 s to a real relay and prints the sustained rate (frames
the relay acknowledged per second), RVL encode throughput (MB/s of raw depth in) and the producer
process's CPU (user + system, all its threads) as a share of one core. Goal (issue 14): 30 fps at under
50% of a core.

First, in a checkout with OpenCV, the subscriber side: decode time per frame of the shipped real frames
(TUM Kinect v1 640x480, Azure Kinect 320x288) in each U16 encoding the client reads, RVL (rvl_encode's
bytes), MED-deflate and up-zstd (the TypeScript encoders' payloads committed in tests/golden), each
checked bit-exact, as the median CPU time of repeated decodes and as a ratio to RVL's in the same run.
`--decode-only` stops after that.

The relay: `--link <publish link>`, or `--relay <URL>` (a session is created there), or by default one
started from this checkout (node + tsx, apps/relay/src/main.ts, a temporary data directory). The depth:
the real TUM frame of data/samples scaled to 848x480 when this is a checkout and OpenCV is present,
otherwise a synthetic scene (said in the output); each frame is shifted by a pixel so none repeats.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np

from .archetypes import DepthImage, Pinhole
from .med import med_decode
from .producer import connect
from .rvl import rvl_decode, rvl_encode
from .up_zstd import up_zstd_available, up_zstd_decode

WIDTH, HEIGHT = 848, 480


def _checkout() -> Path | None:
    for parent in Path(__file__).resolve().parents:
        if (parent / "apps/relay/src/main.ts").is_file():
            return parent
    return None


def _depth_source() -> tuple[np.ndarray, str]:
    root = _checkout()
    if root is not None:
        try:
            import cv2  # noqa: PLC0415 - optional, only for the real sample

            png = root / "data/samples/tum-fr2/depth/TUM_depth.png"
            depth = cv2.imread(str(png), cv2.IMREAD_UNCHANGED)
            if depth is not None and depth.dtype == np.uint16:
                return cv2.resize(depth, (WIDTH, HEIGHT), interpolation=cv2.INTER_NEAREST), "TUM fr2 frame (real, scaled)"
        except ImportError:
            pass
    v, u = np.mgrid[0:HEIGHT, 0:WIDTH]
    rng = np.random.default_rng(1)
    depth = 1500 + 600 * np.sin(u / 90.0) + 400 * np.cos(v / 70.0) + rng.normal(0, 3, (HEIGHT, WIDTH))
    depth[rng.random((HEIGHT, WIDTH)) < 0.08] = 0
    return depth.astype(np.uint16), "synthetic (no OpenCV or no checkout)"


DECODE_SAMPLES = {"tum": "tum-fr2/depth/TUM_depth.png", "azure-room0": "azure-kinect/TestVector0_Room0.png"}


def _median_decode(decode, payload: bytes, expected: np.ndarray, repeats: int) -> tuple[float, float]:
    """(median wall, median CPU) seconds of `repeats` decodes; the first result is checked bit-exact."""
    if not np.array_equal(decode(payload).reshape(expected.shape), expected):
        raise SystemExit("bench: a decoder did not return the frame's pixels")
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        decode(payload)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return float(np.median(walls)), float(np.median(cpus))


def _decode_bench() -> None:
    root = _checkout()
    try:
        import cv2  # noqa: PLC0415 - optional, only for the real samples
    except ImportError:
        cv2 = None
    if root is None or cv2 is None:
        print("decode: skipped (needs a checkout, for data/samples and tests/golden, and OpenCV)")
        return
    golden = root / "packages/python/tests/golden"
    for name, sample in DECODE_SAMPLES.items():
        depth = cv2.imread(str(root / "data/samples" / sample), cv2.IMREAD_UNCHANGED)
        n, width = depth.size, depth.shape[1]
        decoders = {
            "RVL": (lambda p: rvl_decode(p, n), rvl_encode(depth), 40),
            "MED-deflate": (lambda p: med_decode(p, n, width), (golden / f"med-{name}.bin").read_bytes(), 5),
        }
        if up_zstd_available():
            decoders["up-zstd"] = (lambda p: up_zstd_decode(p, n, width), (golden / f"up-zstd-{name}.bin").read_bytes(), 40)
        times = {label: _median_decode(decode, payload, depth, repeats) for label, (decode, payload, repeats) in decoders.items()}
        rvl_cpu = times["RVL"][1]  # CPU time: steadier than wall time on a shared machine
        parts = [
            f"{label} {cpu * 1e3:.2f} ms CPU ({wall * 1e3:.2f} ms wall; {rvl_cpu / cpu:.2f}x RVL's speed; "
            f"ratio {depth.nbytes / len(decoders[label][1]):.2f})"
            for label, (wall, cpu) in times.items()
        ]
        print(f"decode {name} {width}x{depth.shape[0]} (median): " + ", ".join(parts))
    if not up_zstd_available():
        print("decode: up-zstd skipped (no zstandard module: apt-get install python3-zstandard)")


class _LocalRelay:
    def __init__(self, root: Path) -> None:
        self.data = tempfile.mkdtemp(prefix="depthroom-bench-")
        node = os.environ.get("DEPTHROOM_NODE", shutil.which("node") or "node")
        self.process = subprocess.Popen(
            [node, "--import", "tsx", str(root / "apps/relay/src/main.ts"), "--port", "0", "--data", self.data],
            cwd=root,
            env={**os.environ, "DEPTHROOM_LOG_LEVEL": "info"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.url = ""
        deadline = time.monotonic() + 60
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if '"listening"' in line:
                try:
                    self.url = json.loads(line)["url"]
                    break
                except (ValueError, KeyError):
                    continue
            if time.monotonic() > deadline:
                break
        if not self.url:
            self.close()
            raise SystemExit("bench: the relay did not start")
        threading.Thread(target=lambda: [None for _ in self.process.stdout], daemon=True).start()  # type: ignore[union-attr]

    def close(self) -> None:
        self.process.kill()
        self.process.wait()
        shutil.rmtree(self.data, ignore_errors=True)


def _create_session(relay_url: str) -> str:
    request = urllib.request.Request(
        f"{relay_url.rstrip('/')}/api/sessions", data=b"{}", headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["links"]["publish"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m depthroom.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--link", help="a session's publish link")
    parser.add_argument("--relay", help="a relay URL (a session is created there)")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--fps", type=float, default=30.0)
    parser.add_argument("--decode-only", action="store_true", help="only the decode timings")
    args = parser.parse_args(argv)

    _decode_bench()
    if args.decode_only:
        return 0

    base, source = _depth_source()
    frames = [np.roll(base, i, axis=1) for i in range(30)]
    raw_mb = base.nbytes / 1e6

    # RVL alone, on this thread: wall and CPU time per frame.
    encoded = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    for i in range(60):
        encoded += len(rvl_encode(frames[i % 30]))
    encode_wall = (time.perf_counter() - started) / 60
    encode_cpu = (time.process_time() - cpu_started) / 60
    print(f"depth: {WIDTH}x{HEIGHT} uint16, {source}; RVL ratio {60 * base.nbytes / encoded:.2f}")
    print(
        f"RVL encode: {encode_cpu * 1e3:.1f} ms CPU per frame = {raw_mb / encode_cpu:.0f} MB/s of raw depth per core "
        f"({encode_wall * 1e3:.1f} ms wall = {raw_mb / encode_wall:.0f} MB/s on this machine now)"
    )

    relay = None
    link = args.link
    if link is None:
        if args.relay:
            link = _create_session(args.relay)
        else:
            root = _checkout()
            if root is None:
                raise SystemExit("bench: give --link or --relay (no checkout to start a relay from)")
            relay = _LocalRelay(root)
            link = _create_session(relay.url)
    try:
        with connect(link, name="python bench") as rec:
            rec.log("world/camera", Pinhole(focal_length=600.0, width=WIDTH, height=HEIGHT), static=True)
            rec.flush()
            before = rec.stats()
            period = 1.0 / args.fps
            count = int(args.seconds * args.fps)
            late = 0
            log_cpu = 0.0
            started, cpu_started = time.perf_counter(), time.process_time()
            for i in range(count):
                due = started + i * period
                now = time.perf_counter()
                if now < due:
                    time.sleep(due - now)
                elif now - due > period:
                    late += 1
                log_started = time.thread_time()
                rec.set_time("frame", sequence=i)
                rec.log("world/camera/depth", DepthImage(frames[i % 30], meter=5000.0))
                log_cpu += time.thread_time() - log_started
            rec.flush(10)
            wall = time.perf_counter() - started
            cpu = time.process_time() - cpu_started
            stats = rec.stats()
        frames_sent = stats["depth_frames"] - before["depth_frames"]
        megabytes = (stats["bytes"] - before["bytes"]) / 1e6
        print(
            f"stream: {count} frames offered at {args.fps:g} Hz in {wall:.2f} s; relay acknowledged {frames_sent} "
            f"= {frames_sent / wall:.1f} fps sustained ({megabytes / wall:.1f} MB/s on the wire), "
            f"dropped {stats['dropped']}, rejected {stats['rejected']}, {late} ticks more than a frame late"
        )
        print(
            f"producer CPU: {100 * cpu / wall:.0f}% of one core ({cpu * 1e3 / count:.1f} ms per frame, all threads; "
            f"log() itself {log_cpu * 1e3 / count:.1f} ms: copy, RVL, message; the rest is socket.io and the sender)"
        )
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"machine: {os.cpu_count()} cores, load average {load:.1f} during the run")
        goal = frames_sent / wall >= 0.95 * args.fps and cpu / wall < 0.5
        print(f"goal (>= {0.95 * args.fps:.1f} fps at < 50% of a core): {'met' if goal else 'NOT met'}")
    finally:
        if relay is not None:
            relay.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
