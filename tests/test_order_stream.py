"""The appendix table of the draft order is streamed into the DOCX in chunks: read the written file
back and check that every row, cell and property is there, whatever the chunk boundaries."""
from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest
from docx import Document
from docx.oxml.ns import qn

import consolidator.outputs.order as order
from consolidator.outputs.order import FILE_NAME, write_order
from tests.test_order import _batch

W_TR = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tr"

# Values as a workbook can hand them over, with the text each must show in the DOCX.
TRICKY = [
    ("=SUM(A1:A3)", "=SUM(A1:A3)"),
    ('=HYPERLINK("http://x")', '=HYPERLINK("http://x")'),
    ("<&>", "<&>"),
    ("<!--consolidator-stream:list-rows-->", "<!--consolidator-stream:list-rows-->"),
    ("a\x01b\x0bc\x1f\ufffed", "abcd"),
    ("строка 1\r\nстрока 2\rстрока 3", "строка 1\nстрока 2\nстрока 3"),
    ("графа\tграфа", "графа\tграфа"),
    ("  ", "  "),
    ("", ""),
    (None, ""),
    (float("nan"), ""),
    (pd.NA, ""),
    ("😀 \u00a0«кавычки» ]]>", "😀 \u00a0«кавычки» ]]>"),
    # Equal as keys, different as text: a cache by value must not mix them up.
    (1, "1"),
    (True, "True"),
    (1.0, "1"),
    ("1", "1"),
    (2.5, "2.5"),
    (False, "False"),
    (0, "0"),
]


def _rows(batch, n: int) -> tuple[pd.DataFrame, list[list[str]]]:
    """n rows cycling through TRICKY in the «point» column, with texts repeated in other columns
    and unique in «interaction»; and the texts each cell must show."""
    base = batch.accepted_rows().iloc[0]
    keys = batch.profile.keys
    records, want = [], []
    for i in range(n):
        value, text = TRICKY[i % len(TRICKY)]
        record = {**base.to_dict(), "num": i + 1, "point": value, "interaction": f"Взаимодействие {i}",
                  "service": f"Услуга {i % 3}"}
        records.append(record)
        want.append([text if k == "point" else str(record[k]) for k in keys])
    return pd.DataFrame(records, columns=list(base.index)).astype({"point": object}), want


