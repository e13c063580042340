"""Markdown and HTML reports: content, escaping, no external resource, deterministic."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import replace

import pytest

from diag_tui.documents.exports import render
from diag_tui.session import result as result_of
from diag_tui.storage.diagnostic import Organisation, Override, new_diagnostic, with_answer
from diag_tui.typography import NBSP, french
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


# ---- what the interview produced: notes, points to review, replacements -----------------------------

NOTE = "Le gérant hésite : à confirmer avec son associé.\nDeuxième ligne."
HOSTILE = (
    "# titre\n<script>alert(1)</script>\n[lien](javascript:alert(1))\n`code` **gras**\n"
    "| a | b |\n|---|---|\n\n    bloc\n1. liste\n- puce\n---\n[ref]: javascript:alert(2)"
)


def interviewed(bank, diag, note: str = NOTE):
    """`diag` with a note on alpha_mfa, beta_patch marked « à revoir » and noted, beta_server marked."""
    notes = {"beta_patch": "Vérifier avec le prestataire.", "alpha_mfa": note}
    return replace(diag, notes=notes, flagged=("beta_server", "beta_patch"))


def shown(text: str) -> str:
    """A report without its style sheet (whose class names are no text)."""
    return re.sub(r"<style>.*?</style>", "", text, flags=re.S)


def section(text: str, title: str, fmt: str) -> str:
    """The report's section `title`, up to the next one of its level."""
    start = text.index(f"## {title}" if fmt == "markdown" else f"<h2>{title}</h2>")
    end = text.find("\n## " if fmt == "markdown" else "<h2>", start + 4)
    return text[start:end]


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_interview_notes_and_points_to_review_are_in_the_report(bank, diag, fmt):
    text = render(bank, interviewed(bank, diag), fmt)
    notes = section(text, french("Notes de l'entretien"), fmt)
    # diagnostic order: Alpha's question before Bêta's, and within Bêta as the bank orders them
    order = [notes.index(french(bank.question(q).text)) for q in ("alpha_mfa", "beta_server", "beta_patch")]
    assert order == sorted(order)
    assert french("Le gérant hésite : à confirmer avec son associé.") in notes and "Deuxième ligne." in notes
    assert "Vérifier avec le prestataire." in notes
    assert f"Réponse{NBSP}: «{NBSP}Je ne sais pas{NBSP}»" in notes  # alpha_mfa, answered "nsp"
    marked = "**(à revoir)**" if fmt == "markdown" else '<span class="revoir">(à revoir)</span>'
    assert notes.count(marked) == 2
    beta_server = notes[notes.index(french(bank.question("beta_server").text)):]
    assert marked in beta_server.split("\n")[0]  # on the question's own line
    assert "Alpha" in notes and "Bêta" in notes  # grouped by theme


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_without_notes_the_report_has_no_interview_section(bank, diag, fmt):
    text = shown(render(bank, diag, fmt))
    assert "Notes de l" not in text and "revoir" not in text


def test_hostile_notes_cannot_change_the_markdown_structure(bank, diag):
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark").enable("table")
    benign = parser.render(render(bank, interviewed(bank, diag, "Une remarque."), "markdown"))
    html = parser.render(render(bank, interviewed(bank, diag, HOSTILE), "markdown"))

    def structure(page: str) -> list[str]:
        return re.findall(r"<(h\d|p|ul|ol|li|table|pre|code|a|hr|blockquote|script|img|em|strong)\b", page)

    assert structure(html) == structure(benign)  # no heading, list, table, code, link… of its own
    assert "javascript" not in "".join(re.findall(r'href="([^"]*)"', html))
    assert "<script" not in html and "&lt;script&gt;" in html
    assert "# titre" in html and "[lien](javascript:alert(1))" in html and "`code` **gras**" in html
    assert "| a | b |" in html and "1. liste" in html and "- puce" in html and "[ref]: javascript:alert(2)" in html


def test_hostile_notes_are_escaped_in_html(bank, diag):
    html = render(bank, interviewed(bank, diag, HOSTILE), "html")
    assert "<script" not in html.lower() and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript' not in html
    notes = section(html, french("Notes de l'entretien"), "html")
    assert "# titre<br>\n&lt;script&gt;" in notes  # the note's own line breaks, kept


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_sans_notes_leaves_notes_out_but_keeps_points_to_review_and_replacements(bank, diag, fmt):
    diag = replace(interviewed(bank, diag), overrides=(Override(replaced="m_aware", by="m_charter", reason="Exigée par le client"),))
    full, copy = render(bank, diag, fmt), render(bank, diag, fmt, notes=False)
    for text in (full, copy):
        assert "Exigée par le client" in text  # the replacement is part of the plan's reasoning
        assert french(bank.question("beta_server").text) in text and french(bank.question("beta_patch").text) in text
    assert "Le gérant hésite" in full and "Vérifier avec le prestataire" in full
    assert "Le gérant hésite" not in copy and "Vérifier avec le prestataire" not in copy and "Note" not in copy
    assert french(bank.question("alpha_mfa").text) not in section(copy, "Points à revoir", fmt)  # noted, not flagged
    assert "Notes de l" not in copy


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_a_replacement_names_the_measure_it_replaces_at_the_level_given(bank, fmt):
    d = new_diagnostic(bank, Organisation(name="Atelier"), at=AT)
    answers = {**WORST, "alpha_mfa": "nsp", "alpha_backup": "manual", "alpha_offline": "no"}
    for qid, value in answers.items():
        d = with_answer(bank, d, qid, list(value) if isinstance(value, tuple) else value, at=AT)
    d = replace(d, overrides=(Override(replaced="m_backup", by="m_charter", reason="Le client <l'exige> ; c'est urgent"),))
    text = render(bank, d, fmt)
    reason = "Le client &lt;l'exige&gt; ; c'est urgent"
    # m_backup was given at level 2: its level-2 title, not « Mettre en place des sauvegardes »
    assert french(f"remplace « Automatiser les sauvegardes », parce que : {reason}") in text
    assert "<l'exige>" not in text


