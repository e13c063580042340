"""Engine: restitution (indicators, findings, six priorities) and the six-month plan, for the
full real bank, over many random answer sets.

Timed in-process (`time.perf_counter` around the calls): not a figure the user sees by itself,
but the share of the results screen and of the reports that is the computation. The user-facing
figures (bench/startup.py, keystrokes.py, cli.py, home.py, memory.py) are all taken from outside
the process.

Answer sets are drawn the way a diagnostic is walked: questions in diagnostic order, only
those that apply given the answers so far (`applicable_questions`, so context rules and
follow-ups are respected); each is answered with a random option (a random set of answers, or
one exclusive option, for multiple choice), and left unanswered with a small probability so
that partial diagnostics are timed too. A few overrides are added where the result allows.

Target: median and p95 <= 2 ms each, for restitution and for the plan.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time

from _common import QUESTIONS, Row, check, finish, info, median, parser, percentile

TARGET_MS = 2.0


def random_answers(ref, rng: random.Random, unanswered: float) -> dict:
    from diag_tui.engine.answers import applicable_questions

    answers: dict = {}
    decided: set[str] = set()
    while True:
        pending = [q for q in applicable_questions(ref, answers) if q.id not in decided]
        if not pending:
            return answers
        question = pending[0]
        decided.add(question.id)
        if rng.random() < unanswered:
            continue
        if question.kind == "multiple":
            plain = [o.id for o in question.options if not o.alone]
            exclusive = [o.id for o in question.options if o.alone]
            if exclusive and rng.random() < 0.2:
                answers[question.id] = (rng.choice(exclusive),)
            else:
                picked = set(rng.sample(plain, rng.randint(1, len(plain))))
                answers[question.id] = tuple(o for o in plain if o in picked)
        else:
            answers[question.id] = rng.choice(question.options).id


def main() -> int:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--sets", type=int, default=2000, help="random answer sets (default 2000, at least 1000)")
    p.add_argument("--seed", type=int, default=20261124)
    args = p.parse_args()
    sets = 200 if args.quick else max(1000, args.sets)

    from diag_tui.bank.loading import load_referential
    from diag_tui.engine.plan import build_plan
    from diag_tui.engine.restitution import restitution
    from diag_tui.storage.diagnostic import Override

    ref = load_referential(QUESTIONS)
    rng = random.Random(args.seed)
    cases = []
    for i in range(sets):
        answers = random_answers(ref, rng, unanswered=0.0 if i % 2 == 0 else 0.1)
        overrides = ()
        if i % 5 == 0:  # an aidant swap, when there is something to swap
            first = restitution(ref, answers)
            if first.priorities and first.others:
                overrides = (Override(replaced=first.priorities[-1].measure.id, by=first.others[0].measure.id, reason="bench"),)
        cases.append((answers, overrides))

    start = dt.date(2026, 11, 24)
    for answers, overrides in cases[:50]:  # warm-up (cached properties of the referential, code paths)
        build_plan(restitution(ref, answers, overrides).priorities, start)

    t_rest, t_plan, t_both, n_prio = [], [], [], []
    clock = time.perf_counter
    for answers, overrides in cases:
        t0 = clock()
        result = restitution(ref, answers, overrides)
        t1 = clock()
        build_plan(result.priorities, start)
        t2 = clock()
        t_rest.append((t1 - t0) * 1000)
        t_plan.append((t2 - t1) * 1000)
        t_both.append((t2 - t0) * 1000)
        n_prio.append(len(result.priorities))

    complete = sum(1 for a, _ in cases if len(a) and restitution(ref, a).progress.complete)
    rows: list[Row] = [
        info("answer sets", f"{sets} ({complete} complete, {sets - complete} partial; "
                            f"{sum(1 for _, o in cases if o)} with an override; bank of {len(ref.questions)} questions)"),
        info("priorities per set (min / median / max)", f"{min(n_prio)} / {median(n_prio):g} / {max(n_prio)}"),
        check("restitution, median", median(t_rest), TARGET_MS, "{:.3f} ms"),
        check("restitution, p95", percentile(t_rest, 95), TARGET_MS, "{:.3f} ms"),
        check("plan, median", median(t_plan), TARGET_MS, "{:.3f} ms"),
        check("plan, p95", percentile(t_plan, 95), TARGET_MS, "{:.3f} ms"),
        info("restitution + plan, median / p95", f"{median(t_both):.3f} / {percentile(t_both, 95):.3f} ms"),
    ]
    return finish("Engine, in-process (not user-facing): restitution + plan per answer set (real bank)", rows, args.json)


if __name__ == "__main__":
    sys.exit(main())
