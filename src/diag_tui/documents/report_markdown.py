"""The restitution as a Markdown document for the organisation, built from the follow-up document
(`exports.diagnostic_document` or `followup.followup_document`), so it shows the follow-up state too."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from diag_tui.documents.followup_file import NOT_ASSESSED
from diag_tui.bank.referential import Referential
from diag_tui.typography import french

STATUS_LABELS = {"a_faire": "à faire", "en_cours": "en cours", "fait": "fait", "abandonne": "abandonnée"}
MODE_LABELS = {"accompagne": "Diagnostic accompagné", "autodiagnostic": "Autodiagnostic"}


_ENTITY = re.compile(r"&(?=#?\w+;)")  # a bare & ("Martin & fils") is text already


def user_text(text: str) -> str:
    """A name or note as Markdown that shows it and does nothing else: no HTML (a viewer or
    pandoc would run `<script>`), no link (`[x](javascript:…)`), its own line breaks kept."""
    text = _ENTITY.sub("&amp;", text).replace("<", "&lt;").replace(">", "&gt;").replace("](", "]\\(")
    return text.replace("\n", "  \n")


def date_fr(value: Any) -> str:
    if isinstance(value, dt.datetime):
        value = value.date()
    return value.strftime("%d/%m/%Y") if isinstance(value, dt.date) else str(value)


def indicator_text(value: Any) -> str:
    if value is None or value == NOT_ASSESSED:
        return NOT_ASSESSED
    return f"{value:.1f} / 3".replace(".", ",")


def checkpoint_text(c: dict[str, Any], user: Callable[[str], str] = str) -> str:
    """`user` makes the notes safe for the format (`user_text` for Markdown)."""
    done = "fait" if c["done"] else "à venir"
    return f"M+{c['month']} le {date_fr(c['date'])} ({done})" + (f" : {user(c['notes'])}" if c["notes"] else "")


def month_lines(document: dict[str, Any]) -> list[tuple[int, str]]:
    """(month, "1. Title ; 2. Title") for each month that has measures in progress."""
    lines = []
    for month in range(1, 7):
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


def theme_titles(ref: Referential) -> dict[str, str]:
    return {t.id: t.title for t in ref.themes}


def markdown_report(ref: Referential, document: dict[str, Any]) -> str:
    meta = document["diagnostic"]
    titles = theme_titles(ref)
    out = [f"# Diagnostic cyber : {user_text(meta['organisation'])}", ""]
    line = MODE_LABELS.get(meta.get("mode", ""), "Diagnostic")
    if meta.get("aidant"):
        line += f" mené avec {user_text(meta['aidant'])}"
    if meta.get("created"):
        line += f", commencé le {date_fr(meta['created'])}"
    out += [line + ".", "", f"Référentiel {meta['referential_version']}, résultat {meta['basis']}.", ""]
    if meta.get("provisional"):
        out += ["> **Résultat provisoire** : des questions restent sans réponse.", ""]

    out += ["## Indicateurs par thème", "", "| Thème | Indicateur (0 à 3) |", "|---|---|"]
    out += [f"| {titles.get(k, k)} | {indicator_text(v)} |" for k, v in document["indicators"].items()]
    out.append("")

    out += ["## Les mesures prioritaires", ""]
    if meta.get("note"):
        out += [meta["note"], ""]
    for m in document["measures"]:
        out += [
            f"### {m['rank']}. {m['title']}",
            "",
            f"*{m['theme']} · effort {m['effort']} · coût {m['cost']} · {m['owner']} · "
            f"mois {m['month']}, à terminer le {date_fr(m['due'])} · état : {STATUS_LABELS.get(m['status'], m['status'])}*",
            "",
            f"**Pourquoi pour vous** : {m['reason']}",
            "",
        ]
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

    if document["measures"]:
        out += ["## Plan sur six mois", "", f"Début du plan : {date_fr(meta['plan_start'])}.", ""]
        out += [f"- **Mois {month}** : {names}" for month, names in month_lines(document)]
        out += ["", "Points d'étape :", ""]
        out += [f"- {checkpoint_text(c, user_text)}" for c in document["checkpoints"]]
        out.append("")

    for title, items in list_sections(document):
        out += [f"## {title}", ""] + [f"- {item}" for item in items] + [""]
    for notice in document.get("notices", []):
        out += [f"## À savoir : {notice['title']}", "", notice["text"] + (f" {notice['url']}" if notice.get("url") else ""), ""]

    gestures, complaint, numbers, contacts = sheet_lines(document, user_text)
    out += ["## En cas d'attaque", "", "Fiche à imprimer et à garder près du téléphone, hors des ordinateurs.", ""]
    if gestures:
        out += ["**Premiers gestes**", ""] + [f"{n}. {g}" for n, g in enumerate(gestures, start=1)] + [""]
    if complaint:
        out += [f"**Plainte** : {complaint}", ""]
    out += ["**Vos contacts**", ""] + [f"- {line}" for line in numbers] + [""]
    if contacts:
        out += ["**Services publics**", ""] + [f"- {line}" for line in contacts] + [""]
    if ref.incidents:
        out += ["## Que faire, situation par situation", ""]
        for incident in ref.incidents:
            out += [f"### {incident.title}", ""] + [f"{n}. {s}" for n, s in enumerate(incident.steps, start=1)]
            out += ["", f"*{incident.source}*", ""]
    if document.get("contacts"):
        out += ["## Ressources utiles", ""]
        for c in document["contacts"]:
            phone = f", {c['phone']}" if c.get("phone") else ""
            out.append(f"- **{c['title']}** ({c['when']}) : {c['url']}{phone}")
        out.append("")
    return french("\n".join(out))
