"""Google Sheets calls paced under the per-minute quota (sheets/quota.py), against the fake Sheets
API enforcing Google's 60 reads and 60 writes a minute per user, on a simulated clock."""
from __future__ import annotations

import contextlib
import re
from pathlib import Path

import pytest

import state
import state.redis
from config import Config
from sheets.base import SheetUnavailable
from sheets.http import POLICIES, quota_kind
from sheets.quota import QUOTA_IN_USE, QuotaInUse, QuotaLimiter, limiter_from_config
from sheets.schema import CHALLENGES, REFERENCE
from state.sqlite import SQLiteStore
from tests.fakesheets import BASE, FakeSheetsAPI, google_workbook
from tests.state.conftest import redis_server, redis_url  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parents[2]


class SimulatedClock:
    """Seconds that pass only when someone sleeps."""

    def __init__(self, now: float = 1_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.now += seconds


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock()


@pytest.fixture
def api(clock) -> FakeSheetsAPI:
    api = FakeSheetsAPI()
    api.add_spreadsheet("sheet-1", tabs={"Challenges": [["Reference"], ["PC-1"]]})
    api.enforce_quota(60, 60, clock=clock)
    return api


@pytest.fixture(params=["sqlite", "redis"])
def store_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/state.sqlite3"
    else:
        yield request.getfixturevalue("redis_url")
    state.forget_stores()


def limiter(url: str, clock: SimulatedClock, **settings) -> QuotaLimiter:
    """A limiter on its own connection to the store, as another process would have; 55 a minute
    with 5 kept for pages unless told otherwise (the figures below count from those)."""
    store = SQLiteStore(url) if url.startswith("sqlite") else state.redis.RedisStore(url)
    return QuotaLimiter(store, **{"clock": clock, "sleep": clock.sleep, "reads_per_minute": 55,
                                  "writes_per_minute": 55, "reserve_for_pages": 5, **settings})


def read(api: FakeSheetsAPI, session=None):
    return (session or api.session()).get(BASE + "sheet-1/values/Challenges!A1")


# The fake's quota, as Google's


def test_the_fake_refuses_the_61st_read_of_a_minute_as_google_does(api, clock):
    session = api.session()
    assert all(read(api, session).status_code == 200 for _ in range(30))
    clock.sleep(30.0)
    assert all(read(api, session).status_code == 200 for _ in range(30))
    refused = read(api, session)
    assert refused.status_code == 429
    error = refused.json()["error"]
    assert error["status"] == "RESOURCE_EXHAUSTED"
    assert error["message"].startswith("Quota exceeded for quota metric 'Read requests' and limit "
                                       "'Read requests per minute per user' of service 'sheets.googleapis.com'")
    assert api.quota_refusals == 1
    # Writes have their own quota; another user has their own.
    assert session.post(BASE + "sheet-1/values:batchClear", json={"ranges": ["Challenges!B1"]}).status_code == 200
    other = api.session()
    other.headers["X-Fake-User"] = "another-service-account"
    assert read(api, other).status_code == 200
    # A refused request does not count; a minute after the first 30 reads, 30 are free again.
    clock.sleep(29.0)
    assert read(api, session).status_code == 429
    clock.sleep(1.0)
    assert all(read(api, session).status_code == 200 for _ in range(30))
    assert read(api, session).status_code == 429
    assert api.quota_refusals == 3


def test_reads_by_data_filter_count_as_reads_and_other_posts_as_writes():
    assert quota_kind("GET", BASE + "s/values:batchGet?ranges=A1") == "read"
    assert quota_kind("GET", BASE + "s?includeGridData=true") == "read"
    assert quota_kind("POST", BASE + "s/values:batchGetByDataFilter") == "read"
    assert quota_kind("POST", BASE + "s:getByDataFilter") == "read"
    assert quota_kind("POST", BASE + "s:batchUpdate") == "write"
    assert quota_kind("POST", BASE + "s/values/A1:append") == "write"
    assert quota_kind("PUT", BASE + "s/values/A1") == "write"


# The limiter


def test_the_job_paced_under_the_quota_meets_no_429(api, clock, partnership, tmp_path):
    pace = limiter(f"sqlite:///{tmp_path}/state.sqlite3", clock)
    book = google_workbook(api, partnership, purpose="cron")
    book.http.limiter, book.http.who = pace, "job"
    book.http.sleep = clock.sleep
    started = clock()
    for _ in range(120):
        book.http.request("get", BASE + "sheet-1/values/Challenges!A1")
    assert api.quota_refusals == 0
    assert api.calls["values.get"] == 120
    # 50 a minute (55 less the 5 kept for pages): the 101st call waits two minutes after the first.
    assert clock() - started == pytest.approx(120.0, abs=0.01)


def test_a_page_is_told_at_once_when_the_window_is_full_and_google_is_not_asked(api, clock, partnership, tmp_path):
    pace = limiter(f"sqlite:///{tmp_path}/state.sqlite3", clock)
    for _ in range(55):
        assert pace.take("read", "page") == 0.0
    asked = api.calls["values.get"]
    client = google_workbook(api, partnership).http
    client.limiter, client.who, client.sleep, client.clock = pace, "page", clock.sleep, clock
    started = clock()
    with pytest.raises(QuotaInUse, match=re.escape(QUOTA_IN_USE)):
        client.request("get", BASE + "sheet-1/values/Challenges!A1")
    assert clock() - started == 0.0  # nothing frees within two seconds: it does not wait at all
    assert api.calls["values.get"] == asked and api.quota_refusals == 0


def test_a_page_waits_up_to_two_seconds_for_a_slot_that_frees(clock, tmp_path):
    pace = limiter(f"sqlite:///{tmp_path}/state.sqlite3", clock)
    pace.take("write", "page")
    clock.sleep(10.0)
    for _ in range(54):
        pace.take("write", "page")
    clock.sleep(48.5)  # the first write leaves the window in 1.5 s
    assert pace.take("write", "page") == pytest.approx(1.5)
    with pytest.raises(SheetUnavailable):
        pace.take("write", "page")  # the next frees in 10 s


def test_the_job_never_takes_the_slots_kept_for_pages(clock, store_url):
    pace = limiter(store_url, clock)
    for _ in range(50):
        assert pace.take("read", "job") == 0.0
    waited = []
    pages = limiter(store_url, clock, sleep=lambda s: waited.append(s))
    for _ in range(5):
        assert pages.take("read", "page") == 0.0  # at once, while the job would wait
    assert waited == []
    with pytest.raises(SheetUnavailable):
        pages.take("read", "page")
    # The job's 51st read waits until its first leaves the window.
    started = clock()
    assert pace.take("read", "job") == pytest.approx(60.0)
    assert clock() - started == pytest.approx(60.0)


def test_a_refresh_takes_only_a_slot_the_job_could_take_and_never_waits(clock, store_url):
    """A page that has a copy it could show re-reads as a refresh: the reserve stays for pages with
    nothing to show, and it shows its copy at once rather than wait."""
    pace = limiter(store_url, clock)
    for _ in range(49):
        assert pace.take("read", "page") == 0.0
    assert pace.take("read", "refresh") == 0.0  # the 50th: a slot the job could take
    started = clock()
    with pytest.raises(QuotaInUse):
        pace.take("read", "refresh")
    assert clock() == started  # no wait at all
    for _ in range(5):
        assert pace.take("read", "page") == 0.0  # the reserve is still there for pages
    clock.sleep(59.0)
    with pytest.raises(QuotaInUse):
        pace.take("read", "refresh")  # a slot frees in 1 s: a page would wait for it, a refresh does not
    assert clock() == started + 59.0


def test_while_the_job_runs_pages_leave_it_its_share(clock, store_url):
    """However busy the pages are, the job gets its share of every window while it runs."""
    pace = limiter(store_url, clock, job_share=10)
    pages = limiter(store_url, clock, job_share=10)
    # No job: pages may fill every slot.
    for _ in range(55):
        assert pages.take("read", "page") == 0.0
    with pytest.raises(QuotaInUse):
        pages.take("read", "page")
    clock.sleep(60.0)
    # The job asks: pages now hold at most 55 - 5 - 10 = 40 of a window.
    assert pace.take("read", "job") == 0.0
    for _ in range(40):
        assert pages.take("read", "page") == 0.0
    with pytest.raises(QuotaInUse):
        pages.take("read", "page")
    started = clock()
    for _ in range(9):
        assert pace.take("read", "job") == 0.0  # the job's share, without waiting
    assert clock() == started
    # Pages keep asking four times a second, while the job waits too; it still takes 10 slots a
    # window: 50 more within 5 minutes.
    def busy(seconds: float) -> None:
        end = clock() + seconds
        while clock() < end:
            assert clock() - started < 600, "the job got no slot while the pages were busy"
            clock.now += min(0.25, end - clock())
            with contextlib.suppress(QuotaInUse):
                pages.take("read", "page")

    job = limiter(store_url, clock, job_share=10, sleep=busy)
    for _ in range(50):
        job.take("read", "job")
    assert clock() - started <= 5 * 60
    # A minute after the job's last call, pages may have every slot again.
    clock.sleep(120.0)
    for _ in range(55):
        assert pages.take("read", "page") == 0.0


def test_two_processes_share_one_window(api, clock, store_url, partnership):
    """Two limiters on one store (two workers, or two machines on one Redis) count together."""
    books = []
    for _ in range(2):
        book = google_workbook(api, partnership, purpose="cron")
        book.http.limiter, book.http.who, book.http.sleep = limiter(store_url, clock), "job", clock.sleep
        books.append(book)
    started = clock()
    for i in range(150):
        books[i % 2].http.request("get", BASE + "sheet-1/values/Challenges!A1")
    assert api.quota_refusals == 0
    assert clock() - started == pytest.approx(120.0, abs=0.01)  # 50 a minute between them, not 100


def test_a_workbook_paced_as_the_job_reads_and_writes_without_a_429(api, clock, partnership, tmp_path):
    pace = limiter(f"sqlite:///{tmp_path}/state.sqlite3", clock)
    setup = google_workbook(api, partnership)
    setup.init()
    book = google_workbook(api, partnership, purpose="cron")
    book.http.limiter, book.http.who, book.http.sleep = pace, "job", clock.sleep
    for i in range(60):
        book.append(CHALLENGES, [{REFERENCE: f"PC-{i}"}])
    assert [r.reference for r in book.read(CHALLENGES).records] == [f"PC-{i}" for i in range(60)]
    assert api.quota_refusals == 0


def test_waiting_for_a_slot_does_not_spend_the_retry_budget(api, clock, partnership, tmp_path):
    pace = limiter(f"sqlite:///{tmp_path}/state.sqlite3", clock)
    for _ in range(50):
        pace.take("read", "job")
    book = google_workbook(api, partnership, purpose="cron", clock=clock)
    book.http.limiter, book.http.who, book.http.sleep = pace, "job", clock.sleep
    api.fail_next(503, times=1)
    started = clock()
    book.http.request("get", BASE + "sheet-1/values/Challenges!A1")  # waits 60 s, then a 503 and a retry
    assert book.http.attempts_made == 2
    assert clock() - started >= 60.0 + POLICIES["cron"].base_delay / 2


def test_the_state_store_down_leaves_calls_unpaced_not_refused(api, clock, redis_server, redis_url):
    pace = limiter(redis_url, clock)
    redis_server.stop()
    try:
        assert pace.take("read", "page") == 0.0
        assert pace.take("write", "job") == 0.0
    finally:
        redis_server.start()


def test_settings_come_from_the_app_config_and_are_documented(tmp_path):
    config = {"STATE_URL": f"sqlite:///{tmp_path}/state.sqlite3", "SHEETS_READS_PER_MINUTE": 40,
              "SHEETS_WRITES_PER_MINUTE": 30, "SHEETS_PAGE_RESERVE": 10}
    made = limiter_from_config(config)
    assert (made.limit("read", "page"), made.limit("read", "job")) == (40, 30)
    assert (made.limit("write", "page"), made.limit("write", "job")) == (30, 20)
    assert made.for_account("svc@project.iam.gserviceaccount.com").window("read") == \
        "sheets-quota:svc@project.iam.gserviceaccount.com:read"
    with pytest.raises(ValueError, match="above the page reserve"):
        limiter_from_config({**config, "SHEETS_PAGE_RESERVE": 30})
    assert limiter_from_config(config).job_share == 10
    assert limiter_from_config({**config, "SHEETS_JOB_SHARE": 3}).pages_while_job_runs(30) == 17
    for share in (0, 20):  # none for the job; or none left for pages beside the reserve
        with pytest.raises(ValueError, match="the job's share"):
            limiter_from_config({**config, "SHEETS_JOB_SHARE": share})
    assert (Config.SHEETS_READS_PER_MINUTE, Config.SHEETS_WRITES_PER_MINUTE, Config.SHEETS_PAGE_RESERVE,
            Config.SHEETS_JOB_SHARE) == (58, 58, 5, 10)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("SHEETS_READS_PER_MINUTE", "SHEETS_WRITES_PER_MINUTE", "SHEETS_PAGE_RESERVE", "SHEETS_JOB_SHARE"):
        assert re.search(rf"^\| [^|]*`{name}`", readme, re.MULTILINE), name

