"""What the screen of `diag-tui start` will show, worked out from the real bank with the engine:
the word to look for on the terminal for the first question, and for each answer of a walk.

It runs in a child process (`python bench/_walks.py SEED…`, JSON on stdout) so that the
benchmarks' own process never loads the bank, pydantic or Textual: the peak RSS of a program
counts the memory of the process it was started from (Linux carries the parent's high-water
mark through fork and exec), so the harness must stay smaller than what it measures.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys

from _common import QUESTIONS, ROOT, child_env
from _pty import distinctive_word

RESULTS_TITLE = "Résultats — X"  # the header of the results screen for `--organisation X`
# What else the question screen writes when the question changes (status line, hint, header,
# footer, marks): a word found in it would stop the clock before the question is written.
CHROME = ("diag-tui Diagnostic de cybersécurité question sur du thème complémentaire écoulé min reste tout est répondu "
          "enregistré NON 1 à 9 ou Entrée : répondre n/p : suivante/précédente Échap : accueil Espace : cocher valider "
          "Passer Thèmes Aide Note À revoir Résultats palette Plusieurs réponses possibles. Pourquoi cette question ? "
          "la suite : PgSuiv PgPréc pour remonter passée")


def plan_walk(ref, rng: random.Random | None) -> list[tuple[str, str, str | None]]:
    """The walk `diag-tui start` goes through: (question id, key, word of the question shown next,
    or None for the last answer, which opens the results). Walk with `rng` None: "1" everywhere;
    else a random valid digit. A multiple-choice question: "1" ticks its first option, then Enter
    ("enter" here). The next question follows QuestionScreen.action_next: the one after the
    current among those that apply once it is answered."""
    from diag_tui.engine.answers import applicable_questions

    answers: dict[str, str | tuple[str, ...]] = {}
    current = applicable_questions(ref, {})[0]
    steps: list[tuple[str, str, str | None]] = []
    while True:
        if current.kind == "multiple":
            key, answers[current.id] = "enter", (current.options[0].id,)
        else:
            digit = 1 if rng is None else rng.randrange(min(9, len(current.options))) + 1
            key, answers[current.id] = str(digit), current.options[digit - 1].id
        walk = applicable_questions(ref, answers)
        ids = [q.id for q in walk]
        if current.id in ids:
            position = ids.index(current.id) + 1
        else:  # hidden by its own answer: the next one that applies
            order = [q.id for q in ref.questions]
            position = next((i for i, q in enumerate(walk) if order.index(q.id) > order.index(current.id)), len(walk))
        if position >= len(walk):
            steps.append((current.id, key, None))
            return steps
        following = walk[position]
        avoid = [current.text, *(o.label for o in current.options), *(o.label for o in following.options),
                 ref.theme(current.theme).title, ref.theme(following.theme).title, CHROME]
        steps.append((current.id, key, distinctive_word(following.text, avoid)))
        current = following


def facts(seeds: list[int | None]) -> dict:
    from diag_tui.bank.loading import load_referential
    from diag_tui.engine.answers import applicable_questions

    ref = load_referential(QUESTIONS)
    first = applicable_questions(ref, {})[0]
    return {
        "questions": len(ref.questions),
        "first_word": distinctive_word(first.text, [o.label for o in first.options] + [ref.theme(first.theme).title, CHROME]),
        "walks": [plan_walk(ref, None if seed is None else random.Random(seed)) for seed in seeds],
    }


def bank_facts(seeds: list[int | None] = ()) -> dict:  # type: ignore[assignment]
    """`facts(seeds)`, computed in a child process."""
    argv = [sys.executable, __file__, *("-" if s is None else str(s) for s in seeds)]
    out = subprocess.run(argv, env=child_env(), cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return json.loads(out)


if __name__ == "__main__":
    print(json.dumps(facts([None if a == "-" else int(a) for a in sys.argv[1:]]), ensure_ascii=False))
