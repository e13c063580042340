"""The restitution as a Markdown document for the organisation, built from the follow-up document
(`followup_file.diagnostic_document` or `followup_file.followup_document`), so it shows the follow-up state too."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from diag_tui.bank.referential import Referential
from diag_tui.engine.plan import MONTHS
from diag_tui.typography import french
from diag_tui.wording import MODE_LABELS, STATUS_LABELS, date_fr, indicator_text

_ENTITY = re.compile(r"&(?=#?\w+;)")  # a bare & ("Martin & fils") is text already


def user_text(text: str) -> str:
    """A name or note as Markdown that shows it and does nothing else: no HTML (a viewer or
    pandoc would run `<script>`), no link (`[x](javascript:…)`), its own line breaks kept."""
    text = _ENTITY.sub("&amp;", text).replace("<", "&lt;").replace(">", "&gt;").replace("](", "]\\(")
    return text.replace("\n", "  \n")


def checkpoint_text(c: dict[str, Any], user: Callable[[str], str] = str) -> str:
    """`user` makes the notes safe for the format (`user_text` for Markdown)."""
    done = "fait" if c["done"] else "à venir"
    return f"M+{c['month']} le {date_fr(c['date'])} ({done})" + (f" : {user(c['notes'])}" if c["notes"] else "")


def month_lines(document: dict[str, Any]) -> list[tuple[int, str]]:
    """(month, "1. Title ; 2. Title") for each month that has measures in progress."""
    lines = []
    for month in range(1, MONTHS + 1):
        names = " ; ".join(f"{m['rank']}. {m['title']}" for m in document["measures"] if m["month"] == month)
        if names:
            lines.append((month, names))
    return lines


def list_sections(document: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """The plain bulleted sections that close both reports, in order, when not empty: the other
    measures, then one list of questions per person to ask (« Je ne sais pas » answers)."""
    sections = [("Autres mesures", [f"{m['title']} ({m['theme']})" for m in document["other_measures"]])]
    whom: dict[str, list[str]] = {}
    for q in document["questions_to_ask"]:
        whom.setdefault(q.get("whom", "prestataire informatique"), []).append(q["text"])
    sections += [(f"Questions à poser : {who}", texts) for who, texts in whom.items()]
    return [(title, items) for title, items in sections if items]


NO_NUMBER = "à compléter : ______________________"


def sheet_lines(document: dict[str, Any], user: Callable[[str], str] = str) -> tuple[list[str], str, list[str], list[str]]:
    """The attack sheet as (gestures, complaint rule, own numbers, national contacts), plain
    text; `user` makes the organisation's numbers safe for the format."""
    sheet = document.get("attack_sheet") or {}
    numbers = [f"{n['who']} : {user(n['number']) or NO_NUMBER}" for n in sheet.get("numbers", [])]
    contacts = [
        f"{c['title']}{' (' + c['phone'] + ')' if c.get('phone') else ''} : {c['when']} {c['url']}"
        for c in sheet.get("contacts", [])
    ]
    return list(sheet.get("gestures", [])), sheet.get("complaint", ""), numbers, contacts


def header_sentences(meta: dict[str, Any], user: Callable[[str], str] = str) -> tuple[str, str]:
    """The two sentences under the title: who led the diagnostic and when, then what the result
    rests on; `user` makes the aidant's name safe for the format."""
    line = MODE_LABELS.get(meta.get("mode", ""), "Diagnostic")
    if meta.get("aidant"):
        line += f" mené avec {user(meta['aidant'])}"
    if meta.get("created"):
        line += f", commencé le {date_fr(meta['created'])}"
    return line + ".", f"Référentiel {meta['referential_version']}, résultat {meta['basis']}."


def indicator_rows(ref: Referential, document: dict[str, Any]) -> list[tuple[str, Any]]:
    """(theme title, indicator) for each theme, in the document's order."""
    titles = {t.id: t.title for t in ref.themes}
    return [(titles.get(k, k), v) for k, v in document["indicators"].items()]


def measure_line(m: dict[str, Any]) -> str:
    """Theme, effort, cost, owner, month, due date and state of a measure, plain text."""
    return (
        f"{m['theme']} · effort {m['effort']} · coût {m['cost']} · {m['owner']} · "
        f"mois {m['month']}, à terminer le {date_fr(m['due'])} · état : {STATUS_LABELS.get(m['status'], m['status'])}"
    )


