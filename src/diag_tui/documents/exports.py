"""A stored diagnostic as a follow-up document and the files made from it (TOML, Markdown, HTML).

The TOML follow-up file is self-contained: besides the plan and its follow-up state it carries
the answers, so a self-service user can hand their diagnostic to an aidant, who imports it.
"""

from __future__ import annotations

from typing import Any

from diag_tui.storage.diagnostic import Diagnostic
from diag_tui.documents.followup_file import DiagnosticMeta, followup_document, to_toml
from diag_tui.engine.plan import build_plan
from diag_tui.bank.referential import Referential
from diag_tui.bank.schema import plain

FORMATS = ("toml", "markdown", "html")


def diagnostic_document(ref: Referential, diag: Diagnostic) -> dict[str, Any]:
    result = diag.result(ref)
    plan = build_plan(result.priorities, diag.plan_start)
    meta = DiagnosticMeta(
        organisation=diag.organisation.name,
        aidant=diag.aidant,
        mode=diag.mode,
        id=diag.id,
        created=diag.created,
        completed=diag.completed,
        emergency=diag.emergency,
    )
    document = followup_document(ref, meta, result, plan)
    for measure in document["measures"]:
        saved = diag.measures.get(measure["id"])
        if saved is not None:
            measure["status"] = saved.status
            measure["notes"] = saved.notes
            if saved.updated is not None:
                measure["updated"] = saved.updated
    for checkpoint in document["checkpoints"]:
        saved = diag.checkpoints.get(str(checkpoint["month"]))
        if saved is not None:
            checkpoint["done"] = saved.done
            checkpoint["notes"] = saved.notes
    if diag.previous:
        document["diagnostic"]["previous"] = diag.previous
    if diag.organisation.sector:
        document["diagnostic"]["sector"] = diag.organisation.sector
    if diag.notes:  # interview notes and flags travel with a diagnostic handed to an aidant
        document["question_notes"] = dict(diag.notes)
    if diag.flagged:
        document["flagged"] = list(diag.flagged)
    document["answers"] = dict(diag.answers)
    document["overrides"] = plain(diag.overrides)
    return document


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
