"""Bad input gives errors a script can act on: ValueError / DepthroomError naming the field or the
refusal, never a silent drop, never a hang."""

import base64
import json
import socket
import time

import numpy as np
import pytest

import depthroom as dr


def forged_token(session: str, role: str, expires: float | None = None) -> str:
    claims = {"sid": session, "role": role, "iat": int(time.time()) - 100}
    if expires is not None:
        claims["exp"] = expires
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"v1.{payload}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"


def link_with(link: str, token: str) -> str:
    return link.split("#", 1)[0] + "#token=" + token


def test_log_refuses_bad_archetypes_by_field(relay):
    session = relay.create_session()
    with dr.connect(session["links"]["publish"]) as rec:
        with pytest.raises(ValueError, match="DepthImage.image.*2-D"):
            rec.log("world/cam/depth", dr.DepthImage(np.zeros((4, 4, 3), np.uint16)))
        with pytest.raises(ValueError, match="DepthImage.image.*dtype"):
            rec.log("world/cam/depth", dr.DepthImage(np.zeros((4, 4), np.complex128)))
        with pytest.raises(ValueError, match="DepthImage.meter"):
            rec.log("world/cam/depth", dr.DepthImage(np.zeros((4, 4), np.uint16), meter=-1000))
        with pytest.raises(ValueError, match="entity_path"):
            rec.log("world/../cam", dr.Transform3D())
        with pytest.raises(ValueError, match="archetype"):
            rec.log("world/cam", np.zeros((4, 4), np.uint16))
        with pytest.raises(ValueError, match="timeline"):
            rec.set_time("frame", sequence=1.5)
        with pytest.raises(ValueError, match="timeline"):
            rec.set_time("frame")
        rec.log("world/cam", dr.Transform3D())  # the stream goes on
        rec.flush()
        assert rec.stats()["sent"] == 1


def test_links_and_tokens_are_checked_before_connecting(relay):
    session = relay.create_session()
    with pytest.raises(dr.DepthroomError) as caught:
        dr.connect("http://localhost:3000/not-a-session")
    assert caught.value.code == "bad-link"
    with pytest.raises(dr.DepthroomError) as caught:
        dr.connect(session["links"]["publish"].split("#")[0])
    assert caught.value.code == "bad-link" and "token" in str(caught.value)
    with pytest.raises(dr.DepthroomError) as caught:
        dr.connect(session["links"]["view"])
    assert caught.value.code == "forbidden" and "publish link" in str(caught.value)
    expired = link_with(session["links"]["publish"], forged_token(session["id"], "publish", time.time() - 60))
    with pytest.raises(dr.DepthroomError) as caught:
        dr.connect(expired)
    assert caught.value.code == "token-expired" and "expired" in str(caught.value)


def test_the_relays_refusal_is_a_named_error(relay):
    session = relay.create_session()
    forged = link_with(session["links"]["publish"], forged_token(session["id"], "publish"))
    started = time.monotonic()
    with pytest.raises(dr.DepthroomError) as caught:
        dr.connect(forged)
    assert caught.value.code == "bad-token" and "signature" in str(caught.value)
    assert time.monotonic() - started < 5  # refused at once, not retried until the timeout
    with pytest.raises(dr.DepthroomError) as caught:
        dr.subscribe(link_with(session["links"]["view"], forged_token(session["id"], "view")))
    assert caught.value.code == "bad-token"


def test_an_unreachable_relay_is_named_after_the_timeout():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    link = f"http://localhost:3000/s/AAAAAAAAAAAAAAAAAAAAAA?relay=http://127.0.0.1:{port}#token=opaque"
    with pytest.raises(dr.DepthroomError) as caught:
        dr.connect(link, connect_timeout=1.5)
    assert caught.value.code == "relay-unreachable" and str(port) in str(caught.value)


def test_a_closed_stream_refuses_to_log(relay):
    session = relay.create_session()
    rec = dr.connect(session["links"]["publish"])
    rec.close()
    with pytest.raises(dr.DepthroomError) as caught:
        rec.log("world/cam", dr.Transform3D())
    assert caught.value.code == "closed"


def test_latest_wins_drops_old_frames_instead_of_queueing(relay):
    session = relay.create_session()
    with dr.connect(session["links"]["publish"], max_in_flight=1) as rec:
        # Logging in a tight loop is far faster than a publish round trip: frames must be replaced.
        started = time.monotonic()
        for frame in range(500):
            rec.set_time("frame", sequence=frame)
            rec.log("world/cam/depth", dr.DepthImage(np.full((48, 64), frame + 1, np.uint16)))
        logging_took = time.monotonic() - started
        rec.flush(20)
        stats = rec.stats()
    assert stats["sent"] + stats["dropped"] == 500 and stats["dropped"] > 100
    assert stats["pending"] == 0 and stats["in_flight"] == 0
    assert logging_took < 5  # log() encodes and returns, never waits for the network


def test_a_script_that_ends_without_close_still_delivers(relay):
    import subprocess
    import sys
    from pathlib import Path

    session = relay.create_session()
    script = (
        "import numpy as np, depthroom as dr\n"
        f"rec = dr.connect({session['links']['publish']!r})\n"
        "for i in range(3):\n"
        "    rec.set_time('frame', sequence=i)\n"
        "    rec.log('world/last', dr.DepthImage(np.full((240, 320), i + 1, np.uint16)))\n"
    )
    src = str(Path(__file__).resolve().parents[1] / "src")
    done = subprocess.run([sys.executable, "-c", script], env={"PYTHONPATH": src}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    with dr.subscribe(session["links"]["view"]) as subscription:
        message = subscription.get(timeout=10)
    assert message is not None and message.times == {"frame": 2}


def test_the_token_travels_in_the_auth_payload_not_the_url(relay):
    """The handshake URL holds no token; the relay, which warns about the deprecated query form, does not
    warn, and no log line holds the token."""
    from depthroom.connection import handshake_url
    from depthroom.link import resolve_target

    session = relay.create_session()
    url, path = handshake_url(resolve_target(session["links"]["publish"]), "rig")
    assert session["tokens"]["publish"] not in url and "token" not in url
    assert url.startswith(relay.url) and f"session={session['id']}" in url and path == "/socket.io"
    with dr.connect(session["links"]["publish"]) as rec, dr.subscribe(session["links"]["view"]) as sub:
        rec.log("world/cam", dr.Transform3D())
        rec.flush()
        assert sub.get(timeout=10) is not None
    output = "".join(relay.process.output)
    assert "deprecated: token in the URL query" not in output
    for token in session["tokens"].values():
        assert token not in output
