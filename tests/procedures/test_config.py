"""Partnership files: every mistake stops start-up with one line naming file, key and problem."""
import datetime as dt
import textwrap
from pathlib import Path

import pytest

from partnership.config import ConfigError, load_partnership, load_partnerships

ROOT = Path(__file__).resolve().parents[2]

GOOD = textwrap.dedent('''
    slug = "durham"
    name = "Durham Safeguarding Children Partnership"
    nation = "ENG"
    procedure = "durham-iro"
    closures = { 2026-12-24 = "Christmas Eve" }

    [sheet]
    backend = "local"
    path = "instance/durham.xlsx"

    [email]
    from = "dscp@durham.example"
    business_support = "support@durham.example"
    partnership_manager = "manager@durham.example"

    [access]
    allowed_domains = ["durham.example"]
    business_support_users = ["Support@Durham.example"]
''')

INLINE = GOOD.replace('procedure = "durham-iro"', '') + textwrap.dedent('''
    [procedure]
    name = "Local"
    [[procedure.steps]]
    name = "One"
    role = "Practitioners"
    conclude_by = 1
    [[procedure.steps]]
    name = "Two"
    role = "Managers"
    conclude_by = 5
    [[procedure.steps]]
    name = "Three"
    role = "Partnership"
    conclude_by = 7
''')


def write(tmp_path: Path, text: str, name: str = "durham") -> Path:
    folder = tmp_path / "partnerships"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(text)
    return path


