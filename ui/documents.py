"""Deal documents on paper: Qt's own PDF writer and the system print dialog (no external tools).

The HTML comes from ``app.documents``; ``QTextDocument`` lays it out once per output, paginated to
US Letter, which is what dealership forms print on.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMarginsF, QSizeF
from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter, QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QWidget

PDF_RESOLUTION = 300  # dots per inch: crisp text, small files
MARGINS_MM = QMarginsF(15, 15, 15, 15)


def _document(html: str, title: str, layout: QPageLayout) -> QTextDocument:
    document = QTextDocument()
    document.setMetaInformation(QTextDocument.MetaInformation.DocumentTitle, title)
    document.setDocumentMargin(0)
    # Lay the text out on the printable area itself (at 96 logical dots per inch, what point sizes
    # are drawn at); without a page size Qt would add its own 2 cm margins inside ours.
    area = layout.paintRectPoints()
    document.setPageSize(QSizeF(area.width() * 96 / 72, area.height() * 96 / 72))
    document.setHtml(html)
    return document


def letter_layout() -> QPageLayout:
    return QPageLayout(
        QPageSize(QPageSize.PageSizeId.Letter),
        QPageLayout.Orientation.Portrait,
        MARGINS_MM,
        QPageLayout.Unit.Millimeter,
    )


def export_pdf(html: str, path: str | Path, *, title: str = "Autolytiq document") -> Path:
    """Write the HTML as a PDF file at ``path`` (created or replaced); returns the path written."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    writer = QPdfWriter(str(target))
    writer.setResolution(PDF_RESOLUTION)
    writer.setTitle(title)
    writer.setCreator("Autolytiq")
    layout = letter_layout()
    writer.setPageLayout(layout)
    _document(html, title, layout).print_(writer)
    del writer  # the file is finished when the writer goes away
    if not target.is_file() or target.stat().st_size == 0:
        raise OSError(f"the PDF could not be written to {target}")
    return target


def print_html(html: str, parent: QWidget | None = None, *, title: str = "Autolytiq document") -> bool:
    """Ask for a printer and print; ``False`` when the person cancels."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(title)
    printer.setPageLayout(letter_layout())
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(f"Print {title}")
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    _document(html, title, printer.pageLayout()).print_(printer)
    return True
