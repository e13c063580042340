"""The reference for the pseudo-terminal benchmarks: a minimal Textual app doing what the
question screen does, and nothing else. A header, a question's text, a RadioSet of four options,
a footer. Keys 1 to 4 answer: the answer is saved as diag-tui saves one (a small file written
beside, synced, renamed over the previous one, then the folder synced), and the next question's
text and options are shown. Échap shows the previous question again (bench/home.py times what
Textual itself takes to deliver Échap with it). ctrl+q quits (Textual's own binding).

A plain application: no timing code inside. bench/_pty.py runs it in a pseudo-terminal and
watches its output. The answers go to $DIAG_TUI_HOME/minimal-answers.json (a temporary folder
made by the benchmark).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Header, RadioButton, RadioSet, Static

# Question-like texts; each has a word of its own (the benchmarks look for it on the screen).
QUESTIONS = [
    ("Vos sauvegardes sont-elles copiées hors du bureau, sur un support déconnecté ?",
     ("Oui, chaque semaine", "Oui, parfois", "Non", "Je ne sais pas")),
    ("Les comptes de messagerie sont-ils protégés par une double authentification ?",
     ("Oui, tous", "Certains seulement", "Non", "Je ne sais pas")),
    ("Qui installe les mises à jour des ordinateurs du personnel ?",
     ("Un prestataire", "Chacun pour son poste", "Personne", "Je ne sais pas")),
    ("Le réseau wifi des visiteurs est-il séparé de celui des employés ?",
     ("Oui", "Non", "Pas de wifi visiteurs", "Je ne sais pas")),
    ("Savez-vous qui appeler en cas de rançongiciel un dimanche soir ?",
     ("Oui, c'est écrit", "Oui, de mémoire", "Non", "Je ne sais pas")),
]
WORDS = ["déconnecté", "authentification", "personnel", "employés", "rançongiciel"]  # one per question


class MinimalApp(App):
    TITLE = "minimal"
    BINDINGS = [
        *(Binding(str(n), f"answer({n})", f"Option {n}", show=False) for n in range(1, 5)),
        Binding("escape", "back", "Précédente", show=False),
    ]

    def __init__(self, folder: Path):
        super().__init__()
        self.folder = folder
        self.index = 0
        self.answers: dict[str, int] = {}

    def compose(self) -> ComposeResult:
        text, labels = QUESTIONS[0]
        yield Header()
        yield Static(text, id="question", markup=False)
        with RadioSet():
            for label in labels:
                yield RadioButton(label)
        yield Footer()

    def action_answer(self, n: int) -> None:
        self.answers[f"q{self.index}"] = n
        save(self.folder / "minimal-answers.json", json.dumps(self.answers).encode())
        self.show(self.index + 1)

    def action_back(self) -> None:
        self.show(max(0, self.index - 1))

    def show(self, index: int) -> None:
        self.index = index
        text, labels = QUESTIONS[index % len(QUESTIONS)]
        self.query_one("#question", Static).update(text)
        for button, label in zip(self.query(RadioButton), labels, strict=True):
            button.label = label


def save(path: Path, data: bytes) -> None:
    """Atomic and durable: what diag-tui does for each answer."""
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


if __name__ == "__main__":
    data = Path(os.environ.get("DIAG_TUI_HOME") or ".")
    data.mkdir(parents=True, exist_ok=True)
    MinimalApp(data).run()
    sys.exit(0)
