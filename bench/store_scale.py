"""Store at scale: `Store.listing()[0]` and the `diag-tui list` code path with 1 000 and 10 000
saved diagnostics.

A pool of realistic diagnostics is made with the application's own code (Session: random
answers walked in diagnostic order, about half completed with follow-up state, notes, flags,
a journal entry, overrides) and saved by `Store.save`. The store is then filled up to N by
copying those files with a new id (the `id` line and the file name change; the format allows
it: nothing else in a file depends on its id); every file is dated three days back, as in a
real store. The first `Store.listing` (no index yet: every file parsed, then `.index.json` written)
is timed apart, and checked to give exactly what `read_diagnostic` gives file by file. The
timed figures come from a fresh child process per size (nothing else in its heap), page cache
warm, median of several runs; `diag-tui list` is also timed as a whole process.

Targets: listing and the list path <= 150 ms for 1 000 diagnostics; growth no worse than
linear (time per diagnostic at 10 000 <= 1.2 x time per diagnostic at 1 000).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import QUESTIONS, ROOT, Row, check, child_env, finish, info, median, parser
from engine import random_answers

TARGET_1000_MS = 150.0
TARGET_GROWTH = 1.2
POOL = 40


def make_pool(ref, store, rng: random.Random) -> list[Path]:
    from diag_tui.session import Session

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


def fill(folder: Path, pool: list[Path], n: int) -> None:
    """Copies of the pool files up to `n` files in `folder`, each with its own id."""
    texts = [p.read_text(encoding="utf-8") for p in pool]
    id_line = re.compile(r'^id = "([^"]+)"$', re.M)
    folder.mkdir(parents=True, exist_ok=True)
    for p in pool:
        shutil.copy2(p, folder / p.name)
    for i in range(len(pool), n):
        text = texts[i % len(texts)]
        old = id_line.search(text).group(1)
        new = f"{old[:60]}-c{i:05d}"
        target = folder / f"{new}.toml"
        target.write_text(id_line.sub(f'id = "{new}"', text, count=1), encoding="utf-8")
        os.chmod(target, 0o600)
    past = time.time_ns() - 3 * 86400 * 10**9  # saved days ago, like a real store
    for target in folder.glob("*.toml"):
        os.utime(target, ns=(past, past))


def time_runs(fn, runs: int) -> tuple[float, float]:
    """(first run, median of the following runs), in ms."""
    times = []
    for _ in range(runs + 1):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return times[0], median(times[1:])


def child(home: Path, runs: int) -> int:
    """Run in a fresh process per store size, so that nothing else lives in the heap (the
    garbage collector's full passes walk every live object): time listing and the list path."""
    from diag_tui import cli
    from diag_tui.storage.store import Store

    store = Store(home)
    sink = io.StringIO()

    def list_path() -> None:
        sink.seek(0)
        sink.truncate()
        with contextlib.redirect_stdout(sink):
            cli.main(["list"])

    load_first, load_ms = time_runs(store.listing, runs)
    list_first, list_ms = time_runs(list_path, runs)
    print(json.dumps({"load": load_ms, "load_first": load_first, "list": list_ms, "list_first": list_first,
                      "lines": sink.getvalue().count("\n")}))
    return 0


def main() -> int:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--sizes", default="1000,10000", help="store sizes (default 1000,10000)")
    p.add_argument("--child", nargs=2, metavar=("HOME", "RUNS"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        return child(Path(args.child[0]), int(args.child[1]))
    sizes = [int(s) for s in args.sizes.split(",")]
    runs_for = {n: (2 if args.quick else (7 if n <= 2000 else 5)) for n in sizes}

    from diag_tui.bank.referential import load_referential
    from diag_tui.storage.store import Store, read_diagnostic

    ref = load_referential(QUESTIONS)
    work = Path(tempfile.mkdtemp(prefix="diag-bench-store-"))
    results: dict[int, dict[str, float]] = {}
    try:
        pool_store = Store(work / "pool")
        pool = make_pool(ref, pool_store, random.Random(7))
        sizes_kib = sum(p.stat().st_size for p in pool) / len(pool) / 1024
        for n in sizes:
            home = work / f"home-{n}"
            fill(home / "diagnostics", pool, n)
            store = Store(home)
            t0 = time.perf_counter()
            report = store.listing()[0]  # no index yet: every file parsed, then the index written
            cold = (time.perf_counter() - t0) * 1000
            assert len(report.diagnostics) == n and not report.problems, (len(report.diagnostics), report.problems[:3])
            by_file = {d.id: d for d in (read_diagnostic(p) for p in sorted(store.folder.glob("*.toml")))}
            assert {d.id: d for d in store.listing()[0].diagnostics} == by_file, "the index gives other diagnostics than the files"

            del report, by_file
            out = subprocess.run([sys.executable, __file__, "--child", str(home), str(runs_for[n])], env=child_env(home),
                                 cwd=ROOT, capture_output=True, text=True, check=True).stdout
            timings = json.loads(out)
            assert timings["lines"] == n, f"list printed {timings['lines']} lines for {n} diagnostics"
            load_ms, list_ms = timings["load"], timings["list"]

            walls = []
            for _ in range(1 if args.quick else 3):
                t0 = time.perf_counter()
                subprocess.run([sys.executable, "-m", "diag_tui", "list"], env=child_env(home), cwd=ROOT,
                               stdout=subprocess.DEVNULL, check=True)
                walls.append((time.perf_counter() - t0) * 1000)
            results[n] = {"load": load_ms, "cold": cold, "list": list_ms, "process": median(walls)}
            print(f"{n}: listing {load_ms:.0f} ms, list {list_ms:.0f} ms, process {median(walls):.0f} ms", file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    rows: list[Row] = [info("saved file size (pool average)", f"{sizes_kib:.1f} KiB")]
    for n in sizes:
        r = results[n]
        label = f"{n:,}".replace(",", " ")
        if n == 1000:
            rows.append(check(f"Store.listing()[0], {label} diagnostics", r["load"], TARGET_1000_MS, "{:.0f} ms"))
            rows.append(check(f"list code path (cli.main(['list'])), {label}", r["list"], TARGET_1000_MS, "{:.0f} ms"))
        else:
            rows.append(info(f"Store.listing()[0], {label} diagnostics", f"{r['load']:.0f} ms"))
            rows.append(info(f"list code path (cli.main(['list'])), {label}", f"{r['list']:.0f} ms"))
        rows.append(info(f"listing per diagnostic, {label}", f"{r['load'] / n * 1000:.0f} µs"))
        rows.append(info(f"listing with no index (every file parsed), {label}", f"{r['cold']:.0f} ms"))
        rows.append(info(f"`python -m diag_tui list` process, {label}", f"{r['process']:.0f} ms"))
    if len(sizes) >= 2:
        small, big = sizes[0], sizes[-1]
        for key, name in (("load", "listing"), ("list", "list path")):
            growth = (results[big][key] / big) / (results[small][key] / small)
            rows.append(check(f"{name} growth: per-item time {big} / {small}", growth, TARGET_GROWTH, "{:.2f}",
                              f"≤ {TARGET_GROWTH} (linear)"))
    return finish("Store at scale (page cache warm)", rows, args.json)


if __name__ == "__main__":
    sys.exit(main())
