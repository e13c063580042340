"""The plan as an iCalendar file (RFC 5545, `.ics`): a calendar entry for the due date of each
measure still to do and for each checkpoint still to come, each with a reminder, that Thunderbird,
Outlook, Google Agenda and Apple Calendar import. Built from the follow-up document
(`followup_file.diagnostic_document` or `followup_file.followup_document`), like the reports.

Choices, for whoever changes them:

- Measures done or abandoned, and checkpoints done, are left out: a reminder for them would only
  be noise. A calendar never deletes on import, so an entry imported earlier stays there.
- Entries last the whole day (`DTSTART;VALUE=DATE`, and `DTEND` the next day, which some clients
  want written), are marked free (`TRANSP`) and private (`CLASS`: a shared calendar shows them as
  busy without their text, which names the organisation's weaknesses).
- Reminders: 7 days before a due date, at 9:00 (`-P6DT15H` from the day's midnight), leaving a
  working week to finish the measure or to ask for help; 1 day before a checkpoint, at 9:00
  (`-PT15H`), the time to write the state of each measure in the follow-up file before the visit.
  A reminder at midnight would be missed.
- Each entry has a UID that depends only on the diagnostic and the measure (or the checkpoint's
  month): importing a newer file updates the entries instead of doubling them. A UUID (RFC 7986
  asks for no identifying data in a UID): the diagnostic id holds the organisation's name. A
  `report` has no id: the organisation and the start of the plan stand for it.
- DTSTAMP is the latest date the document holds (plan start, diagnostic dates, last updates), never
  the clock: the same document gives the same file, byte for byte. SEQUENCE counts the days from
  2000 to that date, so a file exported later in the follow-up is a newer revision of each entry.
- Every text goes through `untrusted.shown`: iCalendar forbids control characters in a text, and
  icalendar (which escapes `\\ ; ,` and new lines, folds the lines and ends them with CRLF) lets
  them through. They become visible signs, as on a terminal. icalendar escapes only the properties
  it knows as text: the calendar's name and description are given to it as `vText`.

`icalendar` is imported with this module, which `documents.exports` imports only to write a
`.ics`: no other command pays for it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from icalendar import Alarm, Calendar, Event, vText

from diag_tui.bank.referential import Referential
from diag_tui.typography import NNBSP
from diag_tui.typography import french as fr
from diag_tui.untrusted import shown
from diag_tui.wording import STATUS_LABELS, date_fr

PRODID = "-//diag-tui//Plan de suivi//FR"
OPEN_STATUSES = ("a_faire", "en_cours")  # measures that still get an entry and a reminder
MEASURE_REMINDER = dt.timedelta(days=-6, hours=-15)  # 7 days before the due date, at 9:00
CHECKPOINT_REMINDER = dt.timedelta(hours=-15)  # the day before the checkpoint, at 9:00
_UID_NAMESPACE = uuid.UUID("5b0e8f3c-6a55-4c1e-9d7e-2f1c0a6b9d41")  # diag-tui's, for uuid5


def ics_calendar(ref: Referential, document: dict[str, Any]) -> str:
    """The document's open measures and checkpoints as an iCalendar text (CRLF line ends)."""
    del ref  # every text needed is in the document; the argument keeps the shape of the other formats
    meta = document["diagnostic"]
    organisation = meta["organisation"]
    base = _uid_base(meta)
    stamp = dt.datetime.combine(_latest_date(document), dt.time(), tzinfo=dt.UTC)
    provisional = "\n" + _say("Plan provisoire : des questions restent sans réponse.") if meta.get("provisional") else ""
    measures = [m for m in document["measures"] if m.get("status", "a_faire") in OPEN_STATUSES]
    count = len(document["measures"])

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")  # to import as entries, not as an invitation to answer
    # icalendar escapes only the properties it knows as text: vText for these (a new line in a
    # name would otherwise stop the writing, or start a property of its own)
    calendar.add("name", vText(_say("diag-tui · {o}", o=organisation)))  # RFC 7986
    calendar.add("x-wr-calname", vText(_say("diag-tui · {o}", o=organisation)))  # the same, for Google and Apple
    calendar.add("x-wr-caldesc", vText(_say("{o} : plan de cybersécurité sur six mois, échéances des mesures et points d'étape.", o=organisation)))

    for m in measures:
        steps = m.get("how") or []
        lines = [
            _say("Mesure {r} sur {n} du plan de cybersécurité, à terminer le {d}.", r=m["rank"], n=count, d=date_fr(m["due"])),
            _say("État au {d} : {s}.", d=date_fr(stamp), s=STATUS_LABELS.get(m.get("status", "a_faire"), "")),
            _say("Organisation : {o}", o=organisation),
        ]
        if steps:
            lines.append(_say("Pour commencer : {s}", s=steps[0]))
        lines.append(_say("Qui s'en charge : {w}", w=m["owner"]))
        if m.get("why"):
            lines.append(_say("Pourquoi : {w}", w=m["why"]))
        lines.append(_say("Quand c'est fait, notez-le dans diag-tui (écran Suivi) ou dans le fichier de suivi."))
        calendar.add_component(
            _event(
                uid=_uid(base, f"measure/{m['id']}"),
                stamp=stamp,
                day=m["due"],
                summary=_say("diag-tui · Mesure {r} : {t} (échéance)", r=m["rank"], t=m["title"]),
                description="\n".join(lines) + provisional,
                reminder=MEASURE_REMINDER,
                alarm=_say("Dans 7 jours : mesure {r}, « {t} », à terminer le {d}.", r=m["rank"], t=m["title"], d=date_fr(m["due"])),
            )
        )

    for c in document["checkpoints"]:
        if c.get("done"):
            continue
        due_by = [m for m in measures if m["due"] <= c["date"]]
        lines = [
            _say("Point d'étape à {k}\u00a0mois du plan de cybersécurité : où en est chaque mesure ?", k=c["month"]),
            _say("Organisation : {o}", o=organisation),
        ]
        if due_by:
            lines.append(_say("À terminer d'ici là : {items}.", items=f"{NNBSP}; ".join(f"{m['rank']}. {m['title']}" for m in due_by)))
        lines.append(_say("Avant le rendez-vous, notez l'état de chaque mesure dans le fichier de suivi (diag-tui import)."))
        calendar.add_component(
            _event(
                uid=_uid(base, f"checkpoint/{c['month']}"),
                stamp=stamp,
                day=c["date"],
                summary=_say("diag-tui · Point d'étape M+{k}", k=c["month"]),
                description="\n".join(lines) + provisional,
                reminder=CHECKPOINT_REMINDER,
                alarm=_say("Demain : point d'étape M+{k} du plan de cybersécurité. Préparez le fichier de suivi.", k=c["month"]),
            )
        )
    return calendar.to_ical().decode("utf-8")


