"""The planner's short cut (a row whose emails were all sent, found from another row standing in the
same place with its people in the same pattern) plans exactly what planning every row in full does:
the same emails, keys, counts, column updates, problems and stuck digest, on sheets of rows that
share dates and people in every way, with part of what is due already sent."""
import datetime as dt
import random

import pytest

from jobs import reminders
from jobs.reminders import plan_reminders
from sheets.rows import EMAIL_ADDRESS
from sheets.schema import PERSON_COLUMNS
from partnership.config import Partnership
from tests.jobs.reminder_sheets import challenge, compliance, d, durham, pan, tables

# The people a row may name: some shared, one differing only in case, one mistyped, a blank, and
# the partnership's own business support address typed on a row.
ADDRESSES = ["raiser@agency.example", "RAISER@agency.example", "manager@agency.example", "other@trust.example",
             "lead@trust.example", "not an address", "", "", "business.support@pan.example",
             "business.support@durham.example", "business.manager@durham.example"]
PAN_PEOPLE = ("Raiser email", "Other professional email", "Line manager email",
              "Other professional's line manager email", "Escalated to email")
DURHAM_PEOPLE = ("IRO email", "Professional email", "Line manager email", "Safeguarding lead email")


def day(rng: random.Random, today: dt.date, back: int, every: int) -> str:
    picked = today - dt.timedelta(days=rng.randrange(0, back, every))
    return picked.strftime(rng.choice(("%d/%m/%Y", "%Y-%m-%d")))


def rows(rng: random.Random, today: dt.date, n: int, people: tuple[str, ...], make, steps: str) -> list[dict]:
    """Rows raised on a few days: most name their own people, all different addresses (so they
    share a pattern but not addresses); the others pick from ADDRESSES."""
    out = []
    for i in range(n):
        if rng.random() < 0.7:
            columns = {c.replace(" ", "_"): f"person{k}.{i % 9}@agency.example" if k < 3 else ""
                       for k, c in enumerate(people)}
        else:
            columns = {c.replace(" ", "_"): rng.choice(ADDRESSES) for c in people}
        raised = day(rng, today, 25, 5)
        row = make(f"R{i:04d}", raised, rng.choice(steps), **columns)
        if row["Step"] != steps[0]:
            row["Step started"] = raised
        if rng.random() < 0.15:
            row["Resolved on"] = day(rng, today, 12, 3)
        elif rng.random() < 0.05:
            row["Withdrawn on"] = day(rng, today, 12, 3)
        row["Professional agency"] = rng.choice(("Agency A", "Agency B"))
        out.append(row)
    return out


def plans(partnership: Partnership, sheet: dict, today: dt.date, monkeypatch) -> tuple:
    fast = plan_reminders(partnership, sheet, today, base_url="https://challenges.example.org")
    with monkeypatch.context() as m:
        m.setattr(reminders._Planner, "short_cut", False)
        full = plan_reminders(partnership, sheet, today, base_url="https://challenges.example.org")
    return fast, full


def same(fast, full) -> None:
    assert [(r.kind, r.tab, r.reference, r.step, r.recipient, r.due, r.repeat, r.email)
            for r in fast.reminders] == [(r.kind, r.tab, r.reference, r.step, r.recipient, r.due, r.repeat, r.email)
                                         for r in full.reminders]
    assert fast.updates == full.updates
    assert [str(p) for p in fast.problems] == [str(p) for p in full.problems]
    assert (fast.scanned, fast.already_sent) == (full.scanned, full.already_sent)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("which", ["pan", "durham"])
