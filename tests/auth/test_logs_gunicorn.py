"""No link token in any log: the app under gunicorn, with its real access log and error log.

Every kind of emailed link is issued and used as a browser does (sign-in links, short and
compressed; the line manager's response link), with the Referer a browser sends, and then a
fault makes Flask log "Exception on <path>" for link paths. Every token issued is then looked
for in the access log, the error log and everything the server printed.
"""
from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
import requests
from bs4 import BeautifulSoup

from partnership.config import load_partnerships
from sheets.open import open_workbook
from sheets.schema import AGENCIES, COMPLIANCE_ISSUES, LISTS, THEMES
from tests.auth.conftest import BUSINESS_SUPPORT, PRACTITIONER, outbox

ROOT = Path(__file__).resolve().parents[2]
LINE_MANAGER = "nurse.manager@example.nhs.uk"


class Browser:
    """Just enough of a browser: keeps its cookies (Secure ones too: the test talks plain http)
    and sends the Referer a same-origin page sends."""

    def __init__(self, base: str):
        self.base, self.cookies, self.referer = base, {}, None

    def _keep(self, response: requests.Response) -> requests.Response:
        for header in response.raw.headers.getlist("Set-Cookie"):
            for name, morsel in SimpleCookie(header).items():
                if morsel.value and morsel["max-age"] != "0" and "1970" not in morsel["expires"]:
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return response

    def get(self, path: str, headers: dict | None = None) -> requests.Response:
        sent = {"Referer": self.referer} if self.referer else {}
        response = self._keep(requests.get(self.base + path, cookies=self.cookies, allow_redirects=False,
                                           headers={**sent, **(headers or {})}, timeout=30))
        self.referer = self.base + path
        return response

    def submit(self, path: str, answers: dict | None = None) -> requests.Response:
        """Open ``path`` and send its form with ``answers``, as a person does."""
        shown = self.get(path)
        form = BeautifulSoup(shown.text, "html.parser").find("form", method="post")
        data = {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")}
        response = requests.post(self.base + path, data={**data, **(answers or {})}, cookies=self.cookies,
                                 headers={"Referer": self.base + path}, allow_redirects=False, timeout=30)
        return self._keep(response)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(tmp_path, partnerships_dir):
    """gunicorn serving the demo partnership, outside local development, logging to files."""
    partnership = load_partnerships(partnerships_dir, tmp_path)["demo"]
    book = open_workbook(partnership)
    book.init()
    book.append(LISTS, [{AGENCIES: "Health", THEMES: "Timeliness"}])
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    logs = tmp_path / "logs"
    logs.mkdir()
    env = {
        "PATH": str(Path(sys.executable).parent), "HOME": str(tmp_path),
        "SECRET_KEY": "gunicorn-log-test", "BASE_URL": base,
        "PARTNERSHIPS_DIR": str(partnerships_dir), "BASE_DIR": str(tmp_path),
        "MAIL_BACKEND": "outbox", "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
        "PENDING_DIR": str(tmp_path / "pending"), "STATE_URL": f"sqlite:///{tmp_path}/state.sqlite3",
        "SIGN_IN_MIN_SECONDS": "0",
    }
    command = [str(Path(sys.executable).parent / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}",
               "--no-control-socket", "--graceful-timeout", "2", "--access-logfile", str(logs / "access.log"),
               "--error-logfile", str(logs / "error.log"), "--log-level", "debug", "tests.auth.faulty_app:app"]
    with open(logs / "stdout", "wb") as out, open(logs / "stderr", "wb") as err:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    requests.get(base + "/", timeout=10)
                    break
                except requests.RequestException:
                    assert server.poll() is None and time.monotonic() < deadline, (logs / "error.log").read_text()
                    time.sleep(0.2)
            yield base, tmp_path, logs
        finally:
            server.terminate()
            server.wait(timeout=30)


def links(config_dir: Path) -> list[str]:
    """Every link emailed so far, as paths."""
    class Config:
        config = {"MAIL_OUTBOX_DIR": str(config_dir / "outbox")}
    found = []
    for message in outbox(Config):
        found += re.findall(r"https?://[^/\s]+(/\S+/(?:sign-in|respond)/\S+)", message.get_body(("plain",)).get_content())
    return found


def sign_in(browser: Browser, folder: Path, address: str, next_path: str = "") -> str:
    """Ask for a link and use it; returns the link's path."""
    query = f"?next={next_path}" if next_path else ""
    assert browser.submit(f"/demo/sign-in{query}", {"email": address}).status_code == 302
    path = links(folder)[-1]
    assert browser.submit(path).status_code == 302
    browser.get("/static/govuk/govuk-frontend.min.css")  # with the link as its Referer
    return path


def test_no_token_of_any_kind_of_link_reaches_any_log(served):
    base, folder, logs = served
    practitioner, support, manager = Browser(base), Browser(base), Browser(base)
    # Sign-in links: a short one, and one whose long `next` makes itsdangerous compress it.
    long_next = "/demo/challenges?q=" + "safeguarding-" * 30
    sign_in(practitioner, folder, PRACTITIONER, next_path=long_next)
    sign_in(support, folder, BUSINESS_SUPPORT)
    # The line manager's response link, opened, its button used, and the response sent.
    sent = support.submit("/demo/compliance/new", {
        "family_reference": "FAM-0042", "iro": "Alex IRO", "iro_email": BUSINESS_SUPPORT,
        "professional": "School nurse", "professional_agency": "Health", "line_manager": "Nurse manager",
        "line_manager_email": LINE_MANAGER, "safeguarding_lead": "Named nurse",
        "issues": COMPLIANCE_ISSUES[2], "concern": "Not at core groups"})
    assert sent.status_code == 302, sent.text
    respond = links(folder)[-1]
    assert "/respond/" in respond
    assert manager.submit(respond).status_code == 302
    assert manager.submit(respond, {"response": "Will attend", "outcome": "progress"}).status_code == 302
    manager.get(respond)  # spent: "already recorded"
    # A fault inside the views of link pages: Flask logs "Exception on <path>" and the traceback.
    for path in links(folder):
        assert Browser(base).get(path, headers={"X-Test-Fault": "1"}).status_code == 500

    tokens = [path.rpartition("/")[2] for path in links(folder)]
    assert len(tokens) == 3 and any(t.startswith(".") for t in tokens) and any(not t.startswith(".") for t in tokens)
    time.sleep(0.5)  # gunicorn writes its access log line after the response
    printed = {name: (logs / name).read_text() for name in ("access.log", "error.log", "stdout", "stderr")}
    assert printed["access.log"].count("/sign-in/[token]") >= 6
    assert "/respond/[token]" in printed["access.log"]
    assert re.search(r'"http://127\.0\.0\.1:\d+/demo/sign-in/\[token\]"', printed["access.log"])  # a Referer
    everything = "\n".join(printed.values())
    assert "Exception on /demo/sign-in/[token] [GET]" in everything
    assert "injected fault while answering /demo/sign-in/[token]" in everything
    assert re.search(r"Exception on /demo/compliance/[A-Z0-9-]+/respond/\[token\] \[GET\]", everything)
    for token in tokens:
        for name, text in printed.items():
            assert token not in text, f"a link token in {name}"
            assert token[:24] not in text, f"the start of a link token in {name}"
