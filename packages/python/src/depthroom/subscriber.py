"""The subscriber: `for msg in dr.subscribe(view_link):` yields decoded messages (entity path, times,
archetype with numpy arrays); or `dr.subscribe(link, callback)` calls `callback(msg)` on a thread of its
own. Each frame's credit goes back to the relay once it is taken (yielded, or the callback returned) or
replaced here by a newer frame of its entity while it waited (latest wins), which lets the relay pace a
slow script instead of queuing for it; so what waits here is bounded by the relay's credit and the
number of entities. As the TypeScript SDK's subscriber (packages/sdk/src/subscriber.ts)."""

from __future__ import annotations

import collections
import logging
import struct
import threading
import time
from typing import Any, Callable, Iterator

from .connection import PERMANENT_CODES, ConnectionClient, is_refusal
from .errors import DecodeError, DepthroomError
from .link import resolve_target
from .message import Message, decode_message

log = logging.getLogger("depthroom")
# A relay sends at most FRAME_CREDITS frames without their credit back; this caps a misbehaving one.
_MAX_WAITING = 4096


def _entity_key(data: bytes) -> bytes | None:
    """The frame's kind byte and entity path, read from its header (PROTOCOL.md: magic:4 version:u8
    kind:u8 kind-version:u8 flags:u8 length:u16 path); None when too short (its decode reports it)."""
    if len(data) < 10:
        return None
    (length,) = struct.unpack_from("<H", data, 8)
    return data[5:6] + data[10 : 10 + length] if len(data) >= 10 + length else None


def subscribe(
    link: str | None = None,
    callback: Callable[[Message], Any] | None = None,
    *,
    url: str | None = None,
    session: str | None = None,
    token: str | None = None,
    entities: list[str] | None = None,
    name: str = "python subscriber",
    connect_timeout: float = 10.0,
) -> Subscription:
    """Subscribe to a session's frames (any of its links). Returns once the relay accepted the
    subscription; raises `DepthroomError` (bad-link, bad-token, token-expired, session-not-found,
    relay-unreachable). `entities`: only these paths and their descendants."""
    target = resolve_target(link, url=url, session=session, token=token)
    subscription = Subscription(entities, callback)
    connection = subscription._open(
        target,
        name=name,
        connect_timeout=connect_timeout,
        on_welcome=subscription._request_frames,
        on_frame=subscription._on_frame,
    )
    try:
        connection.wait_open()
        subscription._wait_subscribed(connect_timeout)
    except DepthroomError:
        subscription.close()
        raise
    return subscription