def _event(*, uid: str, stamp: dt.datetime, day: dt.date, summary: str, description: str, reminder: dt.timedelta, alarm: str) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    # Grows with the document's latest date, as a diagnostic is followed up: the clients that
    # compare revisions take a newer file's entry over the one imported before.
    event.add("sequence", (stamp.date() - dt.date(2000, 1, 1)).days)
    event.add("dtstart", day)  # a date: VALUE=DATE, the whole day
    event.add("dtend", day + dt.timedelta(days=1))
    event.add("summary", summary)
    event.add("description", description)
    event.add("transp", "TRANSPARENT")
    event.add("class", "PRIVATE")
    bell = Alarm()
    bell.add("action", "DISPLAY")
    bell.add("description", alarm)
    bell.add("trigger", reminder)
    event.add_component(bell)
    return event


def _say(template: str, **values: Any) -> str:
    """`template` with French typography, filled with `values` as they are: the bank's texts have
    theirs already (`followup_file`), and names are kept as typed. In every piece, control
    characters become visible signs; new lines and tabs stay (icalendar escapes them)."""
    return shown(fr(template).format(**{k: str(v) for k, v in values.items()}), multiline=True)


def _uid_base(meta: dict[str, Any]) -> str:
    if meta.get("id"):
        return f"diagnostic/{meta['id']}"
    return f"report/{meta['organisation']}/{meta.get('plan_start', '')}"


def _uid(base: str, key: str) -> str:
    return f"{uuid.uuid5(_UID_NAMESPACE, f'{base}/{key}')}@diag-tui"


def _latest_date(document: dict[str, Any]) -> dt.date:
    meta = document["diagnostic"]
    dates = [meta.get(k) for k in ("plan_start", "created", "completed")] + [m.get("updated") for m in document["measures"]]
    days = [d.date() if isinstance(d, dt.datetime) else d for d in dates if isinstance(d, dt.date)]
    return max(days, default=dt.date(2000, 1, 1))
