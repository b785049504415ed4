"""Every form of the app fuzzed with hypothesis: any Unicode, huge and empty values, missing and
repeated fields. Shared by tests/views/test_fuzz_forms.py (a few hundred examples) and
benchmarks/faults.py (ten thousand).

Each form starts from answers its page accepts, read from the page itself (radios and selects
take their first option, dates today, email fields an address, text fields some text), and
hypothesis changes any of them. What is counted: responses with a 5xx status, and accepted
challenges whose row differs from what was typed (the raise form: every answer, after the
documented trimming of surrounding whitespace; a conversation: its notes in the History row).
"""
from __future__ import annotations

import collections
import datetime as dt
import time
import uuid
from typing import Any, Callable

from bs4 import BeautifulSoup
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from partnership import partnerships_of
from sheets.open import open_workbook
from sheets.schema import AGENCIES, CHALLENGES, COMPLIANCE, HISTORY, LISTS, SUBMISSION_ID, THEMES

RAISER = "sam.jones@example.nhs.uk"
SUPPORT = "business.support@demo-partnership.example"
TODAY = dt.date.today()

# Raise form field -> the Challenges column it is written to, as typed.
# (The raiser's email is the signed-in person's, whatever the form sends.)
RAISE_COLUMNS = {"raiser_name": "Raised by", "raiser_role": "Raiser role", "raiser_agency": "Raiser agency",
                 "line_manager_email": "Line manager email",
                 "other_line_manager_email": "Other professional's line manager email",
                 "other_agency": "Other agency", "other_professional": "Other professional",
                 "other_professional_email": "Other professional email", "child_or_adult": "Child or adult",
                 "case_reference": "Case reference", "theme": "Theme", "decision": "Decision challenged",
                 "outcome_sought": "Outcome sought"}
RAISE_ANSWERS = {"immediate_risk": "no", "raiser_name": "Sam Jones", "raiser_role": "Health visitor",
                 "raiser_agency": "Health", "raiser_email": RAISER, "line_manager_email": "lead@example.nhs.uk",
                 "other_agency": "Police", "other_professional": "Duty sergeant",
                 "other_professional_email": "duty@example.police.uk", "child_or_adult": "Child",
                 "case_reference": "CS-12345", "theme": "Timeliness", "decision": "A decision",
                 "outcome_sought": "An outcome",
                 "concern_arose": [str(TODAY.day), str(TODAY.month), str(TODAY.year)]}

# Any Unicode a browser can send (no lone surrogates: they cannot be encoded in UTF-8).
ANY_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=200)
VALUES = st.one_of(
    ANY_TEXT,
    ANY_TEXT,
    ANY_TEXT,
    st.just(""),
    st.sampled_from(["  padded  ", "=HYPERLINK(\"http://x.example\",\"y\")", "+44 20 7946 0000", "-1", "0012",
                     "_x000D_ _x0041_", "<script>alert(1)</script>", "line one\r\nline two", "a\x00b", "\ufffe",
                     "name@example.nhs.uk", "NaN", "2026-02-30", "31", "13", "99999"]),
    st.sampled_from(["", "x"]).flatmap(lambda _: st.text(st.characters(blacklist_categories=("Cs",)), min_size=1,
                                                       max_size=3).map(lambda s: s * 7_000)),
)
# What happens to one field: kept as the page would send it, changed, left out or sent several times.
CHANGE = st.one_of(st.just(("keep", None)), st.tuples(st.just("set"), VALUES), st.just(("drop", None)),
                   st.tuples(st.just("repeat"), st.lists(VALUES, min_size=2, max_size=3)))


