"""The restitution as plain lines: what the plain-text mode prints at the end (`diag-tui start
--texte`), and `export --format texte`. No markup at all, so that a screen reader or a braille
display reads each line as it is; lists are numbered or start with a dash, headings end with a
colon, and every text typed by a person is shown with its control characters made visible."""

from __future__ import annotations

from typing import Any

from diag_tui.bank.referential import Referential
from diag_tui.documents.report_markdown import (
    banners,
    checkpoint_text,
    header_sentences,
    indicator_rows,
    interview_points,
    interview_title,
    list_sections,
    measure_line,
    month_lines,
    replacement,
    sheet_lines,
    title_of,
)
from diag_tui.typography import for_terminal
from diag_tui.untrusted import shown
from diag_tui.wording import indicator_text


def user(text: str) -> str:
    return shown(text, multiline=True)


def text_report(ref: Referential, document: dict[str, Any], notes: bool = True) -> str:
    """`notes`: with the aidant's interview notes (as the other reports)."""
    meta = document["diagnostic"]
    who, basis = header_sentences(meta, user)
    out = [title_of(meta, user), *(f"{head} : {text}" for head, text in banners(ref, document)), who, basis]
    out += ["", "Indicateurs par thème, de 0 à 3 :"]
    out += [f"- {title} : {indicator_text(value)}" for title, value in indicator_rows(ref, document)]
    out += ["", *_measures(document), *_plan(document), *_interview(ref, document, notes), *_lists(document), *_sheet(document)]
    return for_terminal("\n".join(out)) + "\n"


def _measures(document: dict[str, Any]) -> list[str]:
    measures = document["measures"]
    note = document["diagnostic"].get("note")
    out = [f"Les mesures prioritaires ({len(measures)}) :"] + ([note] if note else [])
    for m in measures:
        out += ["", f"Mesure {m['rank']} : {m['title']}.", measure_line(m) + ".", f"Pourquoi pour vous : {m['reason']}"]
        replaced = replacement(document, m)
        if replaced:
            out.append(f"Choisie par l'aidant : remplace « {replaced} », parce que : {user(m['override_reason'])}")
        out += [f"Pourquoi : {m['why']}", "Comment :"]
        out += [f"{n}. {step}" for n, step in enumerate(m["how"], start=1)]
        if m.get("check"):
            out.append(f"Comment vérifier que c'est fait : {m['check']}")
        out += [f"Pour aller plus loin : {r['title']}, {r['url']}" for r in m.get("resources", [])]
        if m.get("notes"):
            out.append(f"Notes de suivi : {user(m['notes'])}")
    return [*out, ""]


def _plan(document: dict[str, Any]) -> list[str]:
    if not document["measures"]:
        return []
    out = ["Plan sur six mois :"]
    out += [f"- Mois {month} : {names}" for month, names in month_lines(document)]
    out += ["Points d'étape :"] + [f"- {checkpoint_text(c, user)}" for c in document["checkpoints"]]
    return [*out, ""]


def _interview(ref: Referential, document: dict[str, Any], notes: bool) -> list[str]:
    groups = interview_points(ref, document, notes)
    if not groups:
        return []
    title, intro, marked = interview_title(groups)
    out = [f"{title} :", intro]
    for theme, points in groups:
        out.append(f"{theme} :")
        for p in points:
            out.append(f"- {p.question}" + (" (à revoir)" if p.flagged and marked else ""))
            out.append(f"  Réponse : {p.answer}" if p.answer else "  Sans réponse")
            if p.note:
                out.append("  Note : " + user(p.note).replace("\n", "\n  "))
    return [*out, ""]


def _lists(document: dict[str, Any]) -> list[str]:
    out = []
    for title, items in list_sections(document):
        out += [f"{title} :"] + [f"- {item}" for item in items] + [""]
    for notice in document.get("notices", []):
        out += [f"À savoir : {notice['title']}", notice["text"] + (f" {notice['url']}" if notice.get("url") else ""), ""]
    return out


def _sheet(document: dict[str, Any]) -> list[str]:
    gestures, complaint, numbers, contacts = sheet_lines(document, user)
    out = ["En cas d'attaque :"]
    out += [f"{n}. {g}" for n, g in enumerate(gestures, start=1)]
    if complaint:
        out.append(f"Plainte : {complaint}")
    out += ["Vos contacts :"] + [f"- {line}" for line in numbers]
    if contacts:
        out += ["Services publics :"] + [f"- {line}" for line in contacts]
    return out
