"""Page figures: p50/p95 server time for the start page, the raise form (GET and POST) and a
challenge's page, with 100 and 10,000 challenges (and as many History rows) in the local workbook.

Run: .venv/bin/python benchmarks/pages.py

Server time is the time the Flask app takes to answer a request made through its test client
(no network). Goal: p95 under 100 ms for a challenge's page at 10,000 rows.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from partnership import partnerships_of  # noqa: E402
from sheets.open import open_workbook  # noqa: E402
from sheets.schema import AGENCIES, CHALLENGES, HISTORY, LISTS, THEMES  # noqa: E402

SIZES = (100, 10_000)
RUNS = 40
EMAIL = "bench.user@example.nhs.uk"


def challenge(i: int, today: dt.date) -> dict[str, str]:
    raised = today - dt.timedelta(days=i % 40)
    return {"Reference": f"DEMO-{i:06d}", "Raised on": raised.isoformat(), "Raised by": f"Person {i}",
            "Raiser role": "Nurse", "Raiser agency": "Health", "Raiser email": EMAIL,
            "Line manager email": "lead@example.nhs.uk", "Other agency": "Police", "Other professional": "Sergeant",
            "Child or adult": "Child", "Case reference": f"CASE-{i}", "Theme": "Timeliness",
            "Decision challenged": "A decision " * 20, "Outcome sought": "An outcome " * 20,
            "Concern arose on": raised.isoformat(), "Step": str(1 + i % 4), "Step started": raised.isoformat(),
            "Submission ID": f"bench-{i}"}


def history(i: int) -> dict[str, str]:
    return {"When": "2026-11-02 09:00", "Reference": f"DEMO-{i:06d}", "Tab": CHALLENGES, "Action": "Raised",
            "Step": "1", "By": EMAIL, "Details": ""}


def build(size: int, folder: Path):
    (folder / "partnerships").mkdir(parents=True)
    shutil.copy(ROOT / "partnerships" / "demo.toml", folder / "partnerships" / "demo.toml")
    app = create_app({"SECRET_KEY": "bench", "PARTNERSHIPS_DIR": str(folder / "partnerships"),
                      "BASE_DIR": str(folder), "MAIL_OUTBOX_DIR": str(folder / "outbox"),
                      "STATE_URL": f"sqlite:///{folder}/state.sqlite3", "SESSION_COOKIE_SECURE": False,
                      "LOCAL_DEV": True, "RATELIMIT_ENABLED": False})
    book = open_workbook(partnerships_of(app)["demo"])
    book.init()
    today = dt.date.today()
    book.append(LISTS, [{AGENCIES: "Health", THEMES: "Timeliness"}, {AGENCIES: "Police"}])
    book.append(CHALLENGES, [challenge(i, today) for i in range(size)])
    book.append(HISTORY, [history(i) for i in range(size)])
    client = app.test_client()
    with client.session_transaction() as s:
        s["user"] = {"email": EMAIL, "partnership": "demo", "role": "practitioner", "reference": None}
        s["seen"] = int(time.time())
    return app, client


def timed(request) -> float:
    start = time.perf_counter()
    response = request()
    elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code in (200, 302), response.status_code
    return elapsed


def figures(name: str, times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return f"{name:<42} p50 {statistics.median(ordered):7.1f} ms   p95 {p95:7.1f} ms   (n={len(ordered)})"


def post_data(client) -> dict:
    page = client.get("/demo/challenges/new", follow_redirects=True).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    token = token or re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    today = dt.date.today()
    return {"csrf_token": token.group(1), "immediate_risk": "no", "raiser_name": "Bench Person",
            "raiser_role": "Nurse", "raiser_agency": "Health", 
            "line_manager_email": "lead@example.nhs.uk", "other_agency": "Police", "other_professional": "Sergeant",
            "child_or_adult": "Child", "case_reference": "CASE-X", "theme": "Timeliness",
            "decision": "A decision", "outcome_sought": "An outcome",
            "concern_arose": [str(today.day), str(today.month), str(today.year)]}


def main() -> None:
    logging.disable(logging.WARNING)
    print("Server time per request (Flask test client, local workbook); goal: p95 < 100 ms at 10,000 rows")
    for size in SIZES:
        with tempfile.TemporaryDirectory() as tmp:
            app, client = build(size, Path(tmp))
            for path in ("/demo/", "/demo/challenges/new", "/demo/challenges/DEMO-000050"):
                client.get(path)  # templates compiled, lists cached: steady state
            print(f"\n{size:,} challenges in the local workbook")
            print(figures("start page GET /demo/", [timed(lambda: client.get("/demo/")) for _ in range(RUNS)]))
            print(figures("raise form GET (a question page)",
                          [timed(lambda: client.get("/demo/challenges/new/about-you")) for _ in range(RUNS)]))
            data = post_data(client)
            posts = []
            for i in range(RUNS // 4):
                posts.append(timed(lambda: client.post("/demo/challenges/new",
                                                       data={**data, "submission_id": f"post-{size}-{i}"})))
            print(figures("raise form POST (one new challenge each)", posts))
            middle = f"/demo/challenges/DEMO-{size // 2:06d}"
            print(figures("a challenge's page", [timed(lambda: client.get(middle)) for _ in range(RUNS)]))


if __name__ == "__main__":
    main()
