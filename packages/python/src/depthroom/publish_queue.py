"""The producer's bookkeeping without a socket (as the TypeScript SDK's publishQueue.ts): which logged
message goes out next, how many publishes are in flight, what a lost, refused or unanswered publish
does, and what is sent again after a reconnect. The producer (producer.py) is the adapter that emits
`publish` on the connection and reports each answer here; it holds the lock."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from .archetypes import FRAME_KINDS


@dataclass
class Encoded:
    """One logged archetype, encoded once and ready to publish."""

    key: str  # "<entity path>#<kind>": one waiting slot per key (latest wins)
    entity_path: str
    kind: str
    static: bool
    data: bytes

    @property
    def is_state(self) -> bool:
        """Pinholes, transforms and static data: sent before frames, kept to send again."""
        return self.static or self.kind not in FRAME_KINDS


class PublishQueue:
    """State first, then frames, each in one latest-wins slot per key; at most `max_in_flight`
    publishes unanswered; the latest state of every key kept for after a reconnect."""

    def __init__(self, max_in_flight: int) -> None:
        self.max_in_flight = max(1, int(max_in_flight))
        self.counts = {"sent": 0, "depth_frames": 0, "dropped": 0, "rejected": 0, "bytes": 0}
        self._state: OrderedDict[str, Encoded] = OrderedDict()
        self._frames: OrderedDict[str, Encoded] = OrderedDict()
        self._last_state: dict[str, Encoded] = {}
        self._in_flight: dict[int, tuple[Encoded, float]] = {}
        self._next_id = 0

    def put(self, message: Encoded) -> None:
        """Queue a logged message; one of the same key still waiting is dropped (counted)."""
        if message.is_state:
            self._last_state[message.key] = message
        queue = self._state if message.is_state else self._frames
        if message.key in queue:
            self.counts["dropped"] += 1
        queue[message.key] = message  # an existing key keeps its place in line

    def next(self, now: float) -> tuple[int, Encoded] | None:
        """The next message to publish and its id, if a publish slot is free (it is then in flight)."""
        if len(self._in_flight) >= self.max_in_flight or not (self._state or self._frames):
            return None
        _, message = (self._state if self._state else self._frames).popitem(last=False)
        publish_id = self._next_id
        self._next_id += 1
        self._in_flight[publish_id] = (message, now)
        return publish_id, message

    def settle(self, publish_id: int, outcome: str) -> Encoded | None:
        """What became of a publish: "acked", "refused", or "lost" (with the connection: it takes its
        slot back unless something newer took it). None when it was settled already (expired, or lost
        with an earlier connection)."""
        if outcome not in ("acked", "refused", "lost"):
            raise ValueError(f"unknown outcome {outcome!r}")
        entry = self._in_flight.pop(publish_id, None)
        if entry is None:
            return None
        message = entry[0]
        if outcome == "acked":
            self.counts["sent"] += 1
            if message.kind == "DepthImage":
                self.counts["depth_frames"] += 1
            self.counts["bytes"] += len(message.data)
        elif outcome == "refused":
            self.counts["rejected"] += 1
        else:  # lost
            queue = self._state if message.is_state else self._frames
            if message.key in queue:
                self.counts["dropped"] += 1
            else:
                queue[message.key] = message
                queue.move_to_end(message.key, last=False)
        return message

    def lose_in_flight(self) -> None:
        """The connection went away: nothing in flight will be answered."""
        for publish_id in list(self._in_flight):
            self.settle(publish_id, "lost")

    def expire(self, now: float, timeout: float) -> int:
        """Publishes unanswered for longer than `timeout` count as dropped; returns how many."""
        late = [i for i, (_, sent_at) in self._in_flight.items() if now - sent_at > timeout]
        for publish_id in late:
            del self._in_flight[publish_id]
        self.counts["dropped"] += len(late)
        return len(late)

    def resend_state(self) -> None:
        """After a reconnect: the latest state of every key goes again, unless a newer one already waits."""
        for key, message in self._last_state.items():
            if key not in self._state:
                self._state[key] = message

    def clear(self) -> int:
        """Drop everything waiting (counted); returns how many."""
        n = len(self._state) + len(self._frames)
        self._state.clear()
        self._frames.clear()
        self.counts["dropped"] += n
        return n

    @property
    def pending(self) -> int:
        return len(self._state) + len(self._frames)

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    @property
    def idle(self) -> bool:
        return self.pending == 0 and not self._in_flight

    @property
    def has_room(self) -> bool:
        """A message put now would go out at once."""
        return self.pending == 0 and len(self._in_flight) < self.max_in_flight
