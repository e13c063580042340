"""Command line. Headless commands never import Textual, so they start fast and run anywhere."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from diag_tui import __version__
from diag_tui.errors import UserError
from diag_tui.untrusted import shown

FORMATS = ("toml", "markdown", "html", "texte", "ics")  # what `report` and `export` write (documents/exports.py); ics: a calendar


def say(text: str, *, err: bool = False) -> None:
    """Every line this program prints: names, notes and file contents reach the terminal only
    through `untrusted.shown`, so none of them can drive it."""
    print(shown(text, multiline=True), file=sys.stderr if err else sys.stdout)


def _date(text: str) -> dt.date:
    from diag_tui.storage.diagnostic import DATE_MAX, DATE_MIN

    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"date invalide « {text} » : attendu AAAA-MM-JJ, par exemple 2026-12-01") from None
    if not DATE_MIN.date() <= day <= DATE_MAX.date():
        raise argparse.ArgumentTypeError(f"date « {text} » hors de la plage acceptée ({DATE_MIN.year} à {DATE_MAX.year})")
    return day


def _referential_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--referentiel", type=Path, metavar="DOSSIER", help="dossier de questions à utiliser (par défaut : celui fourni)"
    )


def _text_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--texte",
        action="store_true",
        help="mode texte : une question à la fois, en lignes simples, sans mise en page ni couleur "
        "(lecteur d'écran, plage braille, script) ; répondez par un numéro puis Entrée",
    )


def _load(args):
    """The question bank: `--referentiel`, or the one shipped (see `bank/cache.py`)."""
    from diag_tui.bank.cache import load_bank

    return load_bank(getattr(args, "referentiel", None))


# argparse's own texts, keyed by the English text it asks gettext for: French whatever the
# installed locale (see `_in_french`). A text missing here would show in English:
# tests/test_cli.py checks every --help and the usual mistakes.
_ARGPARSE_FR = {
    "usage: ": "utilisation : ",
    "positional arguments": "arguments",
    "options": "options",
    "show this help message and exit": "afficher cette aide et quitter",
    "the following arguments are required: %s": "il manque %s (obligatoire)",
    "unrecognized arguments: %s": "option ou argument inconnu : %s",
    "argument %(argument_name)s: %(message)s": "%(argument_name)s : %(message)s",
    "expected one argument": "une valeur est attendue après l'option",
    "expected at most one argument": "une valeur au plus est attendue",
    "expected at least one argument": "au moins une valeur est attendue",
    "expected %s argument": "%s valeur attendue",
    "expected %s arguments": "%s valeurs attendues",
    "ambiguous option: %(option)s could match %(matches)s": "option « %(option)s » ambiguë (%(matches)s ?)",
    "invalid %(type)s value: %(value)r": "valeur « %(value)s » invalide",
    "not allowed with argument %s": "incompatible avec %s",
    "ignored explicit argument %r": "cette option ne prend pas de valeur (« %s »)",
    "one of the arguments %s is required": "il faut l'une de ces options : %s",
    "unexpected option string: %s": "option inattendue : %s",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
}


@contextlib.contextmanager
def _in_french() -> Iterator[None]:
    """argparse asks its module's `_` and `ngettext` (gettext's) for each text it shows: answer
    from `_ARGPARSE_FR` while a parser is built, parses or writes its help, then put them back."""
    saved = vars(argparse)["_"], vars(argparse)["ngettext"]

    def plural(one: str, many: str, n: int) -> str:
        text = one if n == 1 else many
        return _ARGPARSE_FR.get(text, text)

    vars(argparse).update(_=lambda text: _ARGPARSE_FR.get(text, text), ngettext=plural)
    try:
        yield
    finally:
        vars(argparse).update(_=saved[0], ngettext=saved[1])


class FrenchParser(argparse.ArgumentParser):
    """argparse in French (`_in_french`); a mistake says what is wrong and points to --help
    (exit code 2)."""

    def __init__(self, *args, **kwargs):
        with _in_french():
            super().__init__(*args, **kwargs)

    def parse_args(self, args=None, namespace=None):
        with _in_french():
            return super().parse_args(args, namespace)

    def parse_known_args(self, args=None, namespace=None):
        with _in_french():
            return super().parse_known_args(args, namespace)

    def format_usage(self) -> str:
        with _in_french():
            return super().format_usage()

    def format_help(self) -> str:
        with _in_french():
            return super().format_help()

    def _check_value(self, action, value):
        """A value outside `choices`, said without Python's quotes."""
        if action.choices is not None and value not in action.choices:
            possible = ", ".join(map(str, action.choices))
            raise argparse.ArgumentError(action, f"choix invalide « {value} » (valeurs possibles : {possible})")

    def error(self, message: str):
        self.exit(2, shown(f"Erreur : {message}\nAide : {self.prog} --help\n", multiline=True))


