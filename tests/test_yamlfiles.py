"""The parsed-data cache (simulator.yamlfiles): kept on disk by content, never served stale or corrupt, safe to share."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from simulator import mocksdata, yamlfiles

DOC = "shop: first\nopened: 2026-11-02\nat: 2026-11-02T09:00:00+01:00\nregions: !!set {US: null, UK: null}\n"
# A fresh process loading one file, as a server start does: the data, and whether PyYAML was imported for it.
LOAD = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from simulator import yamlfiles
    data = yamlfiles.load(Path(sys.argv[1]))
    print(json.dumps({"data": data, "yaml_imported": "yaml" in sys.modules},
                     default=lambda v: sorted(v) if isinstance(v, set) else str(v)))
""")


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty disk cache of this test's own, and an empty per-process cache."""
    directory = tmp_path / "cache"
    monkeypatch.setenv(yamlfiles.CACHE_ENV, str(directory))
    monkeypatch.setattr(yamlfiles, "_CACHE", {})
    return directory


def _fresh_process(path: Path) -> dict[str, object]:
    run = subprocess.run([sys.executable, "-c", LOAD, str(path)], capture_output=True, text=True, check=True)
    result: dict[str, object] = json.loads(run.stdout)
    return result


def _same_size_and_mtime(path: Path, text: str) -> None:
    """Rewrite ``path`` keeping its size and mtime: only its bytes tell the change."""
    before = path.stat()
    assert len(text.encode()) == before.st_size
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def _entries(directory: Path) -> list[Path]:
    return sorted(directory.iterdir())


def test_a_new_process_gets_the_parsed_data_without_parsing_and_a_changed_file_is_parsed_again(
        cache: Path, tmp_path: Path) -> None:
    path = tmp_path / "shops.yaml"
    path.write_text(DOC, encoding="utf-8")
    first = _fresh_process(path)
    assert first["yaml_imported"] is True  # parsed, and kept
    again = _fresh_process(path)
    assert again == {"data": first["data"], "yaml_imported": False}
    _same_size_and_mtime(path, DOC.replace("first", "other"))
    changed = _fresh_process(path)
    assert changed["yaml_imported"] is True
    assert changed["data"]["shop"] == "other"  # type: ignore[index]


def test_cached_data_equals_what_the_safe_loader_returns_dates_sets_and_newlines_included(
        cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "data.yaml"
    path.write_bytes(DOC.replace("\n", "\r\n").encode() + b"text: |\r\n  a\r\n  b\r\n")
    expected = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert expected["opened"] == date(2026, 11, 2)
    assert expected["at"] == datetime(2026, 11, 2, 9, tzinfo=timezone(timedelta(hours=1)))
    assert expected["regions"] == {"US", "UK"}
    assert expected["text"] == "a\nb\n"
    assert yamlfiles.load(path) == expected  # parsed, and kept on disk
    monkeypatch.setattr(yamlfiles, "_CACHE", {})
    monkeypatch.setattr(yamlfiles, "parse", lambda text: pytest.fail("parsed again"))
    assert yamlfiles.load(path) == expected  # from the disk cache


@pytest.mark.parametrize("damage", ["truncated", "flipped byte", "not ours", "empty"])
def test_a_damaged_entry_is_never_served_the_file_is_parsed_and_the_entry_rewritten(
        cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str) -> None:
    path = tmp_path / "shops.yaml"
    path.write_text(DOC, encoding="utf-8")
    expected = yamlfiles.load(path)
    [entry] = _entries(cache)
    intact = entry.read_bytes()
    broken = {"truncated": intact[:-7], "flipped byte": intact[:-3] + bytes([intact[-3] ^ 0x20]) + intact[-2:],
              "not ours": b"\x80\x04K\x01.", "empty": b""}[damage]
    entry.write_bytes(broken)
    monkeypatch.setattr(yamlfiles, "_CACHE", {})
    assert yamlfiles.load(path) == expected
    assert entry.read_bytes() == intact


def test_concurrent_starts_writing_the_same_entries_all_get_the_data_and_leave_one_intact_entry_each(
        cache: Path, tmp_path: Path) -> None:
    paths = []
    for n in range(3):
        paths.append(tmp_path / f"file{n}.yaml")
        paths[-1].write_text(DOC.replace("first", f"shop{n}"), encoding="utf-8")
    script = "import json, sys\nfrom pathlib import Path\nfrom simulator import yamlfiles\n" \
             "print(json.dumps([yamlfiles.load(Path(p))['shop'] for p in sys.argv[1:]]))"
    starts = [subprocess.Popen([sys.executable, "-c", script, *map(str, paths)], stdout=subprocess.PIPE, text=True)
              for _ in range(6)]
    errors: list[BaseException] = []

    def in_threads() -> None:  # and threads of this process, each with its own per-process cache miss
        try:
            for p in paths:
                yamlfiles.parse_bytes(p.read_bytes())
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=in_threads) for _ in range(4)]
    for t in threads:
        t.start()
    outputs = [json.loads(p.communicate()[0]) for p in starts]
    for t in threads:
        t.join()
    assert errors == []
    assert all(p.returncode == 0 for p in starts)
    assert outputs == [["shop0", "shop1", "shop2"]] * 6
    entries = _entries(cache)
    assert len(entries) == 3 and all(e.suffix == ".pickle" for e in entries)  # no temporary file left behind
    for p in paths:
        assert yamlfiles._read(cache / f"{yamlfiles._key(p.read_bytes())}.pickle") == yaml.safe_load(p.read_text())