def test_the_short_cut_plans_what_planning_every_row_in_full_does(tmp_path, monkeypatch, seed, which):
    rng = random.Random(seed)
    partnership = pan(tmp_path) if which == "pan" else durham(tmp_path)
    today = d("2027-01-11")  # a Monday: the stuck digest goes too
    if which == "pan":
        sheet = tables(rows(rng, today, 300, PAN_PEOPLE, challenge, "1234"))
    else:
        sheet = tables(rows(rng, today, 120, PAN_PEOPLE[:3], challenge, "1234"),
                       rows(rng, today, 240, DURHAM_PEOPLE, compliance, "234"))
    first, full = plans(partnership, sheet, today, monkeypatch)
    same(first, full)
    assert len(first.reminders) > 100
    # Part of it sent: most rows then take the short cut, the rest are planned in full.
    keys = [r.email.key for r in first.reminders]
    sent = [k for k in keys if rng.random() < 0.8]
    again = tables([dict(r.values) for r in sheet["Challenges"].records],
                   [dict(r.values) for r in sheet["Compliance"].records], sent)
    fast, full = plans(partnership, again, today, monkeypatch)
    same(fast, full)
    assert fast.already_sent == len(set(sent))
    assert {r.email.key for r in fast.reminders} == set(keys) - set(sent)
    # All of it sent: nothing is planned, every key is counted as already sent.
    done = tables([dict(r.values) for r in sheet["Challenges"].records],
                  [dict(r.values) for r in sheet["Compliance"].records], keys)
    in_full = []
    planned = reminders._Planner._plan_row
    monkeypatch.setattr(reminders._Planner, "_plan_row",
                        lambda self, *a: in_full.append((a[2], self._dry)) or planned(self, *a))
    fast = plan_reminders(partnership, done, today, base_url="https://challenges.example.org")
    monkeypatch.undo()
    _, full = plans(partnership, done, today, monkeypatch)
    same(fast, full)
    assert fast.reminders == []
    assert fast.already_sent == len(set(keys))
    owing = {(r.tab, r.reference) for r in first.reminders if r.reference}
    assert len(in_full) < len(owing) * 0.6  # the short cut was taken for many rows
    # With every email sent, the only rows planned in full (not dry, for templates) are those with a
    # mistyped address: every other row was found sent from its group's templates, on both tabs.
    mistyped = [row.reference for row, dry in in_full if not dry]
    assert mistyped and all(any(not EMAIL_ADDRESS.match(v.strip()) for c, v in row.record.values.items()
                                if c in PERSON_COLUMNS[row.record.tab].values() and v.strip())
                            for row, dry in in_full if not dry)
    assert {row.record.tab for row, dry in in_full if dry} == ({"Challenges"} if which == "pan"
                                                               else {"Challenges", "Compliance"})


def test_references_holding_the_keys_separator_are_counted_as_planning_in_full_counts(tmp_path, monkeypatch):
    # Keys are "reference|step|kind|to|due": with a "|" in a reference, the short cut keeps the keys to
    # count each once, rather than counting them.
    rng = random.Random(11)
    partnership = pan(tmp_path)
    today = d("2027-01-11")
    made = rows(rng, today, 200, PAN_PEOPLE, challenge, "1234")
    for i, row in enumerate(made):
        row["Reference"] = f"R|{i % 3}|{i}" if i % 2 else f"R{i}"
    first, _ = plans(partnership, tables(made), today, monkeypatch)
    keys = [r.email.key for r in first.reminders]
    fast, full = plans(partnership, tables(made, (), keys), today, monkeypatch)
    same(fast, full)
    assert fast.reminders == [] and fast.already_sent == len(set(keys)) > 100


def test_an_email_to_business_support_alone_unsent_is_planned_by_the_short_cut(tmp_path, monkeypatch):
    # Durham tells business support when a compliance challenge reaches stage 5: the templates a
    # row is planned dry for name business support too, so that email alone unsent is still planned.
    rng = random.Random(5)
    partnership = durham(tmp_path)
    today = d("2027-01-11")
    made = rows(rng, today, 120, DURHAM_PEOPLE, compliance, "45")  # stage 5 rows escalated lately
    first, _ = plans(partnership, tables([], made), today, monkeypatch)
    assert any(r.kind == "escalated" and r.recipient.lower() == partnership.email.business_support.lower()
               for r in first.reminders)
    support = partnership.email.business_support.lower()
    keys = [r.email.key for r in first.reminders]
    sent = [k for k in keys if f"|escalated|{support}|" not in k]  # all but those escalation notices
    assert len(sent) < len(keys)
    fast, full = plans(partnership, tables([], made, sent), today, monkeypatch)
    same(fast, full)
    assert fast.reminders and {(r.kind, r.recipient.lower()) for r in fast.reminders} == {("escalated", support)}


@pytest.mark.parametrize("which", ["pan", "durham"])
def test_the_stuck_digest_lists_rows_found_sent_by_the_short_cut(tmp_path, monkeypatch, which):
    # Every row's emails sent but not this week's digest: the digest lists the stuck rows the short
    # cut passed over (with their tab: its links go to each row's page), as planning in full lists them.
    rng = random.Random(3)
    partnership = pan(tmp_path) if which == "pan" else durham(tmp_path)
    today = d("2027-01-11")  # a Monday, the digest day
    made = rows(rng, today, 300, PAN_PEOPLE, challenge, "1234")
    made_compliance = rows(rng, today, 200, DURHAM_PEOPLE, compliance, "234") if which == "durham" else []
    first, _ = plans(partnership, tables(made, made_compliance), today, monkeypatch)
    keys = [r.email.key for r in first.reminders if r.kind != "stuck"]
    assert any(r.kind == "stuck" for r in first.reminders)
    fast, full = plans(partnership, tables(made, made_compliance, keys), today, monkeypatch)
    same(fast, full)
    assert [r.kind for r in fast.reminders] == ["stuck"] * len(fast.reminders) != []