def build_parser() -> argparse.ArgumentParser:
    parser = FrenchParser(
        prog="diag-tui",
        description="Diagnostic de cybersécurité pour petites organisations. Sans commande : ouvre l'application.",
    )
    parser.add_argument("--version", action="version", version=f"diag-tui {__version__}", help="afficher la version")
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
    p.add_argument("--format", choices=FORMATS, default="toml", help="format de sortie (toml par défaut ; ics : échéances pour un agenda)")
    p.add_argument("-o", "--output", type=Path, metavar="SORTIE", help="fichier à écrire (par défaut, ou « - » : sortie standard)")
    p.add_argument("--remplacer", action="store_true", help="remplacer SORTIE si ce fichier existe déjà (sinon, rien n'est écrit)")

    p = sub.add_parser("start", help="commencer un diagnostic et ouvrir sa première question")
    p.add_argument("--organisation", required=True, metavar="NOM", help="organisation diagnostiquée")
    p.add_argument("--aidant", metavar="NOM", help="nom de l'aidant (facultatif)")
    p.add_argument("--self", dest="self_service", action="store_true", help="autodiagnostic (aide affichée)")
    p.add_argument(
        "--express",
        action="store_true",
        help="diagnostic express : les 15 questions essentielles (une dizaine de minutes) ; il se poursuit en diagnostic complet sans rien perdre",
    )
    _text_option(p)

    p = sub.add_parser("resume", help="reprendre un diagnostic là où il s'était arrêté")
    p.add_argument("id", metavar="ID", help="identifiant du diagnostic (voir `diag-tui list`)")
    _text_option(p)

    p = sub.add_parser("list", help="lister les diagnostics enregistrés")
    p.add_argument("--json", action="store_true", help="au format JSON (pour les outils)")

    p = sub.add_parser("export", help="exporter un diagnostic : fichier de suivi TOML, rapport ou agenda")
    p.add_argument("id", metavar="ID", help="identifiant du diagnostic (voir `diag-tui list`)")
    p.add_argument("--format", choices=FORMATS, default="toml", help="format (toml par défaut ; ics : échéances pour un agenda)")
    p.add_argument("-o", "--output", type=Path, metavar="SORTIE", help="fichier à écrire (par défaut, ou « - » : sortie standard)")
    p.add_argument("--remplacer", action="store_true", help="remplacer SORTIE si ce fichier existe déjà (sinon, rien n'est écrit)")
    p.add_argument(
        "--sans-notes",
        dest="sans_notes",
        action="store_true",
        help="rapport Markdown ou HTML sans les notes d'entretien, pour la copie de l'organisation (les points "
        "à revoir et les remplacements restent) ; le fichier de suivi TOML garde toujours les notes",
    )

    p = sub.add_parser("import", help="enregistrer le suivi saisi dans un fichier de suivi, ou ajouter un diagnostic transmis")
    p.add_argument("file", type=Path, metavar="FICHIER.toml", help="fichier de suivi exporté par diag-tui")

    p = sub.add_parser("delete", help="supprimer un diagnostic")
    p.add_argument("id", metavar="ID", help="identifiant du diagnostic")
    p.add_argument("--yes", action="store_true", help="ne pas demander de confirmation")
    p.add_argument("--exports", action="store_true", help="supprimer aussi ses exports (fichier de suivi, rapports, agenda) du dossier des exports")
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
        say(f"Erreur : {exc}", err=True)
        return 2
    except KeyboardInterrupt:
        say("Interrompu.", err=True)
        return 130
    except BrokenPipeError:  # `diag-tui questions | head`: the reader left, nothing is wrong
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def run_app(args) -> int:
    """The full-screen application: home, `start` or `resume`."""
    if args.command == "start":  # a mistake in an option is said before anything else
        from diag_tui.untrusted import NAME_MAX, checked

        checked("--organisation", args.organisation, limit=NAME_MAX)
        checked("--aidant", args.aidant or "", limit=NAME_MAX)
    if getattr(args, "texte", False):
        return run_text(args)
    problem = full_screen_problem()
    if problem:
        raise UserError(problem)
    from diag_tui.session import Session
    from diag_tui.storage.store import Store

    ref = _load(args)  # a broken bank or data folder is reported here, before the screen opens
    store = Store()
    first = None
    if args.command == "start":
        first = _start(ref, store, args)
    elif args.command == "resume":
        Session.resume(ref, store, args.id).close()  # check it opens before the screen does
        first = args.id
    from diag_tui.ui.app import DiagApp

    app = DiagApp(ref, store, first)
    app.run()
    if isinstance(first, Session):
        first.close()
    if app.crash_report is not None:
        say(
            "Erreur interne : diag-tui s'est arrêté. Les réponses déjà enregistrées sont intactes. "
            f"Le détail technique est dans {app.crash_report} : joignez ce fichier à votre signalement "
            "(il peut contenir des noms ou des notes : relisez-le avant de l'envoyer).",
            err=True,
        )
    return app.return_code or 0


