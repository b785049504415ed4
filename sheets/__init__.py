"""The spreadsheet layer: one interface, a Google Sheets and a local workbook implementation."""
from sheets.base import (
    CellTooLong,
    Problem,
    Record,
    SheetError,
    SheetUnavailable,
    SummaryTable,
    Table,
    UnknownReference,
    Workbook,
)

__all__ = [
    "CellTooLong",
    "Problem",
    "Record",
    "SheetError",
    "SheetUnavailable",
    "SummaryTable",
    "Table",
    "UnknownReference",
    "Workbook",
]
