"""The Textual interface: thin screens over `diag_tui.session.Session`. The core never imports this."""
