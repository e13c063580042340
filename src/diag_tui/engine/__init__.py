"""Pure functions of (bank, answers): applicability and scores, restitution, plan, comparison."""
