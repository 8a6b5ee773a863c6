"""The look our workbooks share: fonts, fills, alignments and print setups of the consolidated list, the
protocol, the journal report and the blank form, and dates as a Russian reader writes them."""
from __future__ import annotations

from datetime import date

from consolidator.ooxml.xlsx_writer import Align, Page

# The form is an official document: serif type as in the Порядок's appendix.
FORM_FONT = "Times New Roman"
# The working sheets keep the spreadsheet's default font.
BODY_FONT = "Calibri"

TOP_WRAP = Align(vertical="top", wrap=True)
CENTER_WRAP = Align("center", "center", wrap=True)
TOP_CENTER = Align("center", "top", wrap=True)
HEADER_FILL = "E7E6E6"
ALERT_FILL = "F8CBAD"
OK_FILL = "C6EFCE"
# A4, fit to the page width, as many pages down as needed, page numbers in the footer.
FOOTER = "&C&8 Страница &P из &N"
LANDSCAPE = Page(landscape=True, footer=FOOTER)
PORTRAIT = Page(landscape=False, footer=FOOTER)


def ru_date(d: date | None) -> str:
    return d.strftime("%d.%m.%Y") if d else ""


def form_title(title: str) -> str:
    """«ПЕРЕЧЕНЬ точек ...» is printed with the capitalised first word on its own line, as in the form."""
    first, _, rest = title.partition(" ")
    if rest and len(first) > 1 and first.isupper():
        return f"{first}\n{rest}"
    return title
