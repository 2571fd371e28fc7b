"""One socket.io connection to a relay, shared by the producer and the subscriber: the handshake
(packages/schema/src/protocol.ts), `welcome`, and reconnection after a drop or a refusal that may pass,
with the state as data. Runs its own thread; never raises across the socket: failures become state.

socket.io details (python-socketio 5.x client, websocket-client transport):
- one new `socketio.Client` per attempt (its own reconnection is off: ours retries refusals too);
- engine.io messages are handled in order on the read thread (python-socketio starts a thread per
  message by default, which can reorder a binary frame and its attachment);
- a `frame`'s credit goes back (protocol 2, `credit` in batches) when the subscriber has taken or
  dropped it, not when the handler returns, so the relay paces a slow subscriber (latest wins)
  instead of queuing for it.
"""

from __future__ import annotations

import logging
import threading
import time
import urllib.parse
from typing import Any, Callable, TypeVar

import engineio
import socketio

from .errors import DepthroomError
from .link import Target

RELAY_PROTOCOL_VERSION = 2
# Frames the relay sends a viewer before it gives their credit back (FRAME_CREDITS in protocol.ts);
# credit goes back in batches of half that, one `credit` event per batch.
FRAME_CREDITS = 8
_CREDIT_BATCH = FRAME_CREDITS // 2

# Codes after which trying again cannot help (the schema's ERROR_CODES table, `retry: false`;
# tests/test_golden.py checks this set against it). Unknown codes (a newer relay's) are retried.
PERMANENT_CODES = frozenset(
    {
        "unauthorized",
        "bad-token",
        "forbidden",
        "session-not-found",
        "version-mismatch",
        "bad-message",
        "message-too-large",
        "document-too-large",
        "too-many-entities",
        "read-only",
        "recording-not-found",
        "recording-active",
        "token-expired",
        "bad-link",
        "closed",
    }
)

_REFUSAL_PREFIX = {
    "unauthorized": "refused: no token",
    "bad-token": "refused: bad or expired token",
    "token-expired": "refused: the token expired",
    "forbidden": "refused: the token does not allow this",
    "session-not-found": "refused: no such session",
    "version-mismatch": "refused: protocol version mismatch",
}

log = logging.getLogger("depthroom")


class _OrderedEngineIO(engineio.Client):
    def _trigger_event(self, event, *args, **kwargs):  # noqa: ANN001 - engineio's signature
        if event == "message":
            kwargs["run_async"] = False
        return super()._trigger_event(event, *args, **kwargs)


