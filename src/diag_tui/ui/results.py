"""Results: theme indicators, the six priority measures with their reasons, what to verify.

Everything shown comes from `Session.result()`: the screen never computes a score.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from diag_tui.errors import UserError
from diag_tui.restitution import Finding, Restitution
from diag_tui.wording import count
from diag_tui.session import Session
from diag_tui.ui.dialogs import TextDialog
from diag_tui.ui.texts import indicator_bar, indicator_text, measure_detail


class ResultsScreen(Screen):
    CSS_PATH = "results.tcss"
    BINDINGS = [
        Binding("enter", "expand", "Pourquoi / comment"),
        Binding("o", "override", "Remplacer"),
        Binding("u", "cancel_override", "Annuler le remplacement"),
        Binding("a", "attack", "En cas d'attaque"),
        Binding("p", "plan", "Plan"),
        Binding("f", "followup", "Suivi"),
        Binding("c", "compare", "Comparer"),
        Binding("q", "questions", "Questions"),
        Binding("escape", "back", "Retour"),
    ]

    def __init__(self, session: Session):
        super().__init__()
        self.session = session
        self.expanded = False
        self.result: Restitution = session.result()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="r-banner", classes="banner", markup=False)
        with Horizontal(id="r-main"):
            with VerticalScroll(id="r-left"):
                yield Static("", id="r-indicators", markup=False)
                yield Static("", id="r-unknown", markup=False)
                yield Static("", id="r-others", markup=False)
            with Vertical(id="r-right"):
                yield Static("", id="r-six-title", markup=False)
                yield OptionList(id="r-six", markup=False)
                with VerticalScroll(id="r-detail-box"):
                    yield Static("", id="r-detail", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"Résultats — {self.session.diag.organisation.name}"
        self.refresh_result()
        self.query_one("#r-six", OptionList).focus()

    def on_screen_resume(self) -> None:
        self.refresh_result()  # answers may have changed on the question screen

    # ---- rendering ------------------------------------------------------------------------------

    def refresh_result(self) -> None:
        self.result = result = self.session.result()
        banner = self.query_one("#r-banner", Static)
        missing = result.progress.applicable - result.progress.answered
        banner.update(
            f"Résultat provisoire : {count(missing, 'question')} sans réponse (q pour y revenir)." if missing else ""
        )
        banner.display = bool(missing)

        text = Text()
        text.append("Indicateurs (0 à 3)\n\n", style="bold")
        for i in result.indicators:
            text.append(f"{i.theme.title}\n")
            text.append("  ")
            text.append_text(indicator_bar(i.value, 10))
            text.append(f" {indicator_text(i.value)}", style="bold" if i.value is not None else "dim")
            text.append(f" · {i.scored}/{i.applicable}\n", style="dim")
        text.append(f"\nRésultat {result.basis}.\n", style="italic")
        self.query_one("#r-indicators", Static).update(text)

        unknown = self.query_one("#r-unknown", Static)
        if result.unknown_questions:
            t = Text()
            t.append("\nÀ demander à votre prestataire ou à la personne qui sait\n", style="bold")
            for q in result.unknown_questions:
                t.append(f"• {q.text}\n")
            unknown.update(t)
        unknown.display = bool(result.unknown_questions)

        others = self.query_one("#r-others", Static)
        if result.others:
            t = Text()
            t.append(f"\nAutres mesures ({len(result.others)})\n", style="bold")
            for f in result.others:
                t.append(f"• {f.title}\n")
            others.update(t)
        others.display = bool(result.others)

        title = "Les six mesures prioritaires" if len(result.priorities) == 6 else (
            f"{count(len(result.priorities), 'mesure prioritaire')}" if result.priorities else "Aucune mesure prioritaire"
        )
        self.query_one("#r-six-title", Static).update(Text(title, style="bold"))
        six = self.query_one("#r-six", OptionList)
        highlighted = six.highlighted
        six.clear_options()
        for n, p in enumerate(result.priorities, start=1):
            label = Text(f"{n}. ", style="bold")
            label.append(p.finding.title)
            if p.override:
                label.append("  (choisie par l'aidant)", style="italic")
            six.add_option(Option(label, id=p.measure.id))
        six.display = bool(result.priorities)
        if result.priorities:
            six.highlighted = min(highlighted or 0, len(result.priorities) - 1)
        self.show_detail()
        self.refresh_bindings()

    def selected(self):
        six = self.query_one("#r-six", OptionList)
        if not self.result.priorities or six.highlighted is None:
            return None
        return self.result.priorities[six.highlighted]

    def show_detail(self) -> None:
        detail = self.query_one("#r-detail", Static)
        priority = self.selected()
        if priority is None:
            note = self.result.priorities_note or ""
            detail.update(Text(note or "Aucune mesure n'est déclenchée par les réponses."))
            return
        reason = priority.override.reason if priority.override else None
        theme = self.session.ref.theme(priority.measure.theme).title
        detail.update(measure_detail(priority.finding, theme, reason, self.expanded))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.show_detail()
        self.query_one("#r-detail-box", VerticalScroll).scroll_home(animate=False)
        self.refresh_bindings()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_expand()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        priority = self.selected() if self.is_mounted else None
        # situational actions are hidden (False) rather than greyed, to keep the footer short
        if action in ("expand", "override"):
            return priority is not None
        if action == "cancel_override":
            return priority is not None and priority.override is not None
        if action == "compare":
            return bool(self.session.diag.previous)
        if action == "followup":
            return bool(self.result.priorities) or None
        return True

    # ---- actions ------------------------------------------------------------------------------

    def action_expand(self) -> None:
        self.expanded = not self.expanded
        self.show_detail()

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
        from diag_tui.ui.plan import PlanScreen

        self.app.push_screen(PlanScreen(self.session))

    def action_followup(self) -> None:
        from diag_tui.ui.followup import FollowupScreen

        self.app.push_screen(FollowupScreen(self.session))

    def action_compare(self) -> None:
        self.app.compare_with_previous(self.session)

    def action_questions(self) -> None:
        from diag_tui.ui.question import QuestionScreen

        if isinstance(self.app.screen_stack[-2], QuestionScreen):
            self.app.pop_screen()
        else:
            self.app.push_screen(QuestionScreen(self.session))

    def action_back(self) -> None:
        self.app.pop_screen()


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
    """What to do in case of attack: the referential's guides and the useful contacts."""

    BINDINGS = [Binding("escape", "close", "Fermer"), Binding("a", "close", "Fermer", show=False)]

    def __init__(self, session: Session):
        super().__init__(classes="dialog")
        self.session = session

    def compose(self) -> ComposeResult:
        ref = self.session.ref
        with Vertical(classes="dialog-box", id="attack-box"):
            yield Static("Que faire en cas d'attaque", classes="dialog-title", markup=False)
            with VerticalScroll(id="attack-scroll"):
                for incident in ref.incidents:
                    yield Static(Text(incident.title, style="bold"), classes="attack-title")
                    for n, step in enumerate(incident.steps, start=1):
                        yield Static(f"{n}. {step}", markup=False, classes="attack-step")
                yield Static(Text("Contacts utiles", style="bold"), classes="attack-title")
                for c in ref.contacts:
                    line = Text(f"{c.title}{' · ' + c.phone if c.phone else ''} — {c.url}\n", style="bold")
                    line.append(c.when, style="")
                    yield Static(line, classes="attack-step")
            yield Static("↑↓ : faire défiler · Échap : fermer", classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#attack-scroll", VerticalScroll).focus()

    def action_close(self) -> None:
        self.dismiss(None)
