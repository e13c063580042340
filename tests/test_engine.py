"""The engine on the fixture bank: indicators, findings, the six priorities, overrides."""

from __future__ import annotations

import itertools
import random

import pytest

from diag_tui.answers import applicable_questions, progress
from diag_tui.diagnostic import Override
from diag_tui.restitution import restitution
from tests.conftest import WORST


def ids(items):
    return [p.measure.id for p in items]


def indicator(result, theme):
    return next(i for i in result.indicators if i.theme.id == theme)


def test_worst_answers_give_the_documented_priorities(bank):
    result = restitution(bank, WORST)
    # rank 1, 3, then the two rank-4 patch measures share a family: the workstation one wins on
    # weight (2 > 1), the server one goes to "others"; rank 5 tie broken by diagnostic order.
    assert ids(result.priorities) == ["m_backup", "m_mfa", "m_patch_pc", "m_charter", "m_aware", "m_av"]
    assert [f.measure.id for f in result.others] == ["m_patch_server"]
    assert not result.provisional


def test_priorities_do_not_depend_on_answer_order(bank):
    expected = ids(restitution(bank, WORST).priorities)
    items = list(WORST.items())
    for _ in range(20):
        random.shuffle(items)
        assert ids(restitution(bank, dict(items)).priorities) == expected


def test_multiple_choice_option_order_does_not_matter(bank):
    a = restitution(bank, {**WORST, "beta_multi": ("b", "c")})
    b = restitution(bank, {**WORST, "beta_multi": ("c", "b")})
    assert ids(a.priorities) == ids(b.priorities)
    assert indicator(a, "beta").value == indicator(b, "beta").value


def test_weighted_mean_per_theme(bank):
    answers = {"ctx_server": "yes", "alpha_backup": "manual", "alpha_mfa": "partial", "alpha_offline": "yes"}
    result = restitution(bank, answers)
    # (1.5*3 + 2*2 + 3*2) / (3+2+2)
    assert indicator(result, "alpha").value == pytest.approx(round(14.5 / 7, 2))
    assert indicator(result, "beta").value is None  # nothing answered: "non évalué", never 0
    assert result.provisional


def test_multiple_choice_counts_the_weakest_option(bank):
    result = restitution(bank, {"beta_multi": ("a", "b")})
    assert indicator(result, "beta").value == 1


def test_unknown_and_not_applicable_stay_out_of_the_mean(bank):
    answers = {"ctx_server": "yes", "beta_server": "na", "beta_patch": "yes", "beta_multi": ("nsp",), "beta_aware": "no"}
    beta = indicator(restitution(bank, answers), "beta")
    assert beta.value == pytest.approx(round((3 * 2 + 0 * 1) / 3, 2))
    assert (beta.applicable, beta.answered, beta.scored, beta.unknown, beta.not_applicable) == (4, 4, 2, 1, 1)


def test_no_answers_is_provisional_and_recommends_nothing(bank):
    result = restitution(bank, {})
    assert result.priorities == ()
    assert all(i.value is None for i in result.indicators)
    assert result.overall is None
    assert result.provisional
    assert "provisoire" in result.priorities_note


def test_perfect_answers_recommend_nothing(bank):
    perfect = {"ctx_server": "yes", "alpha_backup": "auto", "alpha_offline": "yes", "alpha_mfa": "full",
               "beta_server": "yes", "beta_patch": "yes", "beta_multi": ("a",), "beta_aware": "yes"}
    result = restitution(bank, perfect)
    assert result.priorities == () and result.others == ()
    assert not result.provisional
    assert result.overall == 3
    assert "Aucune mesure prioritaire" in result.priorities_note


def test_best_score_never_triggers_a_measure(bank):
    for q in bank.scored_questions:
        best = q.best_score
        for o in q.options:
            if o.score == best:
                result = restitution(bank, {q.id: o.id if q.kind == "single" else (o.id,)})
                assert all(f.question.id != q.id for f in result.priorities + tuple(result.others))


def test_unknown_on_critical_question_is_a_finding(bank):
    result = restitution(bank, {"alpha_backup": "nsp"})
    assert ids(result.priorities) == ["m_check_backup"]
    assert "Je ne sais pas" in result.priorities[0].finding.reason
    assert [q.id for q in result.unknown_questions] == ["alpha_backup"]


def test_unknown_on_ordinary_question_is_listed_not_recommended(bank):
    result = restitution(bank, {"alpha_mfa": "nsp"})
    assert result.priorities == ()
    assert [q.id for q in result.unknown_questions] == ["alpha_mfa"]
    assert "1 inconnue" in result.basis


def test_fewer_than_six_says_so(bank):
    result = restitution(bank, {**WORST, "beta_multi": ("a",), "beta_aware": "yes"})
    assert ids(result.priorities) == ["m_backup", "m_mfa", "m_patch_pc"]
    assert result.priorities_note.startswith("3 mesures prioritaires seulement")


def test_family_keeps_one_and_the_other_returns_when_room(bank):
    only_server = restitution(bank, {"ctx_server": "yes", "beta_server": "no", "beta_patch": "yes"})
    assert ids(only_server.priorities) == ["m_patch_server"]
    both = restitution(bank, {"ctx_server": "yes", "beta_server": "no", "beta_patch": "no"})
    assert ids(both.priorities) == ["m_patch_pc"]
    assert [f.measure.id for f in both.others] == ["m_patch_server"]


