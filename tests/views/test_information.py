"""The accessibility statement, privacy notice and cookies page of every example partnership, the
footer that links them from every page, and the immediate-risk page's numbers, from each file."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from partnership import partnerships_of
from app import create_app
from partnership.config import load_partnership
from sheets.schema import personal_columns
from tests.views.challenge_pages import SHARED_BYTECODE, page, sign_in_as, text

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted((ROOT / "partnerships" / "examples").glob("*.toml")) + [ROOT / "partnerships" / "demo.toml"]
SLUGS = [f.stem for f in FILES]

BARE = '''slug = "bare"
name = "Bare Safeguarding Partnership"
nation = "ENG"
procedure = "pan-cheshire"

[sheet]
backend = "local"
path = "instance/bare.xlsx"

[email]
from = "a@bare.example"
business_support = "support@bare.example"
partnership_manager = "c@bare.example"
'''


@pytest.fixture
def partnerships_dir(tmp_path: Path) -> Path:
    """Every example partnership, the demo, and one whose file says nothing about privacy."""
    folder = tmp_path / "partnerships"
    folder.mkdir()
    for f in FILES:
        shutil.copy(f, folder / f.name)
    (folder / "bare.toml").write_text(BARE)
    return folder


@pytest.fixture
def app(app):
    app.jinja_env.bytecode_cache = SHARED_BYTECODE
    return app


def partnership(app, slug):
    return partnerships_of(app)[slug]


@pytest.mark.parametrize("slug", SLUGS)
def test_the_privacy_notice_says_who_why_on_what_basis_who_receives_it_how_long_and_the_rights(client, app, slug):
    p = partnership(app, slug)
    response = client.get(f"/{slug}/privacy")
    assert response.status_code == 200
    shown = text(response)
    assert f"The data controller is {p.info.controller}" in shown
    assert p.info.lawful_basis in shown and "Article 9(2)(g)" in shown
    assert p.info.dpo_email in shown and p.info.contact_email in shown
    assert ("Google, which stores the partnership's spreadsheet in Google Sheets" in shown) == (p.sheet.backend == "google")
    if p.retention.anonymise_after_months:
        assert f"{p.retention.anonymise_after_months} months after a challenge is resolved or withdrawn" in shown
    else:
        assert "has not yet decided how long it keeps this information" in shown
    for right in ("ask for a copy of the information we hold about you", "Information Commissioner's Office"):
        assert right in shown
    for column in personal_columns("Challenges"):
        assert column in shown


def test_the_privacy_notice_names_the_email_provider_in_use(app, client):
    assert "GOV.UK Notify" not in text(client.get("/demo/privacy"))  # the outbox: no email leaves the server
    app.config["MAIL_BACKEND"] = "notify"
    assert "GOV.UK Notify (the Government Digital Service), which sends the service's emails" in text(
        client.get("/demo/privacy"))
    app.config["MAIL_BACKEND"] = "smtp"
    assert "The email provider that relays the service's emails (its mail server)." in text(client.get("/demo/privacy"))


def test_a_file_that_states_nothing_gets_pages_that_say_so_plainly(client):
    shown = text(client.get("/bare/privacy"))
    assert "has not yet named the organisation that is the controller" in shown
    assert "has not yet stated its lawful basis" in shown
    assert "has not yet decided how long it keeps this information. Until it does, nothing is deleted." in shown
    assert "support@bare.example" in shown
    risk = text(client.get("/bare/immediate-risk"))
    assert "call the police on 999" in risk and "contact the local authority's children's social care front door" in risk


@pytest.mark.parametrize("slug", SLUGS)
def test_the_accessibility_statement_follows_the_model_with_the_partnerships_contact(client, app, slug):
    p = partnership(app, slug)
    response = client.get(f"/{slug}/accessibility")
    assert response.status_code == 200
    soup = page(response)
    headings = [h.get_text(strip=True) for h in soup.select("h2")]
    for h in ("How accessible this website is", "Feedback and contact information",
              "Reporting accessibility problems with this website", "Enforcement procedure",
              "Technical information about this website's accessibility", "Preparation of this accessibility statement"):
        assert h in headings
    shown = text(response)
    assert f"Accessibility statement for {p.name}" in shown
    assert p.info.contact_email in shown and p.info.contact_phone in shown
    assert "partially compliant with the Web Content Accessibility Guidelines version 2.2 AA standard" in shown
    assert "axe-core" in shown and "reflow at 320 CSS pixels wide" in shown
    assert f"signed out after {app.config['SESSION_IDLE_MINUTES']} minutes" in shown


@pytest.mark.parametrize("slug", SLUGS)
def test_the_cookies_page_lists_the_one_essential_cookie(client, app, slug):
    soup = page(client.get(f"/{slug}/cookies"))
    rows = soup.select("tbody tr")
    assert len(rows) == 1
    assert rows[0].td.get_text(strip=True) == app.config.get("SESSION_COOKIE_NAME", "session")
    assert "does not ask you to accept cookies" in soup.get_text(" ", strip=True)


@pytest.mark.parametrize("slug", SLUGS)
def test_the_immediate_risk_page_gives_the_partnerships_own_numbers(client, app, slug):
    info = partnership(app, slug).info
    soup = page(client.get(f"/{slug}/immediate-risk"))
    numbers = {a.get_text(strip=True): a["href"] for a in soup.select("#numbers a")}
    assert numbers == {info.emergency: f"tel:{info.emergency}",
                       info.children_front_door: "tel:" + info.children_front_door.replace(" ", ""),
                       info.adults_front_door: "tel:" + info.adults_front_door.replace(" ", "")}


def test_the_example_files_set_every_number_and_contact():
    for f in FILES:
        info = load_partnership(f).info
        assert all((info.controller, info.lawful_basis, info.dpo_email, info.contact_email,
                    info.children_front_door, info.adults_front_door, info.emergency)), f


FOOTER = ("Accessibility statement", "Privacy notice", "Cookies")


def footer_links(response) -> dict[str, str]:
    return {a.get_text(strip=True): a["href"] for a in page(response).select("footer a.govuk-footer__link")}


@pytest.mark.parametrize("path", ["/demo/", "/demo/sign-in", "/demo/immediate-risk", "/demo/privacy",
                                  "/demo/challenges/new/about-you", "/demo/subject-access"])
def test_every_partnership_page_links_its_own_pages_in_the_footer(client, path):
    sign_in_as(client, "business.support@demo-partnership.example", role="business_support")
    response = client.get(path)
    assert response.status_code == 200
    assert footer_links(response) == {"Accessibility statement": "/demo/accessibility",
                                      "Privacy notice": "/demo/privacy", "Cookies": "/demo/cookies"}


@pytest.mark.parametrize("path", ["/", "/accessibility", "/nowhere/at/all"])
def test_pages_outside_a_partnership_link_the_services_pages_which_list_each_partnerships(client, path):
    response = client.get(path)
    assert footer_links(response) == {"Accessibility statement": "/accessibility", "Privacy notice": "/privacy",
                                      "Cookies": "/cookies"}
    listed = {a["href"] for a in page(client.get("/privacy")).select("main a")}
    assert {f"/{slug}/privacy" for slug in SLUGS} <= listed


def test_an_unknown_partnerships_pages_are_not_found(client):
    for name in ("privacy", "accessibility", "cookies"):
        assert client.get(f"/nowhere/{name}").status_code == 404
