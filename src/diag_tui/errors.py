"""Errors caused by the user's input: shown as one clear message, never as a traceback."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence


class UserError(Exception):
    """Bad input from the user (file, option, id). The message says what, where and how to fix it."""


class ValidationErrors(UserError):
    """Several problems found in one input; each line names the file and the key."""

    def __init__(self, title: str, problems: Sequence[str]):
        self.title = title
        self.problems = list(problems)
        super().__init__(title + "\n" + "\n".join(f"  - {p}" for p in self.problems))


# French wording for the pydantic errors users meet most; anything else falls back to pydantic's text.
_PYDANTIC_FR = {
    "missing": "champ obligatoire manquant",
    "extra_forbidden": "clé inconnue (vérifiez l'orthographe)",
    "unexpected_keyword_argument": "clé inconnue (vérifiez l'orthographe)",
    "missing_argument": "champ obligatoire manquant",
    "string_type": "doit être un texte entre guillemets",
    "string_too_short": "ne doit pas être vide",
    "too_short": "doit contenir au moins {min_length} élément(s)",
    "string_too_long": "trop long (au plus {max_length} caractères)",
    "too_long": "doit contenir au plus {max_length} élément(s)",
    "int_type": "doit être un nombre entier",
    "int_parsing": "doit être un nombre entier",
    "int_from_float": "doit être un nombre entier",
    "finite_number": "doit être un nombre fini",
    "float_type": "doit être un nombre",
    "float_parsing": "doit être un nombre",
    "bool_type": "doit valoir true ou false",
    "bool_parsing": "doit valoir true ou false",
    "date_type": "doit être une date AAAA-MM-JJ (sans guillemets)",
    "date_from_datetime_parsing": "doit être une date AAAA-MM-JJ",
    "date_from_datetime_inexact": "doit être une date AAAA-MM-JJ, sans heure",
    "datetime_parsing": "doit être une date et heure (AAAA-MM-JJTHH:MM:SS)",
    "datetime_from_date_parsing": "doit être une date et heure (AAAA-MM-JJTHH:MM:SS)",
    "date_parsing": "doit être une date AAAA-MM-JJ",
    "datetime_type": "doit être une date et heure (AAAA-MM-JJTHH:MM:SS)",
    "list_type": "doit être une liste [ … ]",
    "tuple_type": "doit être une liste [ … ]",
    "dict_type": "doit être une table",
    "model_type": "doit être une table",
    "dataclass_type": "doit être une table",
    "greater_than_equal": "doit être supérieur ou égal à {ge}",
    "greater_than": "doit être supérieur à {gt}",
    "less_than_equal": "doit être inférieur ou égal à {le}",
    "less_than": "doit être inférieur à {lt}",
    "multiple_of": "doit être un multiple de {multiple_of}",
    "literal_error": "valeur non reconnue, valeurs possibles : {expected}",
    "enum": "valeur non reconnue, valeurs possibles : {expected}",
    "string_pattern_mismatch": "format invalide (attendu : lettres minuscules, chiffres et _)",
}
# Patterns that say something else than "an id": the message for each.
DEEP_URL = r"^https://[^/\s]+/[^\s]+$"
# Characters refused in text typed by people or read from their files (see `untrusted`):
# control characters (C0, DEL, C1), which drive a terminal, and the marks that reverse or
# isolate the direction of the text or break its lines, which make it read other than it is.
INVISIBLE_IN_NOTE = r"\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
INVISIBLE = r"\t\n" + INVISIBLE_IN_NOTE  # in one-line texts (names, numbers), tab and new line too
NO_INVISIBLE = rf"^[^{INVISIBLE}]*$"
NO_INVISIBLE_IN_NOTE = rf"^[^{INVISIBLE_IN_NOTE}]*$"
# Characters that show nothing although they are not spaces (zero-width space, word joiner,
# byte order mark, soft hyphen, fillers): allowed inside a text, but a text of them only is blank.
BLANK = r"\u00ad\u034f\u115f\u1160\u180e\u200b-\u200d\u2060-\u2064\u2800\u3164\ufeff\uffa0"
LINE = rf"^[^{INVISIBLE}]*[^\s{INVISIBLE}{BLANK}][^{INVISIBLE}]*$"  # one line, something visible
_PATTERN_FR = {
    DEEP_URL: "adresse de la page promise attendue (https://site/chemin), pas la page d'accueil d'un site",
    r"^https://[^\s]+$": "adresse https:// sans espace attendue",
    NO_INVISIBLE: "caractère de contrôle, saut de ligne ou marque de sens du texte refusé ; retapez la ligne",
    LINE: "texte d'une ligne attendu, non vide, sans caractère de contrôle ni marque de sens du texte",
    NO_INVISIBLE_IN_NOTE: "caractère de contrôle ou marque de sens du texte refusé ; retapez le texte",
}


def format_location(loc: Iterable[object]) -> str:
    """('questions', 3, 'options', 1, 'score') -> 'questions[3].options[1].score'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def pydantic_problems(exc, prefix: str = "") -> list[str]:
    """Turn a pydantic ValidationError into 'key.path: message' lines, in French where known."""
    lines = []
    for err in exc.errors(include_url=False):
        ctx = dict(err.get("ctx") or {})
        template = _PATTERN_FR.get(str(ctx.get("pattern"))) or _PYDANTIC_FR.get(err["type"])
        bound = ctx.get("le", ctx.get("ge"))
        if bound is not None and re.match(r"\d{4}-\d\d-\d\d", str(bound)):  # a date out of range
            template = "date hors de la plage acceptée (années 2000 à 2099) : corrigez-la"
        if isinstance(ctx.get("expected"), str):  # pydantic lists choices as "'a', 'b' or 'c'"
            ctx["expected"] = ctx["expected"].replace(" or ", " ou ")
        if template:
            try:
                message = template.format(**ctx)
            except (KeyError, IndexError):
                message = template
        else:
            message = err["msg"]
        loc = format_location(err["loc"])
        where = ".".join(p for p in (prefix, loc) if p) or "(racine)"
        value = err.get("input")
        shown = ""
        if err["type"] not in ("missing", "missing_argument") and isinstance(value, (str, int, float, bool)):
            text = repr(value)
            shown = f" (valeur lue : {text[:60]}{'…' if len(text) > 60 else ''})"
        lines.append(f"{where} : {message}{shown}")
    return lines
