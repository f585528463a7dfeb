"""Shared fixtures: the repository paths and a local minicloud engine started through the CLI binary."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import threading
import urllib.error
import urllib.request

import pytest

REPO = pathlib.Path(__file__).resolve().parents[3]
ADMIN_TOKEN = "uniffi-python-admin"
CLIENT_ID = "uniffi-python-e2e"


class Engine:
    """A running `minicloud serve` process."""

    def __init__(self, url: str, process: subprocess.Popen) -> None:
        self.url = url
        self.process = process

    def admin(self, method: str, path: str) -> tuple:
        """Calls the engine's test controls; returns (status, parsed body or None)."""
        request = urllib.request.Request(self.url + path, method=method,
                                         headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        try:
            with urllib.request.urlopen(request, timeout=10) as r:
                text = r.read().decode()
                return r.status, (json.loads(text) if text else None)
        except urllib.error.HTTPError as e:
            return e.code, None

    def login_count(self) -> int:
        status, body = self.admin("GET", "/dev/v1/stats")
        if status != 200:
            pytest.skip(f"engine has no /dev/v1/stats test control yet (HTTP {status})")
        return body["login_count"]


def start_engine(functions: pathlib.Path) -> Engine:
    """Starts ``minicloud serve FUNCTIONS --port 0 ...`` through the CLI binary and waits for its URL."""
    cli = os.environ.get("MINICLOUD_CLI", str(REPO / "target" / "debug" / "minicloud"))
    if not pathlib.Path(cli).exists():
        pytest.fail(f"the minicloud CLI binary is missing at {cli}: build it with `cargo build -p minicloud-cli`")
    process = subprocess.Popen(
        [cli, "serve", str(functions), "--port", "0", "--client-id", CLIENT_ID,
         "--allow-anonymous", "--in-memory"],
        # The admin token goes through the environment: the engine takes no secret on its command line.
        env={**os.environ, "MINICLOUD_ADMIN_TOKEN": ADMIN_TOKEN},
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, encoding="utf-8")
    line = process.stdout.readline()
    prefix = "minicloud engine listening on "
    if not line.startswith(prefix):
        process.kill()
        pytest.fail(f"engine did not start: {line!r}")
    # Keep reading stdout so a chatty engine never blocks on a full pipe.
    threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()
    return Engine(line[len(prefix):].strip(), process)


def stop_engine(engine: Engine) -> None:
    engine.process.terminate()
    engine.process.wait(timeout=30)


@pytest.fixture(scope="session")
def engine():
    running = start_engine(REPO / "engine" / "tests" / "functions")
    yield running
    stop_engine(running)
