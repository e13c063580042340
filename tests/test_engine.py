"""The engine on the fixture bank: indicators, findings, the six priorities, overrides."""

from __future__ import annotations

import itertools

import pytest

from diag_tui.engine.answers import applicable_questions, progress
from diag_tui.engine.restitution import Kind, restitution
from diag_tui.storage.diagnostic import Override
from tests.conftest import WORST, assert_breadth


def ids(items):
    return [p.measure.id for p in items]


def indicator(result, theme):
    return next(i for i in result.indicators if i.theme.id == theme)


def test_worst_answers_give_the_documented_priorities(bank):
    result = restitution(bank, WORST)
    # Band 1 (impact × likelihood = 9): m_backup (weight 3) then m_mfa (weight 2).
    # Band 3 (4): m_patch_pc (weight 2), then m_patch_server and m_av (weight 1, rank 6 before 9).
    # Band 5 (2): m_aware. Band 6 (1): m_charter, never a priority. The first pass keeps backup,
    # mfa, patch_pc and m_av; patch_server waits (family), m_aware waits (two beta measures
    # already). Two places remain: the findings set aside fill them in order.
    assert ids(result.priorities) == ["m_backup", "m_mfa", "m_patch_pc", "m_patch_server", "m_av", "m_aware"]
    assert [f.measure.id for f in result.others] == ["m_charter"]
    assert [p.finding.band for p in result.priorities] == [1, 1, 3, 3, 3, 5]
    assert not result.provisional


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


def test_unknown_on_critical_question_is_a_verification_not_a_fix(bank):
    result = restitution(bank, {"alpha_backup": "nsp"})
    assert ids(result.priorities) == ["m_check_backup"]
    finding = result.priorities[0].finding
    assert finding.kind is Kind.VERIFICATION
    assert "Je ne sais pas" in finding.reason and "les sauvegardes" in finding.reason
    # the question's check is a step of the measure, between the measure's first step and the rest
    assert finding.detail.how == ("Prendre rendez-vous", "Sauvegardes : faites-vous montrer ce qui est sauvegardé.",
                                  "Noter les réponses", "Répondre de nouveau")
    assert result.unknown_questions == ()  # listed in the verification, not again as a question to ask


def test_critical_unknowns_gather_into_one_verification_listing_each_point(bank):
    result = restitution(bank, {"alpha_backup": "nsp", "beta_patch": "nsp"})
    assert ids(result.priorities) == ["m_check_backup"]
    finding = result.priorities[0].finding
    assert finding.sources == ("alpha_backup", "beta_patch")
    assert [q.id for q in finding.points] == ["alpha_backup", "beta_patch"]
    assert finding.detail.how[1:3] == ("Sauvegardes : faites-vous montrer ce qui est sauvegardé.",
                                       "Mises à jour : faites vérifier chaque poste.")
    assert "les sauvegardes et les mises à jour" in finding.reason and "2 questions" in finding.reason
    # as urgent as its most urgent point: m_backup is band 1
    assert finding.band == 1


def test_known_gaps_of_the_band_come_before_the_verification_and_refinements_after(bank):
    answers = {"ctx_server": "yes", "alpha_backup": "nsp", "alpha_mfa": "no", "beta_server": "no"}
    assert ids(restitution(bank, answers).priorities) == ["m_mfa", "m_check_backup", "m_patch_server"]
    # a band-1 refinement counts as band 2: after the verification of a band-1 point...
    answers = {"ctx_server": "yes", "alpha_backup": "nsp", "alpha_mfa": "partial"}
    assert ids(restitution(bank, answers).priorities) == ["m_check_backup", "m_mfa"]
    # ...and after a gap of band 2, although its rank comes first (m_mfa 3, m_offline 4)
    answers = {"alpha_backup": "auto", "alpha_offline": "no", "alpha_mfa": "partial"}
    result = restitution(bank, answers)
    assert ids(result.priorities) == ["m_offline", "m_mfa"]
    assert [p.finding.band for p in result.priorities] == [2, 2]


def test_an_unknown_ranks_by_its_kind_not_as_a_score_of_0_or_3(bank):
    """« Je ne sais pas » is no answer scored 0 (the practice missing) nor 3: within its band the
    verification comes after every known gap, whatever the gap's score, and before every
    refinement, whatever the refinement's score."""
    # Band 3 (impact × likelihood = 4): gaps m_patch_server (score 0) and m_av (score 1), and the
    # verification of beta_patch, whose worst answer would trigger m_patch_pc (4). Ranked as a
    # score of 0, the unknown would come before m_av.
    answers = {"ctx_server": "yes", "beta_server": "no", "beta_patch": "nsp", "beta_multi": ("b",)}
    result = restitution(bank, answers)
    assert ids(result.priorities) == ["m_patch_server", "m_av", "m_check_backup"]
    assert [(p.finding.band, p.finding.score) for p in result.priorities] == [(3, 0), (3, 1), (3, None)]
    # Band 2: the refinement m_backup (score 1.5, band 1 + 1) and the verification of
    # alpha_offline (m_offline, 6). Ranked as a score of 3, the unknown would come after it.
    result = restitution(bank, {"alpha_backup": "manual", "alpha_offline": "nsp"})
    assert ids(result.priorities) == ["m_check_backup", "m_backup"]
    assert [(p.finding.band, p.finding.kind) for p in result.priorities] == [(2, Kind.VERIFICATION), (2, Kind.REFINEMENT)]