def error_for(tmp_path: Path, text: str, name: str = "durham") -> str:
    path = write(tmp_path, text, name)
    with pytest.raises(ConfigError) as caught:
        load_partnership(path, tmp_path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(str(path) + ": ") or message.startswith("partnerships/") or "durham.toml" in message
    return message.split("durham.toml: ", 1)[-1]


def test_a_good_file_loads(tmp_path):
    p = load_partnership(write(tmp_path, GOOD), tmp_path)
    assert p.name == "Durham Safeguarding Children Partnership"
    assert p.procedure.slug == "durham-iro"
    assert p.sheet.path == tmp_path / "instance/durham.xlsx"
    assert p.closures == {dt.date(2026, 12, 24): "Christmas Eve"}
    assert not p.calendar.is_working_day(dt.date(2026, 12, 24))
    assert p.access.business_support_users == ("support@durham.example",)
    assert p.reminders.due_soon_days == 1


def test_the_issue_example_message(tmp_path):
    text = INLINE.replace("conclude_by = 7", 'conclude_by = "seven"')
    assert error_for(tmp_path, text) == 'procedure.steps[2].conclude_by: expected a whole number of days, got "seven"'


@pytest.mark.parametrize("change, message", [
    (("slug = \"durham\"", "slug = \"Durham Partnership\""), 'slug: expected lower-case letters, digits and hyphens, got "Durham Partnership"'),
    (("slug = \"durham\"\n", ""), "slug: is required"),
    (("name = \"Durham Safeguarding Children Partnership\"", "name = \"\""), "name: must not be empty"),
    (("nation = \"ENG\"", "nation = \"UK\""), 'nation: expected one of ENG, WLS, SCT, NIR, got "UK"'),
    (("procedure = \"durham-iro\"", "procedure = \"pan-cheshir\""), 'procedure: no procedure called "pan-cheshir" (shipped: darlington, durham-iro, lscb-school, pan-cheshire)'),
    (("procedure = \"durham-iro\"", "procedure = 3"), "procedure: expected the name of a shipped procedure or a table, got 3"),
    (("procedure = \"durham-iro\"\n", ""), "procedure: is required"),
    (("backend = \"local\"", "backend = \"excel\""), 'sheet.backend: expected one of local, google, got "excel"'),
    (("path = \"instance/durham.xlsx\"\n", ""), "sheet.path: is required"),
    (("backend = \"local\"\npath = \"instance/durham.xlsx\"", "backend = \"google\""), "sheet.spreadsheet_id: is required"),
    (("from = \"dscp@durham.example\"", "from = \"dscp\""), 'email.from: expected an email address, got "dscp"'),
    (("business_support = \"support@durham.example\"\n", ""), "email.business_support: is required"),
    (("allowed_domains = [\"durham.example\"]", "allowed_domains = [\"@durham\"]"), 'access.allowed_domains[0]: expected a domain such as "example.gov.uk", got "@durham"'),
    (("allowed_domains = [\"durham.example\"]", "allowed_domains = \"durham.example\""), 'access.allowed_domains: expected a list, each a domain such as "example.gov.uk", got "durham.example"'),
    (("business_support_users = [\"Support@Durham.example\"]", "business_support_users = [\"support\"]"), 'access.business_support_users[0]: expected an email address, got "support"'),
    (("closures = { 2026-12-24 = \"Christmas Eve\" }", "closures = [\"24/12/2026\"]"), 'closures[0]: expected a date like 2026-12-24, got "24/12/2026"'),
    (("nation = \"ENG\"", "nation = \"ENG\"\ncolour = \"blue\""), "colour: unknown key (expected one of access, closures, compliance_procedure, contact, email, immediate_risk, name, nation, privacy, procedure, reference_prefix, reminders, retention, sheet, slug, summary)"),
    (("[access]", "[reminders]\ndue_soon_days = -1\n[access]"), "reminders.due_soon_days: must be at least 0, got -1"),
    (("[access]", "[reminders]\noverdue_every = true\n[access]"), "reminders.overdue_every: expected a whole number of working days, got true"),
    (("[access]", "[summary]\nperiod_start_months = [4, 9]\n[access]"), "summary.period_start_months: expected two month numbers six months apart, got [4, 9]"),
    (("nation = \"ENG\"", "nation = \"ENG\"\nreference_prefix = \"dscp\""), 'reference_prefix: expected 1 to 6 capital letters, got "dscp"'),
])
def test_every_mistake_has_its_own_message(tmp_path, change, message):
    old, new = change
    assert old in GOOD
    assert error_for(tmp_path, GOOD.replace(old, new, 1)) == message


@pytest.mark.parametrize("change, message", [
    (("conclude_by = 5", "conclude_by = { days = 5, unit = \"fortnights\" }"), 'procedure.steps[1].conclude_by.unit: expected one of working, calendar, got "fortnights"'),
    (("conclude_by = 5", "conclude_by = -5"), "procedure.steps[1].conclude_by: must be at least 0, got -5"),
    (("role = \"Managers\"\n", ""), "procedure.steps[1].role: is required"),
    (("name = \"Two\"", "name = \"Two\"\nstart_by = 9"), "procedure.steps[1].conclude_by: day 5 is before start_by day 9"),
    (("name = \"Two\"", "name = \"Two\"\nreporting_threshold = \"yes\""), 'procedure.steps[1].reporting_threshold: expected true or false, got "yes"'),
    (("name = \"Local\"", "name = \"Local\"\ncounted_from = \"monday\""), 'procedure.counted_from: expected one of challenge, step, got "monday"'),
    (("name = \"Two\"", "name = \"Two\"\ndeadline = 3"), "procedure.steps[1].deadline: unknown key (expected one of acts, conclude_by, description, name, reporting_threshold, role, start_by, told)"),
        (("name = \"Two\"", "name = \"Two\"\nacts = [\"line manager\"]"), 'procedure.steps[1].acts[0]: expected one of raiser, challenged, raiser_line_manager, challenged_line_manager, escalated_to, iro, safeguarding_lead, business_support, partnership_manager, got "line manager"'),
        (("name = \"Two\"", "name = \"Two\"\nacts = []"), "procedure.steps[1].acts: needs at least one person"),
        (("name = \"Two\"", "name = \"Two\"\ntold = \"raiser\""), 'procedure.steps[1].told: expected a list of people (raiser, challenged, raiser_line_manager, challenged_line_manager, escalated_to, iro, safeguarding_lead, business_support, partnership_manager), got "raiser"'),
        (("name = \"Local\"", "name = \"Local\"\nstarts_at = 4"), "procedure.starts_at: there is no step 4 (the procedure has 3)"),
])
def test_inline_procedure_mistakes(tmp_path, change, message):
    old, new = change
    assert old in INLINE
    assert error_for(tmp_path, INLINE.replace(old, new, 1)) == message


def test_inline_procedure_with_no_steps(tmp_path):
    text = GOOD.replace('procedure = "durham-iro"', 'procedure = { name = "Empty", steps = [] }')
    assert error_for(tmp_path, text) == "procedure.steps: needs at least one step"


def test_not_toml_at_all(tmp_path):
    assert error_for(tmp_path, "slug = durham").startswith("not valid TOML: ")


def test_file_name_must_match_slug(tmp_path):
    assert error_for(tmp_path, GOOD.replace('slug = "durham"', 'slug = "durham-two"')) == \
        'slug: expected "durham" (the file\'s name), got "durham-two"'


def test_an_empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="no partnership files"):
        load_partnerships(tmp_path / "empty")


def test_every_shipped_partnership_file_loads():
    files = sorted((ROOT / "partnerships").rglob("*.toml"))
    assert {f.stem for f in files} >= {"demo", "cheshire-east", "durham", "darlington", "school-lscb"}
    for f in files:
        assert load_partnership(f, ROOT).slug == f.stem


def test_start_up_stops_with_one_line_not_a_traceback(tmp_path, capsys):
    from app import create_app
    write(tmp_path, INLINE.replace("conclude_by = 7", 'conclude_by = "seven"'))
    with pytest.raises(SystemExit) as caught:
        create_app({"SECRET_KEY": "x", "BASE_URL": "https://localhost", "PARTNERSHIPS_DIR": str(tmp_path / "partnerships"),
                    "BASE_DIR": str(tmp_path)})
    assert str(caught.value).startswith("error: ")
    assert str(caught.value).endswith('durham.toml: procedure.steps[2].conclude_by: expected a whole number of days, got "seven"')
