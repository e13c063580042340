"""Results: theme indicators, the six priority measures with their reasons, what to verify.

Everything shown comes from `Session.result()`: the screen never computes a score.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import var
from textual.screen import ModalScreen, Screen
from textual.widgets import Header, OptionList, Static
from textual.widgets.option_list import Option

from diag_tui.engine.restitution import PRIORITY_COUNT, Finding, Priority, Restitution
from diag_tui.errors import UserError
from diag_tui.session import Session
from diag_tui.storage.diagnostic import Emergency
from diag_tui.ui.dialogs import EmergencyDialog, TextDialog
from diag_tui.ui.footer import Footer
from diag_tui.ui.messages import Compare, GoHome, Open
from diag_tui.ui.prose import Prose, fr
from diag_tui.ui.texts import indicator_bar, interview_notes, measure_detail
from diag_tui.untrusted import REASON_MAX, shown
from diag_tui.wording import count, date_fr, indicator_text


class ResultsScreen(Screen):
    CSS_PATH = "results.tcss"
    AUTO_FOCUS = "#r-six"
    BINDINGS = [
        # priority: the list of the six would otherwise take Entrée, and hide it from the footer
        Binding("enter", "expand", "Détail", key_display="Entrée", priority=True),
        Binding("o", "override", "Remplacer"),
        Binding("u", "cancel_override", "Annuler remplac."),
        Binding("a", "attack", "Attaque"),
        Binding("p", "plan", "Plan"),
        Binding("f", "followup", "Suivi"),
        Binding("c", "compare", "Comparer"),
        Binding("q", "questions", "Questions"),
        Binding("d", "full", "Diag. complet", show=False),  # said by the express banner: no room in the footer
        Binding("escape", "back", "Retour", key_display="Échap"),
    ]

    # The detail shows why, how and how to check, in the whole right column (the list of the six
    # is hidden meanwhile: at 80×24 there is no room for both).
    expanded: var[bool] = var(False, init=False)
    measure: var[int | None] = var(None, bindings=True, init=False)  # the highlighted priority

    def __init__(self, session: Session):
        super().__init__()
        self.session = session
        self.result: Restitution = session.result()
        self.six_title = Text()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="r-banner", classes="banner", markup=False)
        with Horizontal(id="r-main"):
            with VerticalScroll(id="r-left"):
                yield Static("", id="r-indicators", markup=False)
                yield Static("", id="r-interview", markup=False)
                yield Static("", id="r-unknown", markup=False)
                yield Static("", id="r-others", markup=False)
            with Vertical(id="r-right"):
                yield Static("", id="r-six-title", markup=False)
                yield OptionList(id="r-six", markup=False)
                with VerticalScroll(id="r-detail-box"):
                    yield Static("", id="r-detail", markup=False)
        yield Footer(compact=True, show_command_palette=False)  # ctrl+p still opens it: no room at 80 columns

    def on_mount(self) -> None:
        self.title = f"Résultats — {shown(self.session.diag.organisation.name)}"
        self.refresh_result()

    def on_screen_resume(self) -> None:
        self.refresh_result()  # answers may have changed on the question screen

    # ---- rendering ------------------------------------------------------------------------------

    def refresh_result(self) -> None:
        self.result = result = self.session.result()
        banner = self.query_one("#r-banner", Static)
        banner.update(banner_text(self.session, result))
        banner.display = bool(banner.content)
        self.query_one("#r-interview", Static).update(interview_section(self.session))

        text = Text()
        text.append("Indicateurs (0 à 3)\n", style="bold")
        text.append("note · réponses / questions\n\n", style="dim")
        for i in result.indicators:
            text.append(f"{i.theme.title}\n")
            text.append("  ")
            text.append_text(indicator_bar(i.value, 10))
            if i.applicable == 0:  # an express diagnostic asks nothing of this theme
                text.append(" non abordé\n", style="dim")
                continue
            text.append(f" {indicator_text(i.value)}", style="bold" if i.value is not None else "dim")
            text.append(f" · {i.scored}/{i.applicable}\n", style="dim")
        text.append(f"\nRésultat {result.basis}.\n", style="italic")
        self.query_one("#r-indicators", Static).update(text)

        unknown = self.query_one("#r-unknown", Static)
        if result.asks:
            t = Text()
            whom: dict[str, list[str]] = {}
            for ask in result.asks:
                whom.setdefault(ask.whom, []).append(ask.text)
            for who, questions in whom.items():
                t.append(fr(f"\nÀ demander : {who}\n"), style="bold")
                for question in questions:
                    t.append(f"• {fr(question)}\n")
            unknown.update(Prose(t))
        unknown.display = bool(result.asks)

        others = self.query_one("#r-others", Static)
        if result.others:
            t = Text()
            t.append(f"\nAutres mesures ({len(result.others)})\n", style="bold")
            for f in result.others:
                t.append(f"• {fr(f.title)}\n")
            others.update(Prose(t))
        others.display = bool(result.others)

        title = "Les six mesures prioritaires" if len(result.priorities) == PRIORITY_COUNT else (
            f"{count(len(result.priorities), 'mesure prioritaire')}" if result.priorities else "Aucune mesure prioritaire"
        )
        self.six_title = Text(title, style="bold")
        self.query_one("#r-six-title", Static).update(self.six_title)
        six = self.query_one("#r-six", OptionList)
        highlighted = six.highlighted
        six.clear_options()
        for n, p in enumerate(result.priorities, start=1):
            label = Text.assemble((f"{n}. ", "bold"), p.finding.title)  # Prose indents the wrapped lines
            if p.override:
                label.append("  (choisie par l'aidant)", style="italic")
            six.add_option(Option(Prose(label), id=p.measure.id))
        six.display = bool(result.priorities) and not self.expanded
        if result.priorities:
            six.highlighted = min(highlighted or 0, len(result.priorities) - 1)
        self.measure = six.highlighted if result.priorities else None
        self.show_detail()
        self.refresh_bindings()  # the same measure may have gained or lost its replacement

    def selected(self) -> Priority | None:
        if self.measure is None or self.measure >= len(self.result.priorities):
            return None
        return self.result.priorities[self.measure]

    def show_detail(self) -> None:
        detail = self.query_one("#r-detail", Static)
        priority = self.selected()
        if priority is None:
            note = self.result.priorities_note or ""
            detail.update(Prose(fr(note or "Aucune mesure n'est déclenchée par les réponses.")))
            return
        reason = priority.override.reason if priority.override else None
        theme = self.session.ref.theme(priority.measure.theme).title
        notes = interview_notes(self.session.ref, self.session.diag, priority.finding.sources)
        detail.update(measure_detail(priority.finding, theme, reason, self.expanded, notes))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list.id == "r-six":
            self.measure = event.option_index

    def watch_measure(self) -> None:
        self.show_detail()
        self.query_one("#r-detail-box", VerticalScroll).scroll_home(animate=False)

    def watch_expanded(self, expanded: bool) -> None:
        self.set_class(expanded, "expanded")
        self.query_one("#r-six", OptionList).display = bool(self.result.priorities) and not expanded
        title = self.six_title
        if expanded and self.measure is not None:
            title = Text.assemble((f"Mesure {self.measure + 1} sur {len(self.result.priorities)}", "bold"), (" · Entrée : la liste", "dim"))
        self.query_one("#r-six-title", Static).update(title)
        self.show_detail()
        box = self.query_one("#r-detail-box", VerticalScroll)
        box.scroll_home(animate=False)
        if expanded:
            box.focus()  # ↑↓ scroll the detail
        else:
            self.query_one("#r-six", OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_expand()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        priority = self.selected()
        # situational actions are hidden (False) rather than greyed, to keep the footer short
        if action == "expand":
            return priority is not None
        if action == "override":  # the aidant's decision: not offered in self-service
            return priority is not None and self.session.diag.mode == "accompagne"
        if action == "cancel_override":
            return priority is not None and priority.override is not None
        if action == "compare":
            return bool(self.session.diag.previous)
        if action == "followup":
            return bool(self.result.priorities) or None
        if action == "full":
            return self.session.diag.express
        return True

    # ---- actions ------------------------------------------------------------------------------

    def action_expand(self) -> None:
        self.expanded = not self.expanded

    def action_override(self) -> None:
        priority = self.selected()
        if priority is None:
            return
        if not self.result.others:
            self.notify("Aucune autre mesure n'est déclenchée : rien à mettre à la place.")
            return
        replaced = priority.measure.id

        def chosen(finding: Finding | None) -> None:
            if finding is None:
                return

            def reason_given(reason: str | None) -> None:
                if reason is None:
                    return
                try:
                    self.session.override(replaced, finding.measure.id, reason)
                except UserError as exc:
                    self.notify(str(exc), severity="error", timeout=12)
                    return
                self.refresh_result()
                self.notify(f"« {finding.title} » remplace « {priority.finding.title} ».")

            self.app.push_screen(
                TextDialog(
                    "Pourquoi ce remplacement ?",
                    limit=REASON_MAX,
                    placeholder="Par exemple : l'antivirus est déjà commandé, la sauvegarde est plus urgente",
                    hint="La raison figurera dans le plan et le fichier de suivi. Entrée : valider · Échap : annuler",
                ),
                reason_given,
            )

        self.app.push_screen(PickMeasureScreen(self.result.others, priority.finding.title), chosen)

    def action_cancel_override(self) -> None:
        priority = self.selected()
        if priority is None or priority.override is None:
            return
        try:
            self.session.cancel_override(priority.measure.id)
        except UserError as exc:
            self.notify(str(exc), severity="error", timeout=12)
            return
        self.refresh_result()
        self.notify("Remplacement annulé : l'ordre calculé est rétabli.")

    def action_attack(self) -> None:
        self.app.push_screen(AttackGuideScreen(self.session))

    def action_plan(self) -> None:
        self.post_message(Open(self.session, "plan"))

    def action_followup(self) -> None:
        self.post_message(Open(self.session, "followup"))

    def action_compare(self) -> None:
        self.post_message(Compare(self.session))

    def action_questions(self) -> None:
        self.post_message(Open(self.session, "questions"))

    def action_full(self) -> None:
        self.post_message(Open(self.session, "full"))

    def action_back(self) -> None:
        if self.expanded:
            self.expanded = False
        elif len(self.app.screen_stack) > 2:
            self.app.pop_screen()
        else:  # opened straight on the results (`diag-tui resume` of a finished diagnostic)
            self.post_message(GoHome())


def banner_text(session: Session, result: Restitution) -> str:
    """What to know before reading the results: provisional, express, or answers changed since
    handed over."""
    missing = result.progress.applicable - result.progress.answered
    express = (
        f"Diagnostic express ({count(result.progress.applicable, 'question essentielle', 'questions essentielles')}) : "
        "une première réponse. d : poursuivre en diagnostic complet, réponses gardées."
        if result.express
        else ""
    )
    if missing:
        return "\n".join(filter(None, [f"Résultat provisoire : {count(missing, 'question')} sans réponse (q pour y revenir).", express]))
    if express:
        return express
    given = session.diag.handed_over
    changed = session.diag.changed_since_handover()
    if given is None or not changed:
        return ""
    return (
        f"Résultats tels que remis le {date_fr(given.at)}. {count(len(changed), 'réponse a changé', 'réponses ont changé')} "
        "depuis (voir le journal, h sur l'écran de suivi) : ces résultats et le plan n'en tiennent pas compte. Pour un nouvel "
        "état des lieux, commencez un diagnostic de suivi (f, puis n)."
    )


def interview_section(session: Session) -> Text:
    """The interview's notes and « à revoir » marks, in diagnostic order."""
    diag = session.diag
    marked = [q for q in session.ref.questions if q.id in diag.notes or q.id in diag.flagged]
    if not marked:
        return Text()
    text = Text()
    flags = sum(1 for q in marked if q.id in diag.flagged)
    heading = [count(len(diag.notes), "note")] if diag.notes else []
    heading += [f"{flags} à revoir"] if flags else []
    text.append(f"\nEntretien : {', '.join(heading)}\n", style="bold")
    text.append_text(interview_notes(session.ref, diag, [q.id for q in marked]))
    return text


