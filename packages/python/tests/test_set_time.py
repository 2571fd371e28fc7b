"""set_time as Rerun's: sequence numbers, and timestamps in seconds (float, datetime, numpy datetime64)
stored as nanoseconds; bad values are ValueErrors naming the timeline."""

import datetime as dt

import numpy as np
import pytest

import depthroom as dr
from depthroom.producer import RecordingStream


def times_of(stream: RecordingStream) -> dict:
    return {t.timeline: (t.kind, t.value) for t in stream._times.values()}


def test_sequence_and_timestamp_forms():
    rec = RecordingStream(max_in_flight=3, ack_timeout=10, depth_encoding=None)
    rec.set_time("frame", sequence=np.int64(7))
    rec.set_time("capture", timestamp=1_732_000_000.25)
    rec.set_time("wall", timestamp=dt.datetime(2026, 12, 4, 20, 0, 0, 123456, tzinfo=dt.timezone.utc))
    rec.set_time("device", timestamp=np.datetime64("2026-12-04T20:00:00.000000001"))
    rec.set_time("whole", timestamp=3)
    assert times_of(rec) == {
        "frame": ("sequence", 7),
        "capture": ("timestamp", 1_732_000_000_250_000_000),
        "wall": ("timestamp", 1_796_414_400_123_456_000),
        "device": ("timestamp", 1_796_414_400_000_000_001),
        "whole": ("timestamp", 3_000_000_000),
    }
    rec.disable_timeline("whole")
    assert "whole" not in times_of(rec)
    rec.reset_time()
    assert times_of(rec) == {}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"sequence": True},
        {"sequence": 1.5},
        {"timestamp": "now"},
        {"timestamp": float("nan")},
        {"timestamp": dt.datetime(2026, 1, 1)},  # naive: ambiguous
        {"sequence": 2**63},
        {},
        {"sequence": 1, "timestamp": 1.0},
    ],
)
def test_bad_times_name_the_timeline(kwargs):
    rec = RecordingStream(max_in_flight=3, ack_timeout=10, depth_encoding=None)
    with pytest.raises(ValueError) as caught:
        rec.set_time("frame", **kwargs)
    assert isinstance(caught.value, dr.DepthroomError) and caught.value.field == "timeline"


def test_bad_timeline_names_and_too_many_timelines():
    rec = RecordingStream(max_in_flight=3, ack_timeout=10, depth_encoding=None)
    with pytest.raises(ValueError, match="timeline"):
        rec.set_time("a b", sequence=1)
    for i in range(16):
        rec.set_time(f"t{i}", sequence=i)
    with pytest.raises(ValueError, match="more than 16"):
        rec.set_time("one-more", sequence=1)
