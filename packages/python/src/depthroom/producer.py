"""The producer: `dr.connect(link)` gives a RecordingStream with Rerun's words (`log`, `set_time`).

`log()` never blocks on the network and never buffers without bound: the message is encoded (and so
copied) at once, then waits in one slot per (entity, archetype); a sender thread publishes with at most
`max_in_flight` messages unacknowledged. When the link is slower than the camera, a newer message
replaces the waiting one (latest wins) and `stats()["dropped"]` counts it. Pinholes, transforms and
static data go before depth and are kept: after a reconnect (the relay may have restarted) they are
sent again. The bookkeeping is publish_queue.py (no socket, unit-tested); this file is the adapter
with the threads. As the TypeScript SDK's producer (packages/sdk/src/producer.ts, publishQueue.ts).
"""

from __future__ import annotations

import atexit
import datetime as _dt
import math
import threading
import time
import weakref
from typing import Any

import numpy as np

from .archetypes import DepthImage, EncodedImage, Image, Pinhole, Transform3D
from .connection import ConnectionClient, is_refusal
from .errors import DepthroomError, ValidationError
from .link import resolve_target
from .message import MAX_MESSAGE_BYTES, MAX_TIMELINES, TimePoint, check_entity_path, check_timeline, encode_message
from .publish_queue import Encoded, PublishQueue

_I64_MIN, _I64_MAX = -(1 << 63), (1 << 63) - 1


def connect(
    link: str | None = None,
    *,
    url: str | None = None,
    session: str | None = None,
    token: str | None = None,
    name: str = "python producer",
    max_in_flight: int = 3,
    ack_timeout: float = 10.0,
    connect_timeout: float = 10.0,
    depth_encoding: str | None = None,
) -> RecordingStream:
    """Connect to a session as a producer (its publish link); returns once the relay welcomed us.
    Raises `DepthroomError`: bad-link, bad-token, token-expired, forbidden (not a publish link),
    session-not-found, relay-unreachable (no answer within `connect_timeout` seconds)."""
    target = resolve_target(link, url=url, session=session, token=token, need_role="publish")
    if depth_encoding not in (None, "rvl", "raw"):
        raise ValidationError("depth_encoding", f"{depth_encoding!r} is not rvl or raw")
    stream = RecordingStream(max_in_flight=max_in_flight, ack_timeout=ack_timeout, depth_encoding=depth_encoding)
    connection = stream._open(target, name=name, connect_timeout=connect_timeout, on_welcome=stream._on_welcome)
    stream._sender.start()
    try:
        welcome = connection.wait_open()
    except DepthroomError:
        stream._stop()
        raise
    if welcome.get("role") != "publish":
        stream._stop()
        connection.close()
        raise DepthroomError("forbidden", f"the relay admitted this token as {welcome.get('role')}; publishing needs publish")
    # A script that ends without close() still delivers what it logged (up to 2 s), as Rerun flushes at exit.
    ref = weakref.ref(stream)

    def close_at_exit() -> None:
        alive = ref()
        if alive is not None:
            alive.close(2.0)

    stream._at_exit = close_at_exit
    atexit.register(close_at_exit)
    return stream


