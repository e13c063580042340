"""What a person alone with the diagnostic is told before the first question and after the
last one: how long, what « Je ne sais pas » is worth, where the answers stay, how to stop and
come back; then the six, the plan, what to keep and how to get an aidant. Shared by the
full-screen application and the plain-text mode, so both say the same thing.

Each text is a list of (heading, paragraph) pairs, plain French with no markup.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from diag_tui.paths import for_display
from diag_tui.wording import count

if TYPE_CHECKING:
    from diag_tui.engine.plan import Plan
    from diag_tui.session import Session

Section = tuple[str, str]

# A question alone with its help to read takes 40 s to 90 s (90 s is the pace with an aidant,
# who reads aloud and discusses: `engine.answers.SECONDS_PER_QUESTION`).
FAST, SLOW = 40, 90


def duration(questions: int) -> str:
    """« 10 à 20 minutes » for `questions` questions, rounded to 5 minutes."""
    low = max(5, 5 * round(questions * FAST / 300))
    high = max(low + 5, 5 * round(questions * SLOW / 300))
    return f"{low} à {high} minutes"


def opening(session: Session, data_folder: Path) -> list[Section]:
    diag = session.diag
    asked = len(session.questions())
    if diag.express:
        how_long = (
            f"Ce diagnostic express pose {count(asked, 'question essentielle', 'questions essentielles')} "
            f"(un peu plus selon vos réponses) : comptez {duration(asked)}. Il donne une première liste de "
            "six mesures ; vous pourrez ensuite poursuivre avec le diagnostic complet sans rien retaper."
        )
    else:
        how_long = (
            f"Ce diagnostic pose environ {asked} questions, regroupées par thème, et quelques autres selon vos "
            f"réponses : comptez {duration(asked)}, en une ou plusieurs fois."
        )
    return [
        ("Combien de temps", how_long),
        (
            "« Je ne sais pas » est une bonne réponse",
            "Répondez ce qui se fait vraiment, pas ce qui devrait se faire. Si vous ne savez pas, dites-le : "
            "la question sera notée parmi celles à poser à votre prestataire ou à la personne qui sait, et "
            "pour un point vital (sauvegardes, mises à jour, double authentification), le vérifier devient "
            "l'une de vos premières mesures. Une réponse au hasard, elle, fausse le résultat.",
        ),
        (
            "Tout reste sur cet ordinateur",
            f"Vos réponses sont enregistrées dans {for_display(data_folder)} et ne sont envoyées nulle part ; "
            "diag-tui fonctionne sans connexion à internet. Elles décrivent les points faibles de "
            "l'organisation : ne laissez pas cet ordinateur ouvert à n'importe qui.",
        ),
        (
            "S'arrêter et reprendre",
            "Chaque réponse est enregistrée dès qu'elle est donnée : vous pouvez vous arrêter à tout moment "
            f"(ctrl+q, ou quitter en mode texte). Pour reprendre, relancez diag-tui et choisissez ce diagnostic "
            f"dans la liste, ou tapez : diag-tui resume {diag.id}",
        ),
    ]


def closing(session: Session, plan: Plan) -> list[Section]:
    """After the last answer. The six are named with their months, the exports said by what they
    are for, and the aidant service comes from the bank's contacts (`aidant = true`)."""
    result = session.result()
    six = [
        f"{item.rank}. {item.priority.finding.title} (mois {item.start_month}"
        + (f" à {item.due_month}" if item.due_month != item.start_month else "")
        + ")"
        for item in plan.items
    ]
    if six:
        sections = [("Vos mesures prioritaires", "\n".join(six))]
        if result.priorities_note:
            sections.append(("À savoir", result.priorities_note))
        sections.append(
            (
                "Le plan sur six mois",
                "Chaque mesure a son mois de départ et son échéance ; trois points d'étape (mois 1, 3 et 6) "
                "servent à faire le point. Le détail de chaque mesure dit pourquoi elle compte pour vous, "
                "comment la mener et comment vérifier qu'elle est faite.",
            )
        )
    else:
        sections = [("Vos résultats", result.priorities_note or "Aucune mesure prioritaire.")]
    if result.express_note:
        sections.append(("Diagnostic express", result.express_note))
    sections.append(
        (
            "Garder une trace",
            "Le rapport HTML s'ouvre dans un navigateur et s'imprime ; le rapport texte se lit partout, "
            "y compris avec un lecteur d'écran. Le fichier de suivi (TOML) est celui à garder : il contient "
            "vos réponses, le plan et, plus tard, son avancement. Ces fichiers décrivent vos points faibles : "
            "ne les confiez qu'à des personnes de confiance.",
        )
    )
    aidant = next((c for c in session.ref.contacts if c.aidant), None)
    where = f" : {aidant.title}, {aidant.url}" if aidant else ""
    sections.append(
        (
            "Vous faire aider par un aidant cyber",
            "Des aidants cyber bénévoles (gendarmes, policiers, conseillers des chambres de commerce, "
            f"associations) accompagnent gratuitement les petites structures. Pour en trouver un{where}. "
            "Remettez-lui le fichier de suivi : il l'importe (diag-tui import) et retrouve vos réponses, "
            "vos résultats et votre plan, pour les revoir avec vous et suivre les six mois.",
        )
    )
    return sections
