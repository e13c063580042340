"""Where diagnostics live: the saved record, the store, the listing index."""
