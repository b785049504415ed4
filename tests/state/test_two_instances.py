"""Two app processes, each with its own instance folder, sharing one real Redis (as two machines
behind a load balancer would): links, sessions, limits, the job's lock and kept submissions
hold across both. One browser (a requests session) talks to both, as through the balancer."""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from bs4 import BeautifulSoup

from app import create_app
from partnership.config import load_partnership
from sheets.demo import create_demo
from sheets.local import LocalWorkbook
from sheets.schema import CHALLENGES, REMINDERS
from tests.conftest import ROOT
from tests.notify.mailserver import MailServer, free_port
from tests.views.test_challenges import answers
from views.sign_in_links import make_token

SECRET = "two-instance-secret"
PRACTITIONER = "pat.smith@example.nhs.uk"
RUN_DAY = dt.date(2026, 12, 1)  # a Tuesday: the demo workbook owes reminders


class Instance:
    """One app process: ``base`` is its own folder (instance/, outbox/); ``sheet`` says whether its
    copy of the demo workbook exists (an instance whose spreadsheet cannot be reached keeps answers)."""

    def __init__(self, name: str, root: Path, partnerships: Path, state_url: str, *, sheet: bool):
        self.name, self.base = name, root / name
        self.base.mkdir()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config = {
            "SECRET_KEY": SECRET, "PARTNERSHIPS_DIR": str(partnerships), "BASE_DIR": str(self.base),
            "BASE_URL": self.url, "STATE_URL": state_url, "MAIL_BACKEND": "outbox",
            "MAIL_OUTBOX_DIR": str(self.base / "outbox"), "SESSION_COOKIE_SECURE": False,
            "SIGN_IN_MIN_SECONDS": 0, "SIGN_IN_LIMIT_PER_CLIENT": "4 per hour",
            "SIGN_IN_LIMIT_PER_ADDRESS": "2 per 15 minutes",
        }
        if sheet:
            create_demo(load_partnership(partnerships / "demo.toml", base_dir=self.base), RUN_DAY)
        self.process: subprocess.Popen | None = None

    def env(self, **extra: str) -> dict[str, str]:
        return {**os.environ, "INSTANCE_PATH": str(self.base / "instance"), **extra}

    def start(self) -> None:
        """Start the process; ``wait_until_ready`` waits for it (start both, then wait: quicker)."""
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.state.serve_app", str(self.port)], cwd=ROOT,
            env=self.env(TEST_APP_CONFIG=json.dumps(self.config)), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True)

    def wait_until_ready(self) -> None:
        assert self.process.stdout.readline().strip() == "ready", f"instance {self.name} did not start"

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process.stdout.close()

    def job(self, mail: MailServer) -> subprocess.Popen:
        """``flask --app app jobs run`` on this instance's machine, mailing through ``mail``."""
        settings = {k: str(v) for k, v in self.config.items()
                    if k in ("SECRET_KEY", "PARTNERSHIPS_DIR", "BASE_DIR", "BASE_URL", "STATE_URL")}
        settings.update({k: str(v) for k, v in mail.config(MAIL_SMTP_STARTTLS="0").items()})
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "jobs", "run", "--partnership", "demo",
             "--today", RUN_DAY.isoformat()],
            cwd=ROOT, env=self.env(**settings), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def outbox(self) -> list[Path]:
        folder = self.base / "outbox"
        return sorted(folder.glob("*.eml")) if folder.exists() else []


@pytest.fixture(scope="module")
def instances(redis_server, tmp_path_factory):
    """Instance ``a`` cannot reach the spreadsheet (its workbook is missing); ``b`` can."""
    root = tmp_path_factory.mktemp("two")
    partnerships = root / "partnerships"
    partnerships.mkdir()
    shutil.copy(ROOT / "partnerships" / "demo.toml", partnerships / "demo.toml")
    a = Instance("a", root, partnerships, redis_server.url, sheet=False)
    b = Instance("b", root, partnerships, redis_server.url, sheet=True)
    for instance in (a, b):
        instance.start()
    for instance in (a, b):
        instance.wait_until_ready()
    yield a, b
    for instance in (a, b):
        instance.stop()


@pytest.fixture
def a_and_b(instances, redis_server):
    if redis_server.process is None:
        redis_server.start()
    redis_server.client().flushdb()
    return instances


_open_sessions: list[requests.Session] = []


def browser_session() -> requests.Session:
    """A browser: one cookie jar for both instances (cookies do not depend on the port)."""
    session = requests.Session()
    _open_sessions.append(session)
    return session


@pytest.fixture(autouse=True)
def close_browsers():
    yield
    while _open_sessions:
        _open_sessions.pop().close()


def csrf(browser: requests.Session, url: str) -> str:
    page = BeautifulSoup(browser.get(url).text, "html.parser")
    return page.find("input", {"name": "csrf_token"})["value"]


def use_link(browser: requests.Session, instance: Instance, token: str) -> requests.Response:
    url = f"{instance.url}/demo/sign-in/{token}"
    return browser.post(url, data={"csrf_token": csrf(browser, url)}, allow_redirects=False)


