"""Small French wording helpers shared by the core and the interface."""


def count(n: int, singular: str, plural: str | None = None) -> str:
    """French count: "0 réponse", "1 réponse", "2 réponses" (French singular covers 0 and 1)."""
    return f"{n} {singular if n < 2 else (plural or singular + 's')}"


def join_words(items: list[str]) -> str:
    """French enumeration: "a", "a et b", "a, b et c"."""
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + " et " + items[-1]
