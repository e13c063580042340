"""Fixed states of the application, shared by the snapshot tests (tests/test_snapshots.py) and
the README pictures (screenshots/generate.py), so that both show the same screens.

Everything is deterministic: the real question bank and examples/reponses-boulangerie.toml, a
clock set by hand (`Clock`, in place of `storage.diagnostic.now` and `session.now`), diagnostic
ids drawn from a counter instead of `secrets`, and a data folder of its own (the store of
`DIAG_TUI_HOME`, set by the caller). Each `scene_*` builds its data, then returns the app and the
keys that lead to the screen to look at; `Scene.run_before` is the `run_before` of
`snap_compare` (pytest-textual-snapshot) and is what generate.py runs before its screenshot.
"""

from __future__ import annotations

import datetime as dt
import itertools
import types
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from textual.pilot import Pilot

    from diag_tui.bank.referential import Referential
    from diag_tui.storage.store import Store
    from diag_tui.ui.app import DiagApp

ROOT = Path(__file__).resolve().parents[1]
BANK = ROOT / "questions"
BAKERY_ANSWERS = ROOT / "examples" / "reponses-boulangerie.toml"

# The day the screens are looked at. The bakery's first diagnostic was made two months before,
# so that its follow-up has a measure past its due date, one done and one still to come.
TODAY = dt.datetime(2026, 11, 24, 9, 30)
INTERVIEW = dt.datetime(2026, 9, 29, 14, 0)
TOWN_HALL_STARTED = dt.datetime(2026, 11, 20, 10, 15)

SIZES = {"80x24": (80, 24), "100x30": (100, 30)}


class Patcher(Protocol):
    """pytest's `monkeypatch`, or `Patches` below outside pytest."""

    def setattr(self, target: Any, name: str, value: Any) -> None: ...


class Patches:
    """The `setattr` of pytest's monkeypatch, for screenshots/generate.py (no pytest there)."""

    def __init__(self) -> None:
        self._saved: list[tuple[Any, str, Any]] = []

    def setattr(self, target: Any, name: str, value: Any) -> None:
        self._saved.append((target, name, getattr(target, name)))
        setattr(target, name, value)

    def undo(self) -> None:
        while self._saved:
            target, name, value = self._saved.pop()
            setattr(target, name, value)


