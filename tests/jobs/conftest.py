"""Fixtures the job's tests share: a real SMTP server (``reminder_sheets.mail``) and the Pan
Cheshire partnership."""
from __future__ import annotations

import pytest

from tests.jobs.reminder_sheets import mail, pan

__all__ = ["mail", "partnership"]


@pytest.fixture
def partnership(tmp_path):
    return pan(tmp_path)