def markdown_report(ref: Referential, document: dict[str, Any]) -> str:
    meta = document["diagnostic"]
    who, basis = header_sentences(meta, user_text)
    out = [f"# Diagnostic cyber : {user_text(meta['organisation'])}", "", who, "", basis, ""]
    if meta.get("provisional"):
        out += ["> **Résultat provisoire** : des questions restent sans réponse.", ""]
    out += ["## Indicateurs par thème", "", "| Thème | Indicateur (0 à 3) |", "|---|---|"]
    out += [f"| {title} | {indicator_text(value)} |" for title, value in indicator_rows(ref, document)]
    out += ["", *_measures(document), *_plan(document), *_closing_lists(document), *_sheet(document), *_incidents(ref), *_resources(document)]
    return french("\n".join(out))


def _measures(document: dict[str, Any]) -> list[str]:
    note = document["diagnostic"].get("note")
    out = ["## Les mesures prioritaires", ""] + ([note, ""] if note else [])
    for m in document["measures"]:
        out += [f"### {m['rank']}. {m['title']}", "", f"*{measure_line(m)}*", "", f"**Pourquoi pour vous** : {m['reason']}", ""]
        if m.get("override_reason"):
            out += [f"**Choisie par l'aidant** : {user_text(m['override_reason'])}", ""]
        out += [f"**Pourquoi** : {m['why']}", "", "**Comment** :", ""]
        out += [f"{n}. {step}" for n, step in enumerate(m["how"], start=1)]
        if m.get("check"):
            out += ["", f"**Comment vérifier que c'est fait** : {m['check']}"]
        if m.get("resources"):
            out += ["", "Pour aller plus loin : " + " ; ".join(f"[{r['title']}]({r['url']})" for r in m["resources"])]
        if m.get("notes"):
            out += ["", f"Notes de suivi : {user_text(m['notes'])}"]
        out.append("")
    return out


def _plan(document: dict[str, Any]) -> list[str]:
    if not document["measures"]:
        return []
    out = ["## Plan sur six mois", "", f"Début du plan : {date_fr(document['diagnostic']['plan_start'])}.", ""]
    out += [f"- **Mois {month}** : {names}" for month, names in month_lines(document)]
    out += ["", "Points d'étape :", ""] + [f"- {checkpoint_text(c, user_text)}" for c in document["checkpoints"]] + [""]
    return out


def _closing_lists(document: dict[str, Any]) -> list[str]:
    out = []
    for title, items in list_sections(document):
        out += [f"## {title}", ""] + [f"- {item}" for item in items] + [""]
    for notice in document.get("notices", []):
        out += [f"## À savoir : {notice['title']}", "", notice["text"] + (f" {notice['url']}" if notice.get("url") else ""), ""]
    return out


def _sheet(document: dict[str, Any]) -> list[str]:
    gestures, complaint, numbers, contacts = sheet_lines(document, user_text)
    out = ["## En cas d'attaque", "", "Fiche à imprimer et à garder près du téléphone, hors des ordinateurs.", ""]
    if gestures:
        out += ["**Premiers gestes**", ""] + [f"{n}. {g}" for n, g in enumerate(gestures, start=1)] + [""]
    if complaint:
        out += [f"**Plainte** : {complaint}", ""]
    out += ["**Vos contacts**", ""] + [f"- {line}" for line in numbers] + [""]
    if contacts:
        out += ["**Services publics**", ""] + [f"- {line}" for line in contacts] + [""]
    return out


def _incidents(ref: Referential) -> list[str]:
    out = ["## Que faire, situation par situation", ""] if ref.incidents else []
    for incident in ref.incidents:
        out += [f"### {incident.title}", ""] + [f"{n}. {s}" for n, s in enumerate(incident.steps, start=1)]
        out += ["", f"*{incident.source}*", ""]
    return out


def _resources(document: dict[str, Any]) -> list[str]:
    if not document.get("contacts"):
        return []
    out = ["## Ressources utiles", ""]
    for c in document["contacts"]:
        phone = f", {c['phone']}" if c.get("phone") else ""
        out.append(f"- **{c['title']}** ({c['when']}) : {c['url']}{phone}")
    out.append("")
    return out
