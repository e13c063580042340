"""diag-tui: a short cybersecurity diagnostic for small organisations, in the terminal."""

__version__ = "0.1.0"
