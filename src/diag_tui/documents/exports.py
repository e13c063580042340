"""The files made from a follow-up document, by format: the TOML follow-up file
(`followup_file`), the Markdown, HTML and plain-text reports and the calendar (`calendar`, .ics)."""

from __future__ import annotations

from typing import Any

from diag_tui.bank.referential import Referential
from diag_tui.documents.followup_file import diagnostic_document, to_toml
from diag_tui.storage.diagnostic import Diagnostic


def render(ref: Referential, diag: Diagnostic, fmt: str, notes: bool = True) -> str:
    return render_document(ref, diagnostic_document(ref, diag), fmt, notes)


def render_document(ref: Referential, document: dict[str, Any], fmt: str, notes: bool = True) -> str:
    """A follow-up document as the TOML follow-up file, a Markdown or HTML report, or a calendar.
    `notes=False` leaves the interview notes out of a report (the TOML file always keeps them)."""
    if fmt == "toml":
        return to_toml(document)
    if fmt == "markdown":
        from diag_tui.documents.report_markdown import markdown_report

        return markdown_report(ref, document, notes)
    if fmt == "html":
        from diag_tui.documents.report_html import html_report

        return html_report(ref, document, notes)
    if fmt == "texte":
        from diag_tui.documents.report_text import text_report

        return text_report(ref, document, notes)
    if fmt == "ics":  # imported here: icalendar is loaded only to write a calendar
        from diag_tui.documents.calendar import ics_calendar

        return ics_calendar(ref, document)
    raise ValueError(f"unknown format {fmt!r}")
