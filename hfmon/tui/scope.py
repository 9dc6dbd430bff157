"""What every screen of the dashboard is scoped to: the namespace and the spend window shown, and the theme."""

from __future__ import annotations

from textual.reactive import var

from hfmon import format as fmt
from hfmon.tui import bindings
from hfmon.tui.tools import TableTools


class ViewScope(TableTools):
    """The namespace and window every screen shows, and the keys that change them; the app renders."""

    # Changing either renders again (the watchers below).
    namespace: var[str | None] = var(None, init=False)
    """The namespace shown (None: all)."""
    window: var[str] = var("period", init=False)
    """The spend window every screen shows (`bindings.WINDOWS`; w cycles)."""
    allowed_namespaces: tuple[str, ...] = ()  # the namespaces polled (--namespace), () for all of the account's

    def namespace_choices(self) -> list[str | None]:
        """All namespaces (None), then the user and each org."""
        names: list[str] = []
        if self.report is not None and self.report.account is not None:
            names.append(self.report.account.name)
        if self.report is not None:
            names += [o.name for o in self.report.orgs]
        if self.allowed_namespaces:
            names = [n for n in names if n in self.allowed_namespaces] or list(self.allowed_namespaces)
        return [None, *names]

    def set_namespace(self, ns: str | None) -> None:
        """Show one namespace (None: all)."""
        self.namespace = ns
        self.notify(f"Namespace: {ns or 'all'}", timeout=2)

    def watch_namespace(self) -> None:
        """Every screen shows the namespace chosen."""
        self.render_report()

    def action_next_namespace(self) -> None:
        """Cycle through the namespaces."""
        choices = self.namespace_choices()
        i = choices.index(self.namespace) if self.namespace in choices else 0
        self.set_namespace(choices[(i + 1) % len(choices)])

    def set_window(self, window: str) -> None:
        """Show spend over another time window (`bindings.WINDOWS`)."""
        self.window = window
        self.notify(f"Spend shown for {fmt.window_label(window)}", timeout=2)

    def watch_window(self) -> None:
        """Every screen, and the top bar, show spend over the window chosen."""
        self.render_report()

    def action_next_window(self) -> None:
        """Cycle through the spend windows."""
        windows = bindings.WINDOWS
        self.set_window(windows[(windows.index(self.window) + 1) % len(windows)] if self.window in windows
                        else windows[0])

    def action_toggle_theme(self) -> None:
        """Switch between the light and the dark theme."""
        self.theme = "hfmon-dark" if self.current_theme.name == "hfmon-light" else "hfmon-light"
