"""Fixtures for the SDK suites: one emulator process for the session, reset before each test.

Trend's own client libraries are the witnesses here: each test drives the emulator through an
SDK exactly as a user's integration would, so the emulator must answer in shapes those SDKs parse.
The fixture is generic (a base URL, a token and the control surface) so that every SDK suite in
this directory shares it.
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
TOKEN = "sdk-admin-token"
# A user the Workload Security API (`/api`) accepts at `POST /api/sessions`.
LOGIN = ("sdk-admin", "sdk-password")


def _emulator_binary() -> Path:
    """`target/debug/visionone-emulator`, built by `make build`; this suite never builds."""
    if os.environ.get("VISIONONE_EMULATOR"):
        return Path(os.environ["VISIONONE_EMULATOR"])
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return target / "debug" / "visionone-emulator"


@dataclass
class Emulator:
    """A running emulator: `url` is the base (no `/v3.0`), `token` an admin API key for it."""

    url: str
    token: str

    @property
    def api_url(self) -> str:
        """The Workload Security SDK's `host`: base URL + `/api` (`token` is a Full Access secret there)."""
        return f"{self.url}/api"

    def control(self, method: str, path: str, body: Optional[Any] = None) -> Any:
        """Call the control surface (`/_emulator/...`); returns the decoded JSON body, or None."""
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

    def calls(self) -> list:
        """The emulator's call log: method, path, status (and batch size) of every API call."""
        return self.control("GET", "/calls")["items"]

    def keys(self) -> list:
        """Every Workload Security key on the server, without secrets."""
        return self.control("GET", "/workload/keys")["items"]


@pytest.fixture(scope="session")
def _emulator_process() -> Iterator[Emulator]:
    binary = _emulator_binary()
    if not binary.is_file():
        pytest.exit(f"{binary} is missing: run `make build` first", returncode=2)
    proc = subprocess.Popen(
        [str(binary), "--listen", "127.0.0.1:0", "--token", TOKEN, "--workload-login", ":".join(LOGIN)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # The first line on stdout is the base URL, printed once the port is bound.
        url = proc.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            proc.kill()
            pytest.exit(f"emulator did not start: {url!r} {proc.stderr.read()}", returncode=2)
        yield Emulator(url=url, token=TOKEN)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def emulator(_emulator_process: Emulator) -> Emulator:
    """The emulator, reset to an empty tenant (predefined roles only) with a clean call log."""
    _emulator_process.control("POST", "/reset")
    return _emulator_process
