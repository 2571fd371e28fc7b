"""A real relay for the tests: `apps/relay/src/main.ts` run by node + tsx in a child process on a free
port with a temporary data directory (restartable on the same port), and sessions made through its
HTTP API. Also runs the TypeScript helper scripts in tests/support with the same node."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
SUPPORT = Path(__file__).resolve().parent / "support"
NODE = os.environ.get("DEPTHROOM_NODE", shutil.which("node") or "node")


class RelayProcess:
    def __init__(self, data_dir: str, port: int = 0) -> None:
        self.data_dir = data_dir
        self.output: list[str] = []
        self.process = subprocess.Popen(
            [NODE, "--import", "tsx", str(REPO / "apps/relay/src/main.ts"), "--port", str(port), "--data", data_dir],
            cwd=REPO,
            env={**os.environ, "DEPTHROOM_LOG_LEVEL": "info"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        listening = threading.Event()
        self.url = ""

        def read() -> None:
            assert self.process.stdout is not None
            for line in self.process.stdout:
                self.output.append(line)
                if not listening.is_set() and '"listening"' in line:
                    try:
                        record = json.loads(line)
                    except ValueError:
                        continue
                    if record.get("msg") == "listening":
                        self.url = record["url"]
                        listening.set()

        threading.Thread(target=read, daemon=True).start()
        deadline = time.monotonic() + 60
        while not listening.wait(0.1):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop(signal.SIGKILL)
                raise RuntimeError("relay did not start:\n" + "".join(self.output))
        self.port = int(self.url.rsplit(":", 1)[1].split("/")[0])

    def create_session(self) -> dict:
        request = urllib.request.Request(
            f"{self.url}/api/sessions", data=b"{}", headers={"Content-Type": "application/json"}, method="POST"
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


class Relay:
    """A relay with its own data directory, restartable in place."""

    def __init__(self) -> None:
        self.data_dir = tempfile.mkdtemp(prefix="depthroom-pytest-")
        self.process = RelayProcess(self.data_dir)

    @property
    def url(self) -> str:
        return self.process.url

    def create_session(self) -> dict:
        return self.process.create_session()

    def restart(self, sig: int = signal.SIGKILL, down_seconds: float = 0.5) -> None:
        port = self.process.port
        self.process.stop(sig)
        time.sleep(down_seconds)
        self.process = RelayProcess(self.data_dir, port)

    def close(self) -> None:
        self.process.stop(signal.SIGKILL)
        shutil.rmtree(self.data_dir, ignore_errors=True)


def run_ts(script: str, *args: str, timeout: float = 120, stdin: str | None = None) -> subprocess.CompletedProcess:
    """Run tests/support/<script> with node + tsx; raises with its output when it fails."""
    result = subprocess.run(
        [NODE, "--import", "tsx", str(SUPPORT / script), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        input=stdin,
    )
    if result.returncode != 0:
        raise AssertionError(f"{script} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


def start_ts(script: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [NODE, "--import", "tsx", str(SUPPORT / script), *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
