"""Who may do what to a challenge: the one permission table, and who a step names.

Pure: the caller says who the signed-in person is to the challenge (their *relations*, worked
out from the row's email columns and their sign-in), and this module answers. Every page and
every POST asks ``may``; the README prints ``permission_table()``.
"""
from __future__ import annotations

from typing import Iterable, Literal, Mapping, Sequence

from procedures.model import PEOPLE, Procedure, Step

Relation = Literal["raiser", "challenged", "named", "business_support", "response_link"]
Action = Literal["see", "record", "escalate", "resolve", "answer_satisfied", "withdraw", "raise"]

# The columns of the table, in order, with the words the README uses.
RELATIONS: dict[str, str] = {
    "raiser": "raiser",
    "challenged": "challenged",
    "named": "step's named people",
    "business_support": "business support",
    "response_link": "response link",
}

ACTIONS: dict[str, str] = {
    "see": "see the challenge",
    "record": "record a conversation / response",
    "escalate": "escalate to the next step",
    "resolve": "resolve",
    "answer_satisfied": "answer \"raiser satisfied\"",
    "withdraw": "withdraw",
    "raise": "raise a new challenge / compliance challenge",
}

# Who may, by relation. Staff (signed in with an allowed domain) may raise whatever their
# relation to other challenges; a response link reaches one challenge and its response only.
PERMISSIONS: dict[str, frozenset[str]] = {
    "see": frozenset({"raiser", "challenged", "named", "business_support", "response_link"}),
    "record": frozenset({"raiser", "challenged", "named", "business_support", "response_link"}),
    "escalate": frozenset({"raiser", "challenged", "named", "business_support"}),
    "resolve": frozenset({"raiser", "named", "business_support"}),
    "answer_satisfied": frozenset({"raiser", "business_support"}),
    "withdraw": frozenset({"raiser", "business_support"}),
    "raise": frozenset({"raiser", "challenged", "named", "business_support"}),
}

# Never, whatever else they are: the professional being challenged does not close the
# challenge against them, nor answer for the raiser.
REFUSED: dict[str, frozenset[str]] = {
    "resolve": frozenset({"challenged"}),
    "answer_satisfied": frozenset({"challenged"}),
    "withdraw": frozenset({"challenged"}),
}

# What the table says beside a Y, where there is more to it.
NOTES: dict[tuple[str, str], str] = {
    ("see", "response_link"): "its one challenge",
    ("record", "response_link"): "its response only",
    ("resolve", "named"): "Y (satisfied left for the raiser)",
    ("answer_satisfied", "business_support"): "Y (on behalf, recorded)",
    ("raise", "raiser"): "staff of allowed domains",
    ("raise", "challenged"): "same",
    ("raise", "named"): "same",
}

# A response link reaches one challenge: it is never anyone's general sign-in.
RESPONSE_LINK_ONLY: frozenset[str] = frozenset({"response_link"})


def may(action: str, relations: Iterable[str], *, response: bool = False) -> bool:
    """Whether a person with these relations to a challenge may take ``action`` on it.

    ``response``: the action is the response its link was sent for; a response link records
    that and nothing else.
    """
    held = frozenset(relations)
    if action == "record" and not response:
        held = held - RESPONSE_LINK_ONLY
    return bool(held & PERMISSIONS[action]) and not held & REFUSED.get(action, frozenset())


def allowed(relations: Iterable[str]) -> frozenset[str]:
    """Every action these relations allow on a challenge's page (a response is made on its own page)."""
    held = frozenset(relations)
    return frozenset(action for action in PERMISSIONS if may(action, held))


def relations(email: str, *, role: str, reference: str | None, link_reference: str | None,
              people: Mapping[str, Sequence[str]]) -> frozenset[str]:
    """What the signed-in person is to one challenge.

    ``role`` is how they signed in (``practitioner``, ``business_support`` or ``responder``);
    ``link_reference`` the one challenge a responder's link reaches; ``people`` the challenge's
    addresses by person (``PEOPLE`` names), as the row and the partnership file give them.
    """
    if role == "responder":
        return RESPONSE_LINK_ONLY if link_reference and link_reference == reference else frozenset()
    me = email.strip().lower()
    held: set[str] = set()
    if role == "business_support":
        held.add("business_support")
    for person, addresses in people.items():
        if me not in (a.strip().lower() for a in addresses):
            continue
        if person in ("raiser", "iro"):
            held.add("raiser" if person == "raiser" else "named")
        elif person == "challenged":
            held.add("challenged")
        elif person != "business_support":
            held.add("named")
    return frozenset(held)


def may_raise(role: str) -> bool:
    """Staff of the partnership's allowed domains and business support; never a response link."""
    return role in ("practitioner", "business_support")


def step_people(step: Step) -> tuple[str, ...]:
    """Everyone a step names, those who act first."""
    return tuple(dict.fromkeys((*step.acts, *step.told)))


def addresses(persons: Iterable[str], people: Mapping[str, Sequence[str]]) -> list[str]:
    """The addresses of ``persons`` on one challenge, once each, in order."""
    found: list[str] = []
    seen: set[str] = set()
    for person in persons:
        for address in people.get(person, ()):
            if address and address.lower() not in seen:
                seen.add(address.lower())
                found.append(address)
    return found


def permission_table() -> str:
    """The permission table as Markdown, as the README prints it."""
    lines = ["| action | " + " | ".join(RELATIONS.values()) + " |",
             "|---|" + "---|" * len(RELATIONS)]
    for action, words in ACTIONS.items():
        cells = []
        for relation in RELATIONS:
            if may(action, {relation}, response=True):
                cells.append(NOTES.get((action, relation), "Y"))
            elif relation == "named" and action == "answer_satisfied":
                cells.append("- (left for the raiser)")
            else:
                cells.append("-")
        lines.append(f"| {words} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def who_is_told(procedure: Procedure) -> str:
    """For the README: at each step, who acts and who is told, in words."""
    lines = [f"**{procedure.name}** (`{procedure.slug}`)", ""]
    for step in procedure.steps:
        acts = ", ".join(PEOPLE_WORDS[p] for p in step.acts)
        told = ", ".join(PEOPLE_WORDS[p] for p in step.told) or "nobody else"
        before = " (held before the record starts)" if step.number < procedure.starts_at else ""
        lines.append(f"- {procedure.step_label} {step.number}, {step.name}{before}: acts: {acts}; told: {told}.")
    return "\n".join(lines)


PEOPLE_WORDS: dict[str, str] = {
    "raiser": "the raiser",
    "challenged": "the challenged professional",
    "raiser_line_manager": "the raiser's line manager",
    "challenged_line_manager": "the challenged professional's line manager",
    "escalated_to": "whoever it was escalated to",
    "iro": "the IRO",
    "safeguarding_lead": "the agency's safeguarding lead",
    "business_support": "business support",
    "partnership_manager": "the partnership manager",
}
assert set(PEOPLE_WORDS) == set(PEOPLE)
