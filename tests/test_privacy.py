"""Nothing leaves the machine."""

from __future__ import annotations

import ast
import socket
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parent.parent / "src" / "diag_tui"
NETWORK_MODULES = {"socket", "ssl", "http", "urllib", "requests", "httpx", "aiohttp", "ftplib", "smtplib", "webbrowser"}


def test_sockets_are_blocked_in_tests():
    with pytest.raises(AssertionError, match="network access"):
        socket.create_connection(("example.org", 80))
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s, pytest.raises(AssertionError, match="network access"):
        s.connect(("127.0.0.1", 9))


def test_no_module_imports_network_libraries():
    offenders = []
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in NETWORK_MODULES]
    assert offenders == []


def test_default_exports_are_private_whatever_the_umask(bank, tmp_path):
    import os
    import stat

    from diag_tui.session import Session
    from diag_tui.storage.store import Store

    store = Store(tmp_path / "home")
    session = Session.start(bank, store, "Atelier")
    old = os.umask(0o000)
    try:
        path = session.export("html")
    finally:
        os.umask(old)
        session.close()
    assert path.parent == store.root / "exports"
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
