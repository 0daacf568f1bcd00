"""Shared fixtures: fixture modules under tests/fixtures are loaded as plugins."""

pytest_plugins = ["tests.fixtures.engine", "tests.fixtures.tiktok"]
