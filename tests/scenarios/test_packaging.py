"""The scenario library ships inside the wheel: `tts-sim run` with no path replays it from an installed package."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys
from simulator.cli import main
from simulator.scenarios.library import library_dir
import simulator
code = main(["run", "--junit", sys.argv[1], "--no-color"])
print(json.dumps({"code": code, "package": simulator.__file__, "library": str(library_dir())}))
"""


def test_an_installed_wheel_replays_its_own_library_with_no_path(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(tmp_path / "dist"), str(ROOT)], check=True, capture_output=True)
    (wheel,) = (tmp_path / "dist").glob("tts_sim-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    packaged = {n for n in names if n.startswith("simulator/_scenarios/") and n.endswith(".yaml")}
    assert {f"simulator/_scenarios/{p.relative_to(ROOT / 'scenarios').as_posix()}"
            for p in (ROOT / "scenarios").rglob("*.yaml")} == packaged
    assert "simulator/rules.yaml" in names and "simulator/_mocks/calendar.yaml" in names
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(tmp_path / "site"),
                    str(wheel)], check=True, capture_output=True)
    run = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path / "junit.xml")], cwd=tmp_path,
                         env={"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"},
                         capture_output=True, text=True, timeout=300)
    probe = json.loads(run.stdout.strip().splitlines()[-1])
    assert probe["package"].startswith(str(tmp_path / "site"))  # the wheel, not this checkout
    assert probe["library"] == str(tmp_path / "site" / "simulator" / "_scenarios")
    suite = ET.parse(tmp_path / "junit.xml").getroot()
    assert probe["code"] == 0 and int(suite.get("tests", 0)) == len(packaged) >= 60 and suite.get("failures") == "0"
