"""Mocks folders: the built-in data, a user's files overlaid on it, export, and one-line errors naming file and field.

A user's folder holds only the files they change (``tiktok_shop/shops.yaml``, ...); every other file
comes from the built-in data. Each given file is parsed and checked against ``schema.yaml`` first,
so a mistake is refused as ``DIR/tiktok_shop/shops.yaml:12: shops[1].cipher: 'cipher' is a required
property`` rather than as a loader's traceback.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import threading
from functools import cache
from pathlib import Path
from typing import Any

from simulator.lazyimport import yaml
from simulator.packaged import data_dir

DATA_SUFFIXES = (".yaml", ".yml", ".json")
_OVERLAYS: dict[str, tempfile.TemporaryDirectory[str]] = {}  # per process: content digest -> merged folder
_OVERLAYS_LOCK = threading.Lock()


class MocksError(ValueError):
    """A mocks folder or file that cannot be used; the message is one line naming the file (and field)."""


def builtin_dir() -> Path:
    """The packaged mocks (wheel installs) or the repository's ``mocks/`` (source checkouts)."""
    return data_dir("mocks")


@cache
def _schema() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((Path(__file__).parent / "schema.yaml").read_text(encoding="utf-8"))
    return data


def known_files() -> list[str]:
    """Every mocks file a world reads, as paths relative to a mocks folder."""
    return sorted(_schema()["files"])


def data_files(directory: Path) -> list[str]:
    """The data files (YAML, JSON) under ``directory``, relative, in sorted order."""
    return sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*")
                  if p.is_file() and p.suffix in DATA_SUFFIXES)


def check_file(path: Path, relative: str) -> Any:
    """Parse ``path`` (the mocks file ``relative``) and check it against its schema; returns the data."""
    text = _text(path)
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        node = None if path.suffix == ".json" else yaml.compose(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        problem = exc.msg if isinstance(exc, json.JSONDecodeError) else getattr(exc, "problem", None) or exc
        raise MocksError(f"{path}:{_error_line(exc)}: not valid {'JSON' if path.suffix == '.json' else 'YAML'}: "
                         f"{_one_line(problem)}") from None
    schema = {**_schema()["files"][relative], "$defs": _schema()["$defs"]}
    import jsonschema  # here: only a user's mocks folder is checked, and serve starts sooner without it

    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(data))
    if error is not None:
        where = _field(list(error.absolute_path))
        line = _line_of(node, list(error.absolute_path))
        raise MocksError(f"{path}{f':{line}' if line else ''}: {where or '(top level)'}: {_one_line(error.message)}")
    return data


def check_folder(directory: Path) -> list[str]:
    """Check every data file of a user's mocks folder; returns their relative paths."""
    if not directory.is_dir():
        raise MocksError(f"{directory}: not a directory")
    files = data_files(directory)
    if not files:
        raise MocksError(f"{directory}: no mocks files (e.g. tiktok_shop/shops.yaml; `tts-sim mocks export DIR` "
                         "writes the built-in ones to start from)")
    known = set(known_files())
    for relative in files:
        if relative not in known:
            raise MocksError(f"{directory / relative}: not a mocks file (known: {', '.join(sorted(known))})")
        check_file(directory / relative, relative)
    return files


def overlay(directory: Path) -> Path:
    """A folder with the built-in mocks and ``directory``'s files in their place (checked; cached per content)."""
    directory = Path(directory).resolve()
    files = data_files(directory) if directory.is_dir() else []
    digest = hashlib.sha256()
    for relative in files:
        digest.update(relative.encode() + b"\0" + (directory / relative).read_bytes() + b"\0")
    key = digest.hexdigest()
    with _OVERLAYS_LOCK:
        held = _OVERLAYS.get(key)
        if held is None:  # content not seen in this process: check it (same content passed before)
            files = check_folder(directory)
            held = tempfile.TemporaryDirectory(prefix="tts-sim-mocks-")
            merged = Path(held.name)
            shutil.copytree(builtin_dir(), merged, dirs_exist_ok=True)
            for relative in files:
                (merged / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(directory / relative, merged / relative)
            _OVERLAYS[key] = held
        return Path(held.name)


def resolve(directory: Path | str | None) -> Path:
    """The folder a world loads: the built-in data, or a user's files overlaid on it."""
    return builtin_dir() if directory is None else overlay(Path(directory))


def export(destination: Path, *, force: bool = False) -> list[Path]:
    """Write the built-in mocks files under ``destination``; refuses to overwrite unless ``force``."""
    source = builtin_dir()
    relatives = data_files(source)
    targets = [destination / r for r in relatives]
    existing = [t for t in targets if t.exists()]
    if existing and not force:
        raise MocksError(f"{existing[0]}: already exists (pass --force to overwrite)")
    for relative, target in zip(relatives, targets, strict=True):
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / relative, target)
    readme = source / "README.md"
    if readme.is_file() and (force or not (destination / "README.md").exists()):
        shutil.copyfile(readme, destination / "README.md")
    return targets


# -- error rendering -------------------------------------------------------------------------------
def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise MocksError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise MocksError(f"{path}: cannot read ({exc.strerror or exc})") from None


def _one_line(value: object) -> str:
    return " ".join(str(value).split())


def _error_line(exc: Exception) -> int:
    if isinstance(exc, json.JSONDecodeError):
        return exc.lineno
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return int(mark.line) + 1 if mark is not None else 1


def _field(path: list[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _line_of(node: Any, path: list[Any]) -> int | None:
    """The 1-based line of the YAML node at ``path`` (the deepest one that exists)."""
    if node is None:
        return None
    line = int(node.start_mark.line) + 1
    for part in path:
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
        else:
            child = None
        if child is None:
            break
        node, line = child, int(child.start_mark.line) + 1
    return line
