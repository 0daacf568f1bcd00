"""Data folders shipped inside the wheel (``simulator/_mocks``, ``_contracts``) or beside a source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """``simulator/_{name}`` in an installed wheel, else the repository's top-level ``{name}/``."""
    packaged = _PACKAGE / f"_{name}"
    return packaged if packaged.is_dir() else _PACKAGE.parents[1] / name


def contracts_dir() -> Path:
    """The OpenAPI documents of the emulated APIs (``contracts/``)."""
    return data_dir("contracts")
