"""Packaging: what a packager builds and what an aidant installs.

The sdist and the wheel are built as a release is, by `python -m build` (the sdist first, then
the wheel from the unpacked sdist, which proves the sdist is enough to build), with
`--no-isolation`: `build` and `hatchling` are pinned in the test extra, so building downloads
nothing. Each xdist worker that runs one of these tests builds once (about a second).

The offline test follows the README's « Installer sans cloner » path: the wheels of the
dependencies are fetched once, on a machine with network access (`pip download`, through the
package registry this machine is configured with; the test is skipped, saying so, when the
registry cannot be reached), then a fresh virtual environment installs diag-tui from that folder
alone (`--no-index --find-links`, pip's configuration files and PIP_* variables set aside, and in a
network namespace without any network where `unshare --net` is allowed), as on an aidant's laptop.
pip cannot turn the distributions installed in the test's own environment into wheels, and a venv
that sees them (`--system-site-packages`) would not be fresh: hence the one download.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from dataclasses import dataclass
from email.parser import Parser
from pathlib import Path

import pytest

import diag_tui

ROOT = Path(__file__).resolve().parent.parent
NAME = f"diag_tui-{diag_tui.__version__}"
EXAMPLE = ROOT / "examples" / "reponses-boulangerie.toml"

# What the sdist holds at its top level: what building and testing need, the pictures the README
# shows, the licence, notice and changelog; `.gitignore` and `PKG-INFO` are added by hatchling.
SDIST_TOP = {"src", "questions", "tests", "examples", "screenshots", "README.md", "CHANGELOG.md", "LICENSE", "NOTICE", "pyproject.toml"}
SDIST_ADDED = {".gitignore", "PKG-INFO"}

# pip's words when the registry cannot be reached (DNS, routing, refused, timed out, proxy).
UNREACHABLE = (
    "NewConnectionError", "ConnectTimeoutError", "ReadTimeoutError", "Max retries exceeded", "Temporary failure in name resolution",
    "Name or service not known", "Network is unreachable", "No route to host", "Connection refused", "ProxyError",
)


def referential_version() -> str:
    return tomllib.loads((ROOT / "questions" / "referentiel.toml").read_text(encoding="utf-8"))["version"]


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=300, **kwargs)


def on_disk(folder: Path) -> set[str]:
    """Files of a shipped folder, relative to the project, less what .gitignore leaves out."""
    return {
        p.relative_to(ROOT).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }


@dataclass(frozen=True)
class Dists:
    sdist: Path
    wheel: Path


@pytest.fixture(scope="module")
def dists(tmp_path_factory) -> Dists:
    out = tmp_path_factory.mktemp("dist")
    built = run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)])
    assert built.returncode == 0, built.stdout + built.stderr
    return Dists(sdist=out / f"{NAME}.tar.gz", wheel=out / f"{NAME}-py3-none-any.whl")


def test_version_has_one_place():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", diag_tui.__version__)


def test_changelog_names_the_release_and_its_referential():
    """The latest release in CHANGELOG.md is the package's version; every section says which
    referential it carries, and the topmost (« Non publié » while there is one, else the latest
    release) names the referential in questions/ now, so a bank change is noted as it happens."""
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    sections = re.split(r"^## ", text, flags=re.MULTILINE)[1:]
    assert sections, "CHANGELOG.md : aucune section « ## »"
    titles = [s.splitlines()[0] for s in sections]
    releases = [re.fullmatch(r"\[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}", t) for t in titles]
    assert all(m or t == "[Non publié]" for m, t in zip(releases, titles, strict=True)), titles
    assert "[Non publié]" not in titles[1:], "« [Non publié] » ne peut être que la première section"
    versions = [m.group(1) for m in releases if m]
    assert versions, "CHANGELOG.md : aucune version publiée"
    assert versions[0] == diag_tui.__version__, f"dernière version du journal {versions[0]}, version du paquet {diag_tui.__version__}"
    named = [re.search(r"^Référentiel : (\S+)", s, flags=re.MULTILINE) for s in sections]
    assert all(named), [t for t, m in zip(titles, named, strict=True) if not m]
    assert named[0].group(1) == referential_version(), f"« {titles[0]} » nomme le référentiel {named[0].group(1)}"
    for label in (t.split(" - ")[0] for t in titles):
        assert re.search(rf"^{re.escape(label)}: https://", text, flags=re.MULTILINE), f"lien de « {label} » manquant en fin de fichier"


def test_sdist_ships_what_building_and_testing_need(dists):
    with tarfile.open(dists.sdist) as sdist:
        names = {n.removeprefix(f"{NAME}/") for n in sdist.getnames() if n.startswith(f"{NAME}/")}
    assert {n.split("/")[0] for n in names} == SDIST_TOP | SDIST_ADDED  # nothing by accident (bench/README.md was)
    for folder in ("src", "questions", "tests", "examples", "screenshots"):
        missing = on_disk(ROOT / folder) - names
        assert not missing, f"missing from the sdist: {sorted(missing)}"
    assert {"tests/fixtures/bank/bank.toml", "screenshots/home.svg", "LICENSE"} <= names
    assert any(n.startswith("tests/__snapshots__/test_snapshots/") and n.endswith(".svg") for n in names)
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def test_wheel_holds_the_package_its_bank_and_complete_metadata(dists):
    names = set(zipfile.ZipFile(dists.wheel).namelist())
    info = f"{NAME}.dist-info"
    package = {"diag_tui/" + p.removeprefix("src/diag_tui/") for p in on_disk(ROOT / "src" / "diag_tui")}
    bank = {f"diag_tui/questions/{p.name}" for p in (ROOT / "questions").iterdir() if p.is_file()}
    record = {f"{info}/{n}" for n in ("METADATA", "WHEEL", "RECORD", "entry_points.txt", "licenses/LICENSE", "licenses/NOTICE")}
    assert names == package | bank | record

    meta = Parser().parsestr(zipfile.ZipFile(dists.wheel).read(f"{info}/METADATA").decode())
    assert meta["Version"] == diag_tui.__version__
    assert meta["License-Expression"] == "MIT" and set(meta.get_all("License-File")) == {"LICENSE", "NOTICE"}
    classifiers = set(meta.get_all("Classifier"))
    assert {
        "Environment :: Console", "Natural Language :: French", "Topic :: Security",
        "Programming Language :: Python :: 3.11", "Programming Language :: Python :: 3.12", "Programming Language :: Python :: 3.13",
    } <= classifiers
    assert not [c for c in classifiers if c.startswith("License ::")]  # the SPDX expression says it (PEP 639)
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL"))
    assert set(urls) == {"Homepage", "Source", "Changelog", "Issues"}
    assert meta["Maintainer"] and meta["Author"]
    # The package description shows the screenshots from the repository, not by a relative path.
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", meta.get_payload())
    assert pictures and all(p.startswith("https://") for p in pictures), pictures


def test_wheel_ships_the_question_bank(dists, tmp_path):
    """An installed wheel, used outside the repository, must find its question bank."""
    names = zipfile.ZipFile(dists.wheel).namelist()
    shipped = sorted(n.removeprefix("diag_tui/questions/") for n in names if n.startswith("diag_tui/questions/") and n.endswith(".toml"))
    assert shipped == sorted(p.name for p in (ROOT / "questions").glob("*.toml"))

    site = tmp_path / "site"
    installed = run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet", "--target", str(site), str(dists.wheel)])
    assert installed.returncode == 0, installed.stderr
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    code = (
        "import diag_tui, diag_tui.bank.loading as r\n"
        "ref = r.load_default()\n"
        "print(diag_tui.__file__)\n"
        "print(r.default_questions_dir())\n"
        "print(len(ref.questions))\n"
    )
    out = run([sys.executable, "-c", code], cwd=outside, env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    module, folder, count = out.stdout.split("\n")[:3]
    assert module.startswith(str(site)) and folder.startswith(str(site))
    assert int(count) > 0


def offline_env(**extra: str) -> dict[str, str]:
    """The environment of the laptop: no pip configuration (so no index, mirror or extra folder
    of wheels), nothing of the test's own environment on the import path."""
    skipped = {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_") and k not in skipped}
    return env | {"PIP_CONFIG_FILE": os.devnull} | extra


def without_network() -> list[str]:
    """A prefix that runs a command in a network namespace with no network, where allowed."""
    unshare = shutil.which("unshare")
    if unshare and sys.platform == "linux" and run([unshare, "--net", "true"]).returncode == 0:
        return [unshare, "--net"]
    return []


def test_wheel_installs_and_runs_offline_in_a_fresh_venv(dists, tmp_path):
    wheels = tmp_path / "wheels"  # the folder copied to the USB key
    fetched = run([
        sys.executable, "-m", "pip", "download", "--quiet", "--dest", str(wheels), "--only-binary=:all:",
        "--retries", "1", "--timeout", "30", str(dists.wheel),
    ])
    if fetched.returncode != 0 and any(word in fetched.stderr for word in UNREACHABLE):
        pytest.skip("registre de paquets injoignable : les wheels des dépendances n'ont pas pu être téléchargées")
    assert fetched.returncode == 0, fetched.stderr
    assert (wheels / dists.wheel.name).is_file()

    venv = tmp_path / "laptop" / "diag-tui"
    created = run([sys.executable, "-m", "venv", str(venv)], env=offline_env())
    assert created.returncode == 0, created.stderr
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    offline = without_network()
    installed = run(
        [*offline, str(bin_dir / "python"), "-m", "pip", "install", "--no-index", "--find-links", str(wheels), "diag-tui"],
        env=offline_env(),
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr

    elsewhere = tmp_path / "laptop" / "documents"
    elsewhere.mkdir()
    shutil.copy(EXAMPLE, elsewhere / EXAMPLE.name)
    env = offline_env(DIAG_TUI_HOME=str(tmp_path / "laptop" / "donnees"))

    def diag_tui_(*args: str) -> subprocess.CompletedProcess[str]:
        done = run([*offline, str(bin_dir / "diag-tui"), *args], cwd=elsewhere, env=env)
        assert done.returncode == 0, f"diag-tui {' '.join(args)}\n{done.stdout}{done.stderr}"
        return done

    # Fresh: the package comes from the venv, and the test tools are not there.
    code = "import diag_tui, importlib.util as u; print(diag_tui.__file__, u.find_spec('pytest'))"
    where = run([str(bin_dir / "python"), "-c", code], cwd=elsewhere, env=env)
    assert where.returncode == 0 and where.stdout.startswith(str(venv)) and where.stdout.split()[-1] == "None", where.stdout + where.stderr

    assert diag_tui_("--version").stdout.strip() == f"diag-tui {diag_tui.__version__}"
    validated = diag_tui_("validate").stdout
    assert f"Référentiel {referential_version()}" in validated and "Aucun problème détecté." in validated
    followup = diag_tui_("report", "--answers", EXAMPLE.name).stdout
    assert f'referential_version = "{referential_version()}"' in followup and 'organisation = "Boulangerie Martin"' in followup
    diag_tui_("report", "--answers", EXAMPLE.name, "--format", "markdown", "-o", "rapport.md")
    report = (elsewhere / "rapport.md").read_text(encoding="utf-8")
    assert "Boulangerie Martin" in report.splitlines()[0] and "## Les mesures prioritaires" in report
