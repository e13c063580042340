"""The plan as a calendar (.ics): every output is parsed back with icalendar, as a calendar
application would read it."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from icalendar import Calendar
from icalendar.parser import unescape_backslash

from diag_tui.bank.loading import load_referential
from diag_tui.cli import FORMATS, main
from diag_tui.documents.calendar import ics_calendar
from diag_tui.documents.exports import render
from diag_tui.documents.followup_file import diagnostic_document
from diag_tui.storage.diagnostic import CheckpointProgress, MeasureProgress, Organisation, new_diagnostic, with_answer
from diag_tui.storage.store import Store
from tests.conftest import FIXTURE_BANK, WORST

ANSWERS = Path(__file__).parent / "fixtures" / "answers" / "worst.toml"


def report(*extra: str) -> list[str]:
    return ["report", "--referentiel", str(FIXTURE_BANK), "--answers", str(ANSWERS), *extra]


@pytest.fixture
def saved(bank, store):
    diag = new_diagnostic(bank, Organisation(name="Boulangerie Martin"), aidant="Claire", at=dt.datetime(2026, 11, 22, 9, 30))
    for qid, value in WORST.items():
        diag = with_answer(bank, diag, qid, list(value) if isinstance(value, tuple) else value, at=dt.datetime(2026, 11, 22, 10, 0))
    return store.save(diag)


def parsed(text: str) -> Calendar:
    calendar = Calendar.from_ical(text.encode("utf-8"))
    assert isinstance(calendar, Calendar)
    return calendar


def events(text: str) -> dict[str, object]:
    """The entries by summary."""
    return {str(e["summary"]): e for e in parsed(text).walk("VEVENT")}


def test_one_entry_per_measure_due_date_and_per_checkpoint_each_with_a_reminder(bank, saved):
    document = diagnostic_document(bank, saved)
    text = render(bank, saved, "ics")
    calendar = parsed(text)
    entries = calendar.walk("VEVENT")
    assert len(entries) == len(document["measures"]) + len(document["checkpoints"]) == 6 + 3
    assert str(calendar["method"]) == "PUBLISH" and str(calendar["x-wr-calname"]) == "diag-tui · Boulangerie Martin"

    by_summary = events(text)
    for m in document["measures"]:
        event = by_summary[f"diag-tui · Mesure {m['rank']}\u00a0: {m['title']} (échéance)"]
        assert event.decoded("dtstart") == m["due"] and type(event.decoded("dtstart")) is dt.date  # the whole day
        assert event.decoded("dtend") == m["due"] + dt.timedelta(days=1)
        description = str(event["description"])
        assert f"Pour commencer\u00a0: {m['how'][0]}" in description and m["owner"] in description
        [alarm] = event.walk("VALARM")
        assert str(alarm["action"]) == "DISPLAY" and "Dans 7\u00a0jours" in str(alarm["description"])
        # 7 days before the due date, at 9:00: never a reminder at midnight
        assert dt.datetime.combine(m["due"], dt.time()) + alarm.decoded("trigger") == dt.datetime.combine(m["due"] - dt.timedelta(days=7), dt.time(9))
    for c in document["checkpoints"]:
        event = by_summary[f"diag-tui · Point d’étape M+{c['month']}"]
        assert event.decoded("dtstart") == c["date"]
        [alarm] = event.walk("VALARM")
        assert str(alarm["action"]) == "DISPLAY" and str(alarm["description"]).startswith("Demain")
        reminded = dt.datetime.combine(c["date"], dt.time()) + alarm.decoded("trigger")
        assert reminded == dt.datetime.combine(c["date"] - dt.timedelta(days=1), dt.time(9))
    # what a shared calendar must not show, and what must not block the day
    assert {str(e["class"]) for e in entries} == {"PRIVATE"} and {str(e["transp"]) for e in entries} == {"TRANSPARENT"}
    # RFC 5545: CRLF line ends, lines folded at 75 octets
    assert "\n" not in text.replace("\r\n", "")
    assert max(len(line.encode("utf-8")) for line in text.split("\r\n")) <= 75


def test_measures_done_or_abandoned_and_checkpoints_done_get_no_entry(bank, saved):
    first, second, third = (m["id"] for m in diagnostic_document(bank, saved)["measures"][:3])
    updated = dt.date(2026, 12, 20)
    followed = replace(
        saved,
        measures={
            first: MeasureProgress(status="fait", updated=updated),
            second: MeasureProgress(status="abandonne", updated=updated),
            third: MeasureProgress(status="en_cours", updated=updated),
        },
        checkpoints={"1": CheckpointProgress(done=True)},
    )
    by_summary = events(render(bank, followed, "ics"))
    assert len(by_summary) == 4 + 2
    titles = " ".join(by_summary)
    assert "Mesure 1\u00a0:" not in titles and "Mesure 2\u00a0:" not in titles and "M+1" not in titles
    in_progress = next(e for s, e in by_summary.items() if "Mesure 3\u00a0:" in s)
    assert "État au 20/12/2026\u00a0: en cours." in str(in_progress["description"])  # still reminded, state said
    # a checkpoint lists only the measures still open that are due by then
    m3 = str(by_summary["diag-tui · Point d’étape M+3"]["description"])
    assert "3. " in m3 and "1. " not in m3 and "2. " not in m3


def test_uids_are_stable_and_say_nothing_of_the_organisation(bank, saved):
    text = render(bank, saved, "ics")
    assert render(bank, saved, "ics") == text  # the same diagnostic gives the same file, byte for byte
    uids = [str(e["uid"]) for e in parsed(text).walk("VEVENT")]
    assert len(set(uids)) == len(uids) == 9
    assert not any("boulangerie" in uid.lower() or saved.id in uid for uid in uids)

    # a later export of the same diagnostic updates the same entries: same UIDs, newer revision
    later = replace(saved, measures={"m_mfa": MeasureProgress(status="en_cours", updated=dt.date(2027, 1, 5))})
    again = parsed(render(bank, later, "ics")).walk("VEVENT")
    assert [str(e["uid"]) for e in again] == uids
    assert all(e.decoded("dtstamp") == dt.datetime(2027, 1, 5, tzinfo=dt.UTC) for e in again)
    assert all(int(b["sequence"]) > int(a["sequence"]) for a, b in zip(parsed(text).walk("VEVENT"), again, strict=True))

    # another diagnostic (a follow-up diagnostic, the same organisation) has entries of its own
    other = replace(saved, id=saved.id[:-4] + "ffff")
    assert not set(uids) & {str(e["uid"]) for e in parsed(render(bank, other, "ics")).walk("VEVENT")}


HOSTILE = "Asso « L'Îlot » ; Martin, Fils & Cie\\n \\ [loi 1901]\nseconde ligne\ttab \x1b[2J\x07\r\u202efin"


def test_hostile_names_are_escaped_and_read_back(bank, saved):
    document = diagnostic_document(bank, saved)
    document["diagnostic"]["organisation"] = HOSTILE  # checked at input; a forged document is not
    text = ics_calendar(bank, document)
    raw = text.replace("\r\n", "")
    assert not [c for c in raw if (ord(c) < 0x20 and c != "\t") or 0x7F <= ord(c) <= 0x9F or c == "\u202e"]
    calendar = parsed(text)
    # what iCalendar can hold comes back exactly (no typography on a typed name: ' stays ');
    # the control characters, which it cannot hold, come back as visible signs
    expected = "Asso « L'Îlot » ; Martin, Fils & Cie\\n \\ [loi 1901]\nseconde ligne\ttab ␛[2J␇␍<U+202E>fin"
    # not known to icalendar as text, so read back escaped, as a calendar application unescapes them
    assert unescape_backslash(str(calendar["x-wr-calname"])) == unescape_backslash(str(calendar["name"])) == f"diag-tui · {expected}"
    for event in calendar.walk("VEVENT"):
        assert f"Organisation\u00a0: {expected}" in str(event["description"])
    assert len(calendar.walk("VEVENT")) == 9  # no line of the name became a property of its own


def test_a_provisional_plan_says_so_in_every_entry(bank, saved):
    document = diagnostic_document(bank, saved)
    assert not document["diagnostic"]["provisional"]
    assert "provisoire" not in ics_calendar(bank, document)
    document["diagnostic"]["provisional"] = True
    entries = parsed(ics_calendar(bank, document)).walk("VEVENT")
    assert all(str(e["description"]).endswith("Plan provisoire\u00a0: des questions restent sans réponse.") for e in entries)


def test_a_report_without_id_has_uids_from_the_organisation_and_the_plan_start(capsys):
    def uids(*extra: str) -> list[str]:
        assert main(report("--format", "ics", *extra)) == 0
        out = capsys.readouterr().out
        assert "␍" not in out  # the terminal's line ends on standard output, never a visible CR
        return [str(e["uid"]) for e in parsed(out).walk("VEVENT")]

    first = uids("--start", "2027-01-04")
    assert len(first) == 9
    assert uids("--start", "2027-01-04") == first
    assert not set(uids("--start", "2027-02-01")) & set(first)


def test_cli_export_writes_the_calendar(bank, saved, tmp_path, capsys, monkeypatch):
    assert "ics" in FORMATS  # `report` and `export` share the formats
    monkeypatch.setattr("diag_tui.cli._store_and_ref", lambda: (Store(), load_referential(FIXTURE_BANK)))
    monkeypatch.setenv("DIAG_TUI_HOME", str(tmp_path / "home"))
    out = tmp_path / "plan.ics"
    assert main(["export", saved.id, "--format", "ics", "-o", str(out)]) == 0
    assert f"Écrit : {out}" in capsys.readouterr().err
    data = out.read_bytes()
    assert data == render(bank, saved, "ics").encode("utf-8") and b"\r\n" in data
    assert (out.stat().st_mode & 0o777) == 0o600  # it names the organisation's weaknesses
    assert len(parsed(data.decode("utf-8")).walk("VEVENT")) == 9
    assert Store().export_path(saved.id, "ics").name == f"{saved.id}-agenda.ics"  # where the plan screen's `i` writes


def test_only_a_calendar_export_loads_icalendar(tmp_path):
    code = (
        "import sys\n"
        "from diag_tui import cli\n"
        f"assert cli.main({report('-o', str(tmp_path / 'out.toml'))!r}) == 0\n"
        "print('icalendar' in sys.modules)\n"
        f"assert cli.main({report('--format', 'ics', '-o', str(tmp_path / 'out.ics'))!r}) == 0\n"
        "print('icalendar' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "True"]


async def test_the_plan_screen_writes_the_calendar_with_i(bank, store):
    from diag_tui.session import Session
    from diag_tui.ui.app import DiagApp

    session = Session.start(bank, store, "Atelier Martin")
    for qid, value in WORST.items():
        session.answer(qid, list(value) if isinstance(value, tuple) else value)
    app = DiagApp(bank, store, session)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("v", "p")
        await pilot.pause()
        assert type(app.screen).__name__ == "PlanScreen"
        await pilot.press("i")
        await pilot.pause()
    path = store.root / "exports" / f"{session.diag.id}-agenda.ics"
    assert len(parsed(path.read_text(encoding="utf-8")).walk("VEVENT")) == 9
    session.close()
