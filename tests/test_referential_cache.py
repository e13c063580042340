"""The checked copy of the question bank: used only when it matches the files exactly, never
a reason for a start to fail, and what keeps pydantic off the way to the first question."""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import pytest

from diag_tui.bank import cache as referential_cache
from diag_tui.bank.loading import load_referential
from diag_tui.bank.referential import default_questions_dir
from diag_tui.bank.schema import Rules, parse, plain
from diag_tui.errors import ValidationErrors
from tests.conftest import FIXTURE_BANK


@pytest.fixture
def folder(tmp_path) -> Path:
    copy = tmp_path / "bank"
    shutil.copytree(FIXTURE_BANK, copy)
    return copy


def cached_files(cache: Path) -> list[Path]:
    return sorted(cache.glob("referentiel-*.pickle"))


def test_the_copy_gives_the_same_bank_as_the_files(tmp_path):
    cache = tmp_path / "cache"
    checked = load_referential(default_questions_dir())
    first = referential_cache.load(default_questions_dir(), cache, tmp_path / "data")  # checks, then writes the copy
    assert len(cached_files(cache)) == 1
    again = referential_cache.load(default_questions_dir(), cache, tmp_path / "data")  # reads the copy
    assert again == first == checked
    assert again.content_hash == checked.content_hash
    # same types all the way down, not lists or strings where the files give tuples and enums
    assert plain(again, keep_none=True) == plain(checked, keep_none=True)
    option = again.questions[0].options[0]
    assert type(option.kind) is type(checked.questions[0].options[0].kind)
    assert isinstance(again.questions[0].options, tuple) and isinstance(option.follow_ups, tuple)


def test_a_changed_file_is_checked_again(folder, tmp_path):
    cache = tmp_path / "cache"
    referential_cache.load(folder, cache, tmp_path / "data")
    path = folder / "bank.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('version = "test-1"', 'version = "test-2"'), encoding="utf-8")
    assert referential_cache.load(folder, cache, tmp_path / "data").version == "test-2"
    assert len(cached_files(cache)) == 1, "the copy of the earlier files is removed"


def test_a_broken_bank_is_reported_at_every_start_and_never_cached(folder, tmp_path):
    cache = tmp_path / "cache"
    path = folder / "bank.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("weight = 3", "weight = 9", 1), encoding="utf-8")
    for _ in range(2):
        with pytest.raises(ValidationErrors) as info:
            referential_cache.load(folder, cache, tmp_path / "data")
        assert any("weight" in p for p in info.value.problems)
    assert cached_files(cache) == []


@pytest.mark.parametrize(
    "damage",
    [b"", b"\x80\x05", pickle.dumps([]), pickle.dumps({"content_hash": "x"}), b"\xff\xfe"],
    ids=["empty", "truncated", "list", "not-a-bank", "garbage"],
)
def test_a_damaged_copy_is_ignored_and_replaced(folder, tmp_path, damage):
    cache = tmp_path / "cache"
    good = referential_cache.load(folder, cache, tmp_path / "data")
    [copy] = cached_files(cache)
    copy.write_bytes(damage)
    assert referential_cache.load(folder, cache, tmp_path / "data") == good
    assert pickle.loads(copy.read_bytes()).content_hash == good.content_hash  # written again


def test_an_unwritable_cache_only_costs_a_check(folder, tmp_path):
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the folder should be", encoding="utf-8")
    assert referential_cache.load(folder, blocker, tmp_path / "data") == load_referential(folder)
    assert blocker.read_text(encoding="utf-8") == "a file where the folder should be"


@dataclass(frozen=True)
class Misspelt:
    name: Annotated[str, Rules(min_lenght=1)]


def test_rules_with_a_typo_fail_loudly():
    with pytest.raises(TypeError, match="min_lenght"):
        parse(Misspelt, {"name": "x"})


def test_starting_a_diagnostic_never_loads_pydantic(tmp_path):
    """What `diag-tui start` runs before the first question is painted, in a fresh process:
    with the bank's copy in the cache (any start but the very first), pydantic stays unloaded."""
    code = (
        "import sys\n"
        "from diag_tui.cli import _load\n"
        "from diag_tui.session import Session\n"
        "from diag_tui.storage.store import Store\n"
        "from diag_tui.ui import app, question\n"
        "ref = _load(None)\n"
        "session = Session.start(ref, Store(), 'Atelier Dupuis')\n"
        "unused = sorted({'tomllib', 'json', 'sqlite3', 'diag_tui.storage.index'} & set(sys.modules))\n"
        "session.answer(ref.questions[0].id, ref.questions[0].options[0].id)\n"
        "session.close()\n"
        "print(sorted({m.split('.')[0] for m in sys.modules if m.startswith(('pydantic', 'annotated_types'))}), unused)\n"
    )
    env = {**os.environ, "DIAG_TUI_HOME": str(tmp_path / "home")}
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert first.returncode == 0, first.stderr
    assert "pydantic" in first.stdout  # the very first start checks the bank
    second = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert second.returncode == 0, second.stderr
    # nor the TOML and JSON parsers, nor SQLite and the listing index, before the first question
    # (8 ms): the new file is neither read back nor put in the index (the next listing does it),
    # and the bank's copy is no JSON
    assert second.stdout.strip() == "[] []"
    assert len(list((tmp_path / "home" / "diagnostics").glob("*.toml"))) == 2
