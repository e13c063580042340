"""Where diag-tui keeps things on this machine: the data folder and the cache folder.

`DIAG_TUI_HOME` overrides both (tests, a USB key carried by an aidant): the data go in it and the
cache in its `cache/` subfolder."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "diag-tui"


def home() -> Path:
    """The data folder: diagnostics, exports, set-aside files."""
    override = os.environ.get("DIAG_TUI_HOME")
    if override:
        return Path(override).expanduser()
    import platformdirs  # not needed when DIAG_TUI_HOME is set

    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def cache_home() -> Path:
    """Data that can be rebuilt at any time (the checked question bank, `bank/cache.py`)."""
    override = os.environ.get("DIAG_TUI_HOME")
    if override:
        return Path(override).expanduser() / "cache"
    import platformdirs

    return platformdirs.user_cache_path(APP_NAME, appauthor=False)


def for_display(path: Path) -> str:
    """`path` as people read it: under the home folder, with « ~ » for it (shorter, and the same
    on every account)."""
    try:
        return "~/" + str(path.relative_to(Path.home()))
    except (ValueError, RuntimeError):  # elsewhere, or no home folder
        return str(path)
