"""The consolidated list: the form sheet, the trace, the summary; read back by openpyxl and calamine."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from consolidator.outputs.consolidated import (SHEET_FORM, SHEET_SUMMARY, SHEET_TRACE, TRACE_HEADERS,
                                      completeness_line, write_consolidated)
from consolidator.model import ACCEPTED, RETURNED, SKIPPED, UNREADABLE, Batch, FileResult, Remark
from consolidator.profile import load_profile

G = load_profile("udmurt").groups  # the seven groups, in the order of the Порядок
ON, OFF = "Онлайн-точка", "Офлайн-точка"
FORMULA = '=HYPERLINK("http://example.ru","сайт")'

# (file index, sheet, excel row, group, service, point, interaction, kind)
SOURCE = [
    # file 0, subdivision «Отдел опеки»: groups 4 then 1, so sorting must move its rows apart
    (0, "Лист1", 5, G[3], "Рассмотрение обращений граждан", "Электронная почта", "Подача обращения", ON),
    (0, "Лист1", 6, G[0], "Назначение пособия", "Личный прием", "Консультирование", OFF),
    # file 1, subdivision «Аппарат»: same group 1, sorts before «Отдел опеки» within the group
    (1, "Перечень", 8, G[0], "Выдача справки", "ЕПГУ (Единый портал государственных услуг)", FORMULA, ON),
    (1, "Перечень", 9, G[0], "Выдача справки", "Личный прием", "Выдача результата", OFF),
    (1, "Перечень", 10, G[5], "Обучение сотрудников", "Service Desk", "Заявка", ON),
    # file 2 is returned: its rows must not be consolidated
    (2, "Лист1", 4, G[0], "Что-то", "Портал", "Подача", ON),
    # file 5, subdivision «Аппарат» again (second file of it): path sorts after file 1's path
    (5, "Лист1", 3, G[0], "Выдача удостоверения", "Телефонная связь", "Консультация", ON),
]
EXPECTED_ORDER = [  # (file, row) in the consolidated list
    (1, 8), (1, 9), (5, 3), (0, 6),  # group 1: «Аппарат» (two files by path), then «Отдел опеки»
    (0, 5),  # group 4
    (1, 10),  # group 6
]


def make_batch(tmp_path: Path) -> Batch:
    profile = load_profile("udmurt")
    err = Remark("UD-GROUP", "error", "Лист1", "B4", 4, "Наименование группы услуг, функций (сервисов)",
                 "Что-то", "Ячейка B4: группа не входит в перечень.", "п. 7 Порядка")
    files = [
        FileResult("Опека/перечень опеки.xlsx", tmp_path / "a", "Отдел опеки", ACCEPTED, sheet="Лист1", rows=2),
        FileResult("Аппарат/перечень.xlsx", tmp_path / "b", "Аппарат", ACCEPTED, sheet="Перечень", rows=3),
        FileResult("Соцподдержка/перечень.xlsx", tmp_path / "c", "Управление соцподдержки", RETURNED,
                   sheet="Лист1", rows=1, remarks=[err], returned_copy="На доработку/Соцподдержка/перечень.xlsx",
                   fix_deadline=date(2026, 12, 2)),
        FileResult("Кадры/перечень.xls", tmp_path / "d", "Отдел кадров", UNREADABLE,
                   reason="Файл поврежден: не удалось открыть."),
        FileResult("Кадры/заметки.docx", tmp_path / "e", "Отдел кадров", SKIPPED, reason="Не файл Excel."),
        FileResult("Аппарат/уточнение.xlsx", tmp_path / "f", "Аппарат", ACCEPTED, sheet="Лист1", rows=1),
    ]
    data = pd.DataFrame(
        [{"file": f, "sheet": s, "row": r, "num": "", "group": g, "service": sv, "point": pt,
          "interaction": it, "kind": k} for f, s, r, g, sv, pt, it, k in SOURCE])
    return Batch(profile=profile, run_date=date(2026, 11, 25), inbox=tmp_path / "in", out=tmp_path / "out",
                 files=files, data=data)


@pytest.fixture()
def written(tmp_path):
    batch = make_batch(tmp_path)
    rows = batch.accepted_rows()
    path = tmp_path / "out" / "Сводный перечень.xlsx"
    n = write_consolidated(batch, rows, path)
    return batch, rows, path, n


def _calamine(path: Path, sheet: str) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


def _source(file: int, row: int) -> tuple:
    return next(s for s in SOURCE if s[0] == file and s[2] == row)


def test_form_sheet_holds_rows_in_group_then_subdivision_order(written):
    batch, rows, path, n = written
    p = batch.profile
    assert n == len(EXPECTED_ORDER) == len(rows)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [SHEET_FORM, SHEET_TRACE, SHEET_SUMMARY]
    ws = wb[SHEET_FORM]
    assert ws["A1"].value.replace("\n", " ") == p.form_title
    assert ws["A1"].font.b and "A1:F1" in {str(m) for m in ws.merged_cells.ranges}
    assert [c.value for c in ws[2]] == [c.header for c in p.columns]  # with the footnote asterisks
    assert [c.value for c in ws[3]] == [1, 2, 3, 4, 5, 6]
    data = [[c.value for c in row] for row in ws.iter_rows(min_row=4, max_row=3 + n)]
    assert [r[0] for r in data] == list(range(1, n + 1))
    assert all(isinstance(r[0], int) for r in data)
    for (file, row), values in zip(EXPECTED_ORDER, data):
        src = _source(file, row)
        assert values[1:] == list(src[3:])
    # The footnotes follow the table after one blank row, small type.
    assert ws.cell(row=4 + n, column=1).value is None
    notes = [ws.cell(row=5 + n + i, column=1) for i in range(len(p.footnotes))]
    assert [c.value for c in notes] == list(p.footnotes)
    assert all(c.font.sz < 11 for c in notes)
    # Nothing of the returned file leaked in.
    assert "Что-то" not in {v for r in data for v in r}


def test_the_order_by_numbers_is_the_order_by_texts(tmp_path):
    # accepted_rows sorts by the group's place, the file's place by subdivision and path, and the row
    # (numbers only); with rows that are not whole numbers it sorts by the texts themselves: the same
    # order, unknown and missing groups last, a file's rows by their row in it.
    batch = make_batch(tmp_path)
    extra = pd.DataFrame([{"file": f, "sheet": "Лист1", "row": r, "num": "", "group": g, "service": f"У{f}-{r}",
                           "point": "Портал", "interaction": "Подача", "kind": ON}
                          for f, r, g in [(0, 9, "Неизвестная группа"), (5, 7, None), (1, 2, G[0]), (0, 3, G[3]),
                                          (5, 1, "Неизвестная группа")]])
    batch.data = pd.concat([batch.data, extra], ignore_index=True).sort_values("file", kind="stable")
    by_numbers = batch.accepted_rows()
    batch.data = batch.data.astype({"row": float})
    by_texts = batch.accepted_rows()
    assert by_numbers["service"].tolist() == by_texts["service"].tolist()
    assert by_numbers["service"].tolist()[:3] == ["У1-2", "Выдача справки", "Выдача справки"]
    assert [g if isinstance(g, str) else None for g in by_numbers["group"].tolist()[-3:]] == [
        "Неизвестная группа", None, "Неизвестная группа"]


def test_two_files_of_one_subdivision_and_path_keep_the_order_by_texts(tmp_path):
    # Not met in an inbox, where paths differ: their rows go by row number, as the sort by texts puts them.
    batch = make_batch(tmp_path)
    batch.files.append(FileResult("Аппарат/перечень.xlsx", tmp_path / "g", "Аппарат", ACCEPTED, sheet="Лист1"))
    extra = batch.data[batch.data["file"] == 1].assign(file=len(batch.files) - 1)
    extra["service"] = extra["service"] + " (копия)"
    batch.data = pd.concat([batch.data, extra], ignore_index=True)
    by_numbers = batch.accepted_rows()["service"].tolist()
    batch.data = batch.data.astype({"row": float})
    assert by_numbers == batch.accepted_rows()["service"].tolist()
    assert by_numbers[:2] == ["Выдача справки", "Выдача справки (копия)"]


@pytest.mark.parametrize("strings", ["object", "str"])
def test_the_lists_rows_are_made_once_and_the_frame_of_every_row_let_go(tmp_path, strings):
    # As the run makes them (Batch.list_rows): the same rows as accepted_rows() gives, the frame of
    # every row read taken a column at a time and let go.
    batch = make_batch(tmp_path)
    text = [c for c in batch.data.columns if c not in ("file", "row")]
    batch.data = batch.data.astype({c: strings for c in text})
    expected = batch.accepted_rows()
    assert batch.data is not None and len(batch.data.columns) == 9  # asked for alone: left as it was
    listed = batch.list_rows()
    pd.testing.assert_frame_equal(listed, expected)
    assert list(zip(listed["file"], listed["row"])) == EXPECTED_ORDER
    assert batch.data is None and batch.list_rows() is listed and batch.accepted_rows() is listed


def test_form_sheet_print_setup(written):
    *_, path, n = written
    ws = openpyxl.load_workbook(path)[SHEET_FORM]
    assert ws.freeze_panes == "A4"
    assert ws.print_title_rows == "$2:$3"
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0
    assert [ws.column_dimensions[c].width for c in "ABCDEF"] == [6, 30, 40, 30, 45, 20]
    body = ws.cell(row=4, column=3)
    assert body.alignment.wrap_text and body.alignment.vertical == "top"
    assert body.border.left.style == "thin" and body.border.bottom.style == "thin"
    header = ws["B2"]
    assert header.font.b and header.alignment.horizontal == "center"


def test_no_formulas_anywhere_and_hyperlink_text_stays_literal(written):
    *_, path, n = written
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", f"{ws.title}!{c.coordinate} holds a formula"
    assert FORMULA in [c.value for c in wb[SHEET_FORM]["E"]]
    assert FORMULA in [r[4] for r in _calamine(path, SHEET_FORM)]


def test_calamine_reads_the_same_rows(written):
    batch, rows, path, n = written
    grid = _calamine(path, SHEET_FORM)
    data = grid[3:3 + n]
    assert [int(r[0]) for r in data] == list(range(1, n + 1))
    assert [tuple(r[1:6]) for r in data] == [_source(f, r)[3:] for f, r in EXPECTED_ORDER]


def test_trace_sheet_points_back_to_each_source_row(written):
    batch, rows, path, n = written
    ws = openpyxl.load_workbook(path)[SHEET_TRACE]
    assert [c.value for c in ws[1]] == list(TRACE_HEADERS)
    assert ws.auto_filter.ref == f"A1:E{n + 1}"
    assert ws.freeze_panes == "A2"
    grid = _calamine(path, SHEET_TRACE)[1:]
    assert len(grid) == n
    for i, ((file, row), trace) in enumerate(zip(EXPECTED_ORDER, grid), 1):
        f = batch.files[file]
        src = _source(file, row)
        assert (int(trace[0]), trace[1], trace[2], trace[3], int(trace[4])) == (i, f.subdivision, f.path, src[1], row)


def test_trace_sheet_keeps_long_paths_in_their_cells(tmp_path):
    batch = make_batch(tmp_path)
    long = "Управление социальной поддержки граждан пожилого возраста и инвалидов"
    for f in batch.files:
        if f.verdict == ACCEPTED:
            f.subdivision, f.path = long, f"{long}/перечень точек взаимодействия (пожилые, инвалиды) 2024.xlsx"
    path = tmp_path / "c.xlsx"
    write_consolidated(batch, batch.accepted_rows(), path)
    ws = openpyxl.load_workbook(path)[SHEET_TRACE]
    widths = {c: ws.column_dimensions[c].width for c in "BCD"}
    assert widths["B"] <= 36 and widths["C"] <= 60  # not as wide as the path: the sheet prints on the page
    for c in ws[2]:
        assert c.border.left.style == "thin" and c.border.top.style == "thin", c.coordinate
    assert ws["C2"].alignment.wrap_text and ws["B2"].alignment.wrap_text
    assert ws.row_dimensions[2].height and ws.row_dimensions[2].height > 20  # room for the wrapped path
    assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage


def _summary_table(grid: list[list], title: str) -> list[list]:
    """Body rows of the summary table under `title` (up to the blank row)."""
    start = next(i for i, r in enumerate(grid) if str(r[0]).startswith(title)) + 2
    out = []
    for r in grid[start:]:
        if r[0] in ("", None):
            break
        out.append(r)
    return out


def test_summary_counts_and_left_out_files(written):
    batch, rows, path, n = written
    grid = _calamine(path, SHEET_SUMMARY)
    top = grid[1][0]
    # The .docx is no list: it is said apart, and the lists received are the included and the left out.
    assert "Получено перечней: 5. Включено в сводный перечень: 3. Не включено: 2 " in top
    assert "не являются перечнями (служебные файлы Excel, письма), — 1" in top
    assert "НЕПОЛНЫЙ" in top
    assert any("25.11.2026" in str(r[0]) for r in grid[:6])

    groups = _summary_table(grid, "Строки по графе")
    assert [r[0] for r in groups] == [*G, "Итого"]  # every group, in order, zeros included
    assert [int(r[1]) for r in groups] == [4, 0, 0, 1, 0, 1, 0, 6]
    assert [int(r[2]) for r in groups] == [2, 0, 0, 1, 0, 1, 0, 4]  # online
    assert [int(r[3]) for r in groups] == [2, 0, 0, 0, 0, 0, 0, 2]  # offline

    subs = _summary_table(grid, "Строки по подразделениям")
    assert [(r[0], int(r[1]), int(r[4])) for r in subs] == [("Аппарат", 4, 2), ("Отдел опеки", 2, 1), ("Итого", 6, 3)]

    kinds = _summary_table(grid, "Строки по виду точки взаимодействия")
    assert [int(r[1]) for r in kinds] == [4, 2, 6]
    assert [r[0] for r in kinds] == ["«Онлайн-точка»", "«Офлайн-точка»", "Итого"]

    left = _summary_table(grid, "Перечни, не включенные в сводный перечень: 2")
    assert [(r[0], r[1], r[2]) for r in left] == [
        ("Управление соцподдержки", "Соцподдержка/перечень.xlsx", "возвращен на доработку"),
        ("Отдел кадров", "Кадры/перечень.xls", "не прочитан"),
    ]
    others = _summary_table(grid, "Другие файлы папки входящих")
    assert [(r[0], r[1], r[2]) for r in others] == [("Отдел кадров", "Кадры/заметки.docx", "пропущен")]
    assert "Ошибок: 1" in left[0][3] and "02.12.2026" in left[0][3]
    assert left[1][3] == "Файл поврежден: не удалось открыть."


def test_complete_batch_says_so(tmp_path):
    batch = make_batch(tmp_path)
    batch.files = [f for f in batch.files if f.verdict == ACCEPTED]
    keep = {i for i, f in enumerate(make_batch(tmp_path).files) if f.verdict == ACCEPTED}
    remap = {old: new for new, old in enumerate(sorted(keep))}
    batch.data = batch.data[batch.data["file"].isin(keep)].assign(file=lambda d: d["file"].map(remap))
    assert "НЕПОЛНЫЙ" not in completeness_line(batch)
    path = tmp_path / "c.xlsx"
    assert write_consolidated(batch, batch.accepted_rows(), path) == 6
    grid = _calamine(path, SHEET_SUMMARY)
    assert grid[1][0] == "Получено перечней: 3. Включено в сводный перечень: 3. Сводный перечень полный."
    assert any(str(r[0]).startswith("Перечни, не включенные в сводный перечень: 0") for r in grid)


def test_no_files_at_all_is_not_called_complete(tmp_path):
    batch = make_batch(tmp_path)
    batch.files, batch.data = [], batch.data.iloc[0:0]
    assert completeness_line(batch) == "Не получено ни одного перечня: сводный перечень пуст."


def test_skipped_and_superseded_files_are_no_lists_received_nor_missing(tmp_path):
    from consolidator.model import SKIPPED, SUPERSEDED

    batch = make_batch(tmp_path)
    batch.files = [f for f in batch.files if f.verdict == ACCEPTED]
    keep = {i for i, f in enumerate(make_batch(tmp_path).files) if f.verdict == ACCEPTED}
    remap = {old: new for new, old in enumerate(sorted(keep))}
    batch.data = batch.data[batch.data["file"].isin(keep)].assign(file=lambda d: d["file"].map(remap))
    lock = FileResult("Аппарат/~$перечень.xlsx", tmp_path / "x", "Аппарат", verdict=SKIPPED, reason="блокировка")
    old = FileResult("Аппарат/перечень_старый.xlsx", tmp_path / "y", "Аппарат", verdict=SUPERSEDED)
    batch.files += [lock, old]
    line = completeness_line(batch)
    assert line.startswith("Получено перечней: 3. Включено в сводный перечень: 3. Кроме того, в папке входящих "
                           "прежних версий, замененных новыми, — 1; файлов, которые не являются перечнями")
    assert "Не включено" not in line and line.endswith("Сводный перечень полный.")


def test_empty_list_still_writes_the_form(tmp_path):
    batch = make_batch(tmp_path)
    for f in batch.files:
        if f.verdict == ACCEPTED:
            f.verdict = RETURNED
    path = tmp_path / "empty.xlsx"
    assert write_consolidated(batch, batch.accepted_rows(), path) == 0
    wb = openpyxl.load_workbook(path)
    assert [c.value for c in wb[SHEET_FORM][3]] == [1, 2, 3, 4, 5, 6]
    groups = _summary_table(_calamine(path, SHEET_SUMMARY), "Строки по графе")
    assert [int(r[1]) for r in groups] == [0] * 8


def test_output_replaces_the_old_file_atomically(written, tmp_path):
    batch, rows, path, n = written
    write_consolidated(batch, rows.iloc[:2], path)
    assert len(_calamine(path, SHEET_TRACE)) == 3
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary left behind


def test_wrapped_rows_get_a_height_that_shows_them_whole(tmp_path):
    """Spreadsheets do not grow rows to wrapped text on opening: the height is written, from the
    estimate, for the tallest cell of a row."""
    from consolidator.ooxml.xlsx_writer import fit_height, text_height

    batch = make_batch(tmp_path)
    long = "Выдача справки о праве на меры социальной поддержки по оплате жилого помещения " * 3
    batch.data.loc[batch.data["service"] == "Обучение сотрудников", "service"] = long
    batch.data.loc[batch.data["service"] == "Выдача удостоверения", "interaction"] = float("nan")
    rows = batch.accepted_rows()
    path = tmp_path / "h.xlsx"
    n = write_consolidated(batch, rows, path)
    ws = openpyxl.load_workbook(path)[SHEET_FORM]
    widths = {c.key: c.width for c in batch.profile.columns}
    tall = next(r for r in range(4, 4 + n) if ws.cell(row=r, column=3).value == long)
    assert ws.row_dimensions[tall].height == text_height(long, widths["service"]) > 45
    heights = [ws.row_dimensions[r].height for r in range(4, 4 + n)]
    assert heights == [fit_height([c.value for c in ws[r]], list(widths.values())) for r in range(4, 4 + n)]
    # A missing value is an empty cell that keeps the table's borders.
    empty = next(r for r in range(4, 4 + n) if ws.cell(row=r, column=3).value == "Выдача удостоверения")
    assert ws.cell(row=empty, column=5).value is None and ws.cell(row=empty, column=5).border.left.style == "thin"
    # Each footnote spans the table.
    merged = {str(m) for m in ws.merged_cells.ranges}
    assert {f"A{5 + n + i}:F{5 + n + i}" for i in range(len(batch.profile.footnotes))} <= merged


@pytest.mark.parametrize("name", ["udmurt", "nso-minreg"])
def test_online_split_per_distinct_pair_is_the_row_by_row_one(tmp_path, name):
    """The summary recognises each (kind, point) pair once; the result is kinds.online_mask's."""
    from consolidator.outputs.consolidated import _online_mask
    from consolidator.profile.kinds import online_mask, point_column

    profile = load_profile(name)
    kind, point = profile.kind_column, point_column(profile) or profile.kind_column
    kinds = [k.value for k in profile.kinds] + [None, "непонятно"]
    points = ["Официальный сайт", "Личный прием", "Телефон", None]
    rows = pd.DataFrame({kind: [k for k in kinds for _ in points] * 2,
                         point: [p for _ in kinds for p in points] * 2}, index=range(100, 100 + 2 * len(kinds) * 4))
    expected = online_mask(profile, rows)
    assert expected.any() and not expected.all()
    assert _online_mask(profile, rows).equals(expected)


