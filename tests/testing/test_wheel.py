"""The built wheel, not the editable install, in a fresh venv outside the repository (issue 12's "Done when").

Builds the wheel, installs it with pip (dependencies from the configured index or cache, as a partner
would), then in a brand-new folder: `tts-sim --version`, `tts-sim init suite`, `pytest suite` and
`pytest suite -n 2`, then `tts-sim contract` against a `tts-sim serve` of the same venv; the mocks, contracts
and scaffold ship inside the package.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.wheel


def _run(*args: str | Path, cwd: Path, timeout: float = 300) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "VIRTUAL_ENV", "PYTHONPATH"))}
    done = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    assert done.returncode == 0, f"{args}: {done.stdout[-3000:]}{done.stderr[-3000:]}"
    return done.stdout


def test_a_fresh_venv_with_the_wheel_runs_init_and_the_generated_suite(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, ROOT, cwd=tmp_path)
    (wheel,) = dist.glob("tts_sim-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    _run(python, "-m", "pip", "install", "-q", wheel, "pytest", "pytest-xdist", cwd=tmp_path)
    partner = tmp_path / "partner"
    partner.mkdir()
    version = _run(env_dir / "bin" / "tts-sim", "--version", cwd=partner)
    assert version.startswith("tts-sim ") and "unknown" not in version
    shipped = _run(python, "-c", "import simulator, simulator.packaged as p, simulator.mocksdata as m; "
                   "print(simulator.__file__); print(sorted(x.name for x in p.contracts_dir().iterdir())); "
                   "print(m.builtin_dir())", cwd=partner).splitlines()
    assert str(env_dir) in shipped[0] and "channeladvisor.yaml" in shipped[1] and "_mocks" in shipped[2], shipped
    _run(env_dir / "bin" / "tts-sim", "init", "suite", cwd=partner)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = readme[readme.index("## In a pytest suite"):].split("```python\n", 1)[1].split("```", 1)[0]
    (partner / "readme").mkdir()
    (partner / "readme" / "test_readme.py").write_text(example)  # verbatim, a time.time()-signing client
    assert "1 passed" in _run(python, "-m", "pytest", "readme", "-q", "-p", "no:cacheprovider", cwd=partner)
    assert "10 passed" in _run(python, "-m", "pytest", "suite", "-q", "-p", "no:cacheprovider", cwd=partner)
    assert "10 passed" in _run(python, "-m", "pytest", "suite", "-q", "-n", "2", "-p", "no:cacheprovider",
                               cwd=partner)
    _contract_against_a_served_mock(env_dir / "bin" / "tts-sim", partner)


def _contract_against_a_served_mock(tts_sim: Path, cwd: Path) -> None:
    """Issue 10: the installed `tts-sim contract` (contracts from the wheel) against an installed `tts-sim serve`."""
    import socket
    import time

    import requests

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "VIRTUAL_ENV", "PYTHONPATH"))}
    server = subprocess.Popen([str(tts_sim), "serve", "--port", str(port)], cwd=cwd, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if requests.get(f"{url}/_sim/ping", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.1)
        out = _run(tts_sim, "contract", "--api", "channeladvisor", "--base-url", url, "--phases", "examples,fuzzing",
                   "--max-examples", "2", "--quiet", cwd=cwd)
        assert "channeladvisor: conforms" in out, out[-2000:]
    finally:
        server.terminate()
        server.wait(timeout=30)