def full_screen_problem() -> str | None:
    """Why the full-screen application cannot run here, in words that say what to do instead;
    None when it can."""
    if os.environ.get("TERM", "") in ("dumb", "unknown"):
        why = f"ce terminal (TERM={os.environ['TERM']}) ne sait pas afficher l'application plein écran"
    elif not (sys.stdin.isatty() and sys.stdout.isatty()):
        why = "l'application plein écran a besoin d'un terminal interactif (l'entrée ou la sortie est redirigée)"
    else:
        return None
    return (
        f"{why}. Le mode texte fonctionne partout, y compris avec un lecteur d'écran ou un tube : "
        "diag-tui start --organisation NOM --texte (ou diag-tui resume ID --texte). "
        "Les autres commandes sans interface sont listées par diag-tui --help."
    )


def _start(ref, store, args):
    from diag_tui.session import Session

    return Session.start(
        ref,
        store,
        args.organisation,
        args.aidant,
        "autodiagnostic" if args.self_service else "accompagne",
        form="express" if args.express else "complet",
    )


def run_text(args) -> int:
    """`start`/`resume` with `--texte`: the plain-text mode (`text_mode.py`), on any terminal,
    a screen reader or a pipe; no full-screen code is loaded."""
    from diag_tui import text_mode
    from diag_tui.session import Session
    from diag_tui.storage.store import Store

    ref = _load(args)
    store = Store()
    session = _start(ref, store, args) if args.command == "start" else Session.resume(ref, store, args.id)
    try:
        return text_mode.run(session, sys.stdin, sys.stdout)
    finally:
        session.close()


def cmd_validate(args) -> int:
    from diag_tui.bank.loading import load_referential
    from diag_tui.bank.referential import default_questions_dir, referential_summary

    folder = args.folder or default_questions_dir()
    say(referential_summary(load_referential(folder)))
    say("Aucun problème détecté.")
    return 0


def cmd_questions(args) -> int:
    ref = _load(args)
    if args.json:
        import json

        print(json.dumps(referential_json(ref), ensure_ascii=False, indent=2))
        return 0
    for theme in ref.themes:
        say(f"\n{theme.title}")
        for q in ref.questions_of(theme.id):
            indent = "    " if q.id in ref.parent else "  "
            say(f"{indent}{q.id} : {q.text}")
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
            "express": q.express,
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


REPORT_HEADER = """\
# Résultats et plan d'action calculés par diag-tui report à partir d'un fichier de réponses
#
# Ce fichier contient la liste des points faibles de l'organisation : conservez-le en lieu sûr et
# ne le transmettez qu'à des personnes de confiance.
#
# Aucun diagnostic enregistré n'est derrière ce fichier : il se lit, ou se traite avec d'autres
# outils, mais ne s'importe pas. Pour suivre le plan d'une visite à l'autre, faites le diagnostic
# dans l'application (diag-tui start) et écrivez son fichier de suivi (diag-tui export ID) :
# c'est ce fichier-là qu'on complète et qu'on importe à la visite suivante.
"""


