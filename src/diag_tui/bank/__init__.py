"""The question bank: its model and rules, the pydantic bridge, the checked-bank cache."""
