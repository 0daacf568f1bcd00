"""Modules imported on first use: what a world or a server needs only on a rare path stays out of start-up."""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any


class LazyModule(types.ModuleType):
    """Stands for the module named ``__name__`` and imports it on the first attribute read.

    Importers keep ``requests.Session()`` and ``except requests.RequestException`` as they were (an
    ``except`` clause imports the module only when an exception reaches it); type checkers see the real
    module. Thread-safe: Python's import lock serialises the first import.
    """

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self.__name__), attr)


def lazy(name: str) -> Any:
    """The module ``name`` if already imported, else a :class:`LazyModule` standing for it (not in ``sys.modules``)."""
    return sys.modules.get(name) or LazyModule(name)


if TYPE_CHECKING:
    import sqlite3 as sqlite3

    import requests as requests
    import yaml as yaml
else:
    # requests (with urllib3, charset_normalizer, idna, http.cookiejar: ~0.1 s of start-up): only an HTTP
    # call to a real server (a partner's SFCC, a webhook-fed pull, a test client) needs it.
    requests = lazy("requests")
    # PyYAML (~15 ms to import: yaml.reader's and the resolver's regexes, libyaml): a start whose data
    # files are all in the parsed-data cache (simulator.yamlfiles) parses none.
    yaml = lazy("yaml")
    # sqlite3 (with its extension module): only ``serve --data`` keeps worlds in SQLite files.
    sqlite3 = lazy("sqlite3")
