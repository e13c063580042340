"""Properties of the engine on the real question bank, over random valid answer sets.

The strategies build answers the way the interface does: one option for a single-choice
question; for a multiple-choice one, either a non-empty set of ordinary options or one
"Je ne sais pas" / "Non applicable" / exclusive option alone. Any question may be left unanswered, and
questions hidden by context answers may keep an answer (the engine must ignore it).
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from dataclasses import replace
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diag_tui.bank.loading import load_referential
from diag_tui.bank.referential import OptionKind, Question
from diag_tui.documents.exports import render
from diag_tui.documents.followup_file import diagnostic_document, import_followup
from diag_tui.engine.answers import answer_problems, applicable_questions, chosen_options, score_of
from diag_tui.engine.plan import CHECKPOINT_MONTHS, DURATION_MONTHS, MONTHS, add_months, build_plan
from diag_tui.engine.restitution import LAST_BAND, PRIORITY_COUNT, order_key, restitution
from diag_tui.errors import INVISIBLE_IN_NOTE
from diag_tui.session import result as result_of
from diag_tui.storage.diagnostic import STATUSES, CheckpointProgress, MeasureProgress, Organisation, Override, new_diagnostic
from diag_tui.storage.store import Store
from tests.conftest import assert_breadth

REF = load_referential(Path(__file__).resolve().parent.parent / "questions")
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def answer_for(q: Question) -> st.SearchStrategy:
    if q.kind == "single":
        return st.sampled_from([o.id for o in q.options])
    ordinary = [o.id for o in q.options if not o.alone]
    alone = [o.id for o in q.options if o.alone]
    choices = st.lists(st.sampled_from(ordinary), min_size=1, max_size=len(ordinary), unique=True).map(tuple)
    return st.one_of(choices, st.sampled_from(alone).map(lambda o: (o,))) if alone else choices


def best_answer(q: Question) -> str | tuple[str, ...]:
    scored = [o for o in q.options if o.score is not None]
    option = max(scored, key=lambda o: o.score) if scored else q.options[0]
    return option.id if q.kind == "single" else (option.id,)


# Any subset of the questions, each with a valid answer.
answer_sets = st.fixed_dictionaries({}, optional={q.id: answer_for(q) for q in REF.questions})
# Every question answered: the diagnostic is complete.
complete_answer_sets = st.fixed_dictionaries({q.id: answer_for(q) for q in REF.questions})
any_answers = st.one_of(answer_sets, complete_answer_sets)
start_dates = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2035, 12, 31))


def raw(answers) -> dict:
    """Engine answers -> answers as stored (lists for multiple choice)."""
    return {q: list(v) if isinstance(v, tuple) else v for q, v in answers.items()}


def test_the_bank_has_what_the_strategies_need():
    assert any(q.kind == "multiple" for q in REF.questions)
    assert any(o.hides for q in REF.questions for o in q.options)
    assert any(o.follow_ups for q in REF.questions for o in q.options)


@SETTINGS
@given(any_answers)
def test_priorities(answers):
    assert answer_problems(REF, raw(answers)) == []  # the strategy makes valid answers only
    result = restitution(REF, answers)
    ids = [p.measure.id for p in result.priorities]
    assert len(ids) <= PRIORITY_COUNT
    assert len(set(ids)) == len(ids)
    assert_breadth(result)
    others = [f.measure.id for f in result.others]
    assert not set(ids) & set(others) and len(set(others)) == len(others)
    findings = [p.finding for p in result.priorities] + list(result.others)
    assert [order_key(REF, f) for f in result.others] == sorted(order_key(REF, f) for f in result.others)
    assert [order_key(REF, p.finding) for p in result.priorities] == sorted(order_key(REF, p.finding) for p in result.priorities)
    if len(ids) < PRIORITY_COUNT:  # fewer than six only when what is left is no priority
        assert all(f.band >= LAST_BAND for f in result.others)
        assert result.priorities_note is not None
    assert all(p.finding.band < LAST_BAND for p in result.priorities)

    # exactly the measures triggered by a chosen option of an applicable question, plus the
    # verification when a critical question is answered « Je ne sais pas »
    applicable = applicable_questions(REF, answers)
    triggered = {o.measure for q in applicable for o in chosen_options(q, answers) if o.measure}
    unknown = [q for q in applicable if q.critical and any(o.kind is OptionKind.UNKNOWN for o in chosen_options(q, answers))]
    assert set(ids) | set(others) == triggered | ({REF.verification.id} if unknown else set())
    [verification] = [f for f in findings if f.measure.verification] or [None]
    assert (verification is None) == (not unknown)
    if verification is not None:  # every point, most urgent first, then in the diagnostic's order
        bands = {q.id: _point_band(q, answers).band for q in unknown}
        assert list(verification.points) == sorted(unknown, key=lambda q: (bands[q.id], REF.position[q.id]))
        assert verification.band == min(bands.values())


def _point_band(q, answers):
    """The finding the question would give at its worst answer, in this context: its band is the
    point's band."""
    worst = min((o for o in q.options if o.score is not None), key=lambda o: o.score)
    changed = {**answers, q.id: worst.id if q.kind == "single" else (worst.id,)}
    return next(f for f in restitution(REF, changed).others + tuple(p.finding for p in restitution(REF, changed).priorities)
                if f.measure.id == worst.measure)


