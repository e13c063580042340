"""Checking what comes from files against the dataclasses that describe it.

The run-time types (referential, diagnostic, overrides) are plain frozen dataclasses: creating
and copying them costs nothing, and the way to the first question never loads pydantic. pydantic
checks them when their data comes from a file (`parse`); it is imported, and each validator
built, on first use only. This saves about 100 ms and 10 MiB at start-up (see bench/README.md).

Constraints are declared with `Rules` below, which pydantic reads when it builds a validator
and which costs nothing before. Extra keys are refused: each dataclass that comes from a file
derives from `Checked`.
"""

from __future__ import annotations

import dataclasses
import enum
from functools import cache
from typing import Any, TypeVar

from diag_tui.errors import pydantic_problems

T = TypeVar("T")



class Checked:
    """Base of the dataclasses read from files: pydantic refuses keys they do not declare."""

    __pydantic_config__ = {"extra": "forbid"}


class Rules:
    """`Annotated` metadata: constraints of pydantic-core's schema for the annotated type, e.g.
    `Annotated[str, Rules(min_length=1, pattern=r"^[a-z]+$")]`, `Annotated[float, Rules(ge=0,
    le=3, multiple_of=0.5)]`, `Annotated[tuple[X, ...], Rules(min_length=2)]`."""

    def __init__(self, **constraints: Any):
        self.constraints = constraints

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        schema = handler(source)
        unknown = set(self.constraints) - _SCHEMA_KEYS.get(schema["type"], set())
        if unknown:  # a typo would otherwise be silently ignored
            raise TypeError(f"{sorted(unknown)} do not apply to {schema['type']}")
        return {**schema, **self.constraints}


_SCHEMA_KEYS = {
    "str": {"min_length", "max_length", "pattern"},
    "float": {"ge", "gt", "le", "lt", "multiple_of"},
    "int": {"ge", "gt", "le", "lt", "multiple_of"},
    "tuple": {"min_length", "max_length"},
    "list": {"min_length", "max_length"},
    "date": {"ge", "le"},
    "datetime": {"ge", "le"},
}


class SchemaError(ValueError):
    """Data that does not fit its dataclass; `problems` are 'key.path : message' lines in French."""

    def __init__(self, problems: list[str]):
        super().__init__(" ; ".join(problems))
        self.problems = problems


@cache
def _adapter(cls: type) -> Any:
    from pydantic import TypeAdapter

    return TypeAdapter(cls)


def parse(cls: type[T], data: Any, where: str = "") -> T:
    """Validate `data` (a table read from a file) into a `cls`; SchemaError says what is wrong."""
    from pydantic import ValidationError

    try:
        return _adapter(cls).validate_python(data)  # type: ignore[arg-type]  # a class is hashable; typeshed's `cache` wants Hashable
    except ValidationError as exc:
        raise SchemaError(pydantic_problems(exc, where)) from None


def parse_json(cls: type[T], text: str | bytes) -> T:
    """`parse` for JSON text: pydantic reads it about ten times faster than TOML is parsed."""
    from pydantic import ValidationError

    try:
        return _adapter(cls).validate_json(text)  # type: ignore[arg-type]  # a class is hashable; typeshed's `cache` wants Hashable
    except ValidationError as exc:
        raise SchemaError(pydantic_problems(exc)) from None


def to_json(value: Any) -> str:
    """JSON text of a dataclass, as `parse_json` reads it back."""
    return _adapter(type(value)).dump_json(value).decode("utf-8")  # type: ignore[arg-type]  # a class is hashable; typeshed's `cache` wants Hashable


def plain(value: Any, keep_none: bool = False) -> Any:
    """Dataclasses as dicts, tuples as lists, all the way down: what TOML and JSON can hold.
    None values are left out unless `keep_none` (TOML has no null)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {}
        for f in dataclasses.fields(value):
            item = getattr(value, f.name)
            if item is not None or keep_none:
                out[f.name] = plain(item, keep_none)
        return out
    if isinstance(value, (list, tuple)):
        return [plain(v, keep_none) for v in value]
    if isinstance(value, dict):
        return {k: plain(v, keep_none) for k, v in value.items() if v is not None or keep_none}
    if isinstance(value, enum.Enum):
        return value.value
    return value
