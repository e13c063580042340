"""Regenerate screenshots/*.svg at 100×30 from the states of tests/ui_states.py.

    .venv/bin/python screenshots/generate.py

The same states, built the same way, as the snapshot tests (tests/test_snapshots.py): the real
question bank, examples/reponses-boulangerie.toml, a fixed clock and fixed ids, each picture in
a throw-away data folder of its own. A picture here is the snapshot of the same scene at 100×30,
so when the snapshots are accepted after a change of the interface, run this too.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "screenshots"
SIZE = (100, 30)

sys.path.insert(0, str(ROOT))  # tests.ui_states, from a checkout
from tests import ui_states  # noqa: E402 (after the path it needs)

PICTURES = {
    "home": ui_states.scene_home_unfinished,
    "opening": ui_states.scene_self_service_opening,  # self-service, before question 1
    "closing": ui_states.scene_self_service_closing,  # self-service, after the last answer
    "question": ui_states.scene_question_self_service,  # self-service: the help shows by default
    "overview": ui_states.scene_overview,
    "results": ui_states.scene_results,
    "results-detail": ui_states.scene_results_detail,
    "plan": ui_states.scene_plan,
    "followup": ui_states.scene_followup,
    "attack": ui_states.scene_attack,
}


def shoot(name: str, make_scene) -> None:
    # What snap_compare does (pytest-textual-snapshot calls this same function of Textual).
    from textual._doc import take_svg_screenshot

    home = tempfile.mkdtemp(prefix="diag-tui-shots-")
    os.environ["DIAG_TUI_HOME"] = str(Path(home) / "diag-tui")
    os.environ["HOME"] = home  # the data folder shows as ~/diag-tui, as on a real machine
    patches = ui_states.Patches()
    try:
        scene = make_scene(ui_states.world(patches))
        svg = take_svg_screenshot(scene.app, press=scene.press, run_before=scene.run_before, terminal_size=SIZE)
    finally:
        patches.undo()
        shutil.rmtree(home, ignore_errors=True)
    (OUT / f"{name}.svg").write_text(svg, encoding="utf-8")
    print(f"screenshots/{name}.svg")


def main() -> None:
    os.environ.pop("NO_COLOR", None)
    for name, make_scene in PICTURES.items():
        shoot(name, make_scene)


if __name__ == "__main__":
    sys.exit(main())
