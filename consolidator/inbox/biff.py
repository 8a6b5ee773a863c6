""".xls files looked at before python-calamine opens them: the OLE compound file (MS-CFB) and the
BIFF records of its workbook stream (MS-XLS).

python-calamine builds every sheet of an .xls when it opens the file, each as a rectangle from the
first to the last cell that has a record: one value in IV65536 of a 41 KB file made it hold 1.2 GB.
So before it opens the file this module tells, for every sheet, how far its cells reach and how many
there are (`BiffSheet.rows`, `.cols`, `.values`), and what calamine does not tell: hidden rows and
Excel error values. It also tells what calamine cannot read or misreads: a workbook encrypted with a
password (a FILEPASS record; calamine reads an XOR-obfuscated one as garbage) and the Excel 2.x–4.0
formats (a bare BIFF2–4 stream, no compound file).

Every length and offset is checked; a broken file raises ValueError (or gives what could be read).
Imports: nothing of the package.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field

OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")

# Record types (MS-XLS 2.3)
BOF, EOF, BOUNDSHEET, ROW, BOOLERR, FORMULA = 0x0809, 0x000A, 0x0085, 0x0208, 0x0205, 0x0006
FILEPASS, CODEPAGE, DIMENSIONS = 0x002F, 0x0042, 0x0200
NUMBER, LABEL, RSTRING, RK, LABELSST, MULRK = 0x0203, 0x0204, 0x00D6, 0x027E, 0x00FD, 0x00BD
# What calamine makes a cell of: every value record (a blank, BLANK and MULBLANK, it leaves out).
_CELLS = frozenset({NUMBER, LABEL, RSTRING, BOOLERR, RK, LABELSST, FORMULA})
_BIFF_ERRORS = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?", 0x24: "#NUM!",
                0x2A: "#N/A", 0x2B: "#GETTING_DATA"}
_SHEET_KINDS = {0: "worksheet", 1: "macro", 2: "chart", 6: "vba"}
# The BOF record of a bare Excel 2.x, 3.0 and 4.0 stream (a file with no compound-file container).
_OLD_BOFS = {0x0009: "Excel 2.x", 0x0209: "Excel 3.0", 0x0409: "Excel 4.0"}
_MAX_RECORDS = 5_000_000  # per sheet: more is no real sheet


@dataclass
class BiffSheet:
    name: str
    kind: str  # "worksheet", "macro", "chart", "vba"
    hidden: list[int] = field(default_factory=list)  # 1-based hidden rows
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col), 0-based -> "#REF!"
    rows: int = 0  # 1 + the last row that has a cell (0: none)
    cols: int = 0  # 1 + the last column that has a cell
    values: int = 0  # cell records


@dataclass
class BiffBook:
    version: int  # 8 (Excel 97–2003) or 5 (Excel 5.0/95)
    encrypted: bool
    sheets: list[BiffSheet]


def old_excel(head: bytes) -> str | None:
    """"Excel 2.x", "Excel 3.0", "Excel 4.0" when the file is a bare BIFF2–4 stream; "Excel 5.0" (or ""
    when its version is not said) for a later BIFF stream written without its compound-file
    container, as some programs export; None when the file does not start with a BOF record."""
    if len(head) < 8:
        return None
    kind, size = struct.unpack_from("<HH", head, 0)
    if kind in _OLD_BOFS and size in (4, 6, 8):
        return _OLD_BOFS[kind]
    if kind == BOF and size in (4, 6, 8, 16) and struct.unpack_from("<H", head, 6)[0] in (0x0005, 0x0010, 0x0100):
        return "Excel 5.0" if struct.unpack_from("<H", head, 4)[0] == 0x0500 else ""
    return None


class Cfb:
    """A minimal, defensive reader of an OLE compound file (MS-CFB): its directory and its streams.
    Every chain is bounded and every offset checked; a broken file raises ValueError."""

    END = 0xFFFFFFFA

    def __init__(self, data: bytes):
        if len(data) < 512 or not data.startswith(OLE_MAGIC):
            raise ValueError("not a compound file")
        self.data = data
        shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
        if shift not in (9, 12) or mini_shift != 6:
            raise ValueError("sector size")
        self.ssize = 1 << shift
        n_fat, first_dir, _, self.mini_cutoff, first_minifat, _, first_difat, _ = \
            struct.unpack_from("<IIIIIIII", data, 0x2C)
        difat = list(struct.unpack_from("<109I", data, 0x4C))
        for sector in self._walk(first_difat, None):
            entries = self._sector_ints(sector)
            difat.extend(entries[:-1])
            if len(difat) > 1_000_000:
                raise ValueError("DIFAT")
        self.fat = [i for s_ in difat[:n_fat] if s_ < self.END for i in self._sector_ints(s_)]
        directory = b"".join(self._sector(s_) for s_ in self._walk(first_dir, self.fat))
        self.entries = []
        for off in range(0, len(directory) - 127, 128):
            name_len, = struct.unpack_from("<H", directory, off + 0x40)
            kind = directory[off + 0x42]
            start, size = struct.unpack_from("<II", directory, off + 0x74)
            if kind in (1, 2, 5) and 2 <= name_len <= 64:
                name = directory[off:off + name_len - 2].decode("utf-16-le", "replace")
                self.entries.append((name, kind, start, size))
        self.minifat = [i for s_ in self._walk(first_minifat, self.fat) for i in self._sector_ints(s_)]

    def _sector(self, sector: int) -> bytes:
        off = (sector + 1) * self.ssize
        if off + self.ssize > len(self.data):
            raise ValueError("sector past the end")
        return self.data[off:off + self.ssize]

    def _sector_ints(self, sector: int) -> tuple[int, ...]:
        return struct.unpack(f"<{self.ssize // 4}I", self._sector(sector))

    def _walk(self, sector: int, fat: list[int] | None):
        """A chain of sectors; for the DIFAT (fat None) the next sector is the last int of each."""
        seen = set()
        while sector < self.END:
            if sector in seen or len(seen) > 1_000_000:
                raise ValueError("loop in a sector chain")
            seen.add(sector)
            yield sector
            if fat is None:
                sector = self._sector_ints(sector)[-1]
            elif sector < len(fat):
                sector = fat[sector]
            else:
                raise ValueError("sector outside the FAT")

    def names(self) -> list[str]:
        return [e[0] for e in self.entries]

    def stream(self, name: str) -> bytes:
        entry = next((e for e in self.entries if e[0].lower() == name.lower() and e[1] == 2), None)
        if entry is None:
            raise ValueError(f"no stream {name}")
        _, _, start, size = entry
        if size < self.mini_cutoff:
            root = next(e for e in self.entries if e[1] == 5)
            container = b"".join(self._sector(s_) for s_ in self._walk(root[2], self.fat))
            seen, out, sector = set(), [], start
            while sector < self.END and len(out) * 64 < size:
                if sector in seen or sector >= len(self.minifat):
                    raise ValueError("mini chain")
                seen.add(sector)
                out.append(container[sector * 64:sector * 64 + 64])
                sector = self.minifat[sector]
            return b"".join(out)[:size]
        return b"".join(self._sector(s_) for s_ in self._walk(start, self.fat))[:size]


def ole_stream_names(data: bytes) -> list[str] | None:
    """Names of the streams and storages of an OLE compound file (MS-CFB), or None when its
    directory cannot be followed (a truncated or corrupted file)."""
    try:
        return Cfb(data).names()
    except (ValueError, struct.error, IndexError, StopIteration):
        return None


def records(stream: bytes, pos: int):
    while pos + 4 <= len(stream):
        kind, size = struct.unpack_from("<HH", stream, pos)
        yield kind, stream[pos + 4:pos + 4 + size]
        pos += 4 + size


def _codec(codepage: int | None) -> str:
    if codepage in (None, 1200, 0x8000, 0x8001):
        return "latin-1"
    try:
        "".encode(f"cp{codepage}")
        return f"cp{codepage}"
    except LookupError:
        return "latin-1"


def workbook_stream(data: bytes) -> bytes:
    """The BIFF stream of an .xls ("Workbook"; "Book" in Excel 5.0/95); ValueError if none."""
    cfb = Cfb(data)
    for name in ("Workbook", "Book"):
        try:
            return cfb.stream(name)
        except ValueError:
            continue
    raise ValueError("no workbook stream")


def read_book(stream: bytes) -> BiffBook:
    """The workbook's BIFF version, whether it is encrypted, and each sheet (see BiffSheet)."""
    version, encrypted, codepage = 8, False, None
    bounds: list[tuple[str, int, str]] = []
    for n, (kind, body) in enumerate(records(stream, 0)):
        if n == 0 and kind == BOF and len(body) >= 2 and struct.unpack_from("<H", body, 0)[0] == 0x0500:
            version = 5
        if kind == FILEPASS:
            encrypted = True
        elif kind == CODEPAGE and len(body) >= 2:
            codepage = struct.unpack_from("<H", body, 0)[0]
        elif kind == BOUNDSHEET and len(body) >= 7:
            pos, dt, cch = struct.unpack_from("<I", body, 0)[0], body[5], body[6]
            if version == 8 and len(body) >= 8:
                wide = body[7] & 1
                raw = body[8:8 + cch * (2 if wide else 1)]
                name = raw.decode("utf-16-le" if wide else "latin-1", "replace")
            else:
                name = body[7:7 + cch].decode(_codec(codepage), "replace")
            bounds.append((name, pos, _SHEET_KINDS.get(dt, "other")))
        elif kind == EOF:
            break
    if encrypted:  # what follows is obfuscated: nothing more can be read
        return BiffBook(version, True, [BiffSheet(name, kind) for name, _, kind in bounds])
    return BiffBook(version, False, [_sheet(stream, name, pos, kind) for name, pos, kind in bounds])


