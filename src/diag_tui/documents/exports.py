"""The files made from a follow-up document, by format: the TOML follow-up file
(`followup_file`), the Markdown report and the HTML report."""

from __future__ import annotations

from typing import Any

from diag_tui.bank.referential import Referential
from diag_tui.documents.followup_file import diagnostic_document, to_toml
from diag_tui.storage.diagnostic import Diagnostic


def render(ref: Referential, diag: Diagnostic, fmt: str) -> str:
    return render_document(ref, diagnostic_document(ref, diag), fmt)


def render_document(ref: Referential, document: dict[str, Any], fmt: str) -> str:
    """A follow-up document as the TOML follow-up file or a Markdown or HTML report."""
    if fmt == "toml":
        return to_toml(document)
    if fmt == "markdown":
        from diag_tui.documents.report_markdown import markdown_report

        return markdown_report(ref, document)
    if fmt == "html":
        from diag_tui.documents.report_html import html_report

        return html_report(ref, document)
    raise ValueError(f"unknown format {fmt!r}")