@SETTINGS
@given(complete_answer_sets)
def test_no_restore_test_and_no_plan_shows_one_of_them_unless_stronger_gaps_fill_the_six(answers):
    """The rule stated at the top of mesures.toml: with backups, but no restore ever tried and no
    written plan, the restore test or the plan is among the six, unless six findings of bands 1
    and 2 come before both."""
    answers = {**answers, "reac_sauvegardes": "quotidien", "reac_restauration": "jamais", "reac_plan": "non"}
    result = restitution(REF, answers)
    six = [p.finding for p in result.priorities]
    if not {"tester_restauration", "plan_reponse_incident"} & {f.measure.id for f in six}:
        first = min((f for f in result.others if f.measure.id in ("tester_restauration", "plan_reponse_incident")),
                    key=lambda f: order_key(REF, f))
        assert len(six) == PRIORITY_COUNT and all(f.band <= 2 for f in six)
        assert all(order_key(REF, f) < order_key(REF, first) for f in six)


@SETTINGS
@given(any_answers)
def test_each_measure_keeps_its_worst_trigger(answers):
    """A measure triggered by several answers is placed by the most basic, worst one: lowest
    level, then lowest score. Keeping the best instead would hide a total gap behind a partial one."""
    result = restitution(REF, answers)
    applicable = applicable_questions(REF, answers)
    for finding in [p.finding for p in result.priorities] + list(result.others):
        if finding.measure.verification:
            continue
        triggers = [
            (o.level, score_of(q, chosen_options(q, answers))) for q in applicable for o in chosen_options(q, answers)
            if o.measure == finding.measure.id
        ]
        assert (finding.level, finding.score) == min(triggers)
        assert finding.option.kind is OptionKind.ANSWER  # « Je ne sais pas » never triggers a fix


@SETTINGS
@given(st.fixed_dictionaries({q.id: st.just(best_answer(q)) for q in REF.questions}, optional={}), answer_sets)
def test_best_answers_everywhere_trigger_nothing(best, context):
    """Whatever the context answers, a diagnostic answered at best everywhere scored has no
    measure to recommend and every indicator at 3."""
    answers = {**best, **{q: v for q, v in context.items() if not REF.question(q).scored}}
    result = restitution(REF, answers)
    assert result.priorities == () and result.others == ()
    assert all(i.value in (None, 3.0) for i in result.indicators)
    assert result.priorities_note is not None


