"""ChannelAdvisor tests use the fixtures of tests/fixtures/channeladvisor.py."""

from tests.fixtures.channeladvisor import client, oms, world

__all__ = ["client", "oms", "world"]
