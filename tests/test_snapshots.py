"""Snapshot tests of every screen (pytest-textual-snapshot): the states of tests/ui_states.py,
the same ones as the README pictures, at 80×24 and 100×30 where the layout matters.

A failure writes snapshot_report.html (current picture beside the accepted one). After an
intended change of the interface, look at the report, then accept the new pictures with

    .venv/bin/python -m pytest tests/test_snapshots.py --snapshot-update

and look at the SVGs that changed in tests/__snapshots__/test_snapshots/ before committing them.
"""

from __future__ import annotations

import pytest

from tests import ui_states
from tests.ui_states import SIZES

BOTH = pytest.mark.parametrize("size", list(SIZES), ids=list(SIZES))
WIDE, NARROW = "100x30", "80x24"


@pytest.fixture
def world(monkeypatch, tmp_path):
    """An empty data folder (conftest gives each test its own DIAG_TUI_HOME), a fixed clock and
    fixed ids, colours on."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # the data folder shows as ~/diag-tui-home, whatever tmp_path is
    w = ui_states.world(monkeypatch)
    assert w.store.root.is_relative_to(tmp_path), "the pictures must be made in the test's own folder"
    return w


def shot(snap_compare, scene: ui_states.Scene, size: str) -> bool:
    return snap_compare(scene.app, press=scene.press, run_before=scene.run_before, terminal_size=SIZES[size])


# ---- home --------------------------------------------------------------------------------------


@BOTH
def test_home_unfinished_highlighted(snap_compare, world, size):
    """U6: no `f` (Suivi) in the footer for a diagnostic not yet completed."""
    assert shot(snap_compare, ui_states.scene_home_unfinished(world), size)


@BOTH
def test_home_completed_highlighted(snap_compare, world, size):
    """U6: `f` (Suivi) offered for a completed diagnostic."""
    assert shot(snap_compare, ui_states.scene_home_completed(world), size)


@BOTH
def test_self_service_opening(snap_compare, world, size):
    assert shot(snap_compare, ui_states.scene_self_service_opening(world), size)


@BOTH
def test_self_service_closing(snap_compare, world, size):
    assert shot(snap_compare, ui_states.scene_self_service_closing(world), size)


def test_new_diagnostic_form(snap_compare, world):
    assert shot(snap_compare, ui_states.scene_new_diagnostic(world), WIDE)


# ---- questions ---------------------------------------------------------------------------------


@BOTH
def test_question_self_service_shows_the_help(snap_compare, world, size):
    assert shot(snap_compare, ui_states.scene_question_self_service(world), size)


def test_question_with_an_aidant(snap_compare, world):
    """No help unless asked for (the failed-save test shows this screen at 80×24)."""
    assert shot(snap_compare, ui_states.scene_question_aided(world), WIDE)


@BOTH
def test_question_failed_save(snap_compare, world, monkeypatch, size):
    """U2: « ⚠ NON enregistré », with the `error` class (bold, error colour)."""
    assert shot(snap_compare, ui_states.scene_question_unsaved(world, monkeypatch), size)


def test_overview(snap_compare, world):
    assert shot(snap_compare, ui_states.scene_overview(world), WIDE)


def test_note_dialog_refuses_a_control_character(snap_compare, world):
    assert shot(snap_compare, ui_states.scene_note_refused(world), WIDE)


# ---- results, plan, follow-up ------------------------------------------------------------------


@BOTH
def test_results(snap_compare, world, size):
    """U3: the highlighted measure has no override: no « u Annuler le remplacement »."""
    assert shot(snap_compare, ui_states.scene_results(world), size)


def test_results_detail(snap_compare, world):
    assert shot(snap_compare, ui_states.scene_results_detail(world), WIDE)


def test_results_with_an_override(snap_compare, world):
    """U3: the highlighted measure was chosen by the aidant: « u Annuler le remplacement »
    (at the narrow size, where the footer is shortest)."""
    assert shot(snap_compare, ui_states.scene_results_override(world), NARROW)


def test_attack_guide(snap_compare, world):
    assert shot(snap_compare, ui_states.scene_attack(world), WIDE)


@BOTH
def test_plan(snap_compare, world, size):
    assert shot(snap_compare, ui_states.scene_plan(world), size)


@BOTH
def test_followup_overdue_and_done(snap_compare, world, size):
    assert shot(snap_compare, ui_states.scene_followup(world), size)


def test_comparison_with_the_previous_diagnostic(snap_compare, world):
    assert shot(snap_compare, ui_states.scene_comparison(world), WIDE)
