"""Shared fixtures: fixture modules under tests/fixtures are loaded as plugins."""

pytest_plugins = ["pytester", "tests.fixtures.engine", "tests.fixtures.tiktok"]