def baseline(html: str) -> tuple[dict[str, Any], dict[str, str]]:
    """Answers the page's form accepts, and its hidden fields, read from the page."""
    soup = BeautifulSoup(html, "html.parser")
    form = next((f for f in soup.select("form[method=post]") if f.select("button, input[type=submit]")
                 and not f.get("action", "").endswith("/sign-out")), None)
    answers: dict[str, Any] = {}
    hidden: dict[str, str] = {}
    if form is None:
        return answers, hidden
    for field in form.select("input, textarea, select"):
        name = field.get("name")
        if not name:
            continue
        kind = field.get("type", "text") if field.name == "input" else field.name
        if kind == "hidden":
            hidden[name] = field.get("value", "")
        elif kind in ("radio", "checkbox"):
            answers.setdefault(name, field.get("value", ""))
        elif kind == "select":
            options = [o.get("value", o.get_text()) for o in field.select("option") if o.get("value", o.get_text())]
            answers[name] = options[0] if options else ""
        elif "govuk-date-input__input" in (field.get("class") or []):
            # A date is three inputs of one name: day, month, year.
            part = field.get("id", "").rpartition("-")[2]
            value = str(TODAY.month if part == "month" else TODAY.year if part == "year" else TODAY.day)
            answers[name] = [*answers.get(name, []), value]
        elif "email" in name:
            answers[name] = "someone@example.nhs.uk"
        else:
            answers[name] = "Some words typed by a person"
    return answers, hidden