def signed_in_browser(instance: Instance) -> requests.Session:
    browser = browser_session()
    assert use_link(browser, instance, make_token(SECRET, "demo", PRACTITIONER)).status_code == 302
    return browser


def test_a_sign_in_link_used_on_one_instance_is_refused_on_the_other(a_and_b):
    a, b = a_and_b
    token = make_token(SECRET, "demo", PRACTITIONER)
    assert use_link(browser_session(), a, token).status_code == 302
    again = browser_session().get(f"{b.url}/demo/sign-in/{token}")
    assert again.status_code == 410
    assert "already been used" in again.text or "used" in BeautifulSoup(again.text, "html.parser").h1.text


def test_signing_out_on_one_instance_ends_the_session_on_the_other(a_and_b):
    a, b = a_and_b
    browser = signed_in_browser(a)
    copy = browser_session()
    copy.cookies.update(browser.cookies)
    assert browser.get(f"{b.url}/demo/challenges", allow_redirects=False).status_code == 200
    assert copy.get(f"{b.url}/demo/challenges", allow_redirects=False).status_code == 200
    signed_out = browser.post(f"{a.url}/demo/sign-out", data={"csrf_token": csrf(browser, f"{a.url}/demo/sign-in")},
                              allow_redirects=False)
    assert signed_out.status_code == 302
    for who in (browser, copy):
        after = who.get(f"{b.url}/demo/challenges", allow_redirects=False)
        assert after.status_code == 302 and "/demo/sign-in" in after.headers["Location"]


def test_rate_limits_count_across_both_instances(a_and_b):
    a, b = a_and_b
    sent_before = len(a.outbox()) + len(b.outbox())
    browser = browser_session()
    token = csrf(browser, f"{a.url}/demo/sign-in")

    def ask(instance: Instance) -> int:
        return browser.post(f"{instance.url}/demo/sign-in", data={"csrf_token": token, "email": PRACTITIONER},
                            allow_redirects=False).status_code

    # 2 links per address, 4 requests per client, whichever instance answers.
    assert [ask(a), ask(b), ask(a), ask(b), ask(a)] == [302, 302, 302, 302, 429]
    assert len(a.outbox()) + len(b.outbox()) - sent_before == 2


def test_jobs_started_on_both_at_once_run_once(a_and_b, tmp_path):
    _, b = a_and_b
    with MailServer() as mail:
        async def slow_data(server, session, envelope, real=mail.handler.handle_DATA):
            await asyncio.sleep(0.3)  # a slow relay: the first run still holds the lock when the second starts
            return await real(server, session, envelope)
        mail.handler.handle_DATA = slow_data
        # Both nodes reach the same spreadsheet (b's), each from its own instance folder.
        other_node = Instance("job-node", tmp_path, Path(b.config["PARTNERSHIPS_DIR"]), b.config["STATE_URL"],
                              sheet=False)
        other_node.config["BASE_DIR"] = b.config["BASE_DIR"]
        runs = [b.job(mail), other_node.job(mail)]
        outputs = [run.communicate(timeout=120)[0] for run in runs]
        emails = mail.take()
    ran = [o for o in outputs if re.search(r"^demo: \d+ challenges? scanned, \d+ reminders? sent", o, re.M)]
    refused = [o for o in outputs
               if "demo: not run: another run for demo holds the lock (on this or another machine); nothing was done" in o]
    assert len(ran) == 1 and len(refused) == 1, outputs
    assert sorted(run.returncode for run in runs) == [0, 75]  # the node that found the lock held did not fail
    sent = int(re.search(r"(\d+) reminders? sent", ran[0]).group(1))
    assert sent >= 2 and len(emails) == sent
    logged = [r["Key"] for r in LocalWorkbook(Path(b.base) / "instance" / "demo.xlsx").read(REMINDERS).records]
    assert len(logged) == len(set(logged)) == sent


def test_a_submission_kept_on_one_instance_is_written_by_the_job_on_the_other(a_and_b):
    a, b = a_and_b
    browser = signed_in_browser(a)
    form = f"{a.url}/demo/challenges/new"
    page = BeautifulSoup(browser.get(form).text, "html.parser")
    hidden = {i["name"]: i.get("value", "") for i in page.select("form input[type=hidden]")}
    sent = browser.post(form, data={**hidden, **answers(case_reference="CS-TWO-NODES")})
    assert sent.status_code == 200 and "will be recorded shortly" in sent.text
    reference = BeautifulSoup(sent.text, "html.parser").select_one(".govuk-panel__body strong").get_text()
    workbook = LocalWorkbook(Path(b.base) / "instance" / "demo.xlsx")
    assert workbook.read(CHALLENGES).find(reference) is None
    # The job on b's machine, in this process: an app of its own on b's instance folder and settings.
    with MailServer() as mail:
        node = create_app({**b.config, **mail.config(), "TESTING": True})
        output = node.test_cli_runner().invoke(args=["jobs", "run", "--partnership", "demo",
                                                     "--today", RUN_DAY.isoformat()]).output
    assert "demo: 1 kept form submission written to the sheet" in output, output
    assert workbook.read(CHALLENGES).find(reference)["Case reference"] == "CS-TWO-NODES"
