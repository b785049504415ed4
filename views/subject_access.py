"""Finding a person's data for a subject access request: business support search every tab
for an email address or a name and download the matching rows (CSV or .xlsx).

Searches are sent by POST, so what was searched for (a person's name or address) never appears
in an address, a browser's history or the server's request log. The access log records each
search and download with the references found, never the term.
"""
from __future__ import annotations

import io

import openpyxl
from flask import Blueprint, Response, abort, render_template
from openpyxl.styles import Font

from forms.subject_access import DownloadForm, SubjectAccessForm
from sheets.base import SummaryTable
from sheets.search import SEARCHED_TABS, Found, find_person
from views import formatting
from views import access_log, records
from views.auth import business_support_required
from views.dashboard import XLSX, csv_text
from views.partnership import get_partnership

bp = Blueprint("subject_access", __name__, url_prefix="/<slug>/subject-access")
records.reads_the_sheet(bp)


def _search(slug: str, term: str) -> Found:
    book = records.workbook(get_partnership(slug))
    return find_person(book.read_all(SEARCHED_TABS), term)


@bp.route("", methods=["GET", "POST"])
@business_support_required
def search(slug: str):
    partnership = get_partnership(slug)
    form = SubjectAccessForm()
    found = None
    if form.validate_on_submit():
        found = _search(slug, form.term.data)
        access_log.note(event="search", rows=len(found.matches), references=found.references)
    return render_template("subject_access/search.html", partnership=partnership, form=form, found=found,
                           download=DownloadForm(term=form.term.data) if found else None,
                           tabs=SEARCHED_TABS), 400 if form.errors else 200


def csv_file(found: Found) -> str:
    """Each tab's matching rows under its header row, tabs apart by a blank row; a cell that a
    spreadsheet would run as a formula gets a leading apostrophe (``views.dashboard.csv_text``)."""
    rows: list[tuple[str, ...]] = []
    for tab in found.tabs:
        if rows:
            rows.append(())
        rows.append((tab,))
        rows.extend(tuple(r) for r in found.rows(tab))
    return "\ufeff" + csv_text(SummaryTable(tuple(rows)))


def xlsx_file(found: Found) -> bytes:
    """One sheet per tab with matches: the header row bold, every cell text (never a formula)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for tab in found.tabs or ["No matches"]:
        sheet = book.create_sheet(tab)
        for r, row in enumerate(found.rows(tab) if found.tabs else [["Nothing was found"]], start=1):
            for c, value in enumerate(row, start=1):
                cell = sheet.cell(row=r, column=c)
                cell.value = value
                cell.data_type = "s"
                if r == 1:
                    cell.font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


FORMATS = {"csv": ("text/csv", csv_file), "xlsx": (XLSX, xlsx_file)}


@bp.post("/download.<extension>")
@business_support_required
def download(slug: str, extension: str):
    partnership = get_partnership(slug)
    if extension not in FORMATS:
        abort(404)
    form = DownloadForm()
    if not form.validate_on_submit():
        return render_template("subject_access/search.html", partnership=partnership,
                               form=SubjectAccessForm(formdata=None), found=None, download=None,
                               tabs=SEARCHED_TABS, expired=True), 400
    found = _search(slug, form.term.data)
    access_log.note(rows=len(found.matches), references=found.references)
    mimetype, build = FORMATS[extension]
    name = f"{partnership.slug}-subject-access-{formatting.today().isoformat()}.{extension}"
    return Response(build(found), mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})
