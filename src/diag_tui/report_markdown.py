"""The restitution as a Markdown document for the organisation."""

from __future__ import annotations

from diag_tui.followup import DiagnosticMeta
from diag_tui.plan import Plan
from diag_tui.referential import Referential
from diag_tui.restitution import Restitution


def _date(d) -> str:
    return d.strftime("%d/%m/%Y")


def indicator_text(value: float | None) -> str:
    return "non évalué" if value is None else f"{value:.1f} / 3".replace(".", ",")


def markdown_report(ref: Referential, meta: DiagnosticMeta, result: Restitution, plan: Plan) -> str:
    themes = {t.id: t.title for t in ref.themes}
    out = [f"# Diagnostic cyber : {meta.organisation}", ""]
    if meta.aidant:
        out.append(f"Diagnostic accompagné par {meta.aidant}. ")
    out += [
        f"Référentiel {ref.version}, indicateurs {result.basis}.",
        "",
    ]
    if result.provisional:
        out += ["> **Résultat provisoire** : des questions restent sans réponse.", ""]

    out += ["## Indicateurs par thème", "", "| Thème | Indicateur (0 à 3) | Réponses |", "|---|---|---|"]
    for i in result.indicators:
        out.append(f"| {i.theme.title} | {indicator_text(i.value)} | {i.scored} sur {i.applicable} |")
    out.append("")

    out += ["## Les mesures prioritaires", ""]
    if result.priorities_note:
        out += [result.priorities_note, ""]
    for item in plan.items:
        f = item.priority.finding
        out += [
            f"### {item.rank}. {f.title}",
            "",
            f"*{themes[f.measure.theme]} · effort {f.measure.effort} · coût {f.measure.cost} · "
            f"{f.measure.owner} · à terminer le {_date(item.due)}*",
            "",
            f"**Pourquoi pour vous** : {f.reason}",
            "",
        ]
        if item.priority.override:
            out += [f"**Choisie par l'aidant** : {item.priority.override.reason}", ""]
        out += [f"**Pourquoi** : {f.detail.why}", "", "**Comment** :", ""]
        out += [f"{n}. {step}" for n, step in enumerate(f.detail.how, start=1)]
        if f.measure.resources:
            out += ["", "Pour aller plus loin : " + " ; ".join(f"[{r.title}]({r.url})" for r in f.measure.resources)]
        out.append("")

    if plan.items:
        out += ["## Plan sur six mois", "", f"Début du plan : {_date(plan.start)}.", ""]
        for month in range(1, 7):
            items = plan.month(month)
            if items:
                names = " ; ".join(f"{i.rank}. {i.priority.finding.title}" for i in items)
                out.append(f"- **Mois {month}** : {names}")
        out += ["", "Points d'étape : " + ", ".join(f"M+{c.month} le {_date(c.date)}" for c in plan.checkpoints), ""]

    if result.others:
        out += ["## Autres mesures", ""]
        out += [f"- {f.title} ({themes[f.measure.theme]})" for f in result.others]
        out.append("")
    if result.unknown_questions:
        out += ["## Questions à poser à votre prestataire ou à la personne qui sait", ""]
        out += [f"- {q.text}" for q in result.unknown_questions]
        out.append("")
    return "\n".join(out)
