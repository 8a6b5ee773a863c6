"""Odd workbooks built byte by byte, for tests/test_world.py: .xls (BIFF8 in a minimal OLE compound
file), .xlsb (MS-XLSB records in a zip), and the packages other programs write. Nothing here comes
from a real application; each builder writes just what python-calamine and LibreOffice need to read
the file, so a test can put one odd thing into an otherwise readable workbook.
"""
from __future__ import annotations

import io
import struct
import zipfile

# --- OLE compound file (MS-CFB, version 3: 512-byte sectors, no mini stream) --------------------

_FREE, _END, _FAT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


def _entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
    raw = name.encode("utf-16-le") + b"\0\0" if name else b""
    return (raw.ljust(64, b"\0") + struct.pack("<HBB", len(raw), kind, 1) + struct.pack("<III", _FREE, _FREE, child)
            + b"\0" * 16 + b"\0" * 4 + b"\0" * 16 + struct.pack("<II", start, size) + b"\0" * 4)


def cfb(stream_name: str, data: bytes) -> bytes:
    """A compound file holding one stream (padded to 4096 bytes, so that it is no mini stream; at
    most 109 FAT sectors, about 7 MB)."""
    data = data.ljust(max(4096, -(-len(data) // 512) * 512), b"\0")
    n_data = len(data) // 512
    directory = (_entry("Root Entry", 5, 1, _END, 0) + _entry(stream_name, 2, _FREE, 0, len(data))
                 + _entry("", 0, _FREE, 0, 0) * 2)
    dir_sector = n_data
    n_fat = 1
    while n_fat * 128 < n_data + 1 + n_fat:
        n_fat += 1
    fat = [i + 1 for i in range(n_data - 1)] + [_END, _END] + [_FAT] * n_fat
    fat += [_FREE] * (n_fat * 128 - len(fat))
    difat = [n_data + 1 + k for k in range(n_fat)] + [_FREE] * (109 - n_fat)
    header = (bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + b"\0" * 6 + struct.pack("<IIIIIIIII", 0, n_fat, dir_sector, 0, 4096, _END, 0, _END, 0)
              + struct.pack("<109I", *difat))
    return header + data + directory + struct.pack(f"<{len(fat)}I", *fat)


# --- BIFF8 (.xls) -------------------------------------------------------------------------------

def record(kind: int, body: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def _bof(dt: int) -> bytes:
    return record(0x0809, struct.pack("<HHHHII", 0x0600, dt, 0x0DBB, 0x07CC, 0, 0x06))


def _wide(text: str) -> bytes:
    return struct.pack("<HB", len(text), 1) + text.encode("utf-16-le")


def xls(cells: dict[tuple[int, int], object], sheet: str = "Лист1", filepass: bool = False,
        broken_strings: bool = False, merges: list[tuple[int, int, int, int]] = ()) -> bytes:
    """An .xls with one sheet holding `cells` ((row, col) 0-based -> text or number).
    `filepass`: the workbook is XOR-obfuscated (a FILEPASS record of type 0, as Excel 2002 writes
    it with «Excel 97/2000 compatible» encryption). `broken_strings`: the last shared string says it
    is longer than it is and goes on in an empty CONTINUE record, which python-calamine 0.9 cannot
    follow (it panics: index out of bounds in read_dbcs). `merges`: (first row, last row, first
    column, last column), 0-based, in MERGEDCELLS records."""
    strings = [v for v in cells.values() if isinstance(v, str)]
    index = {s: i for i, s in enumerate(dict.fromkeys(strings))}
    texts = b"".join(_wide(s) for s in index)
    if broken_strings:
        last = list(index)[-1]
        texts = texts[:-(3 + 2 * len(last))] + struct.pack("<HB", len(last) + 5, 1) + last.encode("utf-16-le")
    sst = record(0x00FC, struct.pack("<II", len(strings), len(index)) + texts)
    if broken_strings:
        sst += record(0x003C, b"")
    head = _bof(0x0005) + (record(0x002F, struct.pack("<HHH", 0, 0x1234, 0x5678)) if filepass else b"")
    head += record(0x0042, struct.pack("<H", 1200))
    name = sheet.encode("utf-16-le")
    boundsheet_len = 4 + 8 + len(name)
    tail = sst + record(0x000A)
    sheet_pos = len(head) + boundsheet_len + len(tail)
    boundsheet = record(0x0085, struct.pack("<IBBBB", sheet_pos, 0, 0, len(sheet), 1) + name)
    rows = max((r for r, _ in cells), default=0) + 1
    cols = max((c for _, c in cells), default=0) + 1
    body = _bof(0x0010) + record(0x0200, struct.pack("<IIHHH", 0, rows, 0, cols, 0))
    for (r, c), v in sorted(cells.items()):
        if isinstance(v, str):
            body += record(0x00FD, struct.pack("<HHHI", r, c, 0, index[v]))
        else:
            body += record(0x0203, struct.pack("<HHHd", r, c, 0, float(v)))
    for n in range(0, len(merges), 1026):  # at most 1026 ranges a record
        part = merges[n:n + 1026]
        body += record(0x00E5, struct.pack("<H", len(part)) + b"".join(struct.pack("<HHHH", *m) for m in part))
    body += record(0x000A)
    return cfb("Workbook", head + boundsheet + tail + body)


def biff2(cells: dict[tuple[int, int], float]) -> bytes:
    """A bare Excel 2.x worksheet (BIFF2 stream, no compound file): BOF, NUMBER cells, EOF."""
    out = record(0x0009, struct.pack("<HH", 0x0200, 0x0010))
    for (r, c), v in sorted(cells.items()):
        out += record(0x0003, struct.pack("<HH", r, c) + b"\0\0\0" + struct.pack("<d", v))
    return out + record(0x000A)


# --- .xlsb ----------------------------------------------------------------------------------------

def brt(kind: int, body: bytes = b"") -> bytes:
    """An MS-XLSB record: type and size as variable-length integers, then the body."""
    out = bytearray()
    out += bytes([kind]) if kind < 0x80 else bytes([(kind & 0x7F) | 0x80, kind >> 7])
    size = len(body)
    while True:
        byte = size & 0x7F
        size >>= 7
        out.append(byte | (0x80 if size else 0))
        if not size:
            break
    return bytes(out) + body


def _xwide(text: str) -> bytes:
    return struct.pack("<I", len(text)) + text.encode("utf-16-le")


def xlsb_sheet(cells: dict[tuple[int, int], object]) -> bytes:
    """A worksheet part: its dimension, then rows of text (BrtCellSt) and number (BrtCellReal) cells."""
    rows = sorted({r for r, _ in cells})
    last_row, last_col = max(rows, default=0), max((c for _, c in cells), default=0)
    out = brt(0x0081) + brt(0x0094, struct.pack("<IIII", 0, last_row, 0, last_col)) + brt(0x0091)
    for r in rows:
        out += brt(0x0000, struct.pack("<IIHBBI", r, 0, 300, 0, 0, 0))
        for (rr, c), v in sorted(cells.items()):
            if rr != r:
                continue
            if isinstance(v, str):
                out += brt(0x0006, struct.pack("<II", c, 0) + _xwide(v))
            else:
                out += brt(0x0005, struct.pack("<II", c, 0) + struct.pack("<d", float(v)))
    return out + brt(0x0092) + brt(0x0082)


_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
SHEET_RELS = {"worksheets": _REL + "worksheet", "chartsheets": _REL + "chartsheet",
              "macrosheets": "http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet"}


def xlsb(sheets: list[tuple[str, str, bytes]]) -> bytes:
    """An .xlsb of (name, folder «worksheets»/«chartsheets»/«macrosheets», part bytes) sheets."""
    rels, bundles, parts = [], b"", {}
    for n, (name, folder, part) in enumerate(sheets, start=1):
        rels.append(f'<Relationship Id="rId{n}" Type="{SHEET_RELS[folder]}" Target="{folder}/sheet{n}.bin"/>')
        bundles += brt(0x009C, struct.pack("<II", 0, n) + _xwide(f"rId{n}") + _xwide(name))
        parts[f"xl/{folder}/sheet{n}.bin"] = part
    workbook = brt(0x0083) + brt(0x008F) + bundles + brt(0x0090) + brt(0x0084)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/'
                   '2006/content-types"><Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.binary.'
                   'macroEnabled.main"/><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                   'relationships+xml"/></Types>')
        z.writestr("_rels/.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="' + _REL
                   + 'officeDocument" Target="xl/workbook.bin"/></Relationships>')
        z.writestr("xl/_rels/workbook.bin.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="'
                   'http://schemas.openxmlformats.org/package/2006/relationships">' + "".join(rels)
                   + "</Relationships>")
        z.writestr("xl/workbook.bin", workbook)
        for name, data in parts.items():
            z.writestr(name, data)
    return buf.getvalue()


def form_cells(profile, rows: list[dict], subdivision: str = "Управление тестирования") -> dict[tuple[int, int], object]:
    """The form as tests/workbooks.make_form lays it out, as (row, col) 0-based -> value."""
    from tests.workbooks import FIRST_DATA_ROW, HEADER_ROW

    cells: dict[tuple[int, int], object] = {(0, 0): profile.form_title, (1, 0): f"Структурное подразделение: {subdivision}"}
    for c, key in enumerate(profile.keys):
        cells[(HEADER_ROW - 1, c)] = profile.column(key).header
        cells[(HEADER_ROW, c)] = c + 1
    for i, row in enumerate(rows):
        for c, key in enumerate(profile.keys):
            value = row.get(key, i + 1 if key == profile.number_column else None)
            if value not in (None, ""):
                cells[(FIRST_DATA_ROW - 1 + i, c)] = value
    return cells
