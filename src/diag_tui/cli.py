"""Command line. Headless commands never import Textual, so they start fast and run anywhere."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path

from diag_tui import __version__
from diag_tui.errors import UserError


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"date invalide « {text} » : attendu AAAA-MM-JJ, par exemple 2026-12-01") from None


def _referential_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--referentiel", type=Path, metavar="DOSSIER", help="dossier de questions à utiliser (par défaut : celui fourni)"
    )


def _load(args):
    """The question bank: `--referentiel`, or the one shipped (see `referential_cache`)."""
    from diag_tui.referential_cache import load_bank

    return load_bank(getattr(args, "referentiel", None))


_ARGPARSE_FR = (
    ("the following arguments are required: ", "argument(s) obligatoire(s) manquant(s) : "),
    ("unrecognized arguments: ", "argument(s) inconnu(s) : "),
    ("invalid choice: ", "choix invalide : "),
    ("(choose from ", "(valeurs possibles : "),
    ("expected one argument", "une valeur est attendue"),
    ("argument ", "option "),
)


class FrenchParser(argparse.ArgumentParser):
    """argparse speaks English: translate its usual errors and point to --help (exit code 2)."""

    def error(self, message: str):
        for english, french in _ARGPARSE_FR:
            message = message.replace(english, french)
        self.exit(2, f"Erreur : {message}\nAide : {self.prog} --help\n")


def build_parser() -> argparse.ArgumentParser:
    parser = FrenchParser(
        prog="diag-tui",
        description="Diagnostic de cybersécurité pour petites organisations. Sans commande : ouvre l'application.",
    )
    parser.add_argument("--version", action="version", version=f"diag-tui {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMANDE", parser_class=FrenchParser)

    p = sub.add_parser("validate", help="vérifier un référentiel de questions")
    p.add_argument("folder", nargs="?", type=Path, metavar="DOSSIER", help="dossier des fichiers *.toml (par défaut : celui fourni)")

    p = sub.add_parser("questions", help="afficher le référentiel")
    _referential_option(p)
    p.add_argument("--json", action="store_true", help="au format JSON (pour les outils)")

    p = sub.add_parser("report", help="calculer résultats et plan à partir d'un fichier de réponses")
    _referential_option(p)
    p.add_argument("--answers", type=Path, required=True, metavar="FICHIER.toml", help="fichier de réponses")
    p.add_argument("--start", type=_date, metavar="AAAA-MM-JJ", help="début du plan (par défaut : date du diagnostic, sinon aujourd'hui)")
    p.add_argument("--format", choices=("toml", "markdown", "html"), default="toml", help="format de sortie (toml par défaut)")
    p.add_argument("-o", "--output", type=Path, metavar="SORTIE", help="fichier à écrire (par défaut : sortie standard)")

    p = sub.add_parser("start", help="commencer un diagnostic et ouvrir sa première question")
    p.add_argument("--organisation", required=True, metavar="NOM", help="organisation diagnostiquée")
    p.add_argument("--aidant", metavar="NOM", help="nom de l'aidant (facultatif)")
    p.add_argument("--self", dest="self_service", action="store_true", help="autodiagnostic (aide affichée)")

    p = sub.add_parser("resume", help="reprendre un diagnostic là où il s'était arrêté")
    p.add_argument("id", metavar="ID", help="identifiant du diagnostic (voir `diag-tui list`)")

    p = sub.add_parser("list", help="lister les diagnostics enregistrés")
    p.add_argument("--json", action="store_true", help="au format JSON (pour les outils)")

    p = sub.add_parser("export", help="exporter un diagnostic : fichier de suivi TOML ou rapport")
    p.add_argument("id", metavar="ID", help="identifiant du diagnostic (voir `diag-tui list`)")
    p.add_argument("--format", choices=("toml", "markdown", "html"), default="toml", help="format (toml par défaut)")
    p.add_argument("-o", "--output", type=Path, metavar="SORTIE", help="fichier à écrire (par défaut : sortie standard)")

    p = sub.add_parser("import", help="enregistrer le suivi saisi dans un fichier de suivi, ou ajouter un diagnostic transmis")
    p.add_argument("file", type=Path, metavar="FICHIER.toml", help="fichier de suivi exporté par diag-tui")

    p = sub.add_parser("delete", help="supprimer un diagnostic")
    p.add_argument("id", metavar="ID", help="identifiant du diagnostic")
    p.add_argument("--yes", action="store_true", help="ne pas demander de confirmation")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "validate":
            return cmd_validate(args)
        if args.command == "questions":
            return cmd_questions(args)
        if args.command == "report":
            return cmd_report(args)
        if args.command in ("list", "export", "import", "delete"):
            return STORE_COMMANDS[args.command](args)
        return run_app(args)
    except UserError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Interrompu.", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `diag-tui questions | head`: the reader left, nothing is wrong
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def run_app(args) -> int:
    """The full-screen application: home, `start` or `resume`."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UserError(
            "l'application a besoin d'un terminal interactif. Les commandes sans interface "
            "sont listées par `diag-tui --help`."
        )
    from diag_tui.session import Session
    from diag_tui.store import Store

    ref = _load(args)  # a broken bank or data folder is reported here, before the screen opens
    store = Store()
    first = None
    if args.command == "start":
        mode = "autodiagnostic" if args.self_service else "accompagne"
        first = Session.start(ref, store, args.organisation, args.aidant, mode)
    elif args.command == "resume":
        Session.resume(ref, store, args.id).close()  # check it opens before the screen does
        first = args.id
    from diag_tui.ui.app import DiagApp

    DiagApp(ref, store, first).run()
    if isinstance(first, Session):
        first.close()
    return 0


