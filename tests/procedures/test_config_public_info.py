"""The partnership file's retention, privacy, contact and immediate-risk keys: checked at start-up,
each mistake one line naming the file and key."""
from __future__ import annotations

from pathlib import Path

import pytest

from partnership.config import ConfigError, RetentionConfig, parse_partnership


def test_the_partnership_file_says_how_long_and_on_which_day(tmp_path: Path):
    raw = {"slug": "x", "name": "X", "nation": "ENG", "procedure": "pan-cheshire",
           "sheet": {"backend": "local", "path": "x.xlsx"},
           "email": {"from": "a@x.example", "business_support": "b@x.example", "partnership_manager": "c@x.example"}}
    assert parse_partnership("x.toml", raw, tmp_path).retention == RetentionConfig(None, 0)
    got = parse_partnership("x.toml", {**raw, "retention": {"anonymise_after_months": 24, "weekday": "sunday"}},
                            tmp_path)
    assert got.retention == RetentionConfig(24, 6)
    for bad, message in (({"anonymise_after_months": 0}, "x.toml: retention.anonymise_after_months: must be at least 1, got 0"),
                         ({"anonymise_after_months": "two years"},
                          'x.toml: retention.anonymise_after_months: expected a whole number of months, got "two years"'),
                         ({"weekday": "Caturday"},
                          'x.toml: retention.weekday: expected a day of the week such as "Monday", got "Caturday"'),
                         ({"keep": 3}, "x.toml: retention.keep: unknown key (expected one of anonymise_after_months, weekday)")):
        with pytest.raises(ConfigError) as e:
            parse_partnership("x.toml", {**raw, "retention": bad}, tmp_path)
        assert str(e.value) == message


def test_the_privacy_contact_and_immediate_risk_keys_are_checked(tmp_path: Path):
    raw = {"slug": "x", "name": "X", "nation": "ENG", "procedure": "pan-cheshire",
           "sheet": {"backend": "local", "path": "x.xlsx"},
           "email": {"from": "a@x.example", "business_support": "b@x.example", "partnership_manager": "c@x.example"}}
    good = parse_partnership("x.toml", {**raw, "privacy": {"controller": "X Council", "lawful_basis": "Public task",
                                                           "dpo_email": "dpo@x.example"},
                                        "contact": {"email": "help@x.example", "phone": "03069 990000"},
                                        "immediate_risk": {"children_front_door": "03069 990001",
                                                           "adults_front_door": "+44 3069 990002"}}, tmp_path)
    assert (good.info.controller, good.info.dpo_email, good.info.contact_phone) == ("X Council", "dpo@x.example",
                                                                                    "03069 990000")
    assert (good.info.children_front_door, good.info.adults_front_door, good.info.emergency) == (
        "03069 990001", "+44 3069 990002", "999")
    for key, bad, message in (
            ("immediate_risk", {"children_front_door": "ring the council"},
             'x.toml: immediate_risk.children_front_door: expected a telephone number such as "0300 123 4567", '
             'got "ring the council"'),
            ("immediate_risk", {"emergency": ""}, "x.toml: immediate_risk.emergency: must not be empty"),
            ("privacy", {"dpo_email": "the DPO"}, 'x.toml: privacy.dpo_email: expected an email address, got "the DPO"'),
            ("privacy", {"controller": 3}, "x.toml: privacy.controller: expected text, got 3"),
            ("contact", {"fax": "01"}, "x.toml: contact.fax: unknown key (expected one of email, phone)")):
        with pytest.raises(ConfigError) as e:
            parse_partnership("x.toml", {**raw, key: bad}, tmp_path)
        assert str(e.value) == message
