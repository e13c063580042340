"""The six-month plan: each month's measures, owners, due dates, checkpoints; export."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Static

from diag_tui.engine.plan import MONTHS
from diag_tui.session import Session
from diag_tui.ui.footer import Footer
from diag_tui.ui.messages import Export, Open
from diag_tui.ui.prose import Prose, fr
from diag_tui.untrusted import shown
from diag_tui.wording import STATUS_LABELS, date_fr


class PlanScreen(Screen):
    CSS_PATH = "plan.tcss"
    AUTO_FOCUS = "#plan-body"
    BINDINGS = [
        # Short labels, all within 80 columns (the palette key is left out here: ctrl+p still opens
        # it); the text at the end of the plan says what each export is.
        Binding("x", "export('toml')", "Fichier de suivi"),
        Binding("h", "export('html')", "HTML"),
        Binding("k", "export('markdown')", "Markdown"),
        Binding("i", "export('ics')", "Agenda"),
        Binding("f", "followup", "Suivi"),
        Binding("escape", "back", "Retour", key_display="Échap"),
    ]

    def __init__(self, session: Session):
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        yield Header()
        yield VerticalScroll(id="plan-body")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.title = f"Plan sur six mois — {shown(self.session.diag.organisation.name)}"
        self.render_plan()

    def on_screen_resume(self) -> None:
        self.render_plan()

    def render_plan(self) -> None:
        """One Static per line group, so wrapped lines keep their indentation; a numbered title
        or a checkpoint wraps under its own text (Prose's hanging indent)."""
        session = self.session
        plan = session.plan()
        body = self.query_one("#plan-body", VerticalScroll)
        body.remove_children()
        lines: list[Static] = []

        def add(text: str | Text, classes: str = "") -> None:
            lines.append(Static(Prose(text), classes=classes))

        head = Text(f"Plan commencé le {date_fr(plan.start)}", style="bold")
        if session.result().provisional:
            head.append("  (provisoire : des questions restent sans réponse)", style="italic")
        add(head)
        if not plan.items:
            add("Aucune mesure prioritaire : il n'y a pas de plan à suivre pour l'instant.", "plan-month")
        checkpoints = {c.month: c for c in plan.checkpoints}
        for month in range(1, MONTHS + 1):
            items = plan.month(month)
            checkpoint = checkpoints.get(month)
            if not items and checkpoint is None:
                continue
            add(Text(f"Mois {month}", style="bold underline"), "plan-month")
            for item in items:
                title = fr(item.priority.finding.title)
                if item.start_month != month:
                    add(Text(f"… suite de {item.rank}. {title}", style="dim"), "plan-item")
                    continue
                progress = session.diag.status_of(item.measure.id)
                span = f"mois {item.start_month} à {item.due_month}" if item.due_month > month else f"mois {month}"
                add(Text(f"{item.rank}. {title}"), "plan-item")
                add(
                    Text(fr(f"{item.priority.finding.owner} · {span} · à terminer le {date_fr(item.due)} · "
                         f"{STATUS_LABELS[progress.status]}"), style="dim"),
                    "plan-detail",
                )
                add(Text(fr(f"Pour commencer : {item.first_step}"), style="italic"), "plan-detail")
            if checkpoint is not None:
                done = session.diag.checkpoints.get(str(month))
                state = "fait" if done and done.done else "à venir"
                add(Text(f"◆ Point d'étape M+{month} le {date_fr(checkpoint.date)} ({state})", style="bold"), "plan-item")
        add(Text("Exporter, dans le dossier des exports :", style="dim"), "plan-month")
        for key, what in (
            ("x", "le fichier de suivi (TOML), à garder et à rapporter au point d'étape ;"),
            ("h", "un rapport HTML, imprimable depuis un navigateur ;"),
            ("k", "le même rapport en Markdown ;"),
            ("i", "les échéances et les points d'étape, avec des rappels, pour un agenda (.ics)."),
        ):
            add(Text.assemble(("• ", "dim"), (key, "bold"), (f"  {fr(what)}", "dim")), "plan-item")
        body.mount_all(lines)

    def action_export(self, fmt: str) -> None:
        self.post_message(Export(self.session, fmt))

    def action_followup(self) -> None:
        self.post_message(Open(self.session, "followup"))

    def action_back(self) -> None:
        self.app.pop_screen()
