"""``tts-sim init DIR``: write a partner test suite (conftest, one example OMS per profile, passing tests)."""

from __future__ import annotations

from pathlib import Path

TEMPLATE = Path(__file__).parent / "template"
SUFFIX = ".tmpl"  # templates are not modules of this package (no lint, no import, no collection here)


class ScaffoldError(Exception):
    """The target cannot be written (one line)."""


def files() -> list[tuple[str, Path]]:
    """``(relative target path, template file)`` of every file a suite gets."""
    found = []
    for source in sorted(TEMPLATE.rglob("*")):
        if source.is_file() and "__pycache__" not in source.parts:
            relative = source.relative_to(TEMPLATE).as_posix()
            found.append((relative.removesuffix(SUFFIX), source))
    return found


def write(target: Path, *, force: bool = False) -> list[Path]:
    """Write the suite under ``target`` (created if missing); refuses to overwrite files unless ``force``."""
    if target.exists() and not target.is_dir():
        raise ScaffoldError(f"{target}: exists and is not a directory")
    planned = [(target / relative, source) for relative, source in files()]
    clash = next((path for path, _ in planned if path.exists()), None)
    if clash is not None and not force:
        raise ScaffoldError(f"{clash}: already exists (pass --force to overwrite)")
    for path, source in planned:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(source.read_bytes())
    return [path for path, _ in planned]