def test_same_measure_from_two_answers_kept_once_at_the_worst(bank):
    # m_check_backup is triggered by "nsp" on both backup questions.
    result = restitution(bank, {"alpha_backup": "manual", "alpha_offline": "nsp"})
    found = ids(result.priorities)
    assert found.count("m_backup") == 1
    assert "m_check_backup" not in found  # same family as m_backup, which ranks first
    assert [f.measure.id for f in result.others] == ["m_check_backup"]


def test_level_two_for_part_way_answers(bank):
    result = restitution(bank, {"alpha_backup": "manual"})
    assert result.priorities[0].finding.level == 2
    assert result.priorities[0].finding.title == bank.measure("m_backup").level2.title


def test_reason_names_answer_rank_and_score(bank):
    reason = restitution(bank, {"alpha_mfa": "partial"}).priorities[0].finding.reason
    option = bank.question("alpha_mfa").option("partial")
    assert option.label in reason and "score 2/3" in reason and "Urgence 3" in reason


def test_context_rule_hides_and_restores_without_touching_answers(bank):
    answers = {"ctx_server": "yes", "beta_server": "no"}
    assert "m_patch_server" in ids(restitution(bank, answers).priorities)
    answers["ctx_server"] = "no"
    hidden = restitution(bank, answers)
    assert "beta_server" not in [q.id for q in applicable_questions(bank, answers)]
    assert hidden.priorities == ()
    assert answers["beta_server"] == "no"  # the earlier answer is kept...
    answers["ctx_server"] = "yes"
    assert "m_patch_server" in ids(restitution(bank, answers).priorities)  # ...and comes back


def test_follow_up_applies_only_under_its_parent_option(bank):
    asked = lambda answers: [q.id for q in applicable_questions(bank, answers)]  # noqa: E731
    assert "alpha_offline" not in asked({})
    assert "alpha_offline" not in asked({"alpha_backup": "none"})
    assert asked({"alpha_backup": "auto"}).index("alpha_offline") == asked({"alpha_backup": "auto"}).index("alpha_backup") + 1
    # an answer to a follow-up that no longer applies is ignored, not deleted
    stale = {"alpha_backup": "none", "alpha_offline": "no"}
    assert "m_offline" not in ids(restitution(bank, stale).priorities) + [f.measure.id for f in restitution(bank, stale).others]


def test_progress_counts_applicable_questions_only(bank):
    p = progress(bank, {"ctx_server": "no"})
    # ctx_server, alpha_backup, alpha_mfa, beta_patch, beta_multi, beta_aware (beta_server hidden)
    assert (p.answered, p.applicable) == (1, 6)
    assert p.percent == 17 and not p.complete


def test_basis_sentence(bank):
    answers = {"ctx_server": "yes", "alpha_backup": "none", "alpha_mfa": "nsp"}
    assert restitution(bank, answers).basis == "calculé sur 1 réponse sur 6, 1 inconnue, 4 questions sans réponse"


def test_override_swaps_a_priority_and_keeps_the_reason(bank):
    override = Override(replaced="m_av", by="m_patch_server", reason="Le serveur est exposé.")
    result = restitution(bank, WORST, [override])
    assert ids(result.priorities)[-1] == "m_patch_server"
    assert result.priorities[-1].override == override
    assert [f.measure.id for f in result.others] == ["m_av"]
    assert result.ignored_overrides == ()


def test_stale_override_is_reported_not_applied(bank):
    override = Override(replaced="m_av", by="m_patch_server", reason="r")
    result = restitution(bank, {**WORST, "beta_server": "yes"}, [override])
    assert "m_patch_server" not in ids(result.priorities)
    assert len(result.ignored_overrides) == 1
    assert "m_patch_server" in result.ignored_overrides[0][1]


def test_every_subset_of_answers_is_deterministic(bank):
    keys = list(WORST)
    for r in range(len(keys) + 1):
        for subset in itertools.combinations(keys, r):
            answers = {k: WORST[k] for k in subset}
            first = restitution(bank, answers)
            again = restitution(bank, dict(reversed(list(answers.items()))))
            assert ids(first.priorities) == ids(again.priorities)
            assert len(first.priorities) <= 6
            families = [p.measure.family for p in first.priorities]
            assert len(families) == len(set(families))


def test_an_exclusive_answer_cannot_be_ticked_with_others(tmp_path):
    import shutil

    from diag_tui.answers import answer_problems
    from diag_tui.referential import load_referential
    from tests.conftest import FIXTURE_BANK

    folder = tmp_path / "bank"
    shutil.copytree(FIXTURE_BANK, folder)
    path = folder / "bank.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('id = "c"\nlabel = "C"', 'id = "c"\nlabel = "Aucun"\nexclusive = true'), encoding="utf-8")
    ref = load_referential(folder)
    assert answer_problems(ref, {"beta_multi": ["c"]}) == []
    [problem] = answer_problems(ref, {"beta_multi": ["a", "c"]})
    assert "beta_multi" in problem and "« c » ne peut pas être combinée" in problem
