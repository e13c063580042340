"""An installed wheel, used outside the repository, must find its question bank."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_ships_the_question_bank(tmp_path):
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path / "dist"), str(ROOT)],
        capture_output=True, text=True,
    )
    assert built.returncode == 0, built.stderr
    wheel = next((tmp_path / "dist").glob("diag_tui-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    shipped = sorted(n.removeprefix("diag_tui/questions/") for n in names if n.startswith("diag_tui/questions/") and n.endswith(".toml"))
    assert shipped == sorted(p.name for p in (ROOT / "questions").glob("*.toml"))

    site = tmp_path / "site"
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(site), str(wheel)],
        capture_output=True, text=True,
    )
    assert installed.returncode == 0, installed.stderr
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    code = (
        "import diag_tui, diag_tui.bank.referential as r\n"
        "ref = r.load_default()\n"
        "print(diag_tui.__file__)\n"
        "print(r.default_questions_dir())\n"
        "print(len(ref.questions))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=outside,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
    )
    assert out.returncode == 0, out.stderr
    module, folder, count = out.stdout.split("\n")[:3]
    assert module.startswith(str(site)) and folder.startswith(str(site))
    assert int(count) > 0
