"""Pages when the service account's Google Sheets quota is in use: a page is told so at once
(no call reaches Google, so Google never answers 429), and a form's answers are kept, not lost."""
from __future__ import annotations

import pytest

from sheets import pending
from sheets.google import forget_cached_pages
from sheets.quota import QuotaInUse, limiter_from_config
from sheets.schema import CHALLENGES, LISTS
from state import store_for
from tests.fakesheets import FakeSheetsAPI, google_workbook
from tests.views.challenge_pages import SUPPORT, app, partnership, send_form, sign_in_as, text  # noqa: F401
from tests.views.test_challenges import answers
from views import records


MANAGER, CHALLENGED = "lee.manager@example.nhs.uk", "pat@example.police.uk"


class Clock:
    """Wall time for the limiter and the fake's quota, moved by the test."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def api(monkeypatch, partnership, app):
    forget_cached_pages()
    api = FakeSheetsAPI()
    store = store_for(app.config)
    setup = google_workbook(api, partnership, store=store)
    setup.init()
    setup.append(LISTS, [{"Agencies": a} for a in ("Health", "Children's social care")])
    setup.append(CHALLENGES, [{"Reference": "DEMO-OLD001", "Raised on": "2026-10-01", "Step": "1",
                               "Raiser email": "sam@example.nhs.uk", "Line manager email": MANAGER,
                               "Other professional email": CHALLENGED}])
    clock = Clock()
    api.enforce_quota(60, 60, clock=clock)
    limiter = limiter_from_config(app.config, clock=clock)
    monkeypatch.setattr(records, "workbook", lambda p: google_workbook(api, p, store=store, limiter=limiter))
    yield api, limiter, clock
    forget_cached_pages()


def fill(limiter, kind):
    """Other workers' pages take every slot left in this minute's window."""
    with pytest.raises(QuotaInUse):
        while True:
            limiter.take(kind, "page")


def test_a_page_is_told_the_quota_is_in_use_and_google_is_not_asked(client, api):
    api, limiter, clock = api
    sign_in_as(client, "sam@example.nhs.uk")
    assert client.get("/demo/challenges/DEMO-OLD001").status_code == 200
    forget_cached_pages()
    fill(limiter, "read")
    api.reset_counts()
    response = client.get("/demo/challenges/DEMO-OLD001")
    assert response.status_code == 503
    assert "cannot be reached just now" in text(response)
    assert sum(api.calls.values()) == 0 and api.quota_refusals == 0


def test_a_form_sent_while_the_quota_is_in_use_is_kept_and_written_once_it_frees(client, app, api, partnership):
    api, limiter, clock = api
    sign_in_as(client, "sam@example.nhs.uk")
    opened = client.get("/demo/challenges/new", follow_redirects=True)
    fill(limiter, "write")
    api.reset_counts()
    response = send_form(client, "/demo/challenges/new", answers(), opened=opened)
    assert response.status_code == 302
    [kept] = pending.waiting(app.config, "demo")
    assert api.calls["batchUpdate"] == 0 and api.quota_refusals == 0
    # A minute on, a page that only reads writes nothing; the next form sent writes the kept answers first.
    clock.now += 61
    assert client.get("/demo/challenges/DEMO-OLD001").status_code == 200
    assert pending.waiting(app.config, "demo") == [kept] and api.calls["batchUpdate"] == 0
    again = client.get("/demo/challenges/new", follow_redirects=True)
    assert send_form(client, "/demo/challenges/new", answers(), opened=again).status_code == 302
    assert pending.waiting(app.config, "demo") == []
    assert api.calls["batchUpdate"] == 2 and api.quota_refusals == 0


@pytest.fixture
def cached(monkeypatch, api, app):
    """Pages with the page cache on (30 s on the test's clock), as the app opens them."""
    api, limiter, clock = api
    store = store_for(app.config)
    monkeypatch.setattr(records, "workbook", lambda p: google_workbook(
        api, p, store=store, limiter=limiter, cache_seconds=30, clock=clock, on_stale=records.shown_stale))
    return api, limiter, clock


OLDER = "The spreadsheet is busy, so this page shows it as it was up to"


def test_with_the_quota_in_use_a_page_shows_its_copy_and_says_how_old(client, cached):
    api, limiter, clock = cached
    sign_in_as(client, "sam@example.nhs.uk")
    first = client.get("/demo/challenges/DEMO-OLD001")
    assert first.status_code == 200 and OLDER not in text(first)
    clock.now += 95  # the copy's 30 seconds are up
    fill(limiter, "read")
    api.reset_counts()
    response = client.get("/demo/challenges/DEMO-OLD001")
    assert response.status_code == 200
    assert f"{OLDER} 2 minutes ago." in text(response)
    assert "DEMO-OLD001" in text(response)
    assert sum(api.calls.values()) == 0 and api.quota_refusals == 0
    # Once a slot is free again the page reads the sheet and says nothing of an older copy.
    clock.now += 61
    again = client.get("/demo/challenges/DEMO-OLD001")
    assert again.status_code == 200 and OLDER not in text(again)
    assert api.calls["values.batchGet"] == 1


def test_a_refresh_leaves_the_pages_reserve_to_pages_with_nothing_to_show(client, cached):
    api, limiter, clock = cached
    sign_in_as(client, "sam@example.nhs.uk")
    assert client.get("/demo/challenges/DEMO-OLD001").status_code == 200
    clock.now += 31
    for _ in range(limiter.limit("read", "job") - 1):  # the window as full as the job may make it
        limiter.take("read", "job")
    api.reset_counts()
    response = client.get("/demo/challenges/DEMO-OLD001")
    assert response.status_code == 200 and f"{OLDER} 1 minute ago." in text(response)
    assert sum(api.calls.values()) == 0
    # Another instance, with nothing cached, reads from the reserve.
    forget_cached_pages()
    fresh = client.get("/demo/challenges/DEMO-OLD001")
    assert fresh.status_code == 200 and OLDER not in text(fresh)
    assert api.calls["values.batchGet"] == 1 and api.quota_refusals == 0


def test_no_older_copy_is_shown_after_a_page_wrote_nor_one_ten_minutes_old(client, app, cached, partnership):
    api, limiter, clock = cached
    sign_in_as(client, "sam@example.nhs.uk")
    assert client.get("/demo/challenges/DEMO-OLD001").status_code == 200
    # The job wrote to the sheet (its columns, the Reminders and Summary tabs): the copy is still shown.
    job = google_workbook(api, partnership, purpose="cron", store=store_for(app.config))
    job.append("Reminders", [{"Key": "k1", "Reference": "DEMO-OLD001"}])
    clock.now += 31
    fill(limiter, "read")
    api.reset_counts()
    shown = client.get("/demo/challenges/DEMO-OLD001")
    assert shown.status_code == 200 and f"{OLDER} 1 minute ago." in text(shown)
    # A page on another instance wrote to the sheet: the copy may lack what a person sent, so it is not shown.
    clock.now += 61
    assert client.get("/demo/challenges/DEMO-OLD001").status_code == 200
    google_workbook(api, partnership, store=store_for(app.config)).append(
        "History", [{"Reference": "DEMO-OLD001", "Action": "Note"}])
    clock.now += 31
    fill(limiter, "read")
    api.reset_counts()
    response = client.get("/demo/challenges/DEMO-OLD001")
    assert response.status_code == 503 and "cannot be reached just now" in text(response)
    assert sum(api.calls.values()) == 0
    # A copy read now, then ten minutes with the quota in use: too old to show.
    clock.now += 61
    assert client.get("/demo/challenges/DEMO-OLD001").status_code == 200
    clock.now += 599
    fill(limiter, "read")
    assert f"{OLDER} 10 minutes ago." in text(client.get("/demo/challenges/DEMO-OLD001"))
    clock.now += 1
    api.reset_counts()
    assert client.get("/demo/challenges/DEMO-OLD001").status_code == 503
    assert sum(api.calls.values()) == 0


def test_the_dashboard_shows_its_copy_too_and_says_how_old(client, cached):
    api, limiter, clock = cached
    sign_in_as(client, SUPPORT, role="business_support")
    assert client.get("/demo/dashboard").status_code == 200
    clock.now += 45
    fill(limiter, "read")
    api.reset_counts()
    response = client.get("/demo/dashboard")
    assert response.status_code == 200 and f"{OLDER} 1 minute ago." in text(response)
    assert sum(api.calls.values()) == 0


# Each kind of person: (email, role, partnership, the reference a response link grants).
KINDS = {
    "raiser": ("sam@example.nhs.uk", "practitioner", "demo", None),
    "challenged": (CHALLENGED, "practitioner", "demo", None),
    "named": (MANAGER, "practitioner", "demo", None),
    "business_support": (SUPPORT, "business_support", "demo", None),
    "response_link": (MANAGER, "responder", "demo", "DEMO-OLD001"),
    "other_partnership": (SUPPORT, "business_support", "other", None),
    "anonymous": None,
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_kind_of_person_sees_an_older_copy_only_where_they_may_see_the_page(app, cached, kind):
    api, limiter, clock = cached
    warm = app.test_client()
    sign_in_as(warm, SUPPORT, role="business_support")
    assert warm.get("/demo/challenges/DEMO-OLD001").status_code == 200
    clock.now += 45
    fill(limiter, "read")
    api.reset_counts()
    client = app.test_client()
    if KINDS[kind]:
        email, role, slug, reference = KINDS[kind]
        sign_in_as(client, email, role, reference=reference, slug=slug)
    shown = client.get("/demo/challenges/DEMO-OLD001")
    if kind == "anonymous":
        assert shown.status_code == 302 and "/sign-in" in shown.location
    elif kind == "other_partnership":
        assert shown.status_code == 403 and OLDER not in text(shown)
    else:
        assert shown.status_code == 200 and f"{OLDER} 1 minute ago." in text(shown)
    assert sum(api.calls.values()) == 0


@pytest.mark.parametrize("kind", ["raiser", "other_partnership"])
def test_a_step_recorded_from_an_older_copy_is_written_and_a_refused_one_is_not(app, cached, kind):
    api, limiter, clock = cached
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    email, role, slug, reference = KINDS[kind]
    sign_in_as(client, email, role, reference=reference, slug=slug)
    warm = app.test_client()
    sign_in_as(warm, SUPPORT, role="business_support")
    assert warm.get("/demo/challenges/DEMO-OLD001").status_code == 200
    clock.now += 45
    fill(limiter, "read")  # reads are busy; writes are not
    api.reset_counts()
    history = len(api.values("fake-demo", "History"))
    sent = client.post("/demo/challenges/DEMO-OLD001/conversation",
                       data={"held_on": ["1", "11", "2026"], "with_whom": "Duty sergeant", "notes": "Talked"})
    if kind == "raiser":
        assert sent.status_code == 302
        assert api.calls == {"batchUpdate": 1} and len(api.values("fake-demo", "History")) == history + 1
    else:
        assert sent.status_code == 403
        assert sum(api.calls.values()) == 0 and len(api.values("fake-demo", "History")) == history
