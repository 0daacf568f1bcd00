"""Testing helpers: the pytest plugin, in-process HTTP interception and a live test server."""