def cmd_validate(args) -> int:
    from diag_tui.referential import default_questions_dir, load_referential, referential_summary

    folder = args.folder or default_questions_dir()
    print(referential_summary(load_referential(folder)))
    print("Aucun problème détecté.")
    return 0


def cmd_questions(args) -> int:
    ref = _load(args)
    if args.json:
        print(json.dumps(referential_json(ref), ensure_ascii=False, indent=2))
        return 0
    for theme in ref.themes:
        print(f"\n{theme.title}")
        for q in ref.questions_of(theme.id):
            indent = "    " if q.id in ref.parent else "  "
            print(f"{indent}{q.id} : {q.text}")
    return 0


def referential_json(ref) -> dict:
    def question(q) -> dict:
        return {
            "id": q.id,
            "theme": q.theme,
            "text": q.text,
            "help": q.help,
            "kind": q.kind,
            "weight": q.weight,
            "critical": q.critical,
            "verify": {"topic": q.verify.topic, "step": q.verify.step} if q.verify else None,
            "ask": {"whom": q.ask.whom, "text": q.ask.text} if q.ask else None,
            "options": [
                {
                    "id": o.id,
                    "label": o.label,
                    "kind": o.kind.value,
                    "score": o.score,
                    "measure": o.measure,
                    "level": o.level if o.measure else None,
                    "hides": list(o.hides),
                    "traits": list(o.traits),
                    "follow_ups": [question(ref.question(fu)) for fu in o.follow_ups],
                }
                for o in q.options
            ],
        }

    return {
        "version": ref.version,
        "hash": ref.content_hash,
        "themes": [
            {
                "id": t.id,
                "title": t.title,
                "description": t.description,
                "scored": t.scored,
                "questions": [question(q) for q in ref.questions_of(t.id) if q.id not in ref.parent],
            }
            for t in ref.themes
        ],
        "measures": [
            {
                "id": m.id,
                "theme": m.theme,
                "family": m.family,
                "rank": m.rank,
                "impact": m.impact,
                "likelihood": m.likelihood,
                "verification": m.verification,
                "context": [{"when": r.when, "impact": r.impact, "likelihood": r.likelihood} for r in m.context],
                "variants": [v.when for v in m.variants],
                "title": m.level1.title,
                "level2_title": m.level2.title if m.level2 else None,
                "check": m.level1.check,
                "level2_check": m.level2.check if m.level2 else None,
                "effort": m.effort,
                "cost": m.cost,
                "owner": m.owner,
            }
            for m in ref.measures
        ],
    }