def test_unknown_on_ordinary_question_is_listed_not_recommended(bank):
    result = restitution(bank, {"alpha_mfa": "nsp"})
    assert result.priorities == ()
    assert [q.id for q in result.unknown_questions] == ["alpha_mfa"]
    assert "1 « Je ne sais pas »" in result.basis


def test_fewer_than_six_says_so(bank):
    complete = {**WORST, "beta_server": "yes", "beta_multi": ("a",), "beta_aware": "yes"}
    result = restitution(bank, complete)
    assert ids(result.priorities) == ["m_backup", "m_mfa", "m_patch_pc"]
    assert result.priorities_note.startswith("3 mesures prioritaires seulement")
    unknown = restitution(bank, {**complete, "alpha_mfa": "nsp"})
    assert "1 réponse « Je ne sais pas » reste à éclaircir" in unknown.priorities_note


def test_a_measure_of_the_last_band_is_never_a_priority(bank):
    complete = {**WORST, "alpha_backup": "auto", "alpha_offline": "yes", "alpha_mfa": "full", "beta_server": "yes",
                "beta_patch": "yes", "beta_multi": ("c",), "beta_aware": "yes"}
    result = restitution(bank, complete)
    assert result.priorities == ()
    assert [f.measure.id for f in result.others] == ["m_charter"]  # impact × likelihood = 1
    assert result.priorities_note == (
        "Aucune mesure prioritaire : les points relevés sont des mesures d'organisation sans urgence, listées plus bas."
    )
    result = restitution(bank, {**complete, "beta_aware": "no"})
    assert ids(result.priorities) == ["m_aware"]
    assert result.priorities_note.startswith("1 mesure prioritaire seulement : les autres points relevés")


def test_unfinished_diagnostic_never_says_the_other_answers_are_fine(bank):
    result = restitution(bank, {"alpha_backup": "none"})
    assert ids(result.priorities) == ["m_backup"]
    note = result.priorities_note
    assert "provisoire" in note and "6 questions restent sans réponse" in note
    assert "ne révèlent pas" not in note


def test_family_keeps_one_and_the_other_returns_when_room(bank):
    only_server = restitution(bank, {"ctx_server": "yes", "beta_server": "no", "beta_patch": "yes"})
    assert ids(only_server.priorities) == ["m_patch_server"]
    both = restitution(bank, {"ctx_server": "yes", "beta_server": "no", "beta_patch": "no"})
    assert ids(both.priorities) == ["m_patch_pc", "m_patch_server"]  # room left: the family's second joins
    assert_breadth(both)


def test_same_measure_from_two_answers_kept_once_at_the_worst(bank):
    # m_aware is triggered by beta_multi "d" (level 2, score 0.5) and by beta_aware.
    partial = restitution(bank, {"beta_multi": ("d",), "beta_aware": "partial"})
    assert partial.priorities == ()  # a refinement of a band-5 measure is no priority
    [finding] = partial.others
    assert (finding.question.id, finding.level, finding.score) == ("beta_multi", 2, 0.5)
    assert finding.sources == ("beta_multi", "beta_aware")
    gap = restitution(bank, {"beta_multi": ("d",), "beta_aware": "no"})
    [finding] = [p.finding for p in gap.priorities]
    assert gap.others == ()
    assert (finding.question.id, finding.level, finding.kind) == ("beta_aware", 1, Kind.GAP)
    assert finding.title == bank.measure("m_aware").level1.title


def test_level_two_for_part_way_answers(bank):
    result = restitution(bank, {"alpha_backup": "manual"})
    assert result.priorities[0].finding.level == 2
    assert result.priorities[0].finding.kind is Kind.REFINEMENT
    assert result.priorities[0].finding.title == bank.measure("m_backup").level2.title


def test_reason_quotes_the_answer_and_question_without_rank_or_score(bank):
    reason = restitution(bank, {"alpha_mfa": "partial"}).priorities[0].finding.reason
    assert reason.startswith("Vous avez répondu « En partie » à la question « Double authentification ? » Une partie")
    assert "étape suivante" in reason
    for bank_word in ("Urgence", "score", "rang", "/3"):
        assert bank_word not in reason


def test_context_raises_a_measure_and_says_why(bank):
    answers = {"beta_patch": "partial", "beta_aware": "no"}
    with_provider = restitution(bank, {**answers, "ctx_server": "yes"})
    assert ids(with_provider.priorities) == ["m_patch_pc", "m_aware"]
    alone = restitution(bank, {**answers, "ctx_server": "alone"})
    # no provider: m_aware's impact goes from 1 to 2 (band 5 -> 3, as m_patch_pc), and its score 0 beats 1
    assert ids(alone.priorities) == ["m_aware", "m_patch_pc"]
    aware = alone.priorities[0].finding
    assert (aware.impact, aware.likelihood, aware.band) == (2, 2, 3)
    assert aware.reason.endswith("Sans prestataire, personne d'autre ne le fera.")
    assert "Sans prestataire" not in with_provider.priorities[1].finding.reason


