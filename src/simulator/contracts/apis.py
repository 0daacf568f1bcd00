"""The three contracts: which file, which system, and their schemathesis settings (``contracts/conformance/``)."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from simulator.lazyimport import yaml
from simulator.packaged import contracts_dir


@dataclass(frozen=True)
class Api:
    """One emulated API: ``name`` as the CLI spells it, the world system serving it, its contract file."""

    name: str
    system: str
    title: str

    @property
    def contract(self) -> Path:
        """The OpenAPI 3.1 document (shipped in the wheel as ``simulator/_contracts``)."""
        return contracts_dir() / f"{self.name}.yaml"

    @property
    def settings_file(self) -> Path:
        """The schemathesis settings (TOML, schemathesis' own config format) its conformance run uses."""
        return contracts_dir() / "conformance" / f"{self.name}.toml"

    def document(self) -> dict[str, Any]:
        """The contract, parsed (a fresh copy)."""
        return _load_yaml(self.contract)

    def settings(self) -> dict[str, Any]:
        """The schemathesis settings, parsed (a fresh copy)."""
        import tomllib  # here: only a conformance run reads them

        return tomllib.loads(self.settings_file.read_text(encoding="utf-8"))


APIS: dict[str, Api] = {api.name: api for api in (
    Api("tiktok-shop", "tiktok", "TikTok Shop Partner API"),
    Api("sfcc", "sfcc", "Salesforce Commerce Cloud (OCAPI + TikTok cartridge)"),
    Api("channeladvisor", "channeladvisor", "ChannelAdvisor (Rithum) REST"),
)}


def _load_yaml(path: Path) -> dict[str, Any]:
    return copy.deepcopy(_parsed(path, path.stat().st_mtime_ns))


@cache
def _parsed(path: Path, mtime: int) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data