def test_a_mocks_overlay_changed_in_place_is_served_as_changed(cache: Path, tmp_path: Path) -> None:
    overlay = tmp_path / "mocks"
    (overlay / "tiktok_shop").mkdir(parents=True)
    text = (mocksdata.builtin_dir() / "tiktok_shop" / "shops.yaml").read_text(encoding="utf-8")
    cipher = yaml.safe_load(text)["shops"][0]["cipher"]
    (overlay / "tiktok_shop" / "shops.yaml").write_text(text, encoding="utf-8")
    script = "import json, sys\nfrom simulator.world import World\n" \
             "print(json.dumps(World.create(mocks_dir=sys.argv[1]).control.credentials()['tiktok']['shops']))"

    def ciphers() -> list[str]:  # what the banner prints, from a fresh process as each start is
        run = subprocess.run([sys.executable, "-c", script, str(overlay)], capture_output=True, text=True, check=True)
        return [shop["cipher"] for shop in json.loads(run.stdout)]

    assert ciphers()[0] == cipher
    changed = "Z" * len(cipher)
    _same_size_and_mtime(overlay / "tiktok_shop" / "shops.yaml", text.replace(cipher, changed, 1))
    assert ciphers()[0] == changed
    (overlay / "tiktok_shop" / "shops.yaml").write_text(text, encoding="utf-8")
    assert ciphers()[0] == cipher


def test_a_cache_folder_others_can_write_is_not_used_and_an_unwritable_one_costs_only_the_parse(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    monkeypatch.setenv(yamlfiles.CACHE_ENV, str(shared))
    assert yamlfiles.cache_dir() is None
    monkeypatch.setenv(yamlfiles.CACHE_ENV, "")
    assert yamlfiles.cache_dir() is None  # off
    monkeypatch.delenv(yamlfiles.CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert yamlfiles.cache_dir() == tmp_path / "xdg" / "tts-sim" / "yaml"
    assert (tmp_path / "xdg" / "tts-sim" / "yaml").stat().st_mode & 0o777 == 0o700
    monkeypatch.setenv("XDG_CACHE_HOME", "relative")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert yamlfiles.cache_dir() == tmp_path / "home" / ".cache" / "tts-sim" / "yaml"
    blocked = tmp_path / "blocked"
    monkeypatch.setenv(yamlfiles.CACHE_ENV, str(blocked))
    path = tmp_path / "shops.yaml"
    path.write_text(DOC, encoding="utf-8")
    (blocked / f"{yamlfiles._key(path.read_bytes())}.pickle").mkdir(parents=True)  # the entry cannot be written
    assert yamlfiles.load(path)["shop"] == "first"
    assert [p.name for p in blocked.iterdir()] == [f"{yamlfiles._key(path.read_bytes())}.pickle"]  # no leftovers
    monkeypatch.setenv(yamlfiles.CACHE_ENV, str(path))  # not a folder at all
    assert yamlfiles.cache_dir() is None


def test_writes_past_the_limit_remove_the_oldest_entries(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlfiles, "MAX_ENTRIES", 3)
    for n in range(5):
        data = f"n: {n}\n".encode()
        yamlfiles.parse_bytes(data)
        os.utime(cache / f"{yamlfiles._key(data)}.pickle", ns=(10**9 * (n + 1),) * 2)  # written n seconds in
    assert sorted(yamlfiles._read(e)["n"] for e in _entries(cache)) == [2, 3, 4]
