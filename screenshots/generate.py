"""Regenerate screenshots/*.svg from scripted runs of the application at 100×30.

    .venv/bin/python screenshots/generate.py

Uses the real question bank and examples/reponses-boulangerie.toml, in a throw-away data folder,
with the clock fixed so that dates do not change from one run to the next.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "screenshots"
SIZE = (100, 30)
NOW = dt.datetime(2026, 11, 24, 9, 30)


def main() -> None:
    home = tempfile.mkdtemp(prefix="diag-tui-shots-")
    os.environ["DIAG_TUI_HOME"] = home
    os.environ.pop("NO_COLOR", None)

    import diag_tui.storage.diagnostic as diagnostic
    import diag_tui.session as session_module

    diagnostic.now = lambda: NOW  # fixed dates in the pictures
    session_module.now = lambda: NOW

    from diag_tui.documents.answers_file import load_answers_file
    from diag_tui.bank.referential import load_referential
    from diag_tui.session import Session
    from diag_tui.storage.store import Store
    from diag_tui.ui.app import DiagApp

    ref = load_referential(ROOT / "questions")
    store = Store(Path(home))
    example = load_answers_file(ROOT / "examples" / "reponses-boulangerie.toml", ref)

    bakery = Session.start(ref, store, example.organisation.name, example.diagnostic.aidant)
    for qid, value in example.answers.items():
        bakery.answer(qid, list(value) if isinstance(value, tuple) else value)
    bakery_id = bakery.diag.id
    first = bakery.plan().items
    bakery.set_measure(first[0].measure.id, status="fait", notes="Sauvegarde quotidienne sur NAS et disque externe.")
    bakery.set_measure(first[1].measure.id, status="en_cours")
    from diag_tui.storage.diagnostic import Emergency

    bakery.set_emergency(Emergency(provider="Info Services Rennes, 02 00 00 00 00", bank="Banque du Marché, ligne fraude 09 00 00 00 00"))
    bakery.close()

    ongoing = Session.start(ref, store, "Mairie de Saint-Aubin", "Karim Benali", mode="autodiagnostic")
    while (q := ongoing.first_unanswered()) is not None and q.theme in ("contexte", "gouvernance"):
        option = q.options[0].id  # the context and governance questions, answered at once
        ongoing.answer(q.id, [option] if q.kind == "multiple" else option)
    ongoing_id = ongoing.diag.id
    ongoing.close()

    async def shoot(name: str, keys: list[str], first=None) -> None:
        app = DiagApp(ref, store, first)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            for key in keys:
                await pilot.press(key)
                await pilot.pause()
            await pilot.pause(0.3)
            app.save_screenshot(str(OUT / f"{name}.svg"))
        print(f"screenshots/{name}.svg")

    async def run() -> None:
        await shoot("home", [])
        await shoot("question", [], ongoing_id)  # self-service: the help shows by default
        await shoot("overview", ["t"], ongoing_id)
        await shoot("results", ["down"], bakery_id)
        await shoot("results-detail", ["enter"], bakery_id)
        await shoot("plan", ["p"], bakery_id)
        await shoot("followup", ["f", "down"], bakery_id)
        await shoot("attack", ["a"], bakery_id)

    asyncio.run(run())


if __name__ == "__main__":
    sys.exit(main())