def _written_in_sheets_of(tmp_path, monkeypatch, most: int):
    import consolidator.outputs.consolidated as consolidated

    batch = make_batch(tmp_path)
    monkeypatch.setattr(consolidated, "SHEET_ROWS", most)
    path = tmp_path / "out" / "Сводный перечень.xlsx"
    assert write_consolidated(batch, batch.accepted_rows(), path) == len(EXPECTED_ORDER) == 6
    return batch.profile, openpyxl.load_workbook(path)


def test_a_list_longer_than_a_sheet_goes_on_in_the_next_sheet(tmp_path, monkeypatch):
    """Nothing lost past Excel's last row: with sheets of (here) room for 4 rows of the list, its 6 rows
    go on two sheets, each a whole form, every row once and in order."""
    p = load_profile("udmurt")
    most = 3 + 1 + len(p.footnotes) + 4  # title, header, numbers; the data; a blank row and the footnotes
    p, wb = _written_in_sheets_of(tmp_path, monkeypatch, most)
    assert wb.sheetnames == [SHEET_FORM, f"{SHEET_FORM} (2)", SHEET_TRACE, SHEET_SUMMARY]
    numbers = []
    for name in (SHEET_FORM, f"{SHEET_FORM} (2)"):
        ws = wb[name]
        assert ws.max_row <= most
        assert [c.value for c in ws[2]] == [c.header for c in p.columns] and ws.print_title_rows == "$2:$3"
        assert ws.cell(row=ws.max_row, column=1).value == p.footnotes[-1]
        numbers += [r[0] for r in ws.iter_rows(min_row=4, values_only=True) if isinstance(r[0], int)]
    assert numbers == list(range(1, 7))


def test_a_trace_longer_than_a_sheet_goes_on_in_the_next_sheet(tmp_path, monkeypatch):
    _, wb = _written_in_sheets_of(tmp_path, monkeypatch, 4)  # the header and 3 rows
    assert [n for n in wb.sheetnames if n.startswith(SHEET_TRACE)] == [SHEET_TRACE, f"{SHEET_TRACE} (2)"]
    numbers = []
    for name in (SHEET_TRACE, f"{SHEET_TRACE} (2)"):
        ws = wb[name]
        assert [c.value for c in ws[1]] == list(TRACE_HEADERS) and ws.max_row == 4
        assert ws.auto_filter.ref == "A1:E4"
        numbers += [r[0] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert numbers == list(range(1, 7))