def _sheet(stream: bytes, name: str, pos: int, kind: str) -> BiffSheet:
    """One sheet's substream, nested substreams (an embedded chart) skipped, as calamine does."""
    sheet = BiffSheet(name, kind)
    depth, last_row, last_col, values = 0, -1, -1, 0
    unpack = struct.unpack_from
    for n, (rec, body) in enumerate(records(stream, pos)):
        if n > _MAX_RECORDS:
            break
        if rec == BOF:
            depth += 1
            continue
        if rec == EOF:
            depth -= 1
            if depth <= 0:
                break
            continue
        if depth > 1:
            continue
        if rec in _CELLS:
            if len(body) < 4:
                continue
            r, c = unpack("<HH", body, 0)
            values += 1
            if r > last_row:
                last_row = r
            if c > last_col:
                last_col = c
            if rec == BOOLERR and len(body) >= 8 and body[7] == 1:
                sheet.errors[(r, c)] = _BIFF_ERRORS.get(body[6], "#ОШИБКА")
            elif rec == FORMULA and len(body) >= 14 and body[12:14] == b"\xff\xff" and body[6] == 2:
                sheet.errors[(r, c)] = _BIFF_ERRORS.get(body[8], "#ОШИБКА")
        elif rec == MULRK and len(body) >= 6:
            r, first = unpack("<HH", body, 0)
            c = unpack("<H", body, len(body) - 2)[0]
            values += max(1, c - first + 1)
            last_row, last_col = max(last_row, r), max(last_col, c, first)
        elif rec == ROW and len(body) >= 14 and body[12] & 0x20:
            sheet.hidden.append(unpack("<H", body, 0)[0] + 1)
    sheet.rows, sheet.cols, sheet.values = last_row + 1, last_col + 1, values
    return sheet
