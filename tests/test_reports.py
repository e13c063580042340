"""Markdown and HTML reports: content, escaping, no external resource, deterministic."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from diag_tui.documents.exports import render
from diag_tui.session import result as result_of
from diag_tui.storage.diagnostic import Organisation, new_diagnostic, with_answer
from diag_tui.typography import french
from tests.conftest import WORST

AT = dt.datetime(2026, 11, 22, 10, 0)


@pytest.fixture
def diag(bank):
    d = new_diagnostic(bank, Organisation(name="Atelier <Martin> & fils"), aidant="Claire", at=AT)
    for qid, value in {**WORST, "alpha_mfa": "nsp"}.items():
        d = with_answer(bank, d, qid, list(value) if isinstance(value, tuple) else value, at=AT)
    return d


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_report_holds_indicators_measures_plan_others_contacts(bank, diag, fmt):
    text = render(bank, diag, fmt)
    result = result_of(bank, diag)
    for priority in result.priorities:
        assert french(priority.finding.title) in text
        assert french(priority.finding.detail.how[0]) in text
    for other in result.others:
        assert french(other.title) in text
    for contact in bank.contacts:
        assert contact.url in text
    assert "Plan sur six mois" in text and "M+6" in text
    assert french(bank.question("alpha_mfa").ask.text) in text  # "Je ne sais pas": a question to ask
    assert "non évalué" not in text  # every theme has a scored answer


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_a_theme_answered_only_je_ne_sais_pas_is_not_assessed_never_0(bank, fmt):
    d = new_diagnostic(bank, Organisation(name="Atelier"), at=AT)
    answers = {"ctx_server": "yes", "alpha_backup": "none", "alpha_mfa": "no",
               "beta_server": "nsp", "beta_patch": "nsp", "beta_multi": ["nsp"], "beta_aware": "nsp"}
    for qid, value in answers.items():
        d = with_answer(bank, d, qid, value, at=AT)
    text = render(bank, d, fmt)
    assert text.count("non évalué") == 1  # Bêta, and Bêta only
    assert text.count("0,0 / 3") == 1  # Alpha
    if fmt == "markdown":
        assert "| Alpha | 0,0 / 3 |" in text and "| Bêta | non évalué |" in text


def test_html_is_self_contained_and_escaped(bank, diag):
    html = render(bank, diag, "html")
    assert "Atelier &lt;Martin&gt; &amp; fils" in html and "<Martin>" not in html
    assert "<script" not in html.lower()
    assert not re.search(r"<(link|img|iframe)\b", html, re.I)  # nothing fetched when the page opens
    assert not re.search(r"""(src|@import)\s*[=:(]?\s*["']?https?:""", html, re.I)
    chart = re.search(r"<svg.*?</svg>", html, re.S)
    assert chart, "inline SVG bar chart"
    bars = re.findall(r"<rect [^>]*width=\"([\d.]+)\"", chart.group(0))
    scored = [i for i in result_of(bank, diag).indicators if i.value is not None]
    assert len(bars) == len(scored)  # one bar per assessed theme, none for "non évalué"


def test_markdown_escapes_html_in_names_but_reads_plainly(bank, diag):
    md = render(bank, diag, "markdown")
    assert md.startswith("# Diagnostic cyber\u00a0: Atelier &lt;Martin&gt; & fils")
    assert "| Alpha |" in md
