"""A long list in the order is one table a page (outputs.order_pages): LibreOffice lays out one long
table in a time growing with the square of its rows. The page breaks come from measuring the text."""
from __future__ import annotations

import zipfile

import pytest
from docx import Document
from docx.oxml.ns import qn

import consolidator.outputs.order as order
from consolidator.outputs.order import FILE_NAME, write_order
from consolidator.outputs.order_pages import BORDER_TWIPS, CELL_PADDING_TWIPS, Measure, page_starts, row_heights
from tests.test_order import _batch
from tests.test_order_stream import _rows


@pytest.fixture(scope="module")
def measure():
    return Measure(12)


def test_a_line_is_the_fonts_height(measure):
    # Times New Roman 12 pt, single spacing: 13.8 pt, as Word and LibreOffice set it.
    assert measure.line == 276
    assert measure.lines("", 2000) == measure.lines("Сайт", 2000) == 1


def test_text_wraps_at_spaces_where_the_column_ends(measure):
    words = "Многофункциональный центр предоставления государственных и муниципальных услуг"
    wide = measure.width(words)
    assert measure.lines(words, int(wide) + 1) == 1
    assert measure.lines(words, int(wide) - 1) == 2
    # Each word on its line when no two fit.
    long = "Многофункциональный " * 3
    assert measure.lines(long.strip(), int(measure.width("Многофункциональный")) + 1) == 3
    # Line breaks in the cell are lines of their own.
    assert measure.lines("строка 1\nстрока 2\nстрока 3", 5000) == 3


def test_a_line_may_end_after_a_hyphen(measure):
    half = int(max(measure.width("кол-"), measure.width("центр"))) + 1
    assert measure.lines("кол-центр", half) == 2
    assert measure.lines("кол-центр", int(measure.width("кол-центр")) + 1) == 1


def test_a_word_wider_than_its_column_is_broken_between_letters(measure):
    word = "Многофункциональный"
    assert measure.lines(word, int(measure.width(word) * 0.6)) == 2
    assert measure.lines(word, int(measure.width(word) * 0.4)) == 3


def test_an_address_wider_than_its_column_counts_a_line_more(measure):
    # A word processor breaks it after its slashes, which may leave a line short.
    address = "https://minsoc.udmurt.ru/services/documents"
    assert measure.lines(address, int(measure.width(address) * 0.6)) == 3
    plain = "x" * len(address)
    assert measure.lines(plain, int(measure.width(plain) * 0.6)) == 2


def test_a_letter_the_table_lacks_is_taken_as_the_widest(measure):
    from consolidator.outputs import serif_widths

    assert measure.width("中") == measure.width("Ш") * max(serif_widths.REGULAR.values()) / serif_widths.REGULAR["Ш"]
    assert measure.width("中") >= measure.width("Ш") > measure.width("ж")


def test_a_rows_height_is_its_tallest_cell(measure):
    columns = [["1", "2"], ["короткий", "очень " * 40]]
    heights = row_heights(columns, [1000, 3000], measure)
    assert heights[0] == measure.line + BORDER_TWIPS
    assert heights[1] == measure.lines("очень " * 40, 3000 - 236) * measure.line + BORDER_TWIPS > heights[0]


def test_a_text_that_fits_is_one_line_as_its_words_measure(measure):
    # Measure.lines takes a text narrower than its column as one line without breaking it into words,
    # and row_heights measures each distinct text once: the same counts as word by word, cell by cell.
    texts = ["", "1", "42060", "Сайт", "кол-центр  и  сайт", "Телефонная связь (горячая линия) — 8-800",
             "https://example.ru/очень/длинный/адрес", "Ш" * 40, "Личный прием\nграждан", "Ёж ёж", "Ω" * 3]
    for width in (120, 400, 900, 1600, 2600, 5000):
        for text in texts:
            by_words = sum(measure._paragraph_lines(part, width) for part in text.split("\n"))
            assert measure.lines(text, width) == by_words, (text, width)
        for text in texts:  # just wide enough for the whole text, and a twip less
            whole = measure.width(text)
            if "\n" not in text and whole:
                assert measure.lines(text, int(-(-whole // 1))) == 1
                assert measure.lines(text, int(whole) - 1) == sum(
                    measure._paragraph_lines(part, int(whole) - 1) for part in text.split("\n"))
    columns = [texts, list(reversed(texts))]
    widths = [700 + CELL_PADDING_TWIPS, 1500 + CELL_PADDING_TWIPS]
    by_cell = [max(measure.lines(a, 700) if a else 1, measure.lines(b, 1500) if b else 1) * measure.line
               + BORDER_TWIPS for a, b in zip(*columns)]
    assert row_heights(columns, widths, measure) == by_cell
    assert row_heights([["a", "b"]], [], measure) == [measure.line + BORDER_TWIPS] * 2  # nothing measured


def test_pages_hold_what_their_room_holds():
    assert page_starts([100] * 10, 250, 300) == [2, 5, 8]
    assert page_starts([100] * 3, 1000, 1000) == []
    # A row taller than a page still goes on a page of its own.
    assert page_starts([50, 500, 50], 100, 100) == [1, 2]
    assert page_starts([], 100, 100) == []


def _tables(path):
    body = Document(str(path)).element.body
    return [t for t in body.iter(qn("w:tbl"))], body


def test_a_long_list_is_one_table_a_page(tmp_path, monkeypatch):
    monkeypatch.setattr(order, "PAGED_FROM_ROWS", 40)
    batch = _batch(tmp_path)
    rows, want = _rows(batch, 100)
    path = tmp_path / FILE_NAME
    write_order(batch, rows, path)
    doc = Document(str(path))
    headers = [order._one_line(batch.profile.column(k).header) for k in batch.profile.keys]
    lists = [t for t in doc.tables if [c.text for c in t.rows[0].cells] == headers]
    assert len(lists) > 2
    # Every table has the form's two header rows, repeated should its rows not fit; the rows, in order.
    got = []
    for table in lists:
        header_rows = table.rows[:2]
        assert [c.text for c in header_rows[1].cells] == [str(n) for n in range(1, len(batch.profile.keys) + 1)]
        assert all(r._tr.trPr.find(qn("w:tblHeader")) is not None for r in header_rows)
        assert all(r._tr.trPr.find(qn("w:cantSplit")) is not None for r in table.rows)
        got += [[c.text for c in r.cells] for r in table.rows[2:]]
        # The same width, borders and grid as the first.
        assert table._tbl.tblPr.xml == lists[0]._tbl.tblPr.xml
    assert got == want
    # Between two tables, one paragraph one point high that begins a new page.
    xml = zipfile.ZipFile(path).read("word/document.xml").decode()
    assert xml.count("<w:pageBreakBefore/>") == len(lists) - 1
    assert xml.count(order._PAGE_BREAK) == len(lists) - 1
    # The pages the measure chose: the first holds fewer rows (the stamp and the title are above).
    sizes = [len(t.rows) - 2 for t in lists]
    assert sizes[0] < max(sizes[1:])


def test_a_short_list_is_one_table(tmp_path):
    batch = _batch(tmp_path)
    rows, want = _rows(batch, 30)
    path = tmp_path / FILE_NAME
    write_order(batch, rows, path)
    xml = zipfile.ZipFile(path).read("word/document.xml").decode()
    assert "<w:pageBreakBefore/>" not in xml
    assert [[c.text for c in r.cells] for r in Document(str(path)).tables[-1].rows[2:]] == want
