"""French typography on the rendered outputs, the « how to check » line, the questions to ask
worded for whoever knows, and the « En cas d'attaque » sheet with the organisation's numbers."""

from __future__ import annotations

import datetime as dt
import re
import tomllib

import pytest

from diag_tui.bank.loading import load_default
from diag_tui.documents.exports import render
from diag_tui.errors import UserError
from diag_tui.session import result as result_of
from diag_tui.storage.diagnostic import Emergency, Organisation, emergency_from, new_diagnostic, with_answer
from diag_tui.typography import NBSP, NNBSP, break_points, french
from tests.conftest import WORST

AT = dt.datetime(2026, 11, 22, 10, 0)
NUMBERS = Emergency(provider="Info Services, 04 00 00 00 00", bank="", insurer="Assur'Pro, contrat 123")
# An ordinary space before ; : ? ! or inside « », or a straight apostrophe between letters.
BAD = re.compile(r" [;:?!»]|« |(?<=[a-zà-ÿ])'(?=[a-zà-ÿ])", re.I)


def test_french_spaces_apostrophes_and_numbers():
    assert french("Qu'en est-il ? Oui : « bien » ; 2 000 € et 60 % ! 72 heures") == (
        f"Qu’en est-il{NNBSP}? Oui{NBSP}: «{NBSP}bien{NBSP}»{NNBSP}; 2{NBSP}000{NBSP}€ et 60{NBSP}%{NNBSP}! 72{NBSP}heures"
    )
    text = "Voir https://www.cnil.fr/fr/notifier?x=1 : 10:30, id m_mfa."
    assert french(text) == f"Voir https://www.cnil.fr/fr/notifier?x=1{NBSP}: 10:30, id m_mfa."
    once = french("L'équipe : « d'accord » ?")
    assert french(once) == once


@pytest.mark.parametrize("width", range(20, 101))
def test_lines_break_at_ordinary_spaces_only(width):
    ref = load_default()
    texts = [q.text for q in ref.questions] + [q.help for q in ref.questions]
    texts += [m.level1.why for m in ref.measures] + [step for m in ref.measures for step in m.level1.how]
    for text in texts:
        line = french(text)
        offsets = break_points(line, width)
        starts = [line[o] for o in offsets]
        assert not set(starts) & set(";:?!»"), (width, text)
        assert all(line[o - 1] == " " or line[o - 1] != NBSP for o in offsets)


@pytest.fixture
def diag(bank):
    d = new_diagnostic(bank, Organisation(name="L'Atelier « du coin »"), aidant="Claire", at=AT)
    for qid, value in {**WORST, "alpha_mfa": "nsp", "ctx_server": "alone"}.items():
        d = with_answer(bank, d, qid, list(value) if isinstance(value, tuple) else value, at=AT)
    from dataclasses import replace

    return replace(d, emergency=NUMBERS)


@pytest.mark.parametrize("fmt", ["markdown", "html", "toml"])
def test_rendered_outputs_follow_french_typography(bank, diag, fmt):
    text = render(bank, diag, fmt)
    if fmt == "toml":  # the text values written for people, not the keys or the comment header
        data = tomllib.loads(text)
        values = [m[k] for m in data["measures"] for k in ("title", "reason", "why", "check")]
        values += [s for m in data["measures"] for s in m["how"]] + data["attack_sheet"]["gestures"]
        values += [data["attack_sheet"]["complaint"]] + [q["text"] for q in data["questions_to_ask"]]
        assert values and [v for v in values if BAD.search(v)] == []
    else:
        body = re.sub(r"<style>.*?</style>", "", text, flags=re.S)
        assert [line for line in body.splitlines() if BAD.search(line)] == []
        assert "Plainte" in text and "72 heures" not in text  # a number stays with its unit


@pytest.mark.parametrize("fmt", ["markdown", "html", "toml"])
def test_every_export_has_the_check_line_and_the_attack_sheet(bank, diag, fmt):
    text = render(bank, diag, fmt)
    result = result_of(bank, diag)
    assert result.priorities
    for priority in result.priorities:
        assert french(priority.finding.detail.check) in text
    assert french(bank.attack_sheet.gestures[0]) in text and "72" in text
    assert "Info Services, 04 00 00 00 00" in text  # the organisation's own number
    assert "Assur'Pro, contrat 123" in text or "Assur’Pro, contrat 123" in text
    assert french(bank.notices[0].text) in text  # organisation without a provider
    if fmt == "toml":
        data = tomllib.loads(text)
        assert all(m["check"] for m in data["measures"])
        numbers = {n["who"]: n["number"] for n in data["attack_sheet"]["numbers"]}
        assert numbers[french("Prestataire informatique")] == NUMBERS.provider
        assert [c["url"] for c in data["attack_sheet"]["contacts"]] == ["https://17cyber.gouv.fr/"]
    else:
        assert "Comment vérifier que c’est fait" in text and "En cas d’attaque" in text
        assert "à compléter" in text  # the bank line left empty: room to write it by hand
        for incident in bank.incidents:
            assert french(incident.source) in text


def test_questions_to_ask_are_worded_for_whoever_knows(bank, diag):
    result = result_of(bank, diag)
    asks = {a.question.id: a for a in result.asks}
    assert asks["alpha_mfa"].text == bank.question("alpha_mfa").ask.text
    # no provider: the IT questions go to whoever does that role here (context owners)
    assert asks["alpha_mfa"].whom != "prestataire informatique"
    md = render(bank, diag, "markdown")
    assert f"Questions à poser{NBSP}: {french(asks['alpha_mfa'].whom)}" in md


def test_emergency_numbers_refuse_control_and_bidi_characters():
    assert emergency_from({"provider": " Info 04 ", "bank": "", "insurer": ""}).provider == "Info 04"
    for bad in ("Info\x1b[31m", "Info\u202eevil", "x" * 201):
        with pytest.raises(UserError, match="Prestataire informatique"):
            emergency_from({"provider": bad, "bank": "", "insurer": ""})


def test_emergency_numbers_are_saved_with_the_diagnostic(bank, store):
    from diag_tui.session import Session

    session = Session.start(bank, store, "Atelier Martin")
    session.set_emergency(NUMBERS)
    assert store.load(session.diag.id).emergency == NUMBERS


def test_answers_file_with_hidden_characters_in_a_number_is_refused_by_name(bank, tmp_path):
    from diag_tui.documents.answers_file import load_answers_file
    from diag_tui.errors import ValidationErrors

    path = tmp_path / "reponses.toml"
    path.write_text('[organisation]\nname = "X"\n[emergency]\nprovider = "Info\\u202eevil"\n', encoding="utf-8")
    with pytest.raises(ValidationErrors) as caught:
        load_answers_file(path, bank)
    assert "emergency.provider" in str(caught.value) and "marque de sens du texte" in str(caught.value)
