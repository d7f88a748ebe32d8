"""Fixtures for the Deep Security / Workload Security SDK suite: the shared emulator of
`conftest.py` (which serves `/api` and accepts `LOGIN` at `POST /api/sessions`), reset before each
test so every step stands alone. Import them into a test module with `from workload_fixtures import *`.
"""

from __future__ import annotations

import pytest
from conftest import LOGIN, TOKEN, Emulator

# The SDK suite's name for the shared emulator handle (`api_url`, `token`, `control`, `keys`).
WorkloadEmulator = Emulator

__all__ = ["WorkloadEmulator", "workload", "TOKEN", "LOGIN"]


@pytest.fixture
def workload(emulator: Emulator) -> Emulator:
    """The emulator, reset: no keys, no sessions, the real clock, no faults."""
    return emulator
