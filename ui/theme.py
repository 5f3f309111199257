"""Light and dark themes: Fusion with our palette, chosen once and remembered between runs."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

THEMES = ("light", "dark")
_SETTING = "ui/theme"

_Role = QPalette.ColorRole
_Group = QPalette.ColorGroup

# Colours picked for contrast (body text at least 7:1 on its background in both themes).
_PALETTES: dict[str, dict[QPalette.ColorRole, str]] = {
    "light": {
        _Role.Window: "#f4f5f7",
        _Role.WindowText: "#1b1f24",
        _Role.Base: "#ffffff",
        _Role.AlternateBase: "#eef1f5",
        _Role.ToolTipBase: "#ffffff",
        _Role.ToolTipText: "#1b1f24",
        _Role.PlaceholderText: "#6b7280",
        _Role.Text: "#1b1f24",
        _Role.Button: "#e9ecf0",
        _Role.ButtonText: "#1b1f24",
        _Role.BrightText: "#b00020",
        _Role.Highlight: "#1f6feb",
        _Role.HighlightedText: "#ffffff",
        _Role.Link: "#0b57d0",
    },
    "dark": {
        _Role.Window: "#1e2127",
        _Role.WindowText: "#e6e8eb",
        _Role.Base: "#16181d",
        _Role.AlternateBase: "#23262d",
        _Role.ToolTipBase: "#2b2f36",
        _Role.ToolTipText: "#e6e8eb",
        _Role.PlaceholderText: "#8b93a1",
        _Role.Text: "#e6e8eb",
        _Role.Button: "#2b2f36",
        _Role.ButtonText: "#e6e8eb",
        _Role.BrightText: "#ff6b6b",
        _Role.Highlight: "#3d8bfd",
        _Role.HighlightedText: "#0b0c0e",
        _Role.Link: "#8ab4f8",
    },
}
_DISABLED_TEXT = {"light": "#9aa1ab", "dark": "#6b7280"}


def palette(name: str) -> QPalette:
    if name not in _PALETTES:
        raise ValueError(f"theme: {name!r} is not one of {', '.join(THEMES)}")
    result = QPalette()
    for role, colour in _PALETTES[name].items():
        result.setColor(role, QColor(colour))
    for role in (_Role.Text, _Role.WindowText, _Role.ButtonText):
        result.setColor(_Group.Disabled, role, QColor(_DISABLED_TEXT[name]))
    return result


def apply_theme(app: QApplication, name: str, settings: QSettings | None = None) -> None:
    """Use the theme now and remember it for the next start (in ``settings``, the app's own by default)."""
    chosen = palette(name)  # raises before anything changes if the name is unknown
    app.setStyle("Fusion")  # the native styles ignore parts of a palette; Fusion honours all of it
    app.setPalette(chosen)
    app.setProperty("theme", name)
    (settings or QSettings()).setValue(_SETTING, name)


def saved_theme(default: str = "light", settings: QSettings | None = None) -> str:
    value = (settings or QSettings()).value(_SETTING, default)
    return value if isinstance(value, str) and value in THEMES else default


def current_theme(app: QApplication) -> str:
    value = app.property("theme")
    return value if isinstance(value, str) and value in THEMES else "light"


def toggle_theme(app: QApplication, settings: QSettings | None = None) -> str:
    name = "dark" if current_theme(app) == "light" else "light"
    apply_theme(app, name, settings)
    return name