def test_context_chooses_wording_and_owner(bank):
    provider = restitution(bank, {"ctx_server": "yes", "alpha_mfa": "no"}).priorities[0].finding
    assert provider.detail.how[0] == "Demandez à votre prestataire de l'activer"
    assert provider.owner == "prestataire informatique"
    alone = restitution(bank, {"ctx_server": "alone", "alpha_mfa": "no"}).priorities[0].finding
    assert alone.detail.how[0] == "Activez-la vous-même"
    assert alone.owner == "dirigeant"
    assert alone.title == provider.title  # a variant replaces only what it declares


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
    """The parts add up to the scored questions that apply: 1 + 1 + 1 + 3 = 6."""
    answers = {"ctx_server": "yes", "alpha_backup": "none", "alpha_mfa": "nsp", "beta_server": "na"}
    assert restitution(bank, answers).basis == (
        "calculé sur 1 réponse sur 6 : 1 « Je ne sais pas », 1 « Non applicable », 3 questions sans réponse"
    )
    del answers["ctx_server"]  # a context question is not scored: said apart
    assert restitution(bank, answers).basis.endswith(" ; 1 question de contexte sans réponse")


def test_override_swaps_a_priority_and_keeps_the_reason(bank):
    override = Override(replaced="m_aware", by="m_charter", reason="La charte est exigée par le client.")
    result = restitution(bank, WORST, [override])
    assert ids(result.priorities)[-1] == "m_charter"
    assert result.priorities[-1].override == override
    assert [f.measure.id for f in result.others] == ["m_aware"]
    assert result.ignored_overrides == ()


def test_stale_override_is_reported_not_applied(bank):
    override = Override(replaced="m_aware", by="m_charter", reason="r")
    result = restitution(bank, {**WORST, "beta_multi": ("b",)}, [override])
    assert "m_charter" not in ids(result.priorities)
    assert len(result.ignored_overrides) == 1
    assert "m_charter" in result.ignored_overrides[0][1]


@pytest.mark.parametrize("reason", ["", "   ", "\t\n"])
def test_override_without_a_written_reason_is_not_applied(bank, reason):
    result = restitution(bank, WORST, [Override(replaced="m_aware", by="m_charter", reason=reason)])
    assert ids(result.priorities)[-1] == "m_aware"
    assert [why for _, why in result.ignored_overrides] == ["la raison du remplacement est vide"]


def test_every_subset_of_answers_gives_at_most_six_with_breadth(bank):
    # (independence from the answers' order: test_properties.test_same_answers_same_result)
    keys = list(WORST)
    for r in range(len(keys) + 1):
        for subset in itertools.combinations(keys, r):
            result = restitution(bank, {k: WORST[k] for k in subset})
            assert len(result.priorities) <= 6
            assert_breadth(result)


def test_an_exclusive_answer_cannot_be_ticked_with_others(tmp_path):
    import shutil

    from diag_tui.bank.loading import load_referential
    from diag_tui.engine.answers import answer_problems
    from tests.conftest import FIXTURE_BANK

    folder = tmp_path / "bank"
    shutil.copytree(FIXTURE_BANK, folder)
    path = folder / "bank.toml"
    text = path.read_text(encoding="utf-8").replace('id = "c"\nlabel = "C"', 'id = "c"\nlabel = "Aucun"\nexclusive = true')
    path.write_text(text, encoding="utf-8")
    ref = load_referential(folder)
    assert answer_problems(ref, {"beta_multi": ["c"]}) == []
    [problem] = answer_problems(ref, {"beta_multi": ["a", "c"]})
    assert "beta_multi" in problem and "« c » ne peut pas être combinée" in problem


def test_context_moves_a_value_one_step_and_raising_wins_over_lowering(bank):
    from dataclasses import replace

    from diag_tui.bank.referential import ContextRule

    rules = (
        ContextRule(when="a", impact=1, because="A relève l'impact."),
        ContextRule(when="b", impact=1, because="B relève aussi l'impact."),
        ContextRule(when="c", likelihood=-1, because="C abaisse la vraisemblance."),
        ContextRule(when="d", likelihood=1, because="D relève la vraisemblance."),
    )
    m = replace(bank.measure("m_patch_pc"), context=rules)  # impact 2, likelihood 2
    assert m.urgency() == (2, 2, ())
    assert m.urgency({"a", "b"}) == (3, 2, ("A relève l'impact.", "B relève aussi l'impact."))  # one step only
    assert m.urgency({"c"}) == (2, 1, ("C abaisse la vraisemblance.",))
    # a reason to raise wins, and the overruled reason is not said to the organisation
    assert m.urgency({"c", "d"}) == (2, 3, ("D relève la vraisemblance.",))