class _SocketClient(socketio.Client):
    """socket.io client (one per connection) with in-order message handling; each frame comes with a
    one-shot `taken` the caller calls when it has taken (or dropped) the frame: its credit goes back to
    the relay, in batches, or at once when the relay has no credit left."""

    def __init__(self, on_frame: Callable[[Any, Callable[[], None]], None] | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._on_frame = on_frame
        self._credit_lock = threading.Lock()
        self._owed = 0  # frames received whose credit has not been sent back
        self._unsent = 0  # of those, frames taken whose credit waits for the batch

    def _taken(self) -> None:
        with self._credit_lock:
            self._unsent += 1
            if self._unsent < _CREDIT_BATCH and self._owed < FRAME_CREDITS:
                return
            frames, self._unsent = self._unsent, 0
            self._owed = max(0, self._owed - frames)
        try:
            self.emit("credit", frames)
        except Exception:  # noqa: BLE001 - the connection is gone; the next one gets fresh credit
            pass

    def _engineio_client_class(self):  # noqa: ANN202
        return _OrderedEngineIO

    def _handle_event(self, namespace, id, data):  # noqa: ANN001, A002 - socketio's signature
        if self._on_frame is not None and data and data[0] == "frame":
            with self._credit_lock:
                self._owed += 1
            sent = False

            def taken() -> None:
                nonlocal sent
                if sent:
                    return
                sent = True
                self._taken()

            self._on_frame(data[1] if len(data) > 1 else None, taken)
            return
        super()._handle_event(namespace, id, data)


def is_refusal(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("code"), str) and isinstance(value.get("message"), str)


def refusal_error(refusal: dict) -> DepthroomError:
    prefix = _REFUSAL_PREFIX.get(refusal["code"], f"refused ({refusal['code']})")
    return DepthroomError(refusal["code"], f"{prefix}: {refusal['message']}" if refusal["message"] else prefix)


def handshake_url(target: Target, name: str) -> tuple[str, str]:
    """The socket.io URL (origin and query) and path of the handshake (protocol.ts). The token is not in
    it: it travels in socket.io's auth payload, since proxies and servers log URLs."""
    parsed = urllib.parse.urlsplit(target.relay_url)
    query = {"session": target.session, "v": str(RELAY_PROTOCOL_VERSION)}
    if name:
        query["name"] = name
    return f"{parsed.scheme}://{parsed.netloc}?{urllib.parse.urlencode(query)}", f"{parsed.path.rstrip('/')}/socket.io"


class Connection:
    """States: connecting, connected, reconnecting, closed (see `error` for why)."""

    def __init__(
        self,
        target: Target,
        *,
        name: str,
        on_welcome: Callable[[dict, bool], None] | None = None,
        on_frame: Callable[[Any, Callable[[], None]], None] | None = None,
        on_state: Callable[[str], None] | None = None,
        on_problem: Callable[[dict], None] | None = None,
        connect_timeout: float = 10.0,
        retry_delay: float = 0.25,
        retry_delay_max: float = 1.0,
    ) -> None:
        self.target = target
        self.name = name
        self.state = "connecting"
        self.error: DepthroomError | None = None
        self.welcome: dict | None = None
        self.welcomes = 0
        self._on_welcome = on_welcome
        self._on_frame = on_frame
        self._on_state = on_state
        self._on_problem = on_problem
        self._connect_timeout = connect_timeout
        self._retry_delay = retry_delay
        self._retry_delay_max = retry_delay_max
        self._lock = threading.Condition()
        self._client: _SocketClient | None = None
        self._generation = 0
        self._last_connect_error = ""
        self._thread = threading.Thread(target=self._run, name="depthroom-connection", daemon=True)
        self._thread.start()

    @property
    def reconnects(self) -> int:
        return max(0, self.welcomes - 1)

    @property
    def generation(self) -> int:
        """Bumped on every welcome: acknowledgements of an older generation belong to a dead socket."""
        return self._generation

    def wait_open(self) -> dict:
        """Block until the first welcome; raise the failure (or relay-unreachable after the timeout)."""
        deadline = time.monotonic() + self._connect_timeout
        with self._lock:
            while self.welcomes == 0 and self.state != "closed":
                left = deadline - time.monotonic()
                if left <= 0:
                    why = f" ({self._last_connect_error})" if self._last_connect_error else ""
                    self._fail_locked(
                        DepthroomError(
                            "relay-unreachable",
                            f"relay unreachable: no answer from {self.target.relay_url} within {self._connect_timeout:g} s{why}",
                        )
                    )
                    break
                self._lock.wait(left)
            if self.welcomes == 0:
                raise self.error or DepthroomError("closed", "closed before the relay answered")
            return self.welcome  # type: ignore[return-value]

    def emit(self, event: str, data: Any, callback: Callable[..., None] | None = None) -> bool:
        """Send if connected now; False otherwise (the caller keeps the message)."""
        client = self._client
        if client is None or self.state != "connected":
            return False
        try:
            client.emit(event, data, callback=callback)
            return True
        except Exception as error:  # noqa: BLE001 - a socket that died under us: the run loop reconnects
            log.debug("depthroom: emit failed: %s", error)
            return False

    def close(self) -> None:
        with self._lock:
            if self.state == "closed":
                return
            self._set_state_locked("closed")
            self._lock.notify_all()
        self._drop_client()

    # --- the connection loop (own thread) -------------------------------------------------------

    def _run(self) -> None:
        delay = self._retry_delay
        url, path = handshake_url(self.target, self.name)
        while self.state != "closed":
            refusal: dict | None = None
            answered = threading.Event()  # the namespace connected, or was refused
            dropped = threading.Event()
            client = _SocketClient(self._on_frame if self._on_frame else None, reconnection=False, logger=False)

            @client.on("connect_error")
            def on_connect_error(data: Any = None) -> None:
                nonlocal refusal
                inner = data.get("data") if isinstance(data, dict) and "data" in data else data
                if is_refusal(inner):
                    refusal = inner
                answered.set()

            @client.on("connect")
            def on_connect(*_args: Any) -> None:
                answered.set()

            @client.on("disconnect")
            def on_disconnect(*_args: Any) -> None:  # newer python-socketio passes a reason
                dropped.set()

            @client.on("welcome")
            def on_welcome(welcome: Any = None) -> None:
                self._welcomed(client, welcome)

            @client.on("problem")
            def on_problem(problem: Any = None) -> None:
                if is_refusal(problem) and self._on_problem:
                    self._on_problem(problem)

            self._client = client
            try:
                client.connect(
                    url,
                    transports=["websocket"],
                    socketio_path=path,
                    auth={"token": self.target.token},
                    wait=False,  # python-socketio would wait out its timeout after a refusal too
                )
                if not answered.wait(10) or refusal is not None or dropped.is_set():
                    raise ConnectionError("no handshake answer" if not answered.is_set() else "refused")
            except Exception as error:  # noqa: BLE001 - any failure to connect is retried or refused below
                self._drop_client(client)
                if refusal is not None:
                    self._last_connect_error = f"{refusal['code']}: {refusal['message']}"
                    if refusal["code"] in PERMANENT_CODES:
                        with self._lock:
                            self._fail_locked(refusal_error(refusal))
                        return
                else:
                    self._last_connect_error = str(error) or type(error).__name__
                if self.welcomes:
                    self._set_state("reconnecting")
                self._sleep(delay)
                delay = min(delay * 2, self._retry_delay_max)
                continue
            while not dropped.wait(0.5):
                if self.state == "closed":
                    break
            self._drop_client(client)
            if self.state == "closed":
                return
            self._set_state("reconnecting")
            delay = self._retry_delay
            self._sleep(delay)

    def _welcomed(self, client: _SocketClient, welcome: Any) -> None:
        if not isinstance(welcome, dict) or not isinstance(welcome.get("protocolVersion"), int):
            with self._lock:
                self._fail_locked(DepthroomError("bad-message", "the relay sent a malformed welcome"))
            threading.Thread(target=self._drop_client, daemon=True).start()
            return
        if welcome["protocolVersion"] != RELAY_PROTOCOL_VERSION:
            with self._lock:
                self._fail_locked(
                    DepthroomError(
                        "version-mismatch",
                        f"the relay speaks protocol {welcome['protocolVersion']}, this client {RELAY_PROTOCOL_VERSION}",
                    )
                )
            threading.Thread(target=self._drop_client, daemon=True).start()
            return
        with self._lock:
            if self.state == "closed" or client is not self._client:
                return
            self.welcome = welcome
            self.welcomes += 1
            self._generation += 1
            self._set_state_locked("connected")
            self._lock.notify_all()
        if self._on_welcome:
            try:
                self._on_welcome(welcome, self.welcomes > 1)
            except Exception:  # noqa: BLE001 - a handler's bug must not kill the read thread
                log.exception("depthroom: welcome handler failed")

    def _sleep(self, seconds: float) -> None:
        with self._lock:
            if self.state != "closed":
                self._lock.wait(seconds)

    def _drop_client(self, client: _SocketClient | None = None) -> None:
        client = client or self._client
        if client is None:
            return
        if client is self._client:
            self._client = None
        try:
            client.disconnect()
        except Exception:  # noqa: BLE001 - already gone
            pass
        try:
            client.eio.disconnect(abort=True)
        except Exception:  # noqa: BLE001 - already gone
            pass

    def _fail_locked(self, error: DepthroomError) -> None:
        if self.state == "closed":
            return
        self.error = error
        self._set_state_locked("closed")
        self._lock.notify_all()

    def _set_state(self, state: str) -> None:
        with self._lock:
            self._set_state_locked(state)

    def _set_state_locked(self, state: str) -> None:
        if self.state == state or self.state == "closed":
            return
        self.state = state
        self._lock.notify_all()
        if self._on_state:
            try:
                self._on_state(state)
            except Exception:  # noqa: BLE001
                log.exception("depthroom: state handler failed")


_Client = TypeVar("_Client", bound="ConnectionClient")


class ConnectionClient:
    """What the producer's RecordingStream and the Subscription share over their Connection: its state
    and error as properties, the refusals the relay reported, and a condition that every state change
    wakes. A context manager: `close()` on exit."""

    def __init__(self) -> None:
        self._connection: Connection | None = None
        self._lock = threading.Condition()
        self._problems: list[dict] = []

    def close(self) -> None:
        """Ends the client (each kind says how)."""
        raise NotImplementedError

    def __enter__(self: _Client) -> _Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def problems(self) -> list[dict]:
        """Refusals the relay reported ({code, message}), oldest first (the last 100)."""
        with self._lock:
            return list(self._problems)

    @property
    def state(self) -> str:
        """connecting, connected, reconnecting or closed."""
        return self._connection.state if self._connection else "connecting"

    @property
    def error(self) -> DepthroomError | None:
        return self._connection.error if self._connection else None

    def _open(
        self,
        target: Target,
        *,
        name: str,
        connect_timeout: float,
        on_welcome: Callable[[dict, bool], None],
        on_frame: Callable[[Any, Callable[[], None]], None] | None = None,
    ) -> Connection:
        """The Connection of this client (state changes and problems come back to it)."""
        self._connection = Connection(
            target,
            name=name,
            on_welcome=on_welcome,
            on_frame=on_frame,
            on_state=self._on_state,
            on_problem=self._on_problem,
            connect_timeout=connect_timeout,
        )
        return self._connection

    @property
    def _reconnects(self) -> int:
        return self._connection.reconnects if self._connection else 0

    def _on_state(self, _state: str) -> None:
        with self._lock:
            self._lock.notify_all()

    def _on_problem(self, problem: dict) -> None:
        with self._lock:
            self._problems = [*self._problems[-99:], problem]
