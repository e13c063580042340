"""The panel in examples/panel/: organisations described as their managers would, and what an
aidant expects among their six, written from the sources before looking at the engine's output.

Every expectation is a test: a measure that must be among the six (or one of several), a measure
that must not take one of the six places, words the six must not use (no « votre prestataire »
for an organisation without one).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from diag_tui.bank.loading import load_referential
from diag_tui.bank.referential import Referential
from diag_tui.documents.answers_file import load_answers_file
from diag_tui.engine.answers import applicable_questions
from diag_tui.engine.restitution import restitution
from tests.conftest import assert_breadth

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT / "examples" / "panel"))
import panel  # noqa: E402  (examples/panel/panel.py: the same checks print the table)

ORGANISATIONS = panel.organisations()
NAMES = [o.file for o in ORGANISATIONS]


@pytest.fixture(scope="module")
def ref() -> Referential:
    return load_referential(ROOT / "questions")


def test_the_panel_is_broad():
    assert len(ORGANISATIONS) >= 15
    assert sorted(NAMES) == sorted(p.name for p in panel.PANEL.glob("*.toml") if p.name != "attentes.toml")
    for org in ORGANISATIONS:
        musts = [e for e in org.expectations if e.kind == "must"]
        assert musts and [e for e in org.expectations if e.kind == "must_not"], org.file
        assert all(len(e.because) > 40 for e in org.expectations), org.file


@pytest.mark.parametrize("org", ORGANISATIONS, ids=NAMES)
def test_every_expectation_holds(ref, org):
    assert panel.failures(ref, org) == []


@pytest.mark.parametrize("org", ORGANISATIONS, ids=NAMES)
def test_each_answers_file_is_complete_and_every_expectation_can_fail(ref, org):
    """A `must` names a measure the answers trigger and a `must_not` one they trigger too:
    otherwise the expectation would hold whatever the engine does."""
    answers = load_answers_file(panel.PANEL / org.file, ref)
    applicable = {q.id for q in applicable_questions(ref, answers.answers)}
    assert set(answers.answers) == applicable
    result = restitution(ref, answers.answers)
    assert not result.provisional
    assert_breadth(result)
    triggered = {p.measure.id for p in result.priorities} | {f.measure.id for f in result.others}
    for e in org.expectations:
        assert set(e.measures) & triggered, f"{org.file}: {e} is not triggered by the answers"


def test_panel_script_prints_the_table_and_exits_0():
    run = subprocess.run([sys.executable, str(panel.PANEL / "panel.py")], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"{len(ORGANISATIONS)} organisations sur {len(ORGANISATIONS)}" in run.stdout
    for org in ORGANISATIONS:
        assert org.file.removesuffix(".toml") in run.stdout