class PickMeasureScreen(ModalScreen[Finding | None]):
    """Choose, among the other measures, the one to put in the six instead."""

    BINDINGS = [Binding("escape", "cancel", "Annuler")]

    def __init__(self, others: tuple[Finding, ...], replaced_title: str):
        super().__init__(classes="dialog")
        self.others, self.replaced_title = others, replaced_title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Static(f"Mettre à la place de « {self.replaced_title} » :", classes="dialog-title", markup=False)
            yield OptionList(*(Option(f.title, id=f.measure.id) for f in self.others), id="pick", markup=False)
            yield Static("Entrée : choisir · Échap : annuler", classes="dialog-hint", markup=False)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.others[event.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)


class AttackGuideScreen(ModalScreen[None]):
    AUTO_FOCUS = "#attack-scroll"
    """The « En cas d'attaque » sheet (as in every export), the organisation's own numbers (n to
    enter them), then what to do situation by situation, each guide with its source."""

    BINDINGS = [
        Binding("escape", "close", "Fermer"),
        Binding("a", "close", "Fermer", show=False),
        Binding("n", "numbers", "Vos numéros"),
    ]

    def __init__(self, session: Session):
        super().__init__(classes="dialog")
        self.session = session

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="attack-box"):
            yield Static(fr("Que faire en cas d'attaque"), classes="dialog-title", markup=False)
            with VerticalScroll(id="attack-scroll"):
                yield Static(self.sheet(), id="attack-sheet")
                for incident in self.session.ref.incidents:
                    text = Text.assemble((fr(incident.title) + "\n", "bold"))
                    for n, step in enumerate(incident.steps, start=1):
                        text.append(f"{n}. {fr(step)}\n")
                    text.append(fr(incident.source), style="italic dim")
                    yield Static(Prose(text), classes="attack-step")
                text = Text.assemble(("Ressources utiles\n", "bold"))
                for c in self.session.ref.contacts:
                    if not c.attack:
                        text.append(f"{fr(c.title)}{' · ' + c.phone if c.phone else ''} — {c.url}\n", style="bold")
                        text.append(fr(c.when) + "\n")
                yield Static(Prose(text), classes="attack-step")
            yield Static(fr("↑↓ : faire défiler · n : saisir vos numéros · Échap : fermer"), classes="dialog-hint", markup=False)

    def sheet(self) -> Prose:
        from diag_tui.documents.followup_file import attack_sheet

        sheet = attack_sheet(self.session.ref, self.session.diag.emergency)
        text = Text.assemble((fr("Premiers gestes\n"), "bold"))
        for n, gesture in enumerate(sheet["gestures"], start=1):
            text.append(f"{n}. {gesture}\n")
        if sheet["complaint"]:
            text.append(fr("Plainte : "), style="bold")
            text.append(sheet["complaint"] + "\n")
        text.append(fr("\nVos contacts (n pour les saisir)\n"), style="bold")
        for number in sheet["numbers"]:
            text.append(f"{number['who']}{fr(' : ')}")
            text.append((shown(number["number"]) or "à compléter") + "\n", style="" if number["number"] else "dim")
        text.append("\nServices publics\n", style="bold")
        for c in sheet["contacts"]:
            text.append(f"{c['title']}{' · ' + c['phone'] if c.get('phone') else ''} — {c['url']}\n", style="bold")
            text.append(c["when"] + "\n")
        return Prose(text)

    def action_numbers(self) -> None:
        def saved(emergency: Emergency | None) -> None:
            if emergency is None:
                return
            try:
                self.session.set_emergency(emergency)
            except UserError as exc:
                self.notify(str(exc), severity="error", timeout=12)
                return
            self.query_one("#attack-sheet", Static).update(self.sheet())
            self.notify("Numéros enregistrés : ils figurent sur la fiche de chaque export.")

        self.app.push_screen(EmergencyDialog(self.session.diag.emergency), saved)

    def action_close(self) -> None:
        self.dismiss(None)
