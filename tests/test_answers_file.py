"""The answers file of `diag-tui report --answers`: an override needs a reason a reader can see.

The plan prints the reason after « Choisie par l'aidant » and the engine applies an override
only with a reason; a file whose reason is blank is refused when it is read, the key named,
rather than having the swap silently applied or silently dropped.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from diag_tui.documents.answers_file import load_answers_file
from diag_tui.errors import ValidationErrors

ANSWERS = Path(__file__).parent / "fixtures" / "answers" / "worst.toml"


def with_override(tmp_path: Path, reason: str) -> Path:
    """The worst answers, with m_charter (last band) chosen instead of the sixth priority,
    m_aware. `reason` is written as a TOML escape so that what the file holds is exact."""
    escaped = "".join(c if c.isalnum() else f"\\u{ord(c):04x}" for c in reason)
    path = tmp_path / "answers.toml"
    path.write_text(
        ANSWERS.read_text(encoding="utf-8")
        + f'\n[[overrides]]\nreplaced = "m_aware"\nby = "m_charter"\nreason = "{escaped}"\n',
        encoding="utf-8",
    )
    return path


def test_a_written_reason_is_kept(bank, tmp_path):
    loaded = load_answers_file(with_override(tmp_path, "Exigee par le client"), bank)
    assert [(o.replaced, o.by, o.reason) for o in loaded.overrides] == [("m_aware", "m_charter", "Exigee par le client")]


# A space, the no-break space French typing puts before « : », an ideographic space.
@pytest.mark.parametrize("reason", [" ", "\u00a0", "\u3000 \u00a0"], ids=["space", "no-break-space", "ideographic-space"])
def test_a_blank_reason_is_refused_with_the_key_named_in_french(bank, tmp_path, reason):
    with pytest.raises(ValidationErrors) as info:
        load_answers_file(with_override(tmp_path, reason), bank)
    [problem] = info.value.problems
    assert problem.startswith("overrides[0].reason : ") and "non vide" in problem


# A reason made only of characters that show nothing (zero width space, word joiner, byte order
# mark, soft hyphen) was once applied, and the plan read « Choisie par l'aidant : » and nothing.
@pytest.mark.parametrize("reason", ["\u200b", "\u2060", "\ufeff", "\u00ad"], ids=["zwsp", "word-joiner", "bom", "soft-hyphen"])
def test_a_reason_that_shows_nothing_is_refused(bank, tmp_path, reason):
    with pytest.raises(ValidationErrors):
        load_answers_file(with_override(tmp_path, reason), bank)


@pytest.mark.parametrize("text", ["\u200b", "\u2060 \ufeff", "\u00ad", "\u2800", "\u3164"])
def test_typed_text_that_shows_nothing_counts_as_nothing_typed(bank, store, text):
    from diag_tui.errors import UserError
    from diag_tui.session import Session

    with pytest.raises(UserError, match=r"(?i)nom"):
        Session.start(bank, store, text)
    session = Session.start(bank, store, "Atelier")
    with pytest.raises(UserError):
        session.override("m_backup", "m_mfa", text)
    assert session.diag.overrides == ()
