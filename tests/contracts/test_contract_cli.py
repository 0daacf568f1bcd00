"""`tts-sim contract` against a served mock (exit 0) and against a server breaking the contract (exit 1, naming the
operation, the field and a curl that reproduces it) (issue 10)."""

from __future__ import annotations

import re
import shlex
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from simulator.cli import main
from tests.contracts.conftest import serving

FAST = ["--phases", "examples,fuzzing", "--max-examples", "2"]


def _contract(capsys: pytest.CaptureFixture[str], url: str, api: str, *extra: str) -> tuple[int, str]:
    status = main(["contract", "--api", api, "--base-url", url, *FAST, *extra])
    out = capsys.readouterr()
    return status, out.out + out.err


def _altering(pattern: bytes, replacement: bytes) -> Callable[[Any], Any]:
    """A server whose JSON answers have one field altered (a partner's implementation with a bug)."""

    def wrap(app: Any) -> Any:
        def altered(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
            captured: dict[str, Any] = {}

            def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
                captured.update(status=status, headers=headers)
                return lambda data: None

            body = re.sub(pattern, replacement, b"".join(app(environ, capture)))
            headers = [(k, str(len(body)) if k.lower() == "content-length" else v) for k, v in captured["headers"]]
            start_response(captured["status"], headers)
            return [body]

        return altered

    return wrap


@pytest.mark.parametrize("api", ["channeladvisor", "sfcc", "tiktok-shop"])
def test_contract_against_the_served_mock_exits_0(api: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """No credential options: the seeded ones come from /_sim/credentials; progress, counts and JUnit."""
    junit = tmp_path / "contract.xml"
    with serving() as (url, _world):
        status, output = _contract(capsys, url, api, "--junit", str(junit))
    assert status == 0, output
    assert "is a tts-sim server: using its seeded" in output and f"{api}: conforms" in output
    assert re.search(r"examples  \S+ /\S+: \d+ cases", output)  # progress per operation
    suite = ET.parse(junit).getroot()
    assert suite.get("failures") == "0" and int(suite.get("tests", "0")) >= 10


def test_a_server_that_breaks_the_contract_exits_1_naming_operation_field_and_curl(
        capsys: pytest.CaptureFixture[str]) -> None:
    """CA-1: a ShippingStatus outside the vendor enum is reported with its operation, JSON pointer and a curl."""
    broken = _altering(rb'"ShippingStatus":\s*"Unshipped"', b'"ShippingStatus":"Misplaced"')
    with serving(broken) as (url, _world):
        status, output = _contract(capsys, url, "channeladvisor")
        assert status == 1, output
        failure = output[output.index("GET /v1/Orders({ID}): Response violates schema"):]
        assert "field: /ShippingStatus" in failure.splitlines()[1]
        assert "Misplaced" in failure
        curl = next(line for line in failure.splitlines() if line.strip().startswith("reproduce: "))
        command = shlex.split(curl.split("reproduce: ", 1)[1])
        assert command[0] == "curl" and command[-1].startswith(f"{url}/v1/Orders(")
        replayed = subprocess.run(command + ["-s"], capture_output=True, text=True, timeout=30, check=False)
        assert '"ShippingStatus":"Misplaced"' in replayed.stdout  # the curl reproduces it
    assert "channeladvisor does not conform" in output


def test_missing_credentials_against_another_server_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["contract", "--api", "tiktok-shop", "--base-url", "http://127.0.0.1:9"])
    err = capsys.readouterr().err
    assert status == 2 and "needs --app-key, --app-secret, --access-token, --shop-cipher" in err
