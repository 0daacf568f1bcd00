"""Scenario suites: pure-YAML stories replayed under virtual time and checked against every system."""
