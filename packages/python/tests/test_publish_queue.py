"""The producer's bookkeeping without a socket (publish_queue.py), as the SDK's publishQueue.test.ts."""

import pytest

from depthroom.publish_queue import Encoded, PublishQueue


def frame(path: str, n: int = 0) -> Encoded:
    return Encoded(f"{path}#DepthImage", path, "DepthImage", False, bytes(10 + n))


def state(path: str, kind: str = "Pinhole", static: bool = False) -> Encoded:
    return Encoded(f"{path}#{kind}", path, kind, static, b"p")


def test_a_newer_message_of_a_key_replaces_the_waiting_one_and_counts_a_drop():
    q = PublishQueue(1)
    q.put(frame("cam/depth", 1))
    q.put(frame("cam/depth", 2))
    assert q.counts["dropped"] == 1 and q.pending == 1
    _, message = q.next(0.0)
    assert len(message.data) == 12


def test_state_goes_before_frames_and_keys_keep_their_place():
    q = PublishQueue(10)
    q.put(frame("a/depth"))
    q.put(frame("b/depth"))
    q.put(state("cam"))
    q.put(frame("a/depth", 5))  # replaces, keeps its place before b
    order = [q.next(0.0)[1].entity_path for _ in range(3)]
    assert order == ["cam", "a/depth", "b/depth"]
    assert q.next(0.0) is None


def test_at_most_max_in_flight_and_answers_free_the_slots():
    q = PublishQueue(2)
    for path in "abc":
        q.put(frame(path))
    first, second = q.next(0.0), q.next(0.0)
    assert q.next(0.0) is None and q.in_flight == 2 and not q.has_room
    q.settle(first[0], "acked")
    q.settle(second[0], "refused")
    assert q.counts["sent"] == 1 and q.counts["depth_frames"] == 1 and q.counts["rejected"] == 1
    assert q.counts["bytes"] == 10
    assert q.next(0.0)[1].entity_path == "c"
    assert q.settle(first[0], "acked") is None  # settled once only


def test_lost_with_the_connection_goes_again_unless_something_newer_waits():
    q = PublishQueue(3)
    q.put(frame("a"))
    q.put(frame("b"))
    q.next(0.0)
    q.next(0.0)
    q.put(frame("b", 1))  # newer b waits
    q.lose_in_flight()
    assert q.in_flight == 0 and q.counts["dropped"] == 1
    order = [q.next(0.0)[1] for _ in range(2)]
    assert [m.entity_path for m in order] == ["a", "b"] and len(order[1].data) == 11


def test_unanswered_publishes_expire_as_drops():
    q = PublishQueue(3)
    q.put(frame("a"))
    publish_id, _ = q.next(100.0)
    assert q.expire(105.0, 10.0) == 0
    assert q.expire(111.0, 10.0) == 1 and q.counts["dropped"] == 1 and q.idle
    assert q.settle(publish_id, "acked") is None and q.counts["sent"] == 0


def test_the_latest_state_is_sent_again_after_a_reconnect():
    q = PublishQueue(5)
    q.put(state("cam", static=True))
    q.put(state("cam", "Transform3D"))
    q.put(frame("cam/depth"))
    while (taken := q.next(0.0)) is not None:
        q.settle(taken[0], "acked")
    q.resend_state()
    again = [q.next(0.0)[1].kind for _ in range(2)]
    assert sorted(again) == ["Pinhole", "Transform3D"] and q.next(0.0) is None


def test_clear_drops_what_waits():
    q = PublishQueue(1)
    q.put(frame("a"))
    q.put(state("cam"))
    assert q.clear() == 2 and q.counts["dropped"] == 2 and q.pending == 0


def test_an_unknown_outcome_is_refused_and_the_publish_stays_in_flight():
    q = PublishQueue(1)
    q.put(frame("x"))
    publish_id, _ = q.next(0.0)
    with pytest.raises(ValueError):
        q.settle(publish_id, "maybe")
    assert q.in_flight == 1