class Subscription(ConnectionClient):
    """Iterate for messages (blocks; ends when closed, raises the failure if it failed), or `get()`."""

    def __init__(self, entities: list[str] | None, callback: Callable[[Message], Any] | None) -> None:
        self._entities = entities
        self._callback = callback
        super().__init__()
        self._waiting: collections.deque[tuple[bytes, Callable[[], None]]] = collections.deque()
        self._counts = {"received": 0, "bytes": 0, "dropped": 0, "undecodable": 0}
        self._subscribed = False
        self._refusal: DepthroomError | None = None
        self._closed = False
        self.entities_info: list[dict] = []
        self.producers: list[dict] = []
        self._worker = None
        if callback is not None:
            self._worker = threading.Thread(target=self._run_callback, name="depthroom-callback", daemon=True)
            self._worker.start()

    def __iter__(self) -> Iterator[Message]:
        while True:
            message = self.get()
            if message is None:
                return
            yield message

    def get(self, timeout: float | None = None) -> Message | None:
        """The next message; None when `timeout` seconds pass first or the subscription closed cleanly.
        Raises the failure when it closed by one. (Not for use together with a callback.)"""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                while not self._waiting:
                    failure = self._failure()
                    if failure is not None:
                        raise failure
                    if self._closed_now():
                        return None
                    left = None if deadline is None else deadline - time.monotonic()
                    if left is not None and left <= 0:
                        return None
                    self._lock.wait(0.25 if left is None else min(left, 0.25))
                data, ack = self._waiting.popleft()
            ack()
            message = self._decode(data)
            if message is not None:
                return message

    def close(self) -> None:
        with self._lock:
            self._closed = True
            waiting = list(self._waiting)
            self._waiting.clear()
            self._lock.notify_all()
        for _, ack in waiting:
            ack()
        if self._connection is not None:
            self._connection.close()

    def stats(self) -> dict[str, int]:
        """received, bytes, dropped (replaced while waiting by a newer frame of their entity), undecodable
        (frames this side could not decode, each also a problem), reconnects."""
        with self._lock:
            return {**self._counts, "reconnects": self._reconnects}

    @property
    def error(self) -> DepthroomError | None:
        return self._refusal or super().error

    # --- internals ------------------------------------------------------------------------------------

    def _failure(self) -> DepthroomError | None:
        if self._refusal is not None:
            return self._refusal
        if self._connection is not None and self._connection.state == "closed":
            return self._connection.error
        return None

    def _closed_now(self) -> bool:
        return self._closed or (self._connection is not None and self._connection.state == "closed")

    def _decode(self, data: bytes) -> Message | None:
        try:
            return decode_message(data)
        except DecodeError as error:
            with self._lock:
                self._counts["undecodable"] += 1
                self._problems = [*self._problems[-99:], {"code": "bad-message", "message": f"undecodable frame: {error}"}]
            return None

    def _wait_subscribed(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self._lock:
            while not self._subscribed:
                failure = self._failure()
                if failure is not None:
                    raise failure
                left = deadline - time.monotonic()
                if left <= 0:
                    raise DepthroomError("timeout", f"the relay did not answer the subscription within {timeout:g} s")
                self._lock.wait(min(left, 0.25))

    def _request_frames(self, _welcome: dict, _reconnect: bool) -> None:
        request = {"entities": list(self._entities)} if self._entities else {}
        if self._connection is not None:
            self._connection.emit("subscribe", request, callback=self._on_subscribed)

    def _on_subscribed(self, result: Any = None) -> None:
        with self._lock:
            if isinstance(result, dict) and result.get("ok") is True:
                self.entities_info = result.get("entities") if isinstance(result.get("entities"), list) else []
                self.producers = result.get("producers") if isinstance(result.get("producers"), list) else []
                self._subscribed = True
                self._lock.notify_all()
                return
            refusal = result if is_refusal(result) else {"code": "internal", "message": "the relay answered the subscription oddly"}
            self._problems = [*self._problems[-99:], refusal]
            if refusal["code"] in PERMANENT_CODES:
                self._refusal = DepthroomError(refusal["code"], f"subscription refused: {refusal['message']}")
            self._lock.notify_all()
        if self._refusal is not None and self._connection is not None:
            threading.Thread(target=self._connection.close, daemon=True).start()

    def _on_frame(self, payload: Any, ack: Callable[[], None]) -> None:
        if not isinstance(payload, (bytes, bytearray)):
            ack()
            with self._lock:
                self._counts["undecodable"] += 1
                self._problems = [*self._problems[-99:], {"code": "bad-message", "message": "frame: not binary"}]
            return
        with self._lock:
            if self._closed:
                ack()
                return
            self._counts["received"] += 1
            self._counts["bytes"] += len(payload)
            data = bytes(payload)
            key = _entity_key(data)
            # Latest wins: a waiting frame of the same entity is replaced (and its credit goes back).
            for i, (waiting_data, waiting_ack) in enumerate(self._waiting):
                if key is not None and _entity_key(waiting_data) == key:
                    del self._waiting[i]
                    self._counts["dropped"] += 1
                    waiting_ack()
                    break
            self._waiting.append((data, ack))
            if len(self._waiting) > _MAX_WAITING:
                _, oldest_ack = self._waiting.popleft()
                oldest_ack()
            self._lock.notify_all()

    def _run_callback(self) -> None:
        while True:
            with self._lock:
                while not self._waiting:
                    if self._closed_now():
                        return
                    self._lock.wait(0.25)
                data, ack = self._waiting.popleft()
            message = self._decode(data)
            try:
                if message is not None and self._callback is not None:
                    self._callback(message)
            except Exception:  # noqa: BLE001 - a callback's bug is reported, the subscription goes on
                log.exception("depthroom: the subscribe callback raised")
            finally:
                ack()
