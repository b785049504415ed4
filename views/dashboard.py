"""The dashboard for business support: the Summary tab's figures, charts and downloads.

Thin: the figures come from ``reports.summary``; this module only lays them out as
charts (server-drawn SVG, each beside its data table) and as CSV and .xlsx files.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

import openpyxl
from flask import Blueprint, Response, abort, current_app, render_template, request
from openpyxl.styles import Alignment, Font

from reports.board_paper import board_paper, docx_bytes
from reports.summary import (
    compute_summary,
    last_success,
    summary_heading,
    summary_sections,
    summary_table,
    summary_title,
)
from reports.summary_figures import Summary
from sheets.base import Percent, SheetError, SummaryTable, cell_display, number_cell
from sheets.schema import CHALLENGES, COMPLIANCE, LISTS
from views import formatting, records
from views.auth import business_support_required
from views.lists_cache import lists_table
from views.partnership import get_partnership

bp = Blueprint("dashboard", __name__)

PERIODS = {"current": 0, "previous": 1, "year": 2}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def today() -> dt.date:
    """The day the figures are counted up to (a function, so tests can fix it)."""
    return formatting.today()


# --- charts ----------------------------------------------------------------

CHART_WIDTH = 640
BAR_ROW = 56
BAR_SPACE = 560


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float

    @property
    def short_label(self) -> str:
        """The label drawn in the chart; the table beside it has the label in full."""
        return self.label if len(self.label) <= 60 else self.label[:59] + "…"

    @property
    def centre(self) -> float:
        return self.x + self.width / 2


@dataclass(frozen=True)
class Chart:
    """An SVG bar chart and the data table drawn beside it."""

    id: str
    title: str
    label_heading: str
    bars: tuple[Bar, ...]
    height: int
    vertical: bool = False

    @property
    def description(self) -> str:
        if not self.bars or not any(b.value for b in self.bars):
            return f"{self.title}: none."
        return f"{self.title}: " + ", ".join(f"{b.label} {b.value}" for b in self.bars) + "."


def horizontal_chart(id: str, title: str, label_heading: str, counts: list[tuple[str, int]]) -> Chart:
    """One bar per row, its label above it and its value at its end."""
    top = max((n for _, n in counts), default=0) or 1
    bars = tuple(Bar(label, n, 0, i * BAR_ROW + 28, BAR_SPACE * n / top, 22) for i, (label, n) in enumerate(counts))
    return Chart(id, title, label_heading, bars, max(len(bars), 1) * BAR_ROW + 8)


def column_chart(id: str, title: str, label_heading: str, counts: list[tuple[str, int]]) -> Chart:
    """One column per month, left to right, its value above it and the month below."""
    top = max((n for _, n in counts), default=0) or 1
    step = CHART_WIDTH / max(len(counts), 1)
    bars = tuple(Bar(label, n, i * step + 6, 170 - 140 * n / top, step - 12, 140 * n / top)
                 for i, (label, n) in enumerate(counts))
    return Chart(id, title, label_heading, bars, 224, vertical=True)


def charts(summary: Summary, index: int) -> list[Chart]:
    """The dashboard's charts for one period (0 current, 1 previous, 2 the year)."""
    figures = summary.challenges[index]
    procedure = summary.procedure

    def ordered(counts: dict[str, int]) -> list[tuple[str, int]]:
        return sorted(counts.items(), key=lambda kv: (kv[0] == "Not recorded", -kv[1], kv[0].casefold()))

    return [
        horizontal_chart("raised-by", "Challenges raised, by raising agency", "Agency",
                         ordered(figures.by_raising_agency)),
        horizontal_chart("received-by", "Challenges raised, by challenged agency", "Agency",
                         ordered(figures.by_receiving_agency)),
        horizontal_chart("step", f"Highest {procedure.step_label.lower()} reached", procedure.step_label,
                         [(f"{procedure.step_label} {s.number}: {s.name}", figures.highest_step.get(s.number, 0))
                          for s in procedure.steps]),
        horizontal_chart("theme", "Challenges raised, by theme", "Theme", ordered(figures.by_theme)),  # not a column
        column_chart("trend", f"Challenges raised each month, {summary.periods[2].dates}", "Month",
                     [(m.label, m.challenges) for m in summary.months]),
    ]


# --- downloads -------------------------------------------------------------