class Clock:
    """The application's clock, moved by hand while a state is built."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def now(self) -> dt.datetime:
        return self.at


@cache
def referential() -> Referential:
    """The real question bank, read once per process (a Referential is never changed)."""
    from diag_tui.bank.loading import load_referential

    return load_referential(BANK)


@dataclass
class World:
    """A data folder being filled, with the clock the application reads."""

    ref: Referential
    store: Store
    clock: Clock

    def app(self, first: str | None = None) -> DiagApp:
        """The application as `diag-tui` starts it: on the home screen, or resuming `first`."""
        from diag_tui.ui.app import DiagApp

        self.clock.at = TODAY
        return DiagApp(self.ref, self.store, first)


def world(patch: Patcher) -> World:
    """An empty data folder (the store of `DIAG_TUI_HOME`), the clock fixed at TODAY and the
    diagnostic ids numbered (…-0001, …-0002) instead of drawn at random."""
    import diag_tui.session as session_module
    import diag_tui.storage.diagnostic as diagnostic_module
    from diag_tui.storage.store import Store

    clock = Clock(TODAY)
    patch.setattr(diagnostic_module, "now", clock.now)
    patch.setattr(session_module, "now", clock.now)
    numbers = itertools.count(1)
    patch.setattr(diagnostic_module, "secrets", types.SimpleNamespace(token_hex=lambda n: f"{next(numbers):0{2 * n}x}"))
    return World(referential(), Store(), clock)


# ---- the diagnostics ------------------------------------------------------------------------


def bakery(w: World, *, override: bool = False) -> str:
    """Boulangerie Martin, interviewed with an aidant on INTERVIEW (examples/reponses-boulangerie.toml,
    every question answered), then followed up: the first measure started and now overdue, the
    second done with a note, the M+1 checkpoint done, the emergency numbers entered.
    `override`: the aidant put another measure in third place, with a reason."""
    from diag_tui.documents.answers_file import load_answers_file
    from diag_tui.session import Session
    from diag_tui.storage.diagnostic import Emergency

    example = load_answers_file(BAKERY_ANSWERS, w.ref)
    w.clock.at = INTERVIEW
    session = Session.start(w.ref, w.store, example.organisation.name, example.diagnostic.aidant)
    try:
        for qid, value in example.answers.items():
            session.answer(qid, list(value) if isinstance(value, tuple) else value)
        session.set_emergency(Emergency(
            provider="Info Services Rennes, 02 00 00 00 00",
            bank="Banque du Marché, ligne fraude 09 00 00 00 00",
        ))
        if override:
            result = session.result()
            session.override(
                result.priorities[2].measure.id,
                result.others[0].measure.id,
                "La formation aux faux messages est prévue en janvier avec la chambre des métiers.",
            )
        first, second = session.plan().items[:2]
        w.clock.at = dt.datetime(2026, 10, 14, 17, 45)
        session.set_measure(second.measure.id, status="fait",
                            notes="Sauvegarde automatique chaque soir sur un disque externe ; une copie emportée le vendredi.")
        session.set_measure(first.measure.id, status="en_cours",
                            notes="Fait pour la boîte de la boutique ; reste celle de M. Martin (téléphone à changer).")
        w.clock.at = dt.datetime(2026, 11, 2, 18, 0)
        session.set_checkpoint(1, done=True, notes="Sauvegardes en place ; double authentification à finir.")
        return session.diag.id
    finally:
        session.close()
        w.clock.at = TODAY


TOWN_HALL = {  # the context and governance of a small town hall, answered alone
    "ctx_structure": "collectivite",
    "ctx_effectif": "de_10_a_49",
    "ctx_postes": "de_10_a_49",
    "ctx_appareils_personnels": "certains",
    "ctx_donnees": ["personnelles", "mineurs"],
    "ctx_acces_distant": "occasionnel",
    "ctx_serveur": "nas",
    "ctx_site_web": "vitrine",
    "ctx_prestataire": "externe",
    "ctx_industriel": "non",
    "ctx_incident": "non",
    "gouv_referent": "oui_sans_temps",
    "gouv_inventaire": "partielle",
    "gouv_donnees": "en_partie",
    "gouv_rgpd": "partiel",
    "gouv_budget": "ponctuel",
    "gouv_assurance": "nsp",
}

GARAGE = {  # a car repair shop, only its context answered so far
    "ctx_structure": "entreprise",
    "ctx_effectif": "de_1_a_9",
    "ctx_postes": "de_1_a_9",
    "ctx_appareils_personnels": "non",
    "ctx_donnees": ["personnelles", "bancaires"],
    "ctx_acces_distant": "non",
    "ctx_serveur": "non",
    "ctx_site_web": "vitrine",
    "ctx_prestataire": "personne",
    "ctx_industriel": "non",
    "ctx_incident": "non",
}


def _unfinished(w: World, name: str, aidant: str | None, mode: str, answers: dict, at: dt.datetime) -> str:
    """A diagnostic answered up to the end of `answers`' themes (the first option where a
    question is not in `answers`), left there."""
    from diag_tui.session import Session

    w.clock.at = at
    themes = {w.ref.question(qid).theme for qid in answers}
    session = Session.start(w.ref, w.store, name, aidant, mode=mode)
    try:
        while (q := session.first_unanswered()) is not None and q.theme in themes:
            value = answers.get(q.id, q.options[0].id)
            session.answer(q.id, [value] if q.kind == "multiple" and isinstance(value, str) else value)
        return session.diag.id
    finally:
        session.close()
        w.clock.at = TODAY


def town_hall(w: World) -> str:
    """Mairie de Saint-Aubin, a self-service diagnostic (the help shows) stopped after its
    context and governance, on TOWN_HALL_STARTED."""
    return _unfinished(w, "Mairie de Saint-Aubin", None, "autodiagnostic", TOWN_HALL, TOWN_HALL_STARTED)


def garage(w: World) -> str:
    """Garage Dupuis, with an aidant, started today: its context answered, the governance next."""
    return _unfinished(w, "Garage Dupuis", "Claire Dupont", "accompagne", GARAGE, TODAY)


def bakery_follow_up(w: World, first: str) -> str:
    """The bakery's follow-up diagnostic, made today from the first one's answers: backups now
    daily with an offline copy, double authentication on some mailboxes, updates automatic."""
    from diag_tui.session import Session

    w.clock.at = TODAY
    session = Session.start(w.ref, w.store, "Boulangerie Martin", "Claire Dupont", previous=w.store.load(first))
    try:
        for qid, value in {
            "reac_sauvegardes": "quotidien",
            "reac_sauvegarde_hors_ligne": "oui",
            "acces_mfa_messagerie": "certains",
            "postes_mises_a_jour": "auto",
        }.items():
            session.answer(qid, value)
        return session.diag.id
    finally:
        session.close()


# ---- the scenes -------------------------------------------------------------------------------


@dataclass
class Scene:
    """An app, the keys that lead to the screen to look at, and what to do before them."""

    app: DiagApp
    press: tuple[str, ...] = ()
    run_before: Callable[[Pilot], Awaitable[None] | None] | None = None


async def still_cursors(pilot: Pilot) -> None:
    """Text fields stop blinking (the cursor stays shown) so that a picture does not depend on
    the moment it is taken."""
    from textual.widgets import Input, TextArea

    await pilot.pause()
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    for area in pilot.app.screen.query(TextArea):
        area.cursor_blink = False
    await pilot.pause()


def _home_data(w: World) -> None:
    bakery(w)
    town_hall(w)


def scene_home_unfinished(w: World) -> Scene:
    """Home: the town hall's unfinished diagnostic (the most recent, first) highlighted: no `f`."""
    _home_data(w)
    return Scene(w.app())


