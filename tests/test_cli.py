"""The headless command line: outputs, exit codes and error messages (no traceback, exit 2)."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from diag_tui import __version__
from diag_tui.cli import main
from tests.conftest import FIXTURE_BANK

ANSWERS = Path(__file__).parent / "fixtures" / "answers"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "diag_tui", *args], capture_output=True, text=True, cwd=cwd)


def report(*extra: str, answers: Path = ANSWERS / "worst.toml") -> list[str]:
    return ["report", "--referentiel", str(FIXTURE_BANK), "--answers", str(answers), *extra]


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"diag-tui {__version__}"


def test_report_toml_has_the_plan(capsys):
    assert main(report()) == 0
    doc = tomllib.loads(capsys.readouterr().out)
    measures = doc["measures"]
    assert [m["id"] for m in measures] == ["m_backup", "m_mfa", "m_patch_pc", "m_patch_server", "m_av", "m_aware"]
    assert [m["rank"] for m in measures] == [1, 2, 3, 4, 5, 6]
    # for tools, not shown to the organisation: the urgency band and the answer's score
    assert [m["band"] for m in measures] == [1, 1, 3, 3, 3, 5]
    assert [m["score"] for m in measures] == [0.0] * 6
    assert "Urgence" not in measures[0]["reason"] and "score" not in measures[0]["reason"]
    first = measures[0]
    assert first["status"] == "a_faire"
    assert first["theme"] == "Alpha"
    assert str(first["due"]) == "2027-01-22" and first["month"] == 1 and first["due_month"] == 2
    months = [m["month"] for m in measures]
    assert months == sorted(months)  # the plan reads in priority order
    assert doc["diagnostic"]["organisation"] == "Atelier Test"
    assert doc["diagnostic"]["referential_version"] == "test-1"


def test_report_is_byte_identical_twice(tmp_path):
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    assert main(report("-o", str(a))) == 0
    assert main(report("-o", str(b))) == 0
    assert a.read_bytes() == b.read_bytes()
    assert (a.stat().st_mode & 0o777) == 0o600


def test_report_markdown(capsys):
    assert main(report("--format", "markdown", "--start", "2027-01-31")) == 0
    out = capsys.readouterr().out
    assert out.startswith("# ")
    assert "Atelier Test" in out
    assert "28/02/2027" in out or "2027-02-28" in out  # month-end clamping shows in the plan


def test_start_option_overrides_the_diagnostic_date(capsys):
    assert main(report("--start", "2027-01-31")) == 0
    doc = tomllib.loads(capsys.readouterr().out)
    assert str(doc["measures"][0]["due"]) == "2027-03-31"


def test_questions_json_shape():
    out = run("questions", "--json", "--referentiel", str(FIXTURE_BANK))
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["version"] == "test-1"
    alpha = next(t for t in data["themes"] if t["id"] == "alpha")
    backup = alpha["questions"][0]
    assert backup["id"] == "alpha_backup" and backup["critical"] is True
    manual = next(o for o in backup["options"] if o["id"] == "manual")
    assert manual["score"] == 1.5 and manual["measure"] == "m_backup" and manual["level"] == 2
    assert [q["id"] for q in manual["follow_ups"]] == ["alpha_offline"]
    nsp = next(o for o in backup["options"] if o["id"] == "nsp")
    assert nsp["score"] is None
    # follow-ups are nested, not repeated at the top level
    assert "alpha_offline" not in [q["id"] for q in alpha["questions"]]
    assert {"id", "family", "rank", "title"} <= set(data["measures"][0])


BAD_INPUTS = [
    ("unknown question", "[organisation]\nname = \"X\"\n[answers]\nzzz = \"no\"\n", ["[answers] zzz", "inconnue"]),
    ("unknown option", "[organisation]\nname = \"X\"\n[answers]\nalpha_mfa = \"maybe\"\n", ["alpha_mfa", "maybe", "no, partial, full, nsp"]),
    ("wrong type", "[organisation]\nname = \"X\"\n[answers]\nalpha_mfa = 3\n", ["alpha_mfa", "entre guillemets"]),
    ("list on single", "[organisation]\nname = \"X\"\n[answers]\nalpha_mfa = [\"no\"]\n", ["alpha_mfa", "choix unique"]),
    ("malformed toml", "[organisation\nname = \"X\"\n", ["ligne 1"]),
    ("unknown override", "[organisation]\nname = \"X\"\n[[overrides]]\nreplaced = \"a\"\nby = \"m_av\"\nreason = \"r\"\n", ["overrides", "« a »"]),
    ("unknown table", "[organisation]\nname = \"X\"\n[answer]\nalpha_mfa = \"no\"\n", ["answer"]),
]


@pytest.mark.parametrize("name,content,fragments", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_answers_file_exit_2_with_a_clear_message(tmp_path, name, content, fragments):
    path = tmp_path / "answers.toml"
    path.write_text(content, encoding="utf-8")
    out = run(*report(answers=path))
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert str(path) in out.stderr
    for fragment in fragments:
        assert fragment in out.stderr, out.stderr


def test_missing_answers_file(tmp_path):
    out = run(*report(answers=tmp_path / "absent.toml"))
    assert out.returncode == 2 and "introuvable" in out.stderr and "Traceback" not in out.stderr


def test_output_into_missing_folder_is_refused(tmp_path):
    out = run(*report("-o", str(tmp_path / "nowhere" / "plan.toml")))
    assert out.returncode == 2 and "n'existe pas" in out.stderr


def test_bad_date_option():
    out = run(*report("--start", "2027-02-30"))
    assert out.returncode == 2 and "AAAA-MM-JJ" in out.stderr


def test_headless_commands_never_import_textual(tmp_path):
    code = (
        "import sys\n"
        "from diag_tui import cli\nfrom diag_tui.bank import referential\nfrom diag_tui.engine import answers, plan, restitution\n"
        "from diag_tui.documents import answers_file, followup_file, report_markdown\n"
        f"rc = cli.main({report('-o', str(tmp_path / 'out.toml'))!r})\n"
        "assert rc == 0, rc\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'textual')\n"
        "print(loaded)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("reason", ["", "   ", "\t"])
def test_an_override_without_a_written_reason_is_refused(tmp_path, capsys, reason):
    answers = tmp_path / "answers.toml"
    text = (ANSWERS / "worst.toml").read_text(encoding="utf-8")
    answers.write_text(
        text + f'\n[[overrides]]\nreplaced = "m_aware"\nby = "m_charter"\nreason = "{reason}"\n', encoding="utf-8"
    )
    assert main(report(answers=answers)) == 2
    err = capsys.readouterr().err
    assert "overrides[0].reason" in err and ("vide" in err) and "Traceback" not in err


def test_session_refuses_an_override_without_a_reason(bank, store):
    from diag_tui.errors import UserError
    from diag_tui.session import Session

    session = Session.start(bank, store, "Atelier")
    with pytest.raises(UserError, match="raison"):
        session.override("m_aware", "m_charter", "  \n ")
    assert session.diag.overrides == ()


# ---- argparse in French ---------------------------------------------------------------------------

SUBCOMMANDS = ["validate", "questions", "report", "start", "resume", "list", "export", "import", "delete"]
# argparse's own English, whatever the locale: none of it may reach the user
ENGLISH = ("usage", "show this help", "positional arguments", "optional arguments", "show program", "error:", "required",
           "invalid choice:", "choose from", "unrecognized", "expected one argument", "argument -", "argument COMMANDE")


def french_only(text: str) -> None:
    for phrase in ENGLISH:
        assert phrase not in text, f"{phrase!r} in:\n{text}"


@pytest.mark.parametrize("command", [[], *([c] for c in SUBCOMMANDS)], ids=["diag-tui", *SUBCOMMANDS])
def test_every_help_is_in_french(command, capsys):
    with pytest.raises(SystemExit) as info:
        main([*command, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"utilisation : diag-tui{' ' + command[0] if command else ''} ")
    assert "afficher cette aide et quitter" in out
    french_only(out)


MISTAKES = [
    (["report"], "il manque --answers (obligatoire)"),
    (["export", "x", "--format", "pdf"], "--format : choix invalide « pdf » (valeurs possibles : toml, markdown, html"),
    (["frob"], "COMMANDE : choix invalide « frob » (valeurs possibles : validate, questions"),
    (["list", "--zz"], "option ou argument inconnu : --zz"),
    (["report", "--answers"], "--answers : une valeur est attendue"),
    (["export"], "il manque ID (obligatoire)"),
]


@pytest.mark.parametrize("argv,said", MISTAKES, ids=[" ".join(m[0]) for m in MISTAKES])
def test_a_usage_mistake_is_said_in_french(argv, said, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("Erreur : ") and said in err and "--help" in err, err
    french_only(err.replace("--help", ""))


def test_french_argparse_leaves_gettext_as_it_was(capsys):
    import argparse
    import gettext

    with pytest.raises(SystemExit):
        main(["report"])
    assert vars(argparse)["_"] is gettext.gettext and vars(argparse)["ngettext"] is gettext.ngettext


# ---- `list` ---------------------------------------------------------------------------------------


def test_list_has_headings_and_marks_a_follow_up(bank, store, capsys, monkeypatch):
    from diag_tui.cli import listing_lines
    from diag_tui.session import Session

    monkeypatch.setattr("diag_tui.cli._store_and_ref", lambda: (store, bank))
    first = Session.start(bank, store, "Boulangerie Martin")
    first.close()
    second = Session.start(bank, store, "Boulangerie Martin", previous=first.diag)
    second.close()
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["Organisation", "Créé", "le", "Réponses", "État"]
    assert lines[1].strip() == "Identifiant · mode"
    assert len(lines) == 2 + 2 + 3  # headings, the first diagnostic, its follow-up (three lines)
    follow = lines.index(f"  {second.diag.id} · accompagné")
    assert lines[follow - 1].startswith("↳ Boulangerie Martin ") and lines[follow + 1] == f"  suivi de {first.diag.id}"
    first_line = lines.index(f"  {first.diag.id} · accompagné")
    assert lines[first_line - 1].startswith("Boulangerie Martin ")  # the two rows no longer look the same
    assert all(len(line) <= 80 for line in lines)
    # a long name is cut to keep the columns
    long = listing_lines([{"id": "x", "organisation": "A" * 120, "created": "2026-12-02T10:00:00", "answered": 0,
                           "applicable": 63, "summary": "en suivi, 2/6 mesures faites", "mode": "autodiagnostic", "previous": None}])
    assert all(len(line) <= 80 for line in long) and "A" * 25 + "…" in long[2]

    assert main(["list", "--json"]) == 0
    data = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert data[second.diag.id]["previous"] == first.diag.id and data[first.diag.id]["previous"] is None
    assert {"id", "organisation", "aidant", "mode", "created", "updated", "answered", "applicable", "status", "summary"} <= set(
        data[first.diag.id]
    )  # fields are added, never removed


class _Terminal:
    """A stderr that says it is a terminal, keeping what is written to it."""

    def __init__(self) -> None:
        self.text = ""

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.text += text
        return len(text)

    def flush(self) -> None:
        pass


def test_a_long_list_says_how_far_it_is_then_clears_the_line(bank, store, capsys, monkeypatch):
    """Many files to read again (an index lost): a progress line on the terminal, cleared before
    the listing, which is the same as without it; an error in the work is reported as usual."""
    from diag_tui.errors import UserError
    from diag_tui.session import Session

    monkeypatch.setattr("diag_tui.cli._store_and_ref", lambda: (store, bank))
    for name in ("Boulangerie Martin", "Garage Dupont", "Mairie de Saint-Éloi"):
        Session.start(bank, store, name).close()
    assert main(["list"]) == 0
    plain = capsys.readouterr().out

    store.index.discard()  # every file to read again
    monkeypatch.setattr("diag_tui.cli.LONG_LISTING", 1)
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert main(["list"]) == 0
    assert capsys.readouterr().out == plain
    assert "Mise à jour de la liste des diagnostics\u00a0: " in terminal.text and " sur 3…" in terminal.text
    assert terminal.text.endswith("\r\033[K")

    def broken(self):
        raise UserError("Le dossier des diagnostics est illisible.")

    store.index.discard()
    monkeypatch.setattr("diag_tui.storage.index.Scan.finish", broken)
    terminal.text = ""
    assert main(["list"]) == 2
    assert "Le dossier des diagnostics est illisible." in terminal.text and "Traceback" not in terminal.text


# ---- never overwriting silently ----------------------------------------------------------------

@pytest.mark.parametrize("command", ["report", "export"])
def test_output_over_an_existing_file_needs_remplacer(command, bank, store, tmp_path, capsys, monkeypatch):
    from diag_tui.session import Session

    monkeypatch.setattr("diag_tui.cli._store_and_ref", lambda: (store, bank))
    session = Session.start(bank, store, "Atelier")
    session.close()
    argv = report() if command == "report" else ["export", session.diag.id]
    (tmp_path / "sortie").mkdir()
    out = tmp_path / "sortie" / "suivi.toml"
    out.write_text("notes saisies à la main\n", encoding="utf-8")
    assert main([*argv, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{out} existe déjà" in err and "--remplacer" in err and "rien n'a été écrit" in err
    assert out.read_text(encoding="utf-8") == "notes saisies à la main\n"
    assert [p.name for p in out.parent.iterdir()] == ["suivi.toml"]  # no temporary file left either
    assert main([*argv, "-o", str(out), "--remplacer"]) == 0
    assert out.read_text(encoding="utf-8").startswith("# ")


def test_an_output_created_while_writing_is_not_replaced(tmp_path, monkeypatch):
    """The name is taken in one step (a hard link): a file that appears between the check and
    the write is left alone."""
    from diag_tui import files

    (tmp_path / "sortie").mkdir()
    out = tmp_path / "sortie" / "rapport.md"
    real = files.tempfile.mkstemp

    def meanwhile(*args, **kwargs):
        out.write_text("écrit par un autre\n", encoding="utf-8")
        return real(*args, **kwargs)

    monkeypatch.setattr(files.tempfile, "mkstemp", meanwhile)
    with pytest.raises(FileExistsError):
        files.atomic_write(out, "nouveau\n", overwrite=False)
    assert out.read_text(encoding="utf-8") == "écrit par un autre\n"
    assert [p.name for p in out.parent.iterdir()] == ["rapport.md"]


def test_each_export_from_the_app_gets_a_new_name(bank, store):
    from diag_tui.session import Session

    session = Session.start(bank, store, "Atelier")
    first = session.export("toml")
    first.write_text(first.read_text(encoding="utf-8") + "# notes de l'organisation\n", encoding="utf-8")
    second, third = session.export("toml"), session.export("toml")
    report_md = session.export("markdown")
    session.close()
    assert [p.name for p in (first, second, third)] == [f"{session.diag.id}-suivi{n}.toml" for n in ("", "-2", "-3")]
    assert first.read_text(encoding="utf-8").endswith("# notes de l'organisation\n")  # untouched
    assert report_md.name == f"{session.diag.id}-rapport.md"
    assert store.exports_of(session.diag.id) == [first, second, third, report_md]  # `delete --exports` finds them all


# ---- the report's TOML is not a follow-up file ---------------------------------------------------


def test_the_report_toml_says_it_does_not_import_and_import_says_why(tmp_path, capsys):
    out = tmp_path / "plan.toml"
    assert main(report("-o", str(out))) == 0
    text = out.read_text(encoding="utf-8")
    header = text.split("\n\n")[0]
    assert "diag-tui import" not in header and "ne s'importe pas" in header and "diag-tui export ID" in header
    assert tomllib.loads(text)["measures"]  # still TOML, for tools
    capsys.readouterr()
    assert main(["import", str(out)]) == 2
    assert "pas un plan calculé par `diag-tui report`" in capsys.readouterr().err