class Fuzzer:
    """One app, its workbook set up with a challenge and a compliance challenge, and the forms to fuzz."""

    def __init__(self, app):
        self.app = app
        self.partnership = partnerships_of(app)["demo"]
        self.book = open_workbook(self.partnership)
        self.book.init()
        self.book.append(LISTS, [{AGENCIES: a, THEMES: t} for a, t in
                                 (("Health", "Timeliness"), ("Police", "Information sharing"))])
        self.statuses: collections.Counter[int] = collections.Counter()
        self.per_form: collections.Counter[str] = collections.Counter()
        self.server_errors: list[tuple[str, int]] = []
        self.accepted = 0
        self.differing: list[tuple[str, str, str, str]] = []
        self.clients: dict[tuple[str, str], Any] = {}
        self.reference = self._raise_one()
        self.compliance_reference = "DEMO-CMPFZZ"
        self.book.append(COMPLIANCE, [{"Reference": self.compliance_reference, "Raised on": TODAY.isoformat(),
                                       "Step": "3", "Step started": TODAY.isoformat(),
                                       "IRO email": "iro@example.nhs.uk"}])
        ref, cref = self.reference, self.compliance_reference
        # name -> (path, who, fixed answers the page cannot tell)
        self.forms: dict[str, tuple[str, tuple[str, str], dict[str, Any]]] = {
            "raise": ("/demo/challenges/new", (RAISER, "practitioner"), RAISE_ANSWERS),
            "conversation": (f"/demo/challenges/{ref}/conversation", (RAISER, "practitioner"), {}),
            "resolve": (f"/demo/challenges/{ref}/resolve", (RAISER, "practitioner"), {}),
            "escalate": (f"/demo/challenges/{ref}/escalate", (RAISER, "practitioner"),
                         {"escalated_to_email": "named.nurse@example.nhs.uk"}),
            "withdraw": (f"/demo/challenges/{ref}/withdraw", (RAISER, "practitioner"), {}),
            "appendix A": (f"/demo/challenges/{ref}/appendix-a", (SUPPORT, "business_support"), {}),
            "compliance": ("/demo/compliance/new", (SUPPORT, "business_support"), {}),
            "meeting": (f"/demo/compliance/{cref}/meeting", (SUPPORT, "business_support"), {}),
            "compliance escalate": (f"/demo/compliance/{cref}/escalate", (SUPPORT, "business_support"), {}),
            "sign in": ("/demo/sign-in", ("", ""), {"email": RAISER}),
        }
        self.pages: dict[str, tuple[dict[str, Any], dict[str, str]]] = {}

    def client_for(self, who: tuple[str, str]):
        """One test client per person, signed in once (its CSRF token then serves every form)."""
        client = self.clients.get(who)
        if client is None:
            client = self.clients[who] = self.app.test_client()
            if who[0]:
                with client.session_transaction() as s:
                    s["user"] = {"email": who[0], "partnership": "demo", "role": who[1], "reference": None}
                    s["seen"] = int(time.time())
        return client

    def _raise_one(self) -> str:
        client = self.client_for((RAISER, "practitioner"))
        answers, hidden = baseline(client.get("/demo/challenges/new", follow_redirects=True).get_data(as_text=True))
        response = client.post("/demo/challenges/new", data={**answers, **hidden, **RAISE_ANSWERS})
        assert response.status_code == 302, (response.status_code, [e.get_text(" ", strip=True) for e in BeautifulSoup(response.get_data(as_text=True), "html.parser").select(".govuk-error-message, .govuk-notification-banner")])
        return self.book.read(CHALLENGES).records[-1].reference

    def reopen(self) -> None:
        """Put the challenges back where the step forms can act on them (a resolve or an escalation
        moves them on)."""
        self.book.update({CHALLENGES: {self.reference: {"Resolved on": "", "Withdrawn on": "", "Step": "1",
                                                        "Step started": TODAY.isoformat()}},
                          COMPLIANCE: {self.compliance_reference: {"Resolved on": "", "Step": "3",
                                                                   "Step started": TODAY.isoformat()}}})

    def page(self, name: str) -> tuple[dict[str, Any], dict[str, str]]:
        """The form's accepted answers and hidden fields, read from its page once."""
        if name not in self.pages:
            path, who, fixed = self.forms[name]
            answers, hidden = baseline(self.client_for(who).get(path, follow_redirects=True).get_data(as_text=True))
            self.pages[name] = ({**answers, **fixed}, hidden)
        return self.pages[name]

    def send(self, name: str, changes: dict[str, tuple[str, Any]], extra: dict[str, Any]) -> None:
        """Post the form with ``changes`` applied to its accepted answers; count what came back."""
        path, who, _ = self.forms[name]
        answers, hidden = self.page(name)
        data: dict[str, Any] = dict(answers)
        for field, (how, value) in changes.items():
            if field not in data:
                continue
            if how == "set":
                data[field] = value
            elif how == "drop":
                del data[field]
            elif how == "repeat":
                data[field] = value
        for field, value in extra.items():
            data[field] = value
        submission_id = uuid.uuid4().hex
        if "submission_id" in hidden:
            hidden = {**hidden, "submission_id": submission_id}
        response = self.client_for(who).post(path, data={**data, **hidden})
        self.statuses[response.status_code] += 1
        self.per_form[name] += 1
        if response.status_code >= 500:
            self.server_errors.append((name, response.status_code))
            return
        if name == "raise" and response.status_code == 302 and "/raised" in response.location:
            self.check_raised(submission_id, data)
        if name in ("resolve", "withdraw", "escalate", "meeting", "compliance escalate") and \
                response.status_code == 302:
            self.reopen()

    def check_raised(self, submission_id: str, data: dict[str, Any]) -> None:
        row = next((r for r in self.book.read(CHALLENGES).records if r[SUBMISSION_ID] == submission_id), None)
        self.accepted += 1
        if row is None:
            self.differing.append((submission_id, "(row)", "a row", "none"))
            return
        if row["Raiser email"] != RAISER:
            self.differing.append((submission_id, "Raiser email", RAISER, row["Raiser email"]))
        for field, column in RAISE_COLUMNS.items():
            typed = data.get(field, "")
            typed = (typed[0] if typed else "") if isinstance(typed, list) else typed
            if row[column] != typed.strip():
                self.differing.append((submission_id, column, typed.strip()[:60], row[column][:60]))

    def result(self) -> dict[str, Any]:
        return {"per_form": dict(self.per_form), "statuses": dict(sorted(self.statuses.items())),
                "server_errors": len(self.server_errors), "accepted": self.accepted,
                "differing": len(self.differing), "examples": self.differing[:5] + self.server_errors[:5]}


def fuzz_every_form(make_app: Callable[[], Any], examples: int, seed_number: int = 0) -> dict[str, Any]:
    """``examples`` hypothesis examples spread over every form of one app; the counts."""
    fuzzer = Fuzzer(make_app())
    names = list(fuzzer.forms)
    fields = sorted({f for name in names for f in fuzzer.page(name)[0]} | {"held_on-day", "email"})

    @seed(seed_number)
    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck),
              phases=[Phase.generate])
    @given(name=st.sampled_from(names),
           changes=st.dictionaries(st.sampled_from(fields), CHANGE, max_size=6),
           extra=st.dictionaries(st.text(max_size=20), VALUES, max_size=2))
    def one(name, changes, extra):
        with fuzzer.app.app_context():
            fuzzer.send(name, changes, extra)

    one()
    return fuzzer.result()
