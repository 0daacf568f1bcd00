"""The rules in the project's own words: rules.yaml is the one source of docs/rules.md and `tts-sim rules --explain`."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.cli import main
from simulator.rule_docs import explain, markdown, rule_ids, rule_set

DOC = Path(__file__).resolve().parents[2] / "docs" / "rules.md"
README = Path(__file__).resolve().parents[2] / "README.md"


def test_docs_rules_md_is_generated_from_rules_yaml() -> None:
    assert DOC.read_text(encoding="utf-8") == markdown(), "run: tts-sim rules --markdown > docs/rules.md"


def test_every_rule_has_words_profiles_and_a_source_and_the_doc_lists_each() -> None:
    rules = rule_set().rules
    assert len(rules) == 49 and list(rules) == list(rule_ids())
    for rule in rules.values():
        assert rule.text and rule.profiles and rule.sources, rule.id
        assert all(s.split(" (")[0] in rule_set().sources or s.startswith("simulator choice") for s in rule.sources)
        assert f"| {rule.id} | {rule.text} |" in DOC.read_text(encoding="utf-8")


def test_the_readme_and_docs_link_only_inside_the_repository() -> None:
    for path in [README, *DOC.parent.glob("*.md")]:
        text = path.read_text(encoding="utf-8")
        assert "../shared" not in text and "shared/reference" not in text, path


def test_can_b3_explain_gives_the_words_the_profile_numbers_and_the_sources() -> None:
    text = explain("can-b3")
    assert text.startswith("CAN-B3: buyer asks to cancel, ChannelAdvisor (cancellation; profiles: rithum)")
    assert "cancel_request_window = 24h\n      profile rithum; Rithum doc (rejection within 24 hours" in text
    assert "sync_interval = 15m" in text and "Rithum doc (Seller Approves / Rejects Buyer-Initiated" in text
    with pytest.raises(KeyError, match="did you mean CAN-B3"):
        explain("CAN-B33")


def test_hold1_rules_explain_on_the_cli_lists_the_scenarios_that_prove_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--explain", "HOLD-1"]) == 0
    out = capsys.readouterr().out
    assert "hold = 1h\n      every profile; all three documents" in out
    assert "proven by (scenario library):\n  all/hold-is-one-hour-on-every-profile.yaml:" in out
    assert main(["rules", "--explain", "NOPE-1"]) == 2
    assert "unknown rule ID 'NOPE-1'" in capsys.readouterr().err
