"""The diagnostic as plain lines, for a screen reader, a braille display or a script.

One question at a time: theme, position, question, numbered options; the answer is a number
typed then Entrée, and the commands are words (or their first letter). Nothing but text is
written: no escape sequence, no cursor movement, no colour, so every line is read as it comes.
Input is read line by line with the standard library, so a pipe works as well as a keyboard.
Same session as the full-screen application: every answer is saved at once, and a diagnostic
started here resumes there and the other way round.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from diag_tui.bank.referential import Question
from diag_tui.errors import UserError
from diag_tui.guidance import closing, opening
from diag_tui.session import Session
from diag_tui.typography import for_terminal
from diag_tui.untrusted import NOTE_MAX, shown

COMMANDS = {  # word typed (accents and case ignored) -> command
    "aide": "help", "a": "help", "?": "help",
    "passer": "skip", "s": "skip",
    "precedente": "previous", "p": "previous", "retour": "previous",
    "note": "note", "m": "note",
    "resultats": "results", "r": "results",
    "quitter": "quit", "q": "quit",
}
LEGEND = (
    "Pour répondre : le numéro de la réponse, puis Entrée. Autres commandes : aide (ou a), passer (s), "
    "précédente (p), note (m), résultats (r), quitter (q)."
)


LINE_MAX = 65_536  # characters read from one line (a note holds 4 000 at most)


class EndOfInput(Exception):
    """Standard input is closed: everything is saved already."""


class Quit(Exception):
    """The user typed « quitter »."""


class Stay:
    """What a command returns when the same question is asked again."""


STAY = Stay()


@dataclass
class Conversation:
    """Reads and writes lines; the only place that touches the streams."""

    stdin: TextIO
    stdout: TextIO

    def say(self, text: str = "") -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def ask(self, prompt: str) -> str:
        self.stdout.write(prompt + " ")
        self.stdout.flush()
        line = self.stdin.readline(LINE_MAX)
        if not line:
            self.stdout.write("\n")
            raise EndOfInput
        if not line.endswith("\n"):  # longer than any answer or note: the rest is not read as more input
            while (more := self.stdin.readline(LINE_MAX)) and not more.endswith("\n"):
                pass
        return line.rstrip("\r\n")


def plain(text: str) -> str:
    """A bank text as printed here: French typography, nothing that is not text."""
    return shown(for_terminal(text), multiline=True)


def word_of(typed: str) -> str:
    """A typed word as compared here: case and accents ignored (« Précédente » is « precedente »)."""
    return unicodedata.normalize("NFKD", typed.strip().lower()).encode("ascii", "ignore").decode()


def command_of(typed: str) -> str | None:
    return COMMANDS.get(word_of(typed))


def choices_of(typed: str, question: Question) -> list[str] | None:
    """The option ids a typed answer names ("2", or "1 3" for a multiple-choice question);
    None when it is not a valid answer to `question`."""
    parts = typed.replace(",", " ").replace(";", " ").split()
    if not parts or not all(p.isascii() and p.isdigit() and len(p) <= 3 for p in parts):  # not « ² », nor a 5 000-digit number
        return None
    numbers = [int(p) for p in parts]
    if any(not 1 <= n <= len(question.options) for n in numbers):
        return None
    if question.kind == "single" and len(numbers) != 1:
        return None
    return list(dict.fromkeys(question.options[n - 1].id for n in numbers))


class TextDiagnostic:
    def __init__(self, session: Session, io: Conversation):
        self.session, self.io = session, io
        self.help_shown = session.diag.mode == "autodiagnostic"  # as the full-screen app does

    # ---- the walk -------------------------------------------------------------------------------

    def run(self) -> int:
        session, say = self.session, self.io.say
        say(f"diag-tui, mode texte. Organisation : {shown(session.diag.organisation.name)}.")
        say(f"Diagnostic {session.diag.id}. Chaque réponse est enregistrée dès qu'elle est donnée.")
        say(LEGEND)
        if session.diag.mode == "autodiagnostic" and not session.diag.answers:
            self.sections(opening(session, session.store.root))
        try:
            while True:
                current: Question | None = session.resume_question() if session.first_unanswered() else None
                while current is not None:
                    current = self.ask_question(current)
                self.closing()
                if not (session.diag.express and self.yes("Poursuivre maintenant en diagnostic complet ? Tapez oui ou non :")):
                    break
                if self.save(session.continue_full):
                    say(f"Diagnostic complet : vos {len(session.diag.answers)} réponses sont gardées, voici les questions suivantes.")
        except EndOfInput:
            say("Fin de l'entrée : tout ce qui a été répondu est enregistré.")
            say(f"Pour reprendre : diag-tui resume {session.diag.id} --texte")
        except Quit:
            say(f"Tout est enregistré. Pour reprendre : diag-tui resume {session.diag.id} --texte")
        return 0

    def ask_question(self, question: Question) -> Question | None:
        """Ask `question` until it gets an answer or a command; the next question to ask."""
        self.show(question)
        while True:
            typed = self.io.ask("Votre réponse :")
            command = command_of(typed)
            if command is not None:
                step = self.command(command, question)
                if isinstance(step, Stay):
                    continue
                return step
            chosen = choices_of(typed, question)
            if chosen is None:
                self.io.say(self.refusal(typed, question))
                continue
            value: str | list[str] = chosen[0] if question.kind == "single" else chosen
            if self.save(lambda value=value: self.session.answer(question.id, value)):  # type: ignore[misc]
                return self.after(question)

    def show(self, question: Question) -> None:
        session, say = self.session, self.io.say
        questions = session.questions()
        position = next(i for i, q in enumerate(questions) if q.id == question.id) + 1
        theme = session.ref.theme(question.theme)
        themes = [t for t in session.ref.themes if any(q.theme == t.id for q in questions)]
        say()
        say(f"Thème {themes.index(theme) + 1} sur {len(themes)} : {plain(theme.title)}. Question {position} sur {len(questions)}.")
        say(plain(question.text))
        if self.help_shown:
            say(f"Pourquoi cette question : {plain(question.help)}")
        if question.kind == "multiple":
            say("Plusieurs réponses possibles : tapez leurs numéros séparés par des espaces, par exemple 1 3.")
        for n, option in enumerate(question.options, start=1):
            say(f"{n}. {plain(option.label)}")
        chosen = session.chosen(question)
        if chosen:
            labels = [f"{question.options.index(o) + 1}. {plain(o.label)}" for o in question.options if o.id in chosen]
            say("Réponse enregistrée : " + " ; ".join(labels) + ". Tapez un numéro pour la changer, ou passer pour la garder.")
        if question.id in session.diag.notes:
            say(f"Note : {shown(session.diag.notes[question.id], multiline=True)}")

    def refusal(self, typed: str, question: Question) -> str:
        shown_typed = shown(typed)[:40]
        what = f"« {shown_typed} » n'est pas une réponse" if shown_typed.strip() else "Aucune réponse tapée"
        numbers = f"un numéro de 1 à {len(question.options)}"
        if question.kind == "multiple":
            numbers = f"un ou plusieurs numéros de 1 à {len(question.options)}"
        return f"{what} : tapez {numbers}, ou une commande (aide, passer, précédente, note, résultats, quitter)."

    def command(self, command: str, question: Question) -> Question | Stay | None:
        """What a command does: the next question to ask (None at the end), or STAY."""
        session, say = self.session, self.io.say
        if command == "help":
            say(f"Pourquoi cette question : {plain(question.help)}")
            return STAY
        if command == "skip":
            if not session.is_answered(question) and not self.save(lambda: session.skip(question.id)):
                return STAY
            return self.after(question)
        if command == "previous":
            questions = session.questions()
            index = next(i for i, q in enumerate(questions) if q.id == question.id)
            if index == 0:
                say("C'est la première question.")
                return STAY
            return questions[index - 1]
        if command == "note":
            text = self.io.ask(f"Note pour cette question (une ligne, {NOTE_MAX} caractères au plus ; vide pour l'effacer) :")
            if self.save(lambda: session.set_note(question.id, text)):
                say("Note enregistrée." if text.strip() else "Note effacée.")
            return STAY
        if command == "results":
            self.results()
            self.show(question)
            return STAY
        raise Quit

    def after(self, question: Question) -> Question | None:
        """The question after `question` among those that apply now; then the first one left
        without an answer and not passed; None at the end."""
        questions = self.session.questions()
        ids = [q.id for q in questions]
        if question.id in ids and ids.index(question.id) + 1 < len(questions):
            return questions[ids.index(question.id) + 1]
        left = [q for q in questions if not self.session.is_answered(q) and q.id not in self.session.diag.skipped]
        return left[0] if left else None

    def save(self, change: Callable[[], None]) -> bool:
        try:
            change()
        except UserError as exc:
            self.io.say(f"Enregistrement impossible : {exc}")
            return False
        return True

    # ---- the end --------------------------------------------------------------------------------

    def closing(self) -> None:
        session, say = self.session, self.io.say
        unanswered = [q for q in session.questions() if not session.is_answered(q)]
        if unanswered:
            say()
            say(f"{len(unanswered)} question(s) sans réponse : les résultats seront provisoires.")
            if self.yes("Y revenir maintenant ? Tapez oui ou non :"):
                for question in unanswered:
                    if any(q.id == question.id for q in session.questions()) and not session.is_answered(question):
                        self.ask_question(question)
        self.results()
        if session.diag.mode == "autodiagnostic":
            self.sections(closing(session, session.plan()))
        say()
        say("Pour garder ces résultats, tapez par exemple :")
        say(f"diag-tui export {session.diag.id} --format texte -o rapport.txt (rapport en texte simple)")
        say(f"diag-tui export {session.diag.id} --format html -o rapport.html (rapport à ouvrir dans un navigateur)")
        say(f"diag-tui export {session.diag.id} -o suivi.toml (fichier de suivi, à garder et à remettre à un aidant)")
        if session.diag.express:
            say(f"Le diagnostic complet pourra se poursuivre plus tard sans rien retaper : diag-tui resume {session.diag.id} --texte")

    def yes(self, prompt: str) -> bool:
        """Ask until the answer is yes or no (« quitter » still quits)."""
        while True:
            typed = self.io.ask(prompt)
            word = word_of(typed)
            if word in ("oui", "o"):
                return True
            if word in ("non", "n"):
                return False
            if command_of(typed) == "quit":
                raise Quit
            self.io.say("Tapez oui ou non.")

    def sections(self, sections: list[tuple[str, str]]) -> None:
        for heading, text in sections:
            self.io.say()
            self.io.say(f"{heading} :")
            self.io.say(plain(text))

    def results(self) -> None:
        from diag_tui.documents.exports import render

        self.io.say()
        self.io.say(render(self.session.ref, self.session.diag, "texte").rstrip("\n"))


def run(session: Session, stdin: TextIO, stdout: TextIO) -> int:
    return TextDiagnostic(session, Conversation(stdin, stdout)).run()