def test_the_report_command_names_the_replaced_measure(tmp_path, capsys):
    from diag_tui.cli import main
    from tests.conftest import FIXTURE_BANK
    from tests.test_answers_file import with_override

    path = with_override(tmp_path, "Exigee par le client")
    assert main(["report", "--referentiel", str(FIXTURE_BANK), "--answers", str(path), "--format", "markdown"]) == 0
    assert french("remplace « Sensibiliser l'équipe », parce que : Exigee par le client") in capsys.readouterr().out


def test_export_sans_notes_from_the_command_line(capsys):
    from diag_tui.bank.cache import load_bank
    from diag_tui.cli import main
    from diag_tui.session import Session
    from diag_tui.storage.store import Store

    ref = load_bank(None)
    session = Session.start(ref, Store(), "Atelier Martin")
    first, second = session.questions()[:2]
    session.answer(first.id, first.options[0].id)
    session.set_note(first.id, "Remarque réservée à l'aidant")
    session.toggle_flag(second.id)
    session.close()
    diagnostic_id = session.diag.id

    assert main(["export", diagnostic_id, "--format", "markdown", "--sans-notes"]) == 0
    out = capsys.readouterr().out
    assert "Remarque réservée" not in out and "## Points à revoir" in out and french(second.text) in out
    assert main(["export", diagnostic_id, "--format", "html"]) == 0
    assert "Remarque réservée" in capsys.readouterr().out
    assert main(["export", diagnostic_id, "--format", "toml", "--sans-notes"]) == 0  # the working file keeps them
    captured = capsys.readouterr()
    assert "Remarque réservée" in captured.out and "--sans-notes ne concerne que les rapports" in captured.err


# ---- an unfinished diagnostic -----------------------------------------------------------------------

BEST = {"ctx_server": "yes", "alpha_backup": "auto", "alpha_offline": "yes", "alpha_mfa": "no",
        "beta_server": "yes", "beta_patch": "yes", "beta_multi": ["a"], "beta_aware": "yes"}


def answered(bank, answers: dict):
    d = new_diagnostic(bank, Organisation(name="Atelier"), at=AT)
    for qid, value in answers.items():
        d = with_answer(bank, d, qid, value, at=AT)
    return d


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_an_unfinished_diagnostic_says_so_first_and_never_that_nothing_else_is_weak(bank, fmt):
    complete = shown(render(bank, answered(bank, BEST), fmt))
    assert "provisoire" not in complete
    assert "ne révèlent pas de point faible" in complete  # one weak answer, all the others good: true here
    unfinished = render(bank, answered(bank, {q: v for q, v in BEST.items() if q != "beta_aware"}), fmt)
    banner = french(
        "Résultats provisoires : 1 question sans réponse sur 8 ; les indicateurs et les mesures peuvent changer "
        "quand le diagnostic sera terminé."
    )
    if fmt == "markdown":
        assert unfinished.startswith(f"# Diagnostic cyber{NBSP}: Atelier (provisoire)\n\n> **")
        assert banner.replace(f"provisoires{NBSP}:", f"provisoires**{NBSP}:") in unfinished.split("\n")[2]
    else:
        assert f"<title>Diagnostic cyber{NBSP}: Atelier (provisoire)</title>" in unfinished
        assert f"<h1>Diagnostic cyber{NBSP}: Atelier (provisoire)</h1>\n<p class=\"provisoire\">" in unfinished
        assert re.sub(r"</?strong>", "", banner) in re.sub(r"</?strong>", "", unfinished)
    assert "ne révèle" not in unfinished and "provisoire" in unfinished


@pytest.mark.parametrize("fmt", ["markdown", "html", "toml"])
def test_every_unfinished_state_is_provisional_in_every_export(bank, fmt):
    order = list(BEST)
    for stop in range(len(order)):  # answers given in diagnostic order, up to question `stop`
        d = answered(bank, {q: BEST[q] for q in order[:stop]})
        text = render(bank, d, fmt)
        assert "ne révèle" not in text
        if fmt == "toml":
            header = text.split("\n\n")[0]
            assert "RÉSULTATS PROVISOIRES" in header and tomllib.loads(text)["diagnostic"]["provisional"] is True
        else:
            assert "Résultats provisoires" in text and "(provisoire)" in text
    assert "PROVISOIRES" not in render(bank, answered(bank, BEST), "toml")