def _list_table(path: Path):
    return Document(str(path)).tables[-1]


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 4 rows and a cache of 3 texts, so that a short list crosses every boundary."""
    monkeypatch.setattr(order, "_CHUNK_ROWS", 4)
    monkeypatch.setattr(order, "_CACHE_SIZE", 3)


@pytest.mark.parametrize("n", [1, 4, 5, 2 * len(TRICKY) + 3])
def test_every_row_in_order(tmp_path, small_chunks, n):
    batch = _batch(tmp_path)
    rows, want = _rows(batch, n)
    path = tmp_path / "out" / FILE_NAME
    write_order(batch, rows, path)

    table = _list_table(path)
    assert len(table.rows) == n + 2
    assert [[c.text for c in r.cells] for r in table.rows[2:]] == want
    # The two header rows repeat on every page; no row breaks across pages.
    for i, row in enumerate(table.rows):
        tr_pr = row._tr.trPr
        assert tr_pr.find(qn("w:cantSplit")) is not None
        assert (tr_pr.find(qn("w:tblHeader")) is not None) == (i < 2)

    with zipfile.ZipFile(path) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    assert "<!--" not in xml  # the placeholder is gone, and text never turns into markup
    assert "&lt;!--consolidator-stream:list-rows--&gt;" in xml or n < 4
    assert "<w:fldSimple" not in xml and "<w:instrText" not in xml


def test_cell_properties(tmp_path, small_chunks):
    """Every data cell has its column's width, alignment and the table text style: the same cell
    properties in every chunk."""
    batch = _batch(tmp_path)
    profile = batch.profile
    rows, _ = _rows(batch, 11)
    path = tmp_path / "out" / FILE_NAME
    write_order(batch, rows, path)

    table = _list_table(path)
    grid = [int(c.get(qn("w:w"))) for c in table._tbl.tblGrid.findall(qn("w:gridCol"))]
    centred = {profile.number_column, profile.kind_column}
    for row in table.rows[2:]:
        for key, width, tc in zip(profile.keys, grid, row._tr.findall(qn("w:tc"))):
            tc_pr = tc.tcPr
            assert int(tc_pr.find(qn("w:tcW")).get(qn("w:w"))) == width
            assert tc_pr.find(qn("w:vAlign")).get(qn("w:val")) == "top"
            p_pr = tc.find(qn("w:p")).pPr
            assert p_pr.find(qn("w:pStyle")).get(qn("w:val")) == order.TABLE_STYLE_ID
            assert p_pr.find(qn("w:jc")).get(qn("w:val")) == ("center" if key in centred else "left")


def test_chunks_are_bounded(tmp_path, small_chunks):
    """The rows come in chunks of at most _CHUNK_ROWS rows, and the text cache stays bounded: what
    is held at once does not grow with the list."""
    batch = _batch(tmp_path)
    rows, _ = _rows(batch, 10)
    table = order.ListTable([1000] * len(batch.profile.keys), "<w:tbl>", None)
    chunks = list(order._table_rows(batch.profile, rows, table))
    assert [c.count(b"<w:tr>") for c in chunks] == [4, 4, 2]

    cells = order._Cells("<w:tc>")
    for start in range(0, 40, 4):
        cells.convert([f"текст {i}" for i in range(start, start + 4)])
        assert len(cells) <= order._CACHE_SIZE + order._CHUNK_ROWS


def test_missing_column_and_unhashable_value(tmp_path, small_chunks):
    batch = _batch(tmp_path)
    rows, want = _rows(batch, 6)
    rows = rows.drop(columns=["kind"])
    rows.at[5, "point"] = ["список"]  # not hashable: converted as text all the same
    path = tmp_path / "out" / FILE_NAME
    write_order(batch, rows, path)
    got = [[c.text for c in r.cells] for r in _list_table(path).rows[2:]]
    kind = batch.profile.keys.index("kind")
    point = batch.profile.keys.index("point")
    assert [g[kind] for g in got] == [""] * 6
    assert got[5][point] == "['список']"
    assert [g[:kind] for g in got[:5]] == [w[:kind] for w in want[:5]]


def test_failure_midway_keeps_the_old_file(tmp_path, small_chunks):
    """A failure while the rows are streamed leaves the previous document as it was, and no
    temporary file."""
    batch = _batch(tmp_path)
    rows, _ = _rows(batch, 9)
    path = tmp_path / "out" / FILE_NAME
    write_order(batch, rows, path)
    before = path.read_bytes()

    class Unprintable:
        def __str__(self):
            raise RuntimeError("cannot be shown")

    rows = rows.astype({"interaction": object})
    rows.at[7, "interaction"] = Unprintable()  # in the second chunk
    with pytest.raises(RuntimeError, match="cannot be shown"):
        write_order(batch, rows, path)
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == [FILE_NAME]


def test_plain_zip_entries_and_zip64_beyond_the_limit(tmp_path, small_chunks, monkeypatch):
    """A list is written as a plain zip entry, which every reader takes; one whose XML would pass
    the 2 GiB a plain entry holds is written again as a ZIP64 entry (here with the limit lowered)."""
    batch = _batch(tmp_path)
    rows, want = _rows(batch, 60)
    path = tmp_path / "out" / FILE_NAME
    write_order(batch, rows, path)
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("word/document.xml")
        assert info.extract_version < zipfile.ZIP64_VERSION
        size = info.file_size

    monkeypatch.setattr(zipfile, "ZIP64_LIMIT", size // 2)
    write_order(batch, rows, path)
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("word/document.xml")
        assert info.extract_version >= zipfile.ZIP64_VERSION and info.file_size == size
    assert [[c.text for c in r.cells] for r in _list_table(path).rows[2:]] == want


def test_a_list_expected_past_the_limit_is_begun_as_zip64_and_written_once(tmp_path, small_chunks, monkeypatch):
    """A list of ZIP64_FROM_ROWS rows or more is begun as a ZIP64 entry: its rows are made once, not
    once in vain and again when the plain entry fills up."""
    batch = _batch(tmp_path)
    rows, want = _rows(batch, 60)
    path = tmp_path / "out" / FILE_NAME
    made = []
    table_rows = order._table_rows
    monkeypatch.setattr(order, "_table_rows", lambda *a: made.append(1) or table_rows(*a))
    monkeypatch.setattr(order, "ZIP64_FROM_ROWS", 60)
    write_order(batch, rows, path)
    with zipfile.ZipFile(path) as z:
        assert z.getinfo("word/document.xml").extract_version >= zipfile.ZIP64_VERSION
    assert len(made) == 1
    assert [[c.text for c in r.cells] for r in _list_table(path).rows[2:]] == want
    monkeypatch.setattr(order, "ZIP64_FROM_ROWS", 61)  # one row short of it: a plain entry
    write_order(batch, rows, path)
    with zipfile.ZipFile(path) as z:
        assert z.getinfo("word/document.xml").extract_version < zipfile.ZIP64_VERSION


@pytest.mark.parametrize("n", [5, 2 * len(TRICKY) + 3])
def test_coded_columns_give_the_same_order(tmp_path, small_chunks, n):
    # The run hands the order's rows to the second process coded (model.coded_columns): the same table.
    from consolidator.model import Coded, as_columns, coded_columns

    batch = _batch(tmp_path)
    rows, want = _rows(batch, n)
    rows["service"] = rows["service"].astype("string")  # texts only: coded
    rows.loc[rows.index[1], "service"] = pd.NA
    want[1][batch.profile.keys.index("service")] = ""
    keys = [*batch.profile.keys, "subdivision"]
    coded = coded_columns(rows, keys)
    assert isinstance(coded["service"], Coded) and isinstance(coded["num"], range)
    if n > len(TRICKY):
        assert not isinstance(coded["point"], Coded)  # 1, 1.0 and True: kept apart as they are
    plain = as_columns(rows, keys)
    assert {k: list(v) for k, v in coded.items()} == plain
    assert coded["service"][1:3] == plain["service"][1:3] and len(coded["service"]) == n
    path = tmp_path / "out" / FILE_NAME
    write_order(batch, coded, path)
    assert [[c.text for c in r.cells] for r in _list_table(path).rows[2:]] == want
