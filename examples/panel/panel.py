"""The panel: organisations described by their managers, and what an aidant expects among their six.

`attentes.toml` was written from the sources, before looking at what the engine gives (see its
header). This module reads it, runs the engine on each answers file, and checks every expectation.

    .venv/bin/python examples/panel/panel.py          # one table: organisation, the six, pass/fail
    .venv/bin/python examples/panel/panel.py --detail # also each failed expectation, with its reason

`tests/test_panel.py` asserts every expectation with the same functions.
"""

from __future__ import annotations

import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from diag_tui.bank.referential import Referential, default_questions_dir, load_referential
from diag_tui.documents.answers_file import load_answers_file
from diag_tui.engine.restitution import Restitution, restitution
from diag_tui.errors import UserError

PANEL = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Expectation:
    kind: str  # "must" or "must_not"
    measures: tuple[str, ...]  # must: at least one of them among the six; must_not: none of them
    because: str

    def holds(self, six: list[str]) -> bool:
        present = any(m in six for m in self.measures)
        return present if self.kind == "must" else not present

    def __str__(self) -> str:
        names = " ou ".join(self.measures)
        return f"{'doit' if self.kind == 'must' else 'ne doit pas'} figurer : {names}"


@dataclass(frozen=True)
class Organisation:
    file: str
    summary: str
    expectations: tuple[Expectation, ...]
    forbidden_words: tuple[str, ...] = ()


def organisations() -> list[Organisation]:
    data = tomllib.loads((PANEL / "attentes.toml").read_text(encoding="utf-8"))
    found = []
    for entry in data["organisations"]:
        expectations = [
            Expectation(kind, tuple(item["one_of"]) if "one_of" in item else (item["measure"],), item["because"])
            for kind in ("must", "must_not")
            for item in entry.get(kind, [])
        ]
        words = tuple(entry.get("wording", {}).get("must_not_contain", ()))
        found.append(Organisation(entry["file"], entry["summary"], tuple(expectations), words))
    return found


def result_of(ref: Referential, org: Organisation) -> Restitution:
    answers = load_answers_file(PANEL / org.file, ref)
    return restitution(ref, answers.answers, answers.overrides)


def wording_problems(result: Restitution, words: tuple[str, ...]) -> list[str]:
    """Forbidden words found in the texts of the six (title, why, how, owner), as `id: word`."""
    problems = []
    for p in result.priorities:
        f = p.finding
        texts = [f.title, f.detail.why, *f.detail.how, f.owner]
        for word in words:
            if any(word.lower() in t.lower() for t in texts):
                problems.append(f"{f.measure.id} : « {word} »")
    return problems


def failures(ref: Referential, org: Organisation) -> list[str]:
    result = result_of(ref, org)
    six = [p.measure.id for p in result.priorities]
    failed = [f"{e} ({e.because})" for e in org.expectations if not e.holds(six)]
    failed += [f"texte interdit dans {problem}" for problem in wording_problems(result, org.forbidden_words)]
    return failed


def main(argv: list[str]) -> int:
    ref = load_referential(default_questions_dir())
    detail = "--detail" in argv
    passed = 0
    orgs = organisations()
    for org in orgs:
        result = result_of(ref, org)
        failed = failures(ref, org)
        passed += not failed
        mark = "ok " if not failed else "ÉCHEC"
        print(f"{mark}  {org.file.removesuffix('.toml')} : {org.summary}")
        for n, p in enumerate(result.priorities, 1):
            level = "" if p.finding.level == 1 else " (niveau 2)"
            print(f"       {n}. {p.measure.id}{level}")
        if detail:
            for line in failed:
                print(f"       ✗ {line}")
    print(f"\n{passed} organisations sur {len(orgs)} ont toutes leurs attentes satisfaites.")
    return 0 if passed == len(orgs) else 1


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except UserError as exc:  # a broken bank or answers file: say what and where, no traceback
        print(exc, file=sys.stderr)
        sys.exit(2)
