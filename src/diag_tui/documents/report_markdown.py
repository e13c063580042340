"""The restitution as a Markdown document for the organisation, built from the follow-up document
(`followup_file.diagnostic_document` or `followup_file.followup_document`), so it shows the follow-up state too."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from diag_tui.bank.referential import Referential
from diag_tui.engine.answers import normalise, progress
from diag_tui.engine.plan import MONTHS
from diag_tui.typography import NBSP, french
from diag_tui.wording import MODE_LABELS, STATUS_LABELS, count, date_fr, indicator_text

_ENTITY = re.compile(r"&(?=#?\w+;)")  # a bare & ("Martin & fils") is text already
# Inline Markdown a typed text could start: code (`), emphasis (*, and _ outside a word, where
# CommonMark reads it), strikethrough (~), a table cell's end (|); the escape character itself first.
_INLINE = re.compile(r"[\\`*~|]|(?<![^\W_])_|_(?![^\W_])")
# What opens a block at the start of a line: a heading, a list item, a setext underline or a
# thematic break, a link reference definition ("[x]: …"), a numbered item ("1." or "1)").
_LINE_START = re.compile(r"^([#+=\-\[])|^(\d+)([.)])")


def _escaped_start(m: re.Match[str]) -> str:
    return "\\" + m[1] if m[1] else m[2] + "\\" + m[3]


def user_text(text: str) -> str:
    """A name or note as Markdown that shows it and does nothing else: no HTML (a viewer or
    pandoc would run `<script>`), no link (`[x](javascript:…)`), no heading, list, table, code or
    emphasis of its own; its own line breaks kept, and blank lines too, inside one paragraph."""
    if not text.strip():
        return ""
    text = _ENTITY.sub("&amp;", text).replace("<", "&lt;").replace(">", "&gt;")
    text = _INLINE.sub(lambda m: "\\" + m.group(), text).replace("](", "]\\(")
    lines = []
    for line in text.split("\n"):
        stripped = line.lstrip(" \t")  # an indent would make a code block: kept as no-break spaces
        line = NBSP * (len(line) - len(stripped)) + _LINE_START.sub(_escaped_start, stripped)
        lines.append(line if line.strip() else NBSP)  # a blank line would end the paragraph
    return "  \n".join(lines)


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


def title_of(meta: dict[str, Any], user: Callable[[str], str] = str) -> str:
    """The report's title; an express or unfinished diagnostic's says so."""
    marks = [m for m, on in (("express", meta.get("form") == "express"), ("provisoire", meta.get("provisional"))) if on]
    return f"Diagnostic cyber : {user(meta['organisation'])}" + (f" ({', '.join(marks)})" if marks else "")


def given_answers(document: dict[str, Any]) -> dict[str, Any] | None:
    """The answers the document's results rest on: as handed over, else as they stand; None for
    a document made from an answers file (`diag-tui report`), which does not carry them."""
    return (document.get("handed_over") or {}).get("answers", document.get("answers"))


def banners(ref: Referential, document: dict[str, Any]) -> list[tuple[str, str]]:
    """What opens a report before anything else, as (head, text): the provisional banner, and
    what an express result is worth."""
    found = []
    provisional = provisional_banner(ref, document)
    if provisional:
        head, _, text = provisional.partition(" : ")
        found.append((head, text))
    if document["diagnostic"].get("express_note"):
        found.append(("Diagnostic express", document["diagnostic"]["express_note"]))
    return found


def provisional_banner(ref: Referential, document: dict[str, Any]) -> str | None:
    """What opens the report of an unfinished diagnostic, None for a finished one. The counts come
    from the answers the results rest on (a report made from an answers file does not carry them)."""
    if not document["diagnostic"].get("provisional"):
        return None
    answers = given_answers(document)
    missing = ""
    if answers is not None:
        p = progress(ref, normalise(answers), document["diagnostic"].get("form") == "express")
        if not p.complete:
            missing = f"{count(p.applicable - p.answered, 'question')} sans réponse sur {p.applicable}"
    return (
        f"Résultats provisoires : {missing or 'des questions restent sans réponse'} ; les indicateurs et les "
        "mesures peuvent changer quand le diagnostic sera terminé."
    )


def replacement(document: dict[str, Any], m: dict[str, Any]) -> str | None:
    """The title of the measure a priority chosen by the aidant replaces, as it was given (its
    level's title, among the other measures); None for a measure the engine chose."""
    if not m.get("override_reason"):
        return None
    replaced = m.get("replaces") or next((o["replaced"] for o in document.get("overrides", []) if o.get("by") == m["id"]), None)
    return next((o["title"] for o in document["other_measures"] if o["id"] == replaced), replaced or "une autre mesure")


@dataclass(frozen=True)
class InterviewPoint:
    """A question the aidant wrote a note on, or marked « à revoir », with its answer."""

    question: str
    answer: str  # the chosen options' labels, "" when unanswered
    note: str
    flagged: bool


def interview_points(ref: Referential, document: dict[str, Any], notes: bool = True) -> list[tuple[str, list[InterviewPoint]]]:
    """(theme title, points) in diagnostic order: every question with a note (when `notes`) or
    marked « à revoir ». A question the referential no longer has is listed last, by its id."""
    written = document.get("question_notes", {}) if notes else {}
    flagged = set(document.get("flagged", []))
    answers = given_answers(document) or {}
    ids = sorted({*written, *flagged}, key=lambda q: (ref.position.get(q, len(ref.position)), q))
    groups: dict[str, list[InterviewPoint]] = {}
    for qid in ids:
        question = ref.question(qid)
        chosen = answers.get(qid, ())
        chosen = [chosen] if isinstance(chosen, str) else list(chosen)
        labels = [f"« {o.label if (o := question.option(c)) else c} »" if question else f"« {c} »" for c in chosen]
        theme = ref.theme(question.theme).title if question else "Questions retirées du référentiel"
        point = InterviewPoint(question.text if question else qid, ", ".join(labels), written.get(qid, ""), qid in flagged)
        groups.setdefault(theme, []).append(point)
    return list(groups.items())


NOTES_INTRO = (
    "Ce que l'aidant a noté pendant l'entretien, question par question. « À revoir » marque une "
    "réponse à vérifier ou à compléter avant de s'y fier."
)
FLAGS_INTRO = "Réponses marquées pendant l'entretien comme à vérifier ou à compléter avant de s'y fier."


def interview_title(groups: list[tuple[str, list[InterviewPoint]]]) -> tuple[str, str, bool]:
    """The section's title, its first sentence, and whether its points to review are marked so:
    notes and points to review, or points to review only (no mark needed)."""
    if any(p.note for _, points in groups for p in points):
        return "Notes de l'entretien", NOTES_INTRO, True
    return "Points à revoir", FLAGS_INTRO, False


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


def markdown_report(ref: Referential, document: dict[str, Any], notes: bool = True) -> str:
    """`notes`: with the aidant's interview notes (the questions marked « à revoir » and the
    replacements are always there: they are part of what the plan rests on)."""
    meta = document["diagnostic"]
    who, basis = header_sentences(meta, user_text)
    out = [f"# {title_of(meta, user_text)}", ""]
    for head, text in banners(ref, document):
        out += [f"> **{head}** : {text}", ""]
    out += [who, "", basis, ""]
    out += ["## Indicateurs par thème", "", "| Thème | Indicateur (0 à 3) |", "|---|---|"]
    out += [f"| {title} | {indicator_text(value)} |" for title, value in indicator_rows(ref, document)]
    out += ["", *_measures(document), *_plan(document), *_interview(ref, document, notes), *_closing_lists(document)]
    out += [*_sheet(document), *_incidents(ref), *_resources(document)]
    return french("\n".join(out))


def _measures(document: dict[str, Any]) -> list[str]:
    note = document["diagnostic"].get("note")
    out = ["## Les mesures prioritaires", ""] + ([note, ""] if note else [])
    for m in document["measures"]:
        out += [f"### {m['rank']}. {m['title']}", "", f"*{measure_line(m)}*", "", f"**Pourquoi pour vous** : {m['reason']}", ""]
        replaced = replacement(document, m)
        if replaced:
            out += [f"**Choisie par l'aidant** : remplace « {replaced} », parce que : {user_text(m['override_reason'])}", ""]
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


def _interview(ref: Referential, document: dict[str, Any], notes: bool) -> list[str]:
    groups = interview_points(ref, document, notes)
    if not groups:
        return []
    title, intro, marked = interview_title(groups)
    out = [f"## {title}", "", intro, ""]
    for theme, points in groups:
        out += [f"### {theme}", ""]
        for p in points:
            lines = [f"**{p.question}**" + (" **(à revoir)**" if p.flagged and marked else "")]
            lines.append(f"Réponse : {p.answer}" if p.answer else "Sans réponse")
            if p.note:
                lines.append(f"Note : {user_text(p.note)}")
            out.append("- " + "  \n".join(lines).replace("\n", "\n  "))  # continuation lines stay in the item
        out.append("")
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