@SETTINGS
@given(any_answers)
def test_indicators_in_range(answers):
    result = restitution(REF, answers)
    applicable = applicable_questions(REF, answers)
    for indicator in result.indicators:
        scored = [
            q for q in applicable
            if q.theme == indicator.theme.id and q.scored
            and any(o.score is not None for o in chosen_options(q, answers))
        ]
        assert indicator.scored == len(scored)
        if scored:
            assert indicator.value is not None and 0 <= indicator.value <= 3
            lowest = min(min(o.score for o in chosen_options(q, answers) if o.score is not None) for q in scored)
            assert indicator.value >= lowest - 0.01  # a weighted mean of the scores
        else:
            assert indicator.value is None  # "non évalué", not 0
        assert indicator.answered == indicator.scored + indicator.unknown + indicator.not_applicable
        assert indicator.answered <= indicator.applicable
    assert result.overall is None or 0 <= result.overall <= 3


@SETTINGS
@given(any_answers, start_dates)
def test_plan(answers, start):
    result = restitution(REF, answers)
    plan = build_plan(result.priorities, start)
    assert [i.measure.id for i in plan.items] == [p.measure.id for p in result.priorities]
    assert [i.rank for i in plan.items] == list(range(1, len(plan.items) + 1))
    previous = None
    for item in plan.items:
        assert 1 <= item.start_month <= item.due_month <= MONTHS
        assert item.due_month - item.start_month + 1 == DURATION_MONTHS[item.measure.effort]
        assert item.start == add_months(start, item.start_month - 1) and item.due == add_months(start, item.due_month)
        assert start <= item.start < item.due
        if previous is not None:  # the plan reads in priority order (engine/plan.py)
            assert item.start_month >= previous.start_month and item.start >= previous.start
        previous = item
    assert [c.month for c in plan.checkpoints] == list(CHECKPOINT_MONTHS)
    assert all(start < c.date <= add_months(start, MONTHS) for c in plan.checkpoints)


@SETTINGS
@given(any_answers, st.randoms(use_true_random=False))
def test_same_answers_same_result(answers, rnd):
    """Determinism: the same answers give the same result, whatever order they were given in
    (dict insertion order) and whatever order the options of a multiple choice were picked."""
    items = list(answers.items())
    rnd.shuffle(items)
    reordered = {q: tuple(rnd.sample(v, len(v))) if isinstance(v, tuple) else v for q, v in items}
    first = restitution(REF, answers)
    assert restitution(REF, answers) == first
    assert restitution(REF, reordered) == first
    start = dt.date(2026, 11, 22)
    assert build_plan(restitution(REF, reordered).priorities, start) == build_plan(first.priorities, start)

    # what the organisation reads (reports, and the follow-up file apart from the echo of the
    # answers) does not depend on the order either
    at = dt.datetime(2026, 11, 22, 9, 30)
    base = replace(new_diagnostic(REF, Organisation(name="Atelier"), at=at), id="20261122-atelier-0000")
    one = replace(base, answers=raw(answers))
    two = replace(base, answers={q: raw({q: v})[q] for q, v in reversed(list(answers.items()))})
    for fmt in ("markdown", "html"):
        assert render(REF, one, fmt) == render(REF, two, fmt)
    doc_one, doc_two = diagnostic_document(REF, one), diagnostic_document(REF, two)
    assert doc_one.pop("answers") == doc_two.pop("answers")  # same content, maybe another order
    assert doc_one == doc_two


# ---- export -> import --------------------------------------------------------------------------

# Free text as people may type it: every character the rule of `untrusted` lets through, tab and
# new line included in notes (the refused ones are tested in test_hostile_input). No "\r": TOML
# lets a parser turn a CRLF inside a multi-line string into LF (tomllib does).
_REFUSED_IN_NOTE = re.compile(f"[{INVISIBLE_IN_NOTE}]")
notes = st.text(st.characters(exclude_categories=("Cs", "Cc"), include_characters="\t\n"), max_size=40).filter(
    lambda s: not _REFUSED_IN_NOTE.search(s)
)
lines = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(
    lambda s: s.strip() and not _REFUSED_IN_NOTE.search(s)
)
dates = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2036, 12, 31))
stamps = st.datetimes(min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2035, 12, 31)).map(
    lambda d: d.replace(microsecond=0)
)
measure_progress = st.builds(MeasureProgress, status=st.sampled_from(STATUSES), notes=notes, updated=dates)
checkpoint_progress = st.builds(CheckpointProgress, done=st.booleans(), notes=notes)