class RecordingStream(ConnectionClient):
    """A recording stream, as Rerun's. Use `connect()`; also a context manager (closes on exit)."""

    def __init__(self, *, max_in_flight: int, ack_timeout: float, depth_encoding: str | None) -> None:
        self._ack_timeout = float(ack_timeout)
        self._depth_encoding = depth_encoding
        self._times: dict[str, TimePoint] = {}
        super().__init__()
        self._queue = PublishQueue(max_in_flight)
        self._closing = False
        self._stopped = False
        self._at_exit: Any = None
        self._sender = threading.Thread(target=self._send_loop, name="depthroom-sender", daemon=True)

    # --- time ---------------------------------------------------------------------------------------

    def set_time(
        self,
        timeline: str,
        *,
        sequence: int | None = None,
        timestamp: float | np.datetime64 | _dt.datetime | None = None,
    ) -> None:
        """Set the time for later `log()` calls (Rerun's `set_time`): `sequence=` a frame number, or
        `timestamp=` seconds since the epoch (float, or a datetime / numpy datetime64), stored in ns."""
        check_timeline(timeline)
        if (sequence is None) == (timestamp is None):
            raise ValidationError("timeline", f'"{timeline}": give exactly one of sequence= or timestamp=')
        if sequence is not None:
            if isinstance(sequence, bool) or not isinstance(sequence, (int, np.integer)):
                raise ValidationError("timeline", f'"{timeline}": sequence {sequence!r} is not an integer')
            point = TimePoint(timeline, "sequence", int(sequence))
        else:
            point = TimePoint(timeline, "timestamp", _nanoseconds(timeline, timestamp))
        if not _I64_MIN <= point.value <= _I64_MAX:
            raise ValidationError("timeline", f'"{timeline}": {point.value} does not fit in 64 bits')
        with self._lock:
            if timeline not in self._times and len(self._times) >= MAX_TIMELINES:
                raise ValidationError("timeline", f"more than {MAX_TIMELINES} timelines")
            self._times[timeline] = point

    def disable_timeline(self, timeline: str) -> None:
        with self._lock:
            self._times.pop(timeline, None)

    def reset_time(self) -> None:
        with self._lock:
            self._times.clear()

    # --- logging --------------------------------------------------------------------------------------

    def log(
        self, entity_path: str, archetype: DepthImage | Pinhole | Transform3D | Image | EncodedImage, *, static: bool = False
    ) -> None:
        """Log one archetype at an entity path, stamped with the current times (none when `static`).
        Returns at once. Raises `ValueError` (a `DepthroomError`) naming the field for bad input, and the
        stream's failure (or `closed`) after it closed."""
        self._check_open()
        path = check_entity_path(entity_path)
        if not isinstance(archetype, (DepthImage, Pinhole, Transform3D, Image, EncodedImage)):
            raise ValidationError(
                "archetype",
                f"expected dr.DepthImage, dr.Pinhole, dr.Transform3D, dr.Image or dr.EncodedImage, got {type(archetype).__name__}",
            )
        with self._lock:
            times = () if static else tuple(self._times.values())
        encoding = self._depth_encoding if isinstance(archetype, DepthImage) and archetype.datatype == "U16" else None
        data = encode_message(path, archetype, times, static=bool(static), depth_encoding=encoding)
        if len(data) > MAX_MESSAGE_BYTES:
            raise DepthroomError("message-too-large", f"{path}: {len(data)} bytes exceeds {MAX_MESSAGE_BYTES}", archetype.kind)
        message = Encoded(f"{path}#{archetype.kind}", path, archetype.kind, bool(static), data)
        with self._lock:
            self._check_open()
            self._queue.put(message)
            self._lock.notify_all()

    def flush(self, timeout: float = 10.0) -> None:
        """Block until every logged message was acknowledged (or dropped). Raises `DepthroomError`
        (timeout, or why the stream closed)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while not self._queue.idle:
                if self._connection is not None and self._connection.state == "closed":
                    raise self._connection.error or DepthroomError("closed", "closed before the flush finished")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise DepthroomError(
                        "timeout", f"flush: {self._queue.pending + self._queue.in_flight} messages unsent after {timeout:g} s"
                    )
                self._lock.wait(min(left, 0.1))

    def wait_sendable(self, timeout: float | None = None) -> bool:
        """Block until a message logged now would go out at once (for producers that would rather wait
        than drop: files, benchmarks). False on timeout or when the stream closed."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            while not self._has_room:
                if self._stopped or (self._connection and self._connection.state == "closed"):
                    return False
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._lock.wait(0.1 if left is None else min(left, 0.1))
            return True

    def close(self, timeout: float = 5.0) -> None:
        """Flush (up to `timeout` seconds while connected), then close. Never raises."""
        with self._lock:
            if self._closing:
                return
            self._closing = True
        if self._connection is not None and self._connection.state == "connected":
            try:
                self.flush(timeout)
            except DepthroomError:
                pass
        self._stop()
        if self._connection is not None:
            self._connection.close()
        if self._at_exit is not None:
            atexit.unregister(self._at_exit)
            self._at_exit = None

    def stats(self) -> dict[str, int]:
        """sent (acknowledged), depth_frames (of those), dropped (replaced by a newer one, or lost),
        rejected (refused by the relay, see `problems`), bytes, in_flight, pending, reconnects."""
        with self._lock:
            return {
                **self._queue.counts,
                "in_flight": self._queue.in_flight,
                "pending": self._queue.pending,
                "reconnects": self._reconnects,
            }

    # --- internals ------------------------------------------------------------------------------------

    @property
    def _has_room(self) -> bool:
        return self._queue.has_room and self._connection is not None and self._connection.state == "connected"

    def _check_open(self) -> None:
        connection = self._connection
        if connection is not None and connection.state == "closed" and connection.error is not None:
            raise connection.error
        if self._closing or self._stopped or (connection is not None and connection.state == "closed"):
            raise DepthroomError("closed", "the recording stream is closed")

    def _stop(self) -> None:
        with self._lock:
            self._stopped = True
            self._queue.clear()
            self._lock.notify_all()

    def _on_welcome(self, _welcome: dict, reconnect: bool) -> None:
        with self._lock:
            # Messages in flight on the dead socket get their slot back unless something newer took it.
            self._queue.lose_in_flight()
            if reconnect:
                self._queue.resend_state()
            self._lock.notify_all()

    def _send_loop(self) -> None:
        while True:
            with self._lock:
                while True:
                    if self._stopped:
                        return
                    self._queue.expire(time.monotonic(), self._ack_timeout)
                    connection = self._connection
                    taken = None
                    if connection is not None and connection.state == "connected":
                        taken = self._queue.next(time.monotonic())
                    if taken is not None:
                        break
                    self._lock.wait(0.05 if self._queue.in_flight else 0.25)
            publish_id, message = taken

            def answered(result: Any = None, _id: int = publish_id) -> None:
                self._answered(_id, result)

            if not connection.emit("publish", message.data, callback=answered):
                with self._lock:
                    self._queue.settle(publish_id, "lost")
                    self._lock.wait(0.05)

    def _answered(self, publish_id: int, result: Any) -> None:
        with self._lock:
            ok = isinstance(result, dict) and result.get("ok") is True
            message = self._queue.settle(publish_id, "acked" if ok else "refused")
            if message is not None and not ok:
                problem = (
                    {"code": result["code"], "message": f"{message.entity_path} ({message.kind}): {result['message']}"}
                    if is_refusal(result)
                    else {"code": "internal", "message": f"{message.entity_path}: the relay answered the publish oddly"}
                )
                self._problems = [*self._problems[-99:], problem]
            self._lock.notify_all()


def _nanoseconds(timeline: str, timestamp: Any) -> int:
    if isinstance(timestamp, np.datetime64):
        return int(timestamp.astype("datetime64[ns]").astype(np.int64))
    if isinstance(timestamp, _dt.datetime):
        if timestamp.tzinfo is None:
            raise ValidationError("timeline", f'"{timeline}": a naive datetime is ambiguous; give it a timezone')
        delta = timestamp - _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
        return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000
    if isinstance(timestamp, bool) or not isinstance(timestamp, (int, float, np.integer, np.floating)):
        raise ValidationError("timeline", f'"{timeline}": timestamp {timestamp!r} is not seconds since the epoch')
    if isinstance(timestamp, (int, np.integer)):
        return int(timestamp) * 1_000_000_000
    if not np.isfinite(timestamp):
        raise ValidationError("timeline", f'"{timeline}": timestamp {timestamp} is not finite')
    # Whole seconds and the fraction apart (the fraction of a float is exact): 1732000000.25 s is
    # ...250000000 ns, where seconds * 1e9 in one float would give ...249999872.
    seconds = float(timestamp)
    whole = math.floor(seconds)
    return whole * 1_000_000_000 + round((seconds - whole) * 1e9)
