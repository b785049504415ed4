"""The board paper: one period's figures, a short commentary the figures support, and the
tables, as a printable page and as a Word document with real Word tables.

Pure but for ``docx_bytes``, which lays the paper out with python-docx. Every sentence of the
commentary is made from the figures beside it; where a figure is nought the sentence says so.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

from reports.summary import Section, summary_sections, summary_title
from reports.summary_figures import NOT_RECORDED, Figures, Summary
from procedures import Procedure
from procedures.values import display_date
from sheets.base import Percent, SummaryValue, cell_display

# Sections that are not one column per period: kept whole.
_WHOLE = ("Raised each month", "Not counted")


@dataclass(frozen=True)
class BoardPaper:
    title: str
    period_heading: str
    period_dates: str
    about: tuple[tuple[str, str], ...]
    commentary: tuple[str, ...]
    sections: tuple[Section, ...]


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


def _were(n: int) -> str:
    return "was" if n == 1 else "were"


def _top(counts: dict[str, int]) -> tuple[list[str], int]:
    """The names with the highest count (ties together, "Not recorded" never), and that count."""
    named = {k: v for k, v in counts.items() if k != NOT_RECORDED and v}
    if not named:
        return [], 0
    most = max(named.values())
    return sorted((k for k, v in named.items() if v == most), key=str.casefold), most


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _most(counts: dict[str, int], verb: str, of: int, noun: str) -> str | None:
    """``Police received the most: 4 of 11 challenges.`` or, for a tie, ``... 4 each of 11``."""
    names, n = _top(counts)
    if not names:
        return None
    each = "" if len(names) == 1 else " each"
    return f"{_names(names)} {verb} the most: {n}{each} of {_plural(of, noun)}."


def commentary(summary: Summary, index: int) -> tuple[str, ...]:
    """Plain-English sentences about period ``index`` (0 current, 1 previous, 2 the year)."""
    f: Figures = summary.challenges[index]
    period = summary.periods[index]
    procedure: Procedure = summary.procedure
    dates = f"between {display_date(period.start)} and {display_date(period.end)}"
    if f.raised == 0:
        lines = [f"No challenges were raised {dates}."]
    else:
        lines = [f"{_plural(f.raised, 'challenge')} {_were(f.raised)} raised {dates}"
                 + (f" ({summary.challenges[1].raised} in the previous period)." if index == 0 else ".")]
        if period.end > summary.today:
            lines[-1] += f" The period is not over: these are the figures on {display_date(summary.today)}."
        for sentence in (_most(f.by_receiving_agency, "received", f.raised, "challenge"),
                         _most(f.by_raising_agency, "raised", f.raised, "challenge"),
                         _theme(f)):
            if sentence:
                lines.append(sentence)
        lines.append(_resolution(f, procedure))
        lines.append(f"{f.open_now} {'is' if f.open_now == 1 else 'are'} still open"
                     f"{f', {f.overdue_now} of them overdue' if f.open_now else ''}.")
        step = procedure.reporting_step
        if step is not None:
            lines.append(f"{f.reached_threshold} reached the reporting threshold "
                         f"({procedure.step_label.lower()} {step.number}: {step.name}).")
    if summary.compliance is not None:
        c = summary.compliance[index]
        if c.raised:
            sentence = f"{_plural(c.raised, 'compliance challenge')} {_were(c.raised)} sent to agencies"
            names, n = _top(c.by_theme)
            lines.append(sentence + (f"; the issue named most often was \u201c{names[0]}\u201d ({n})."
                                     if len(names) == 1 else "."))
        else:
            lines.append("No compliance challenges were sent.")
    repeated = summary.patterns[index].repeated
    if repeated:
        lines.append(f"Agencies that received {summary.repeated_threshold} or more challenges and compliance "
                     "challenges: "
                     + "; ".join(f"{a} ({n})" for a, n in repeated.items()) + ".")
    left_out = len({(p.tab, p.row) for p in summary.not_counted})
    if left_out:
        lines.append(f"{_plural(left_out, 'row')} of the spreadsheet could not be read and {_were(left_out)} "
                     "left out of these figures.")
    return tuple(lines)


def _theme(f: Figures) -> str | None:
    """``Timeliness was the theme of 4 of 11 challenges.`` (themes tied for the most named together)."""
    names, n = _top(f.by_theme)
    if not names:
        return None
    if len(names) == 1:
        return f"{names[0]} was the theme of {n} of {_plural(f.raised, 'challenge')}."
    return f"{_names(names)} were the themes named most often, each in {n} of {_plural(f.raised, 'challenge')}."


def _resolution(f: Figures, procedure: Procedure) -> str:
    if not f.resolved:
        return "None has been resolved yet."
    sentence = f"{f.resolved} {'has' if f.resolved == 1 else 'have'} been resolved"
    if any(s.conclude_by for s in procedure.steps):
        sentence += (f", {f.resolved_in_time} of them ({Percent(f.resolved_in_time, f.resolved)}) "
                     "within the procedure's timescale")
    if f.median_days_to_resolve is not None:
        sentence += f"; the median time to resolve was {cell_display(float(f.median_days_to_resolve))} working days"
    return sentence + "."


def _one_period(section: Section, index: int) -> Section:
    if section.title in _WHOLE:
        return section
    return Section(section.title, section.label, (section.columns[index],),
                   tuple((row[0], row[1 + index]) for row in section.rows), section.note)


def board_paper(summary: Summary, index: int, about: tuple[tuple[str, SummaryValue], ...]) -> BoardPaper:
    """The paper for period ``index``; ``about`` are the lines saying when the figures are from."""
    period = summary.periods[index]
    return BoardPaper(
        title=summary_title(summary).replace("summary", f"board paper, {period.label.lower()}"),
        period_heading=period.heading,
        period_dates=period.dates,
        about=tuple((k, cell_display(v)) for k, v in about),
        commentary=commentary(summary, index),
        sections=tuple(_one_period(s, index) for s in summary_sections(summary)),
    )


def docx_bytes(paper: BoardPaper) -> bytes:
    """The paper as a Word document: headings, the commentary as a bulleted list, and each table
    as a real Word table (header row repeated on each page), ready to paste into a board paper."""
    from docx import Document
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(11)
    document.core_properties.title = paper.title
    document.add_heading(paper.title, level=0)
    for key, value in paper.about:
        p = document.add_paragraph()
        p.add_run(f"{key}: ").bold = True
        p.add_run(value)
    document.add_heading("Summary", level=1)
    for line in paper.commentary:
        document.add_paragraph(line, style="List Bullet")
    document.add_heading("Figures", level=1)
    for section in paper.sections:
        document.add_heading(section.title, level=2)
        table = document.add_table(rows=1, cols=1 + len(section.columns))
        table.style = "Table Grid"
        header = table.rows[0]
        for cell, text in zip(header.cells, (section.label, *section.columns)):
            cell.text = text
            for run in cell.paragraphs[0].runs:
                run.bold = True
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        header._tr.get_or_add_trPr().append(repeat)
        for row in section.rows:
            cells = table.add_row().cells
            for c, value in enumerate(row):
                cells[c].text = cell_display(value)
        if section.note:
            document.add_paragraph(section.note)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


__all__ = ["BoardPaper", "board_paper", "commentary", "docx_bytes"]