@st.composite
def followed_diagnostics(draw):
    """A diagnostic as it stands some months after the interview: answers, maybe an override,
    follow-up state on some priorities and checkpoints."""
    answers = draw(any_answers)
    created = draw(stamps)
    organisation = Organisation(
        name=draw(lines),
        sector=draw(st.none() | st.sampled_from(["Commerce", "Santé", "Association loi 1901"])),
    )
    diag = new_diagnostic(
        REF, organisation, aidant=draw(st.none() | st.just("Claire Dupont")),
        mode=draw(st.sampled_from(["accompagne", "autodiagnostic"])), at=created,
    )
    diag = replace(diag, answers=raw(answers))
    result = result_of(REF, diag)
    if result.progress.complete:
        diag = replace(diag, completed=created + dt.timedelta(hours=draw(st.integers(0, 2000))))
    if result.priorities and result.others and draw(st.booleans()):
        override = Override(
            replaced=draw(st.sampled_from([p.measure.id for p in result.priorities])),
            by=draw(st.sampled_from([f.measure.id for f in result.others])),
            reason=draw(lines),
        )
        diag = replace(diag, overrides=(override,))
    priorities = [p.measure.id for p in result_of(REF, diag).priorities]
    followed = draw(st.lists(st.sampled_from(priorities), unique=True)) if priorities else []
    return replace(
        diag,
        measures={m: draw(measure_progress) for m in followed},
        checkpoints={str(m): draw(checkpoint_progress) for m in draw(st.lists(st.sampled_from(CHECKPOINT_MONTHS), unique=True))},
    )


def follow_up_state(diag):
    """What the follow-up file carries about progress, with the defaults it writes for a
    measure nobody touched (status "a_faire", updated on the plan's start)."""
    priorities = [p.measure.id for p in result_of(REF, diag).priorities]
    measures = {}
    for mid in priorities:
        saved = diag.measures.get(mid)
        measures[mid] = (
            MeasureProgress(updated=diag.plan_start)
            if saved is None
            else replace(saved, updated=saved.updated or diag.plan_start)
        )
    checkpoints = {m: diag.checkpoints.get(str(m), CheckpointProgress()) for m in CHECKPOINT_MONTHS}
    return measures, checkpoints


def without_handover(text: str) -> str:
    """A follow-up file without its `[handed_over]` table (last in the file), which records when."""
    return text.split("\n[handed_over]\n")[0].rstrip("\n")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(followed_diagnostics(), st.data())
def test_export_import_round_trip(diag, data):
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        text = render(REF, diag, "toml")
        path = tmp / "suivi.toml"
        path.write_text(text, encoding="utf-8")

        # hand-off: a machine that never saw this diagnostic gets it whole
        other = Store(tmp / "autre-poste")
        outcome = import_followup(other, REF, path)
        assert outcome.created
        copy = other.load(diag.id)
        for key in ("id", "organisation", "aidant", "mode", "created", "completed", "answers", "overrides"):
            assert getattr(copy, key) == getattr(diag, key), key
        assert follow_up_state(copy) == follow_up_state(diag)
        # recording follow-up hands the results over: the file then also says what they rest on
        assert copy.handed_over is None or copy.handed_over.answers == diag.answers
        assert without_handover(render(REF, copy, "toml")) == without_handover(text)
        assert import_followup(other, REF, path).changes == ()  # importing twice changes nothing

        # back at the office: the progress written in the file is recorded on the original
        store = Store(tmp / "bureau")
        start = store.add(replace(diag, measures={}, checkpoints={}))
        outcome = import_followup(store, REF, path)
        assert not outcome.created
        saved = store.load(diag.id)
        assert follow_up_state(saved) == follow_up_state(diag)
        assert saved.answers == start.answers and saved.overrides == start.overrides
        assert bool(outcome.changes) == (follow_up_state(start) != follow_up_state(diag))
        assert saved.handed_over is None or saved.handed_over.answers == diag.answers
        assert without_handover(render(REF, saved, "toml")) == without_handover(text)
