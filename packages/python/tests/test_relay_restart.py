"""The relay process stops mid-stream and starts again on the same port: the Python producer notices,
reconnects by itself, streaming resumes, and it re-sends its static Pinhole (a viewer arriving after
the restart sees the camera); a Python subscriber that was connected sees frames again."""

import signal
import threading
import time

import numpy as np
import pytest

import depthroom as dr
from relay import Relay


def wait_until(check, timeout, what):
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_producer_resumes_after_a_relay_restart(sig):
    relay = Relay()
    stop = threading.Event()
    try:
        session = relay.create_session()
        rec = dr.connect(session["links"]["publish"], connect_timeout=20)
        subscription = dr.subscribe(session["links"]["view"], connect_timeout=20)
        rec.log("world/camera", dr.Pinhole(focal_length=50, width=32, height=24), static=True)
        logged = []

        def stream() -> None:
            frame = 0
            while not stop.is_set():
                rec.set_time("frame", sequence=frame)
                rec.log("world/camera/depth", dr.DepthImage(np.full((24, 32), 1000 + frame, np.uint16)))
                logged.append(frame)
                frame += 1
                time.sleep(0.05)

        streamer = threading.Thread(target=stream, daemon=True)
        streamer.start()
        frames = []

        def collect() -> None:
            for message in subscription:
                if message.archetype.kind == "DepthImage":
                    frames.append((time.monotonic(), message.times["frame"]))

        threading.Thread(target=collect, daemon=True).start()
        wait_until(lambda: len(frames) >= 5, 10, "frames before the restart")

        relay.restart(sig, down_seconds=1.0)
        back_at = time.monotonic()
        wait_until(lambda: any(t >= back_at for t, _ in frames), 10, "a frame after the restart")
        first_after = next(t for t, _ in frames if t >= back_at)
        assert first_after - back_at < 5.0  # retries every second at most; a loaded 2-core box adds to it
        assert rec.state == "connected" and rec.stats()["reconnects"] == 1
        assert rec.stats()["rejected"] == 0 and subscription.stats()["reconnects"] == 1
        count = len(frames)
        wait_until(lambda: len(frames) >= count + 5, 10, "streaming to resume")
        sequences = [f for _, f in frames]
        assert sequences[-1] > sequences[count - 1]

        # A viewer arriving now sees the camera: the producer re-sent its static Pinhole to the new process.
        with dr.subscribe(session["links"]["view"]) as late:
            kinds = set()
            deadline = time.monotonic() + 10
            while "Pinhole" not in kinds and time.monotonic() < deadline:
                message = late.get(timeout=1)
                if message is not None:
                    kinds.add(message.archetype.kind)
        assert "Pinhole" in kinds
        stop.set()
        streamer.join(5)
        rec.close()
        subscription.close()
    finally:
        stop.set()
        relay.close()
