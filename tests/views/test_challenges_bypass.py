"""A procedure with ``may_bypass`` lets a challenge go straight to a later step; one without does not."""
from __future__ import annotations

from pathlib import Path

import pytest

from partnership import partnerships_of
from sheets.open import open_workbook
from sheets.schema import CHALLENGES
from tests.views.challenge_pages import app, page, page_urls, send_form, sign_in_as  # noqa: F401 (fixtures)
from tests.views.test_challenges import answers

BYPASS_TOML = '''slug = "skip"
name = "Skip Safeguarding Partnership"
nation = "ENG"
reference_prefix = "SKIP"
procedure = "durham-iro"

[sheet]
backend = "local"
path = "instance/skip.xlsx"

[email]
from = "challenges@skip.example"
business_support = "support@skip.example"
partnership_manager = "manager@skip.example"

[access]
allowed_domains = ["example.nhs.uk"]
'''


@pytest.fixture
def partnerships_dir(partnerships_dir: Path) -> Path:
    (partnerships_dir / "skip.toml").write_text(BYPASS_TOML)
    return partnerships_dir


def test_a_bypass_procedure_offers_every_later_stage(client, app):
    book = open_workbook(partnerships_of(app)["skip"])
    book.init()
    urls = page_urls(app, "skip")
    sign_in_as(client, "sam.jones@example.nhs.uk", slug="skip")
    done = send_form(client, urls("challenges.new"), answers(raiser_agency="Health", other_agency="Police",
                                                            theme="Timeliness"))
    reference = page(client.get(done.location)).select_one(".govuk-panel__body strong").get_text(strip=True)
    assert reference.startswith("SKIP-")
    opened = client.get(urls("challenges.escalate", reference=reference))
    assert [i["value"] for i in page(opened).select("input[name=step]")] == ["2", "3", "4", "5"]
    send_form(client, urls("challenges.escalate", reference=reference),
              {"step": "4", "escalated_to": "Business manager", "escalated_to_email": "bm@example.nhs.uk",
               "reason": "Recurring issue"}, opened=opened)
    assert book.read(CHALLENGES).find(reference)["Step"] == "4"