def cmd_report(args) -> int:
    from diag_tui.answers_file import load_answers_file
    from diag_tui.exports import render_document
    from diag_tui.followup import DiagnosticMeta, followup_document
    from diag_tui.plan import build_plan
    from diag_tui.restitution import restitution

    ref = _load(args)
    answers = load_answers_file(args.answers, ref)
    result = restitution(ref, answers.answers, answers.overrides)
    start = args.start or answers.diagnostic.date or dt.date.today()
    plan = build_plan(result.priorities, start)
    meta = DiagnosticMeta(
        organisation=answers.organisation.name,
        aidant=answers.diagnostic.aidant,
        mode=answers.diagnostic.mode,
        created=answers.diagnostic.date,
        emergency=answers.emergency,
    )
    text = render_document(ref, followup_document(ref, meta, result, plan), args.format)
    for override, why in result.ignored_overrides:
        print(f"Attention : remplacement de « {override.replaced} » par « {override.by} » ignoré : {why}.", file=sys.stderr)
    write_output(text, args.output)
    return 0


def write_output(text: str, output: Path | None) -> None:
    """Print to stdout, or write `output` atomically with a clear message when that fails."""
    from diag_tui.files import atomic_write

    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    if not output.parent.is_dir():
        raise UserError(f"{output} : le dossier {output.parent} n'existe pas. Créez-le ou choisissez un autre chemin.")
    try:
        atomic_write(output, text, mode=0o600)
    except OSError as exc:
        raise UserError(f"{output} : écriture impossible ({exc.strerror}). Rien n'a été modifié.") from None
    print(f"Écrit : {output}", file=sys.stderr)


def _store_and_ref():
    from diag_tui.store import Store

    return Store(), _load(None)


def _status_of(diag, summary) -> str:
    if diag.stage == "en_cours":
        return f"en cours ({summary.percent} %)"
    return f"{'en suivi' if diag.stage == 'en_suivi' else 'terminé'}, {summary.done}/{summary.priorities} mesures faites"


def cmd_list(args) -> int:
    from diag_tui import store_index

    store, ref = _store_and_ref()
    report, summaries = store_index.load(store, ref)  # unchanged files come from the index
    for problem in report.problems:
        print(f"Attention : {problem}", file=sys.stderr)
    rows = []
    for d in report.diagnostics:
        p = summaries[d.id]
        rows.append(
            {
                "id": d.id,
                "organisation": d.organisation.name,
                "aidant": d.aidant,
                "mode": d.mode,
                "created": d.created.isoformat(),
                "updated": d.updated.isoformat(),
                "answered": p.answered,
                "applicable": p.applicable,
                "status": d.stage,
                "summary": _status_of(d, p),
            }
        )
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print(f"Aucun diagnostic enregistré (dossier : {store.folder}).")
        return 0
    for r in rows:
        print(f"{r['id']}  {r['organisation']}  {r['created'][:10]}  {r['mode']}  {r['answered']}/{r['applicable']}  {r['summary']}")
    return 0


def cmd_export(args) -> int:
    from diag_tui.diagnostic import reconcile
    from diag_tui.exports import render

    store, ref = _store_and_ref()
    diag, notes = reconcile(ref, store.load(args.id))
    for note in notes:
        print(f"Attention : {note}", file=sys.stderr)
    write_output(render(ref, diag, args.format), args.output)
    return 0


def cmd_import(args) -> int:
    from diag_tui.followup_import import import_followup

    store, ref = _store_and_ref()
    outcome = import_followup(store, ref, args.file)
    changes = outcome.changes or ("Aucun changement : le suivi enregistré est déjà à jour.",)
    print(f"Diagnostic {outcome.diagnostic.id} ({outcome.diagnostic.organisation.name}) :")
    for change in changes:
        print(f"  - {change}")
    return 0


def cmd_delete(args) -> int:
    store, _ = _store_and_ref()
    diag = store.load(args.id)
    if not args.yes:
        if not sys.stdin.isatty():
            raise UserError("Suppression non confirmée : ajoutez --yes pour supprimer sans question.")
        answer = input(f"Supprimer définitivement le diagnostic de « {diag.organisation.name} » ({diag.id}) ? [o/N] ")
        if answer.strip().lower() not in ("o", "oui", "y", "yes"):
            print("Rien n'a été supprimé.")
            return 1
    with store.open_for_edit(diag.id):
        store.delete(diag.id)
    print(f"Diagnostic {diag.id} supprimé.")
    return 0


STORE_COMMANDS = {"list": cmd_list, "export": cmd_export, "import": cmd_import, "delete": cmd_delete}
