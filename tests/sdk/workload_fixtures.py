"""Fixtures for the Deep Security / Workload Security SDK suite: an emulator serving `/api`.

The suite starts its own emulator (`--workload-login` turns on the sign-in that the generic
`conftest.py` emulator has no use for) and resets it before each test, so every step stands alone.
Import the fixtures into a test module with `from workload_fixtures import *`.
"""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "workload-sdk-admin"
LOGIN = ("sdk-admin", "sdk-password")

__all__ = ["WorkloadEmulator", "workload", "workload_server", "TOKEN", "LOGIN"]


def _binary() -> Path:
    """`target/debug/visionone-emulator`, built by `make build`; this suite never builds."""
    if os.environ.get("VISIONONE_EMULATOR"):
        return Path(os.environ["VISIONONE_EMULATOR"])
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return target / "debug" / "visionone-emulator"


@dataclass
class WorkloadEmulator:
    """A running emulator: `api_url` is the SDK's `host` (base URL + `/api`), `token` a Full
    Access `api-secret-key` for it."""

    url: str
    token: str

    @property
    def api_url(self) -> str:
        return f"{self.url}/api"

    def control(self, method: str, path: str, body: Optional[Any] = None) -> Any:
        """Call the control surface (`/_emulator/...`); the decoded JSON body, or None."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            f"{self.url}/_emulator{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            raw = resp.read()
        return json.loads(raw) if raw else None

    def keys(self) -> list:
        """Every workload key on the server, without secrets."""
        return self.control("GET", "/workload/keys")["items"]


@pytest.fixture(scope="module")
def workload_server() -> Iterator[WorkloadEmulator]:
    binary = _binary()
    if not binary.exists():
        pytest.fail(f"{binary} is missing: run `make build` first")
    proc = subprocess.Popen(
        [
            str(binary),
            "--listen",
            "127.0.0.1:0",
            "--token",
            TOKEN,
            "--workload-login",
            f"{LOGIN[0]}:{LOGIN[1]}",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = (proc.stdout.readline() if proc.stdout else "").strip()
        if not url.startswith("http://"):
            pytest.fail(f"the emulator printed {url!r} instead of its URL")
        yield WorkloadEmulator(url=url, token=TOKEN)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def workload(workload_server: WorkloadEmulator) -> WorkloadEmulator:
    """The module's emulator, reset: no keys, no sessions, the real clock, no faults."""
    workload_server.control("POST", "/reset")
    return workload_server
