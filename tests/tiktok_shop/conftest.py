"""Every TikTok route test runs twice: through the fast path (simulator.fastpath) and through Flask alone."""

from __future__ import annotations

import pytest

from simulator.fastpath import ENV


@pytest.fixture(autouse=True, params=["fast", "flask"])
def dispatch_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """``TTS_SIM_FAST_PATH`` for the apps (and ``tts-sim serve`` processes) this test creates."""
    monkeypatch.setenv(ENV, "1" if request.param == "fast" else "0")
    return str(request.param)
