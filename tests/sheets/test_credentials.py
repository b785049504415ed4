"""Whom the app acts as in Google: a key file ([sheet] credentials or GOOGLE_APPLICATION_CREDENTIALS),
or no key at all, the machine's own service account (Application Default Credentials)."""
from __future__ import annotations

import dataclasses
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from google.auth import compute_engine
from google.auth.compute_engine import _metadata
from google.oauth2 import service_account

from partnership.config import SheetConfig
from sheets.base import SheetError
from sheets.google import GoogleWorkbook, _credentials
from sheets.schema import CHALLENGES
from tests.fakesheets import BASE, FakeSheetsAPI

MACHINE_ACCOUNT = "challenge-tracker@example-project.iam.gserviceaccount.com"
MACHINE_TOKEN = "token-from-the-metadata-server"


@pytest.fixture
def no_ambient_credentials(monkeypatch, tmp_path):
    """No key in the environment, no gcloud login, not on Google Cloud."""
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud"))
    monkeypatch.setattr(_metadata, "_NO_GCE_CHECK", True)


def service_account_key(tmp_path, email="app@example.iam.gserviceaccount.com"):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    key = tmp_path / f"{email.partition('@')[0]}.json"
    key.write_text(json.dumps({"type": "service_account", "client_email": email, "private_key": pem,
                               "private_key_id": "1", "token_uri": "https://oauth2.example/token",
                               "project_id": "example"}))
    return key


def google(partnership, credentials=None):
    return dataclasses.replace(partnership, sheet=SheetConfig("google", spreadsheet_id="abc", credentials=credentials))


def test_the_partnership_files_key_comes_first(partnership, tmp_path, monkeypatch, no_ambient_credentials):
    named = service_account_key(tmp_path, "named@example.iam.gserviceaccount.com")
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(service_account_key(tmp_path, "env@example.iam.gserviceaccount.com")))
    credentials = _credentials(google(partnership, named))
    assert isinstance(credentials, service_account.Credentials)
    assert credentials.service_account_email == "named@example.iam.gserviceaccount.com"
    assert credentials.scopes == ["https://www.googleapis.com/auth/spreadsheets"]


def test_google_application_credentials_is_read_through_application_default_credentials(
        partnership, tmp_path, monkeypatch, no_ambient_credentials):
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(service_account_key(tmp_path, "env@example.iam.gserviceaccount.com")))
    credentials = _credentials(google(partnership))
    assert isinstance(credentials, service_account.Credentials)
    assert credentials.service_account_email == "env@example.iam.gserviceaccount.com"


def test_a_broken_key_file_is_named(partnership, tmp_path, monkeypatch, no_ambient_credentials):
    broken = tmp_path / "key.json"
    broken.write_text("{}")
    with pytest.raises(SheetError, match=r"demo: the service account key .*key.json cannot be used"):
        _credentials(google(partnership, broken))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(broken))
    with pytest.raises(SheetError, match=r"key.json \(GOOGLE_APPLICATION_CREDENTIALS\) cannot be used"):
        _credentials(google(partnership))


def test_no_credentials_anywhere_says_what_to_set(partnership, no_ambient_credentials):
    with pytest.raises(SheetError, match="no Google credentials: set GOOGLE_APPLICATION_CREDENTIALS or "
                                         r"\[sheet\] credentials"):
        _credentials(google(partnership))


class MetadataServer(BaseHTTPRequestHandler):
    """Google Cloud's metadata server as a machine with an attached service account sees it."""

    def do_GET(self):
        path = urlsplit(self.path).path
        answers = {
            "/": "",
            "/computeMetadata/v1/project/project-id": "example-project",
            "/computeMetadata/v1/instance/service-accounts/default/": json.dumps(
                {"email": MACHINE_ACCOUNT, "scopes": ["https://www.googleapis.com/auth/cloud-platform"],
                 "aliases": ["default"]}),
            "/computeMetadata/v1/instance/service-accounts/default/token": json.dumps(
                {"access_token": MACHINE_TOKEN, "expires_in": 3600, "token_type": "Bearer"}),
            "/computeMetadata/v1/instance/service-accounts/default/email": MACHINE_ACCOUNT,
        }
        if self.headers.get("Metadata-Flavor") != "Google" or path not in answers:
            self.send_error(404)
            return
        body = answers[path].encode()
        self.send_response(200)
        self.send_header("Metadata-Flavor", "Google")
        self.send_header("Content-Type", "application/json" if body.startswith(b"{") else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def on_google_cloud(monkeypatch, tmp_path):
    """A metadata server on 127.0.0.1 standing in for the machine's, and no key anywhere."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), MetadataServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host = f"127.0.0.1:{server.server_port}"
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud"))
    monkeypatch.setenv("GCE_METADATA_IP", host)
    monkeypatch.setattr(_metadata, "_GCE_METADATA_HOST", host)
    monkeypatch.setattr(_metadata, "_NO_GCE_CHECK", False)
    yield
    server.shutdown()
    server.server_close()


def test_with_no_key_the_machines_service_account_signs_the_sheets_calls(partnership, on_google_cloud):
    api = FakeSheetsAPI()
    api.add_spreadsheet("abc", {CHALLENGES: [["Reference", "Raised on"], ["DEMO-1", "2026-11-02"]]})
    seen: list[str | None] = []
    fake = api.session().adapters[BASE]

    class Recording(type(fake)):
        def send(self, request, **kwargs):
            seen.append(request.headers.get("Authorization"))
            return super().send(request, **kwargs)

    workbook = GoogleWorkbook.connect(google(partnership))
    assert isinstance(workbook.http.auth, compute_engine.Credentials)
    workbook.http.session.mount(BASE, Recording(api))
    try:
        [record] = workbook.read(CHALLENGES).records
    finally:
        workbook.http.session.close()
    assert record.reference == "DEMO-1"
    assert seen and set(seen) == {f"Bearer {MACHINE_TOKEN}"}
