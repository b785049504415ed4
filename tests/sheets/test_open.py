"""open_workbook chooses the implementation from the partnership file."""
from __future__ import annotations

import dataclasses

import pytest

from partnership.config import SheetConfig
from sheets.base import SheetError
from sheets.google import GoogleWorkbook
from sheets.local import LocalWorkbook
from sheets.open import open_workbook


def test_local_backend_opens_the_file_named_in_the_partnership(partnership, tmp_path):
    workbook = open_workbook(partnership)
    assert isinstance(workbook, LocalWorkbook)
    assert workbook.path == (tmp_path / "instance" / "demo.xlsx").resolve()
    assert open_workbook(partnership, purpose="cron").lock_timeout > workbook.lock_timeout


def test_google_backend_needs_credentials(partnership, monkeypatch, tmp_path):
    from google.auth.compute_engine import _metadata
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud"))  # no gcloud login
    monkeypatch.setattr(_metadata, "_NO_GCE_CHECK", True)  # not on Google Cloud
    google = dataclasses.replace(partnership, sheet=SheetConfig("google", spreadsheet_id="abc"))
    with pytest.raises(SheetError, match="GOOGLE_APPLICATION_CREDENTIALS"):
        open_workbook(google)
    key = tmp_path / "key.json"
    key.write_text("{}")
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key))
    with pytest.raises(SheetError, match="cannot be used"):
        open_workbook(google)


def test_google_backend_with_a_service_account_key(partnership, tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    import json

    pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    key = tmp_path / "key.json"
    key.write_text(json.dumps({"type": "service_account", "client_email": "app@example.iam.gserviceaccount.com",
                               "private_key": pem, "private_key_id": "1", "token_uri": "https://oauth2.example/token",
                               "project_id": "example"}))
    google = dataclasses.replace(partnership, sheet=SheetConfig("google", spreadsheet_id="abc", credentials=key))
    workbook = open_workbook(google, purpose="cron")
    assert isinstance(workbook, GoogleWorkbook) and workbook.id == "abc"
    assert workbook.http.policy.budget > open_workbook(google).http.policy.budget
    assert workbook.http.limiter is None  # without the app's settings: not paced

    config = {"STATE_URL": f"sqlite:///{tmp_path}/state.sqlite3", "SHEETS_READS_PER_MINUTE": 50}
    job, page = open_workbook(google, purpose="cron", config=config), open_workbook(google, config=config)
    assert (job.http.who, page.http.who) == ("job", "page")
    # Paced on the service account's own quota, in the store the settings name.
    assert job.http.limiter.account == "app@example.iam.gserviceaccount.com"
    assert job.http.limiter.limit("read", "job") == 45
    assert job.http.limiter.store.url == config["STATE_URL"]


def test_purpose_must_be_web_or_cron(partnership):
    with pytest.raises(ValueError):
        open_workbook(partnership, purpose="batch")  # type: ignore[arg-type]
