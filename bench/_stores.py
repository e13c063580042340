"""Data folders holding many saved diagnostics, for the benchmarks that list them.

A pool of 40 realistic diagnostics is made with the application's own code (`Session`: random
answers walked in diagnostic order, about half completed with follow-up state, notes, flags,
a journal entry, overrides) and saved by `Store.save`. A data folder of N diagnostics holds
copies of those files with new ids (the `id` line and the file name change; nothing else in a
file depends on its id), every file dated three days back, as in a real store.

Making the pool takes a few seconds (each answer is saved with two fsyncs); it is kept in
`/tmp/diag-bench-pool/<key>/`, where the key covers what the files depend on (the bank, the
code that writes them, this file), so that later runs only copy it.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import BENCH, QUESTIONS, ROOT, child_env

POOL = 40
POOL_CACHE = Path(tempfile.gettempdir()) / "diag-bench-pool"
ORGANISATION = re.compile(r"Organisation \d+ (?:SARL|SAS|Association|Cabinet)")  # every pool name, as listed


def _pool_key() -> str:
    digest = hashlib.sha256()
    sources = [BENCH / "_stores.py", BENCH / "engine.py", *sorted(QUESTIONS.glob("*.toml")),
               *(ROOT / "src" / "diag_tui" / name for name in ("session.py", "storage/diagnostic.py", "storage/store.py"))]
    for path in sources:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def make_pool(folder: Path, rng: random.Random) -> list[Path]:
    """POOL diagnostics saved by the application's code in the data folder `folder`."""
    from engine import random_answers

    from diag_tui.bank.loading import load_referential
    from diag_tui.session import Session
    from diag_tui.storage.store import Store

    ref = load_referential(QUESTIONS)
    store = Store(folder)
    paths = []
    for i in range(POOL):
        session = Session.start(ref, store, f"Organisation {i} {rng.choice(['SARL', 'SAS', 'Association', 'Cabinet'])}",
                                rng.choice([None, "Claire", "Yanis"]), rng.choice(["accompagne", "autodiagnostic"]))
        try:
            complete = i % 2 == 0
            answers = random_answers(ref, rng, unanswered=0.0 if complete else 0.4)
            for qid, value in answers.items():
                session.answer(qid, value if isinstance(value, str) else list(value))
            if rng.random() < 0.3:
                session.set_note(next(iter(answers)), "Vérifier avec le prestataire informatique.")
                session.toggle_flag(next(iter(answers)))
            result = session.result()
            if complete and result.priorities:
                if result.others and rng.random() < 0.3:
                    session.override(result.priorities[-1].measure.id, result.others[0].measure.id, "Déjà budgété cette année.")
                for p in session.result().priorities[:3]:
                    session.set_measure(p.measure.id, rng.choice(["en_cours", "fait"]), "Commencé avec le prestataire.")
                session.set_checkpoint(1, True, "Point à un mois fait.")
                session.record("Point d'étape : deux mesures engagées.")
        finally:
            session.close()
        paths.append(store.path(session.diag.id))
    return paths


def pool_files() -> list[Path]:
    """The pool's TOML files, made once per key (in a child process: the benchmarks' own process
    stays small, see bench/_walks.py)."""
    done = POOL_CACHE / _pool_key()
    if not (done / "complete").exists():
        POOL_CACHE.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix="making-", dir=POOL_CACHE))
        try:
            subprocess.run([sys.executable, __file__, str(work)], env=child_env(), cwd=ROOT, check=True)
            shutil.rmtree(done, ignore_errors=True)
            os.replace(work / "pool", done)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return sorted(done.glob("*.toml"))


def _make_pool_in(work: Path) -> None:
    made = make_pool(work / "home", random.Random(7))
    (work / "pool").mkdir()
    for path in made:
        shutil.copy2(path, work / "pool" / path.name)
    (work / "pool" / "complete").touch()


def fill(folder: Path, n: int) -> None:
    """`n` diagnostics in the `diagnostics/` folder of the data folder `folder` (copies of the
    pool, each with its own id), dated three days back."""
    pool = pool_files()
    target_dir = folder / "diagnostics"
    target_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    os.chmod(target_dir, 0o700)
    texts = [p.read_text(encoding="utf-8") for p in pool]
    id_line = re.compile(r'^id = "([^"]+)"$', re.M)
    for i in range(n):
        text = texts[i % len(texts)]
        old = id_line.search(text).group(1)  # type: ignore[union-attr]
        new = old if i < len(texts) else f"{old[:60]}-c{i:05d}"
        target = target_dir / f"{new}.toml"
        target.write_text(id_line.sub(f'id = "{new}"', text, count=1), encoding="utf-8")
        os.chmod(target, 0o600)
    past = time.time_ns() - 3 * 86400 * 10**9  # saved days ago, like a real store
    for target in target_dir.glob("*.toml"):
        os.utime(target, ns=(past, past))


def data_folder(workdir: Path, n: int) -> Path:
    """A new data folder in `workdir` holding `n` saved diagnostics (no index, no cache yet)."""
    home = workdir / f"home-{n}"
    home.mkdir(parents=True)
    fill(home, n)
    return home


OLDER_VERSION = """
import sys
from pathlib import Path
from diag_tui.bank.loading import load_referential
from diag_tui.storage.store import Store
report, _ = Store(Path(sys.argv[1])).listing(load_referential(Path(sys.argv[2])))
assert not report.problems, report.problems
"""


def left_by_an_older_version(home: Path) -> None:
    """The data folder `home` as a diag-tui shipped with another bank leaves it, found by the new
    version on its first run: a listing index holding every row, whose summaries (progress, the
    six, how many are done) were computed with that other bank; no cache of the new bank.
    The other bank is the shipped one with another version string: its content differs, as
    after any change of a question or a measure, and so does the key of every summary."""
    forget_caches(home)
    with tempfile.TemporaryDirectory(prefix="older-bank-") as tmp:
        older = Path(tmp) / "questions"
        shutil.copytree(QUESTIONS, older)
        path = older / "referentiel.toml"
        text, n = re.subn(r'^version = "[^"]*"$', 'version = "version-precedente"', path.read_text(encoding="utf-8"),
                          count=1, flags=re.M)
        assert n == 1, "referentiel.toml: no version line"
        path.write_text(text, encoding="utf-8")
        # `load_referential` checks the bank without caching it: the new bank's copy is not there either
        subprocess.run([sys.executable, "-c", OLDER_VERSION, str(home), str(older)], env=child_env(home), cwd=ROOT,
                       check=True)


def forget_caches(home: Path) -> int:
    """Remove every file of the data folder `home` but the saved diagnostics: the listing index
    and the checked bank's cache, whatever their names or format, as after an upgrade of
    diag-tui that changes them. Returns how many files were removed."""
    removed = 0
    for path in sorted(home.rglob("*"), reverse=True):
        if path.is_file() and not (path.parent == home / "diagnostics" and path.suffix == ".toml"):
            path.unlink()
            removed += 1
    return removed


if __name__ == "__main__":  # pool_files: python _stores.py WORKDIR
    _make_pool_in(Path(sys.argv[1]))
