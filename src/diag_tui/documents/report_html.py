"""The restitution as one self-contained, printable HTML page: no script, no external resource
(the file holds an organisation's weaknesses and must open offline), every text escaped."""

from __future__ import annotations

import re
from collections.abc import Iterable
from html import escape
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
from diag_tui.typography import french
from diag_tui.wording import date_fr, indicator_text

STYLE = """
body{font-family:system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b;line-height:1.45}
h1{border-bottom:3px solid #000091;padding-bottom:.3rem}
h2{color:#000091;margin-top:2rem}
.provisoire{background:#fff4d6;border-left:4px solid #b34000;padding:.5rem 1rem}
.revoir{color:#b34000;font-weight:bold}
.notes li{margin:.5rem 0}
table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left}
.chart{width:100%;max-width:40rem;font-family:inherit}
.measure{border:1px solid #ddd;border-radius:4px;padding:.2rem 1rem;margin:1rem 0;break-inside:avoid}
.meta{color:#555;font-style:italic}
.sheet{border:3px solid #ce0500;padding:.2rem 1rem;margin:1rem 0;break-before:page;break-inside:avoid}
.source{color:#555;font-size:.9em}
@media print{body{margin:0;max-width:none}a{color:inherit}}
"""


def indicator_chart(rows: list[tuple[str, Any]]) -> str:
    """Inline SVG bar chart of the theme indicators (0 to 3); "non évalué" has no bar."""
    row, label_w, bar_w = 26, 230, 300
    height = row * len(rows) + 24
    out = [
        f'<svg class="chart" role="img" aria-label="Indicateurs par thème, de 0 à 3" '
        f'viewBox="0 0 {label_w + bar_w + 90} {height}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for tick in range(4):
        x = label_w + bar_w * tick / 3
        out.append(f'<line x1="{x:.0f}" y1="0" x2="{x:.0f}" y2="{height - 18}" stroke="#ccc"/>')
        out.append(f'<text x="{x:.0f}" y="{height - 4}" font-size="11" text-anchor="middle">{tick}</text>')
    for i, (label, value) in enumerate(rows):
        y = i * row
        out.append(f'<text x="{label_w - 8}" y="{y + 17}" font-size="13" text-anchor="end">{e(label)}</text>')
        if isinstance(value, (int, float)):
            colour = "#ce0500" if value < 1 else "#b34000" if value < 2 else "#18753c"
            out.append(f'<rect x="{label_w}" y="{y + 5}" width="{bar_w * value / 3:.1f}" height="16" fill="{colour}"/>')
        out.append(
            f'<text x="{label_w + bar_w + 8}" y="{y + 17}" font-size="13">{e(indicator_text(value))}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def e(text: Any) -> str:
    """Text content: <, > and & escaped; quotes are harmless outside attributes."""
    return escape(str(text), quote=False)


def attr(text: Any) -> str:
    return escape(str(text), quote=True)


def lines(text: str) -> str:
    """Typed text of several lines, escaped, its line breaks kept."""
    return "<br>\n".join(e(line) for line in text.split("\n"))


def html_report(ref: Referential, document: dict[str, Any], notes: bool = True) -> str:
    """`notes`: with the aidant's interview notes (the questions marked « à revoir » and the
    replacements are always there: they are part of what the plan rests on)."""
    meta = document["diagnostic"]
    title = e(title_of(meta))
    out = [
        "<!DOCTYPE html>",
        '<html lang="fr"><head><meta charset="utf-8">',
        f"<title>{title}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{title}</h1>",
    ]
    for head, rest in banners(ref, document):
        out.append(f'<p class="provisoire"><strong>{e(head)}</strong> : {e(rest)}</p>')
    out.append(f"<p>{e(' '.join(header_sentences(meta)))}</p>")
    out += ["<h2>Indicateurs par thème</h2>", indicator_chart(indicator_rows(ref, document))]
    out += [*_measures(document), *_plan(document), *_interview(ref, document, notes), *_closing_lists(document)]
    out += [*_sheet(document), *_incidents(ref), *_resources(document)]
    out.append("</body></html>\n")
    before, style_and_after = "\n".join(out).split("<style>", 1)
    style, after = style_and_after.split("</style>", 1)
    return _typeset(before) + "<style>" + style + "</style>" + _typeset(after)


def _list(tag: str, items: Iterable[str]) -> list[str]:
    """An <ol> or a <ul> of plain texts."""
    return [f"<{tag}>", *(f"<li>{e(item)}</li>" for item in items), f"</{tag}>"]


def _measures(document: dict[str, Any]) -> list[str]:
    note = document["diagnostic"].get("note")
    out = ["<h2>Les mesures prioritaires</h2>"] + ([f"<p>{e(note)}</p>"] if note else [])
    for m in document["measures"]:
        out += ['<section class="measure">', f"<h3>{m['rank']}. {e(m['title'])}</h3>", f'<p class="meta">{e(measure_line(m))}</p>']
        out.append(f"<p><strong>Pourquoi pour vous</strong> : {e(m['reason'])}</p>")
        replaced = replacement(document, m)
        if replaced:
            out.append(
                f"<p><strong>Choisie par l'aidant</strong> : remplace « {e(replaced)} », parce que : {e(m['override_reason'])}</p>"
            )
        out.append(f"<p><strong>Pourquoi</strong> : {e(m['why'])}</p><p><strong>Comment</strong> :</p><ol>")
        out += [f"<li>{e(step)}</li>" for step in m["how"]]
        out.append("</ol>")
        if m.get("check"):
            out.append(f"<p><strong>Comment vérifier que c'est fait</strong> : {e(m['check'])}</p>")
        if m.get("resources"):
            links = " ; ".join(f'<a href="{attr(r["url"])}">{e(r["title"])}</a>' for r in m["resources"])
            out.append(f"<p>Pour aller plus loin : {links}</p>")
        if m.get("notes"):
            out.append(f"<p>Notes de suivi : {lines(m['notes'])}</p>")
        out.append("</section>")
    return out


def _plan(document: dict[str, Any]) -> list[str]:
    if not document["measures"]:
        return []
    out = ["<h2>Plan sur six mois</h2>", f"<p>Début du plan : {date_fr(document['diagnostic']['plan_start'])}.</p>", "<ul>"]
    out += [f"<li><strong>Mois {month}</strong> : {e(names)}</li>" for month, names in month_lines(document)]
    out += ["</ul>", "<p>Points d'étape :</p>", *_list("ul", map(checkpoint_text, document["checkpoints"]))]
    return out


def _interview(ref: Referential, document: dict[str, Any], notes: bool) -> list[str]:
    groups = interview_points(ref, document, notes)
    if not groups:
        return []
    title, intro, marked = interview_title(groups)
    out = [f"<h2>{e(title)}</h2>", f"<p>{e(intro)}</p>"]
    for theme, points in groups:
        out += [f"<h3>{e(theme)}</h3>", '<ul class="notes">']
        for p in points:
            item = f"<strong>{e(p.question)}</strong>" + (' <span class="revoir">(à revoir)</span>' if p.flagged and marked else "")
            item += f"<br>\nRéponse : {e(p.answer)}" if p.answer else "<br>\nSans réponse"
            if p.note:
                item += f"<br>\nNote : {lines(p.note)}"
            out.append(f"<li>{item}</li>")
        out.append("</ul>")
    return out


def _closing_lists(document: dict[str, Any]) -> list[str]:
    out = []
    for title, items in list_sections(document):
        out += [f"<h2>{e(title)}</h2>", *_list("ul", items)]
    for notice in document.get("notices", []):
        out.append(f"<h2>À savoir : {e(notice['title'])}</h2><p>{e(notice['text'])}")
        if notice.get("url"):
            out.append(f' <a href="{attr(notice["url"])}">{e(notice["url"])}</a>')
        out.append("</p>")
    return out


def _sheet(document: dict[str, Any]) -> list[str]:
    gestures, complaint, numbers, contacts = sheet_lines(document)
    out = ['<section class="sheet">', "<h2>En cas d'attaque</h2>", "<p>Fiche à imprimer et à garder près du téléphone, hors des ordinateurs.</p>"]
    if gestures:
        out += ["<p><strong>Premiers gestes</strong></p>", *_list("ol", gestures)]
    if complaint:
        out.append(f"<p><strong>Plainte</strong> : {e(complaint)}</p>")
    out += ["<p><strong>Vos contacts</strong></p>", *_list("ul", numbers)]
    if contacts:
        out += ["<p><strong>Services publics</strong></p>", *_list("ul", contacts)]
    out.append("</section>")
    return out


def _incidents(ref: Referential) -> list[str]:
    out = ["<h2>Que faire, situation par situation</h2>"] if ref.incidents else []
    for incident in ref.incidents:
        out += [f"<h3>{e(incident.title)}</h3>", *_list("ol", incident.steps), f'<p class="source">{e(incident.source)}</p>']
    return out


def _resources(document: dict[str, Any]) -> list[str]:
    if not document.get("contacts"):
        return []
    out = ["<h2>Ressources utiles</h2>", "<ul>"]
    for c in document["contacts"]:
        phone = f", {e(c['phone'])}" if c.get("phone") else ""
        out.append(f'<li><strong>{e(c["title"])}</strong> ({e(c["when"])}) : <a href="{attr(c["url"])}">{e(c["url"])}</a>{phone}</li>')
    out.append("</ul>")
    return out


def _typeset(html: str) -> str:
    """French typography on what is read (text nodes), never inside tags."""
    return re.sub(r">([^<]+)<", lambda m: ">" + french(m.group(1)) + "<", html)
