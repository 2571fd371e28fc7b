"""Session links and what can be checked before connecting (packages/schema/src/link.ts, sdk target.ts):
    <web app>/s/<session>?relay=<relay URL>#token=<token>
Token claims are read, not verified (the relay verifies): session, role, expiry."""

from __future__ import annotations

import base64
import json
import re
import time
import urllib.parse
from dataclasses import dataclass

from .errors import DepthroomError

SESSION_ID = re.compile(r"[A-Za-z0-9_-]{22}")
ROLES = ("view", "edit", "publish")


@dataclass(frozen=True)
class Target:
    relay_url: str  # http(s)://host:port[/path], no trailing slash
    session: str
    token: str
    role: str | None  # as the token claims (unverified)


def _bad_link(message: str) -> DepthroomError:
    return DepthroomError("bad-link", message, "link")


def read_token_claims(token: str) -> dict | None:
    """{"sid", "role", "iat", "exp"?} of a v1 token, unverified; None when it is not one."""
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != "v1":
        return None
    try:
        payload = parts[1] + "=" * (-len(parts[1]) % 4)
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(claims, dict):
        return None
    if not (isinstance(claims.get("sid"), str) and SESSION_ID.fullmatch(claims["sid"])):
        return None
    if claims.get("role") not in ROLES or not isinstance(claims.get("iat"), (int, float)):
        return None
    if claims.get("exp") is not None and not isinstance(claims["exp"], (int, float)):
        return None
    return claims


def normalize_relay_url(text: object) -> str:
    if not isinstance(text, str) or not text.strip():
        raise _bad_link("relay URL: missing")
    candidate = text.strip()
    if not re.match(r"^[a-z][a-z0-9+.-]*://", candidate, re.I):
        candidate = f"http://{candidate}"
    url = urllib.parse.urlsplit(candidate)
    scheme = {"ws": "http", "wss": "https"}.get(url.scheme.lower(), url.scheme.lower())
    if scheme not in ("http", "https") or not url.hostname:
        raise _bad_link(f'relay URL: "{text}" is not http(s) or ws(s)')
    try:
        url.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise _bad_link(f'relay URL: "{text}" has a bad port') from None
    return f"{scheme}://{url.netloc}{url.path.rstrip('/')}"


def resolve_target(
    link: str | None = None,
    *,
    url: str | None = None,
    session: str | None = None,
    token: str | None = None,
    need_role: str | None = None,
    now: float | None = None,
) -> Target:
    """A session link (or url + session + token), checked: syntax, session id, that the token is this
    session's, not expired, and (for producers) may publish. Raises `DepthroomError` (bad-link,
    unauthorized, bad-token, token-expired, forbidden)."""
    if link is not None:
        if not isinstance(link, str):
            raise _bad_link(f"expected a session link string, got {type(link).__name__}")
        parsed = urllib.parse.urlsplit(link.strip())
        if not parsed.scheme or not parsed.netloc:
            raise _bad_link(f"not a URL: {link[:80]}")
        match = re.fullmatch(r"(.*)/s/([^/]+)/?", parsed.path)
        if not match:
            raise _bad_link("a session link has the form <web app>/s/<session>?relay=...#token=...")
        session = urllib.parse.unquote(match.group(2))
        relay = urllib.parse.parse_qs(parsed.query).get("relay", [None])[0]
        if not relay:
            raise _bad_link("the link names no relay (?relay=...)")
        url = relay
        token = urllib.parse.parse_qs(parsed.fragment).get("token", [None])[0]
        if not token:
            raise _bad_link("the link carries no token (#token=...)")
    elif url is None:
        raise _bad_link("give a session link, or url=, session= and token=")
    if not isinstance(session, str) or not SESSION_ID.fullmatch(session):
        raise _bad_link(f'session: "{session}" is not a session id')
    if not isinstance(token, str) or not token:
        raise DepthroomError("unauthorized", "token: missing", "token")
    relay_url = normalize_relay_url(url)
    claims = read_token_claims(token)
    if claims is not None:
        if claims["sid"] != session:
            raise DepthroomError("bad-token", f"the token belongs to session {claims['sid']}, not {session}", "token")
        expires = claims.get("exp")
        if expires is not None and expires <= (time.time() if now is None else now):
            when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(expires))
            raise DepthroomError("token-expired", f"the link expired on {when}", "token")
        if need_role == "publish" and claims["role"] != "publish":
            raise DepthroomError(
                "forbidden", f"this is a {claims['role']} link; publishing needs the session's publish link", "token"
            )
    return Target(relay_url, session, token, claims["role"] if claims else None)