def cmd_report(args) -> int:
    from diag_tui.documents.answers_file import load_answers_file
    from diag_tui.documents.exports import render_document
    from diag_tui.documents.followup_file import DiagnosticMeta, followup_document, to_toml
    from diag_tui.engine.plan import build_plan
    from diag_tui.engine.restitution import restitution

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
    document = followup_document(ref, meta, result, plan)
    # not a follow-up file: no stored diagnostic behind it, its header says so (the follow-up file's says to import it)
    text = to_toml(document, header=REPORT_HEADER) if args.format == "toml" else render_document(ref, document, args.format)
    for override, why in result.ignored_overrides:
        say(f"Attention : remplacement de « {override.replaced} » par « {override.by} » ignoré : {why}.", err=True)
    write_output(text, args.output, replace=args.remplacer)
    return 0


def write_output(text: str, output: Path | None, replace: bool = False) -> None:
    """Print to stdout (no `-o`, or `-o -`), or write `output` atomically with a clear message
    when that fails. An existing `output` is replaced only when asked (`--remplacer`): it may be
    a follow-up file with notes typed in and not imported yet."""
    from diag_tui.files import atomic_write
    from diag_tui.storage.store import Store

    if output is None or str(output) == "-":
        text = text.replace("\r\n", "\n")  # a calendar's CRLF (RFC 5545): the terminal's own line ends, not « ␍ »
        sys.stdout.write(shown(text if text.endswith("\n") else text + "\n", multiline=True))
        return
    if not output.parent.is_dir():
        raise UserError(f"{output} : le dossier {output.parent} n'existe pas. Créez-le ou choisissez un autre chemin.")
    try:
        atomic_write(output, text, mode=0o600, journal=Store().journal_folder(), overwrite=replace)
    except FileExistsError:
        raise UserError(
            f"{output} existe déjà : rien n'a été écrit. Ajoutez --remplacer pour le remplacer, ou choisissez un autre nom avec -o."
        ) from None
    except OSError as exc:
        raise UserError(f"{output} : écriture impossible ({exc.strerror}). Rien n'a été modifié.") from None
    say(f"Écrit : {output}", err=True)


def _store_and_ref():
    from diag_tui.storage.store import Store

    return Store(), _load(None)


def cmd_list(args) -> int:
    from diag_tui.wording import stage_text

    store, ref = _store_and_ref()
    report, summaries = _listing(store, ref)
    for problem in report.problems:
        say(f"Attention : {problem}", err=True)
    rows = []
    for d in report.diagnostics:
        p = summaries[d.id]
        rows.append(
            {
                "id": d.id,
                "organisation": d.organisation,
                "aidant": d.aidant,
                "mode": d.mode,
                "created": d.created.isoformat(),
                "updated": d.updated.isoformat(),
                "answered": p.answered,
                "applicable": p.applicable,
                "status": d.stage,
                "summary": stage_text(d.stage, p.percent, p.done, p.priorities),
                "form": d.form,  # "complet", or "express": only the questions marked so were asked
                "previous": d.previous,  # the diagnostic this one follows up, or null
            }
        )
    if args.json:
        import json

        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        say(f"Aucun diagnostic enregistré (dossier : {store.folder}).")
        return 0
    for line in listing_lines(rows):
        say(line)
    return 0


LONG_LISTING = 2000  # files to read or summaries to compute: several seconds, worth a progress line


def _listing(store, ref):
    """`Store.listing`. When many files must be read again (an index lost, a first listing) or
    many summaries computed (a new bank), the work runs in a thread while a progress line on
    the terminal says how far it is."""
    import threading

    from diag_tui.typography import NBSP

    scan = store.scan(ref)  # unchanged files come from the index
    if scan.pending < LONG_LISTING or not sys.stderr.isatty():
        return scan.finish()
    outcome: list = []  # (True, the listing) or (False, the exception)

    def work() -> None:
        try:
            outcome.append((True, scan.finish()))
        except Exception as exc:  # noqa: BLE001 (raised again below, where the command expects it)
            outcome.append((False, exc))

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            done, total = (f"{n:,}".replace(",", NBSP) for n in scan.progress)
            print(f"\rMise à jour de la liste des diagnostics{NBSP}: {done} sur {total}…", end="", file=sys.stderr, flush=True)
            worker.join(0.2)
    finally:
        print("\r\033[K", end="", file=sys.stderr, flush=True)  # the line cleared: only the listing stays
    done, value = outcome[0]
    if not done:
        raise value
    return value