def csv_text(table: SummaryTable) -> str:
    """The Summary tab as CSV: every cell as text as the page shows it. A cell that a spreadsheet
    would run as a formula gets a leading apostrophe, so a name typed as ``=HYPERLINK(...)`` is
    shown, never run, when the file is opened."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in table.rows:
        cells = (cell_display(c) for c in row)
        writer.writerow(["'" + c if c[:1] in ("=", "+", "-", "@", "\t", "\r") else c for c in cells])
    return out.getvalue()


def xlsx_bytes(table: SummaryTable) -> bytes:
    """The Summary tab as an .xlsx workbook: text as text cells (never formulas), figures as numbers,
    percentages and dates in their number formats, header rows bold, columns sized."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Summary"
    widths: dict[int, int] = {}
    bold = Font(bold=True)
    for r, row in enumerate(table.rows, start=1):
        for c, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=c)
            number = number_cell(value)
            if number is not None:
                cell.value = value.fraction if isinstance(value, Percent) else value
                cell.number_format = number[1] or "General"
            elif value != "":
                cell.value = str(value)
                cell.data_type = "s"
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if r - 1 in table.bold:
                cell.font = bold
            if len(row) > 1:
                widths[c] = max(widths.get(c, 10), min(len(cell_display(value)) + 2, 60 if c == 1 else 40))
    for c, width in widths.items():
        sheet.column_dimensions[openpyxl.utils.get_column_letter(c)].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- pages -----------------------------------------------------------------

def _summary(slug: str):
    """The figures, from the challenge tabs as the pages read them and the Lists tab from its cache."""
    partnership = get_partnership(slug)
    try:
        book = records.workbook(partnership)
        tables = dict(book.read_all([CHALLENGES, COMPLIANCE]))
    except SheetError as e:
        # The reason (which may name a file on the server) goes to the log, not the page.
        current_app.logger.warning("dashboard: spreadsheet of %s not read: %s", slug, e)
        abort(Response(render_template("dashboard/unavailable.html", partnership=partnership), 503))
    lists = lists_table(partnership)
    if lists is not None:
        tables[LISTS] = lists
    return partnership, compute_summary(partnership, tables, today())


@bp.get("/<slug>/dashboard")
@business_support_required
def dashboard(slug: str):
    period = _period()
    partnership, summary = _summary(slug)
    index = PERIODS[period]
    return render_template(
        "dashboard/dashboard.html", partnership=partnership, summary=summary, title=summary_title(summary),
        heading=summary_heading(summary, dt.datetime.now(dt.timezone.utc), last_success(current_app.config, slug),
                                formatting.zone()),
        sections=summary_sections(summary), charts=charts(summary, index),
        period=period, chosen=summary.periods[index], periods=PERIODS)


def _download(slug: str, extension: str, mimetype: str, body) -> Response:
    partnership, summary = _summary(slug)
    table = summary_table(summary, dt.datetime.now(dt.timezone.utc), last_success(current_app.config, slug),
                          formatting.zone())
    name = f"{partnership.slug}-summary-{summary.today.isoformat()}.{extension}"
    return Response(body(table), mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


def _period() -> str:
    period = request.args.get("period", "year")
    if period not in PERIODS:
        abort(400)
    return period


def _paper(slug: str):
    period = _period()
    partnership, summary = _summary(slug)
    about = summary_heading(summary, dt.datetime.now(dt.timezone.utc), last_success(current_app.config, slug),
                            formatting.zone())
    wanted = ("Procedure", "Figures as they stood on")
    paper = board_paper(summary, PERIODS[period],
                        tuple((k, v) for k, v in about if k in wanted or k.startswith("Generated")))
    return partnership, summary, period, paper


@bp.get("/<slug>/dashboard/board-paper")
@business_support_required
def board_paper_page(slug: str):
    """The board paper for one period, to print on A4 or download as a Word document."""
    partnership, summary, period, paper = _paper(slug)
    return render_template("dashboard/board_paper.html", partnership=partnership, summary=summary, paper=paper,
                           charts=charts(summary, PERIODS[period]), period=period, periods=PERIODS)


@bp.get("/<slug>/dashboard/board-paper.docx")
@business_support_required
def board_paper_docx(slug: str):
    partnership, summary, period, paper = _paper(slug)
    name = f"{partnership.slug}-board-paper-{period}-{summary.today.isoformat()}.docx"
    return Response(docx_bytes(paper), mimetype=DOCX,
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@bp.get("/<slug>/dashboard.csv")
@business_support_required
def dashboard_csv(slug: str):
    return _download(slug, "csv", "text/csv", lambda t: "\ufeff" + csv_text(t))


@bp.get("/<slug>/dashboard.xlsx")
@business_support_required
def dashboard_xlsx(slug: str):
    return _download(slug, "xlsx", XLSX, xlsx_bytes)
