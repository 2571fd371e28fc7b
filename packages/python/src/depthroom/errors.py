"""Named errors of the Python client. Codes are the relay's `ErrorCode` names (packages/schema/src/codes.ts)
plus the SDK's own (bad-link, relay-unreachable, closed, timeout), so a script can branch on `error.code`."""

from __future__ import annotations


class DepthroomError(Exception):
    """Any refusal or failure the client reports: `code` names it, `field` says where (when known)."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.field = field

    def __str__(self) -> str:
        return f"{self.code}: {super().__str__()}"


class ValidationError(DepthroomError, ValueError):
    """A bad argument (wrong dtype, 3-D array, negative meter ...): a `ValueError` naming the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__("bad-message", f"{field}: {message}", field)


class DecodeError(DepthroomError):
    """Bytes that are not a valid message. `problem` as in PROTOCOL.md: truncated, bad-magic,
    unsupported-version, unknown-kind, invalid-field, too-large, trailing-bytes, corrupt-payload."""

    def __init__(self, problem: str, field: str, message: str) -> None:
        super().__init__("bad-message", f"{problem} at {field}: {message}", field)
        self.problem = problem
