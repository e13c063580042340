"""The panel: organisations described by their managers, and what an aidant expects among their six.

`attentes.toml` was written from the sources, before looking at what the engine gives (see its
header). This module reads it, runs the engine on each answers file, and checks every expectation.

    .venv/bin/python examples/panel/panel.py          # one table: organisation, the six, pass/fail
    .venv/bin/python examples/panel/panel.py --detail # also each failed expectation, with its reason
    .venv/bin/python examples/panel/panel.py --express # each organisation's express six against its full six

`tests/test_panel.py` asserts every expectation with the same functions.
"""

from __future__ import annotations

import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from diag_tui.bank.loading import load_referential
from diag_tui.bank.referential import Referential, default_questions_dir
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


@dataclass(frozen=True)
class ExpressRow:
    """An organisation of the panel as the express diagnostic sees it: its answers to the
    questions marked `express` only (what a manager who chose it would have given)."""

    file: str
    express: tuple[str, ...]  # its six from the express questions
    full: tuple[str, ...]  # its six from all its answers
    triggered: tuple[str, ...]  # every measure its full answers call for
    broken: tuple[str, ...]  # expectations of attentes.toml the express six break (must_not only)


def express_comparison(ref: Referential | None = None) -> list[ExpressRow]:
    ref = ref or load_referential(default_questions_dir())
    express_ids = {q.id for q in ref.questions if q.express}
    rows = []
    for org in organisations():
        answers = load_answers_file(PANEL / org.file, ref).answers
        full = restitution(ref, answers)
        quick = restitution(ref, {q: a for q, a in answers.items() if q in express_ids}, express=True)
        six = tuple(p.measure.id for p in quick.priorities)
        broken = tuple(str(e) for e in org.expectations if e.kind == "must_not" and not e.holds(list(six)))
        rows.append(
            ExpressRow(
                org.file,
                six,
                tuple(p.measure.id for p in full.priorities),
                tuple([p.measure.id for p in full.priorities] + [f.measure.id for f in full.others]),
                broken,
            )
        )
    return rows


def main_express() -> int:
    rows = express_comparison()
    for row in rows:
        shared = set(row.express) & set(row.full)
        print(f"{row.file.removesuffix('.toml')} : {len(shared)} sur {len(row.full)} en commun avec le diagnostic complet")
        for n, measure in enumerate(row.express, 1):
            print(f"       {n}. {measure}{'' if measure in row.full else '   (pas parmi les six du complet)'}")
        for measure in row.full:
            if measure not in row.express:
                print(f"       manque : {measure}")
        for line in row.broken:
            print(f"       ✗ {line}")
    shared = sum(len(set(r.express) & set(r.full)) for r in rows)
    total = sum(len(r.full) for r in rows)
    print(f"\nEn commun avec le diagnostic complet : {shared} mesures sur {total} ({round(100 * shared / max(total, 1))} %).")
    return 0


def main(argv: list[str]) -> int:
    if "--express" in argv:
        return main_express()
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
