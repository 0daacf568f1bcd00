"""Shared fixtures: fixture modules under tests/fixtures are loaded as plugins."""

import os
import shutil
import tempfile

import pytest

from simulator.yamlfiles import CACHE_ENV

pytest_plugins = ["pytester", "tests.fixtures.engine", "tests.fixtures.tiktok"]
_CACHE = pytest.StashKey[str]()  # the cache folder this run made (removed when it ends)


def pytest_configure(config: pytest.Config) -> None:
    """The parsed-data cache (simulator.yamlfiles) of this run, its servers and xdist workers: a folder of its own."""
    if CACHE_ENV not in os.environ:
        os.environ[CACHE_ENV] = config.stash[_CACHE] = tempfile.mkdtemp(prefix="tts-sim-test-cache-")


def pytest_unconfigure(config: pytest.Config) -> None:
    made = config.stash.get(_CACHE, None)
    if made is not None:
        os.environ.pop(CACHE_ENV, None)
        shutil.rmtree(made, ignore_errors=True)