def scene_home_completed(w: World) -> Scene:
    """Home: the bakery's completed diagnostic highlighted: `f` (Suivi) is offered."""
    _home_data(w)
    return Scene(w.app(), ("down",))


def scene_new_diagnostic(w: World) -> Scene:
    """The new-diagnostic form, filled in."""

    async def fill(pilot: Pilot) -> None:
        from textual.widgets import Input

        await pilot.press("n")
        await pilot.pause()
        form = pilot.app.screen
        form.query_one("#organisation", Input).value = "Cabinet Leroy"  # quicker than a key per letter
        await pilot.press("enter")  # on to the aidant
        form.query_one("#aidant", Input).value = "Claire Dupont"
        await still_cursors(pilot)

    return Scene(w.app(), run_before=fill)


def bike_club(w: World, *, answered: bool) -> str:
    """Vélo Solidaire, an association doing the express diagnostic alone, started today: nothing
    answered yet, or every express question but the last one (the second option each time)."""
    from diag_tui.session import Session

    session = Session.start(w.ref, w.store, "Vélo Solidaire", None, mode="autodiagnostic", form="express")
    try:
        while answered and len(left := [q for q in session.questions() if not session.is_answered(q)]) > 1:
            q = left[0]
            session.answer(q.id, q.options[1].id if q.kind == "single" else [q.options[0].id])
        return session.diag.id
    finally:
        session.close()


def scene_self_service_opening(w: World) -> Scene:
    """Before the first question of a self-service diagnostic: how long, « Je ne sais pas »,
    where the answers stay, how to stop and come back."""
    return Scene(w.app(bike_club(w, answered=False)))


def scene_self_service_closing(w: World) -> Scene:
    """Right after the last answer of a self-service express diagnostic: the six, the plan,
    what to keep, how to get an aidant."""
    return Scene(w.app(bike_club(w, answered=True)), press=("1",))


def scene_question_self_service(w: World) -> Scene:
    """A question in a self-service diagnostic: « Pourquoi cette question ? » shows by default."""
    return Scene(w.app(town_hall(w)))


def scene_question_aided(w: World) -> Scene:
    """A question with an aidant: no help unless asked for (?)."""
    return Scene(w.app(garage(w)))


def scene_question_unsaved(w: World, patch: Patcher) -> Scene:
    """An answer that could not be saved (disk full): the status says « ⚠ NON enregistré » in the
    error colour, a notification says why, the question stays."""
    from diag_tui.errors import UserError

    app = w.app(garage(w))

    def full(diag):
        raise UserError("Disque plein : enregistrement impossible (No space left on device). La version précédente est intacte.")

    patch.setattr(w.store, "save", full)
    return Scene(app, ("1",))


def scene_overview(w: World) -> Scene:
    """The themes overview (t) of the town hall's diagnostic."""
    return Scene(w.app(town_hall(w)), ("t",))


def scene_results(w: World) -> Scene:
    """The bakery's results (a finished diagnostic opens on them), second measure highlighted:
    it has no override, so no `u`."""
    return Scene(w.app(bakery(w)), ("down",))


def scene_results_detail(w: World) -> Scene:
    """The first measure's « pourquoi / comment » (Entrée)."""
    return Scene(w.app(bakery(w)), ("enter",))


def scene_results_override(w: World) -> Scene:
    """The third measure chosen by the aidant in place of the computed one: `u` is offered."""
    return Scene(w.app(bakery(w, override=True)), ("down", "down"))


def scene_plan(w: World) -> Scene:
    """The six-month plan (p)."""
    return Scene(w.app(bakery(w)), ("p",))


def scene_followup(w: World) -> Scene:
    """The follow-up (f): first measure overdue, second done (highlighted, with its note)."""
    return Scene(w.app(bakery(w)), ("f", "down"))


def scene_attack(w: World) -> Scene:
    """The « Que faire en cas d'attaque » sheet (a), with the bakery's own numbers."""
    return Scene(w.app(bakery(w)), ("a",))


def scene_comparison(w: World) -> Scene:
    """The follow-up diagnostic (opens on its results) compared with the first one (c)."""
    follow_up = bakery_follow_up(w, bakery(w))
    return Scene(w.app(follow_up), ("c",))


def scene_note_refused(w: World) -> Scene:
    """A note (m) pasted with a control character: the dialog says which one and where, and keeps
    the text."""

    async def paste(pilot: Pilot) -> None:
        from textual.widgets import TextArea

        await pilot.press("m")
        await pilot.pause()
        pilot.app.screen.query_one(TextArea).text = "Demander au comptable\x7f qui garde les sauvegardes"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await still_cursors(pilot)

    return Scene(w.app(garage(w)), run_before=paste)