LIST_NAME_WIDTH = 26  # the organisation column of `list`: with the others, 80 columns


def listing_lines(rows: list[dict]) -> list[str]:
    """`list` as a table that reads at 80 columns, two lines per diagnostic under two lines of
    headings: organisation, creation date, answers and state; then its id (what the other
    commands take) and mode. A follow-up diagnostic is marked « ↳ », and a third line names the
    diagnostic it follows."""
    from diag_tui.wording import MODE_SHORT, date_fr

    names = [("↳ " if r["previous"] else "") + shown(r["organisation"]) for r in rows]  # one line, whatever a name holds
    width = min(max(len("Organisation"), *map(len, names)), LIST_NAME_WIDTH)
    lines = [f"{'Organisation':<{width}}  {'Créé le':<10}  Réponses  État", "  Identifiant · mode"]
    for r, name in zip(rows, names, strict=True):
        name = name if len(name) <= width else name[: width - 1] + "…"
        created = date_fr(dt.date.fromisoformat(r["created"][:10]))
        lines.append(f"{name:<{width}}  {created}  {str(r['answered']) + '/' + str(r['applicable']):<8}  {r['summary']}")
        lines.append(f"  {r['id']} · {MODE_SHORT.get(r['mode'], r['mode'])}" + (" · express" if r.get("form") == "express" else ""))
        if r["previous"]:
            lines.append(f"  suivi de {r['previous']}")
    return lines


def cmd_export(args) -> int:
    from diag_tui.documents.exports import render
    from diag_tui.storage.diagnostic import reconcile

    store, ref = _store_and_ref()
    diag, notes = reconcile(ref, store.load(args.id))
    for note in notes:
        say(f"Attention : {note}", err=True)
    if args.sans_notes and args.format not in ("markdown", "html", "texte"):
        say(
            "Attention : --sans-notes ne concerne que les rapports Markdown, HTML et texte "
            "(le fichier de suivi TOML garde toujours les notes).",
            err=True,
        )
    write_output(render(ref, diag, args.format, notes=not args.sans_notes), args.output, replace=args.remplacer)
    return 0


def cmd_import(args) -> int:
    from diag_tui.documents.followup_file import import_followup

    store, ref = _store_and_ref()
    outcome = import_followup(store, ref, args.file)
    changes = outcome.changes or ("Aucun changement : le suivi enregistré est déjà à jour.",)
    say(f"Diagnostic {outcome.diagnostic.id} ({shown(outcome.diagnostic.organisation.name)}) :")
    for change in changes:
        say(f"  - {shown(change)}")
    return 0


def cmd_delete(args) -> int:
    store, _ = _store_and_ref()
    diag = store.load(args.id)
    exports = store.exports_of(diag.id)
    with_exports = args.exports
    if not args.yes:
        if not sys.stdin.isatty():
            raise UserError("Suppression non confirmée : ajoutez --yes pour supprimer sans question.")
        if not _confirm(f"Supprimer définitivement le diagnostic de « {diag.organisation.name} » ({diag.id}) ?"):
            say("Rien n'a été supprimé.")
            return 1
        if exports and not with_exports:
            names = ", ".join(p.name for p in exports)
            with_exports = _confirm(f"Supprimer aussi ses exports ({names}) ?")
    with store.open_for_edit(diag.id):
        store.delete(diag.id, with_exports=with_exports)
    say(f"Diagnostic {diag.id} supprimé.")
    if exports and with_exports:
        say(f"Exports supprimés : {', '.join(p.name for p in exports)}.")
    elif exports:
        say(f"Exports conservés dans {exports[0].parent} : {', '.join(p.name for p in exports)} (--exports pour les supprimer).")
    return 0


def _confirm(question: str) -> bool:
    return input(shown(f"{question} [o/N] ")).strip().lower() in ("o", "oui", "y", "yes")


STORE_COMMANDS = {"list": cmd_list, "export": cmd_export, "import": cmd_import, "delete": cmd_delete}
