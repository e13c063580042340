from __future__ import annotations

import socket
from pathlib import Path

import pytest

from diag_tui.bank.loading import load_referential
from diag_tui.bank.referential import Referential
from diag_tui.storage.store import Store

FIXTURE_BANK = Path(__file__).parent / "fixtures" / "bank"


@pytest.fixture(scope="session")
def bank() -> Referential:
    """A small referential written for the engine tests, independent of the real content."""
    return load_referential(FIXTURE_BANK)


@pytest.fixture
def store(tmp_path) -> Store:
    """An empty store in the test's own folder."""
    return Store(tmp_path / "home")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Nothing leaves the machine: any socket opened by the code under test fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted: diag-tui must work offline")

    real_connect, real_sendto = socket.socket.connect, socket.socket.sendto

    def guard(real):
        def guarded(self, *args, **kwargs):
            if self.family in (socket.AF_INET, socket.AF_INET6):
                refuse()
            return real(self, *args, **kwargs)

        return guarded

    # Internet sockets only: asyncio's event loop needs its local socketpair.
    monkeypatch.setattr(socket.socket, "connect", guard(real_connect))
    monkeypatch.setattr(socket.socket, "sendto", guard(real_sendto))
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.fixture(autouse=True)
def _private_home(tmp_path, monkeypatch):
    """Never touch the real home: every test gets its own data and config folders."""
    monkeypatch.setenv("DIAG_TUI_HOME", str(tmp_path / "diag-tui-home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))


# Worst plausible answers on the fixture bank, every question answered.
WORST = {
    "ctx_server": "yes",
    "alpha_backup": "none",
    "alpha_mfa": "no",
    "beta_server": "no",
    "beta_patch": "no",
    "beta_multi": ("b", "c"),
    "beta_aware": "no",
}


def assert_breadth(result) -> None:
    """The six hold two measures of one family, or more than two of one theme, only when no
    other finding could have taken the place: each one left out shares a family with the six or
    comes from a theme that already has two of them, or is of the last band, never a priority
    (restitution.py, step 4)."""
    from diag_tui.engine.restitution import LAST_BAND

    six = [p.finding for p in result.priorities]
    families = [f.measure.family for f in six]
    themes = [f.measure.theme for f in six]
    crowded = len(set(families)) < len(families) or any(themes.count(t) > 2 for t in themes)
    if crowded:
        for other in result.others:
            if other.band >= LAST_BAND:
                continue
            assert other.measure.family in families or themes.count(other.measure.theme) >= 2, (
                f"{other.measure.id} was left out although the six repeat a family or a theme"
            )
