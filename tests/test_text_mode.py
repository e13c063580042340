"""The plain-text mode (`diag-tui start --texte`), driven through a pipe as a script or a screen
reader user would: plain lines only, every answer saved, the same files as the full-screen app."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

from diag_tui.bank.loading import load_referential
from diag_tui.bank.referential import default_questions_dir
from diag_tui.session import Session
from diag_tui.storage.store import Store
from diag_tui.text_mode import choices_of, command_of, run
from diag_tui.typography import for_terminal


@pytest.fixture(scope="module")
def ref():
    return load_referential(default_questions_dir())


def diag_tui(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The installed command as a user runs it, input from a pipe."""
    return subprocess.run(
        [sys.executable, "-m", "diag_tui", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def saved(store: Store):
    (only,) = [p.stem for p in store.folder.glob("*.toml")]
    return store.load(only)


def test_a_whole_diagnostic_through_a_pipe_is_saved_and_printed_without_escape_bytes(ref):
    # "2" is a valid answer to every question (a multiple choice takes it alone); a few extra lines
    # answer the closing prompts, and a pipe that ends is a normal end
    answers = "\n".join(["2"] * (len(ref.questions) + 5)) + "\n"
    done = diag_tui("start", "--organisation", "Menuiserie Durand", "--texte", stdin=answers)
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout and "\x1b" not in done.stderr
    assert not any(ord(c) < 32 and c not in "\n" for c in done.stdout)  # no cursor movement, no bell
    assert "Question 1 sur" in done.stdout and "1. " in done.stdout
    assert "Les mesures prioritaires" in done.stdout and "Plan sur six mois" in done.stdout
    assert "En cas d'attaque" in done.stdout.replace("’", "'")
    diag = saved(Store())
    assert diag.completed is not None and diag.organisation.name == "Menuiserie Durand"
    assert diag.mode == "accompagne" and diag.form == "complet"
    assert len(diag.answers) == len(Session.resume(ref, Store(), diag.id).questions())


def test_stopping_midway_keeps_each_answer_and_resumes_there_in_either_mode(ref):
    first = diag_tui("start", "--organisation", "Cabinet", "--self", "--texte", stdin="1\n2\n")
    assert first.returncode == 0 and "diag-tui resume" in first.stdout
    diag = saved(Store())
    assert len(diag.answers) == 2  # each answer written as it was given, before the input ended
    # the full-screen application's session opens it where it stopped
    session = Session.resume(ref, Store(), diag.id)
    third = session.resume_question()
    session.close()
    again = diag_tui("resume", diag.id, "--texte", stdin="quitter\n")
    assert again.returncode == 0
    assert "Question 3 sur" in again.stdout and for_terminal(third.text) in again.stdout


def test_a_wrong_entry_is_explained_and_nothing_is_saved(ref, store):
    session = Session.start(ref, store, "Asso")
    out = io.StringIO()
    run(session, io.StringIO("42\nabc\n1 2\n\nquitter\n"), out)
    text = out.getvalue()
    assert "« 42 » n'est pas une réponse : tapez un numéro de 1 à" in text
    assert "« abc » n'est pas une réponse" in text and "« 1 2 » n'est pas une réponse" in text
    assert "Aucune réponse tapée" in text
    assert store.load(session.diag.id).answers == {}
    session.close()


def test_commands_help_skip_previous_and_note_do_what_they_say(ref, store):
    session = Session.start(ref, store, "Asso")
    first, second = session.questions()[:2]
    out = io.StringIO()
    run(session, io.StringIO("1\naide\npasser\nprécédente\np\nnote\nRappeler le prestataire\nq\n"), out)
    text = out.getvalue()
    diag = store.load(session.diag.id)
    assert diag.answers == {first.id: first.options[0].id}
    assert second.id in diag.skipped
    assert "Pourquoi cette question : " in text  # help on request (accompanied mode hides it)
    assert text.count(for_terminal(first.text)) == 2  # « précédente » showed question 1 again
    assert diag.notes == {first.id: "Rappeler le prestataire"}
    session.close()


def test_a_hostile_note_is_refused_and_the_organisation_name_is_shown_inert(ref, store):
    session = Session.start(ref, store, "Asso\u200b [b]gras[/b]")
    out = io.StringIO()
    run(session, io.StringIO("note\nbip\x07\x1b[2J\nq\n"), out)
    assert "Enregistrement impossible" in out.getvalue()
    assert "\x1b" not in out.getvalue() and "\x07" not in out.getvalue()
    assert store.load(session.diag.id).notes == {}
    session.close()


def test_self_service_opens_with_how_it_goes_and_closes_with_what_to_do_next(ref):
    answers = "\n".join(["2"] * 40) + "\nnon\n"
    done = diag_tui("start", "--organisation", "Fromagerie", "--self", "--express", "--texte", stdin=answers)
    out = done.stdout.replace("’", "'")
    assert out.index("Combien de temps") < out.index("Question 1 sur")
    assert "Je ne sais pas » est une bonne réponse" in out and "Tout reste sur cet ordinateur" in out
    assert "S'arrêter et reprendre" in out
    closing = out[out.index("Les mesures prioritaires") :]
    assert "Vous faire aider par un aidant cyber" in closing and "https://messervices.cyber.gouv.fr/" in closing
    assert "diag-tui export" in closing and "Poursuivre maintenant en diagnostic complet" in closing
    assert saved(Store()).form == "express"


def test_an_express_diagnostic_goes_on_to_the_full_one_in_text_mode(ref):
    express = len([q for q in ref.questions if q.express])
    answers = "\n".join(["2"] * express) + "\noui\n1\nquitter\n"
    done = diag_tui("start", "--organisation", "Fromagerie", "--express", "--texte", stdin=answers)
    assert "réponses sont gardées" in done.stdout.replace("’", "'")
    diag = saved(Store())
    assert diag.form == "complet" and diag.completed is None
    assert len(diag.answers) > 1 and "ctx_effectif" in diag.answers  # the first question of the rest


@pytest.mark.parametrize("env", [{"TERM": "dumb"}, {}])
def test_without_a_terminal_for_the_full_screen_app_the_message_points_to_text_mode(env):
    done = diag_tui("start", "--organisation", "Asso", env=env)  # stdin and stdout are pipes here
    assert done.returncode == 2
    assert "--texte" in done.stderr and "Traceback" not in done.stderr
    assert ("TERM=dumb" in done.stderr) == ("TERM" in env)
    assert not list(Store().folder.glob("*.toml"))  # nothing created


def test_typed_answers_and_commands_are_read_as_a_person_types_them(ref):
    single = next(q for q in ref.questions if q.kind == "single")
    multiple = next(q for q in ref.questions if q.kind == "multiple")
    assert choices_of(" 2 ", single) == [single.options[1].id]
    assert choices_of("1, 3", multiple) == [multiple.options[0].id, multiple.options[2].id]
    assert choices_of("0", single) is None and choices_of("2 3", single) is None
    assert choices_of("²", single) is None and choices_of("٢", single) is None  # digits, but not typed numbers
    assert command_of("Précédente") == command_of("precedente") == "previous"
    assert command_of("QUITTER") == "quit" and command_of("3") is None


def test_an_endless_line_is_refused_without_being_taken_for_more_answers(ref, store):
    session = Session.start(ref, store, "Asso")
    out = io.StringIO()
    run(session, io.StringIO("1" * 200_000 + "\nquitter\n"), out)
    assert out.getvalue().count("n'est pas une réponse") == 1  # one line, one refusal
    assert store.load(session.diag.id).answers == {}
    session.close()
