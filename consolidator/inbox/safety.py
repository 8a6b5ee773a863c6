"""Untrusted files are looked at before any reader parses them.

Every file in the inbox comes from other hands. Before python-calamine or openpyxl sees a file, this
module decides what the file really is from its first bytes (not from its extension), and refuses,
with a Russian reason the author can act on:

- an empty, truncated or corrupted file; a password-protected workbook (an OLE container holding an
  ``EncryptedPackage`` stream, an encrypted .ods); a Word, PDF or other document under a workbook's
  extension;
- a zip bomb: a workbook whose zip directory claims more than the configured unpacked total
  (``Limits.max_unpacked_mb``) or an absurd compression ratio, judged from the directory alone,
  before anything is inflated;
- an XML part with a document type declaration (``<!DOCTYPE``/``<!ENTITY``): Office and LibreOffice
  never write one; it is how entity-expansion ("billion laughs") and external-entity attacks start;
- a sheet whose cells span more than ``Limits.max_cells`` (python-calamine allocates the whole
  rectangle up to the last filled cell: one value in XFD1048576 would ask for 550 GB and abort the
  process).

It also prepares what the readers need and cannot get themselves: for .xlsx/.xlsm the hidden rows and
the Excel error values of every sheet (calamine reads an error as an empty cell), and a trimmed copy
of the workbook, in memory, when a sheet ends in a long run of rows with no value (a whole column
formatted or a formula returning "" filled down to row 1 048 576): those rows are cut before calamine
or openpyxl parse them, so such a file reads in about the time of a small one. Nothing with a value
is ever cut. For .ods the hidden rows come from content.xml.

CSV and HTML tables saved with a workbook's extension, as registries export them, are recognised
here and read by consolidator.textgrid.
"""
from __future__ import annotations

import io
import os
from collections import OrderedDict
import re
import stat
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from defusedxml import ElementTree

DEFAULT_MAX_UNPACKED_MB = 200
ENV_MAX_UNPACKED_MB = "CONSOLIDATOR_MAX_UNPACKED_MB"
# A part that inflates more than this many times is a bomb, once it is big enough to matter
# (sheet XML of real workbooks compresses 5-30 times; deflate tops out near 1030).
DEFAULT_MAX_RATIO = 200
RATIO_MIN_BYTES = 10 * 1024 * 1024
# The rectangle calamine allocates for one sheet (32 bytes a cell): 20 million cells is ~640 MB,
# far above any real Перечень (a 60 000-row list of 6 columns is 360 000 cells), far below the
# 550 GB one value in XFD1048576 would ask for.
DEFAULT_MAX_CELLS = 20_000_000
# Trailing rows without any value are cut from an .xlsx sheet when there are more of them than this.
TRIM_MIN_ROWS = 1000
# openpyxl makes an object for every cell of a merged range or of a hyperlink's range: a merge of
# A1:XFD1048576 in a 6 KB file would keep it busy for hours. Larger ranges are dropped from the copy
# the readers get (a merge that size is no table's).
MAX_RANGE_CELLS = 100_000

OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
ODS_MIME = "application/vnd.oasis.opendocument.spreadsheet"

PASSWORD_REASON = "Файл защищен паролем: снимите пароль и направьте файл повторно."
RESEND = "Откройте файл, проверьте его и направьте повторно в формате .xlsx."


class UnreadableError(Exception):
    """The file cannot be read as a workbook; the message is the Russian reason."""


@dataclass(frozen=True)
class Limits:
    """What an untrusted file may cost. `max_unpacked_mb` is set by `--max-unpacked-mb` or the
    CONSOLIDATOR_MAX_UNPACKED_MB environment variable (default 200)."""

    max_unpacked_mb: float = DEFAULT_MAX_UNPACKED_MB
    max_ratio: float = DEFAULT_MAX_RATIO
    max_cells: int = DEFAULT_MAX_CELLS

    @property
    def max_unpacked_bytes(self) -> int:
        return int(self.max_unpacked_mb * 1024 * 1024)

    @classmethod
    def from_env(cls, max_unpacked_mb: float | None = None) -> "Limits":
        if max_unpacked_mb is None:
            raw = os.environ.get(ENV_MAX_UNPACKED_MB, "").strip()
            try:
                max_unpacked_mb = float(raw.replace(",", ".")) if raw else DEFAULT_MAX_UNPACKED_MB
            except ValueError:
                max_unpacked_mb = DEFAULT_MAX_UNPACKED_MB
        if max_unpacked_mb <= 0:
            max_unpacked_mb = DEFAULT_MAX_UNPACKED_MB
        return cls(max_unpacked_mb=max_unpacked_mb)


@dataclass
class SheetInfo:
    """What the readers cannot see in a sheet: its hidden rows (1-based Excel rows), its Excel error
    cells ((0-based row, 0-based column) -> "#REF!"), and how many empty trailing rows were cut."""

    hidden: list[range] = field(default_factory=list)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    trimmed_rows: int = 0
    dropped_ranges: list[str] = field(default_factory=list)  # merges/hyperlinks too large to keep

    def hide(self, first: int, count: int = 1) -> None:
        last = self.hidden[-1] if self.hidden else None
        if last is not None and last.stop == first:
            self.hidden[-1] = range(last.start, first + count)
        else:
            self.hidden.append(range(first, first + count))

    def row_hidden(self, row: int) -> bool:
        return any(row in r for r in self.hidden)


@dataclass
class Source:
    """A file as it is really to be read."""

    path: Path
    kind: str  # "xlsx" (also .xlsm), "xlsb", "ods", "xls", "csv", "html", "xml2003"
    data: bytes | None = None  # read this instead of the file (a trimmed .xlsx, or the text file)
    sheets: dict[str, SheetInfo] = field(default_factory=dict)
    # For a file whose extension lies: what it really is, in Russian («текст CSV»).
    actual: str | None = None

    @property
    def text(self) -> bool:
        return self.kind in ("csv", "html", "xml2003")

    def info(self, sheet: str) -> SheetInfo:
        return self.sheets.get(sheet) or SheetInfo()

    def binary(self):
        """What to hand to calamine or openpyxl: the path, or the prepared bytes."""
        return io.BytesIO(self.data) if self.data is not None else self.path

    @property
    def trimmed_rows(self) -> int:
        return sum(s.trimmed_rows for s in self.sheets.values())

    @property
    def dropped_ranges(self) -> list[str]:
        return [f"«{name}»!{ref}" for name, s in self.sheets.items() for ref in s.dropped_ranges]


def natural_suffix(kind: str) -> str:
    return {"xlsx": ".xlsx", "xlsb": ".xlsb", "ods": ".ods", "xls": ".xls"}.get(kind, "")


def _mb(n: int) -> str:
    if n < 1024 * 1024:
        return f"{max(1, round(n / 1024))} КБ"
    return f"{n / 1024 / 1024:.1f}".replace(".", ",").replace(",0", "") + " МБ"


_CACHE: "OrderedDict[tuple, Source | UnreadableError]" = OrderedDict()
_CACHE_SIZE = 32
_CACHE_BYTES = 256 * 1024 * 1024  # prepared copies and text files kept at most


def _cached_bytes() -> int:
    return sum(len(v.data) for v in _CACHE.values() if isinstance(v, Source) and v.data is not None)


def inspect(path: Path, limits: Limits | None = None) -> Source:
    """What the file really is, ready to be read; UnreadableError with the reason otherwise.

    A run looks at a file more than once (to read it, to tell its form, to write its returned copy):
    the answer is kept for the same file (path, size, modification time) and limits."""
    limits = limits or Limits.from_env()
    path = Path(path)
    try:
        st = path.stat()
    except OSError as exc:
        raise UnreadableError(f"Файл не удалось открыть: {exc.strerror or exc}.") from exc
    key = (str(path), st.st_size, st.st_mtime_ns, st.st_ino, limits)
    hit = _CACHE.get(key)
    if hit is None:
        try:
            hit = _inspect(path, st, limits)
        except UnreadableError as exc:
            hit = exc
        _CACHE[key] = hit
        while len(_CACHE) > 1 and (len(_CACHE) > _CACHE_SIZE or _cached_bytes() > _CACHE_BYTES):
            _CACHE.popitem(last=False)
    if isinstance(hit, UnreadableError):
        raise UnreadableError(str(hit))
    return hit


def _inspect(path: Path, st: os.stat_result, limits: Limits) -> Source:
    if not stat.S_ISREG(st.st_mode):
        raise UnreadableError("Это не обычный файл (устройство, канал или папка): такие файлы не открываются.")
    if st.st_size == 0:
        raise UnreadableError("Файл пустой (0 байт): вероятно, он не был сохранен до конца или передан не "
                              "полностью. Сохраните перечень заново и направьте файл повторно.")
    try:
        with open(path, "rb") as fh:
            head = fh.read(8192)
    except OSError as exc:
        raise UnreadableError(f"Файл не удалось открыть: {exc.strerror or exc}.") from exc
    try:
        if head.startswith(ZIP_MAGICS):
            return _inspect_zip(path, st.st_size, limits)
        if head.startswith(OLE_MAGIC):
            return _inspect_ole(path, limits)
    except UnreadableError:
        raise
    except MemoryError:
        raise UnreadableError("Файл слишком велик для проверки: не хватило памяти.") from None
    except Exception as exc:  # a container broken in a way nobody foresaw is still just broken
        raise UnreadableError(f"Файл поврежден: его структура не читается ({type(exc).__name__}). {RESEND}") from exc
    what = _other_binary(head)
    if what:
        raise UnreadableError(f"Это {what}, а не книга Excel. Направьте перечень в формате .xlsx.")
    if st.st_size > limits.max_unpacked_bytes:
        raise UnreadableError(f"Файл слишком большой ({_mb(st.st_size)}; допускается не более "
                              f"{_mb(limits.max_unpacked_bytes)}) и не является книгой Excel.")
    from consolidator.inbox.textgrid import sniff_text

    data = path.read_bytes()
    kind, actual = sniff_text(data)
    suffix = path.suffix.lower() or "без расширения"
    if kind is None:
        raise UnreadableError(f"Файл с расширением {suffix} на самом деле — {actual}, а не книга Excel. {RESEND}")
    if kind == "xml2003":
        _refuse_dtd(path.name, data)
    return Source(path=path, kind=kind, data=data, actual=actual)


_SIGNATURES = [
    (b"%PDF", "документ PDF"),
    (b"{\\rtf", "документ RTF (Word)"),
    (b"\x89PNG", "изображение PNG"),
    (b"\xff\xd8\xff", "изображение JPEG"),
    (b"GIF8", "изображение GIF"),
    (b"Rar!", "архив RAR"),
    (b"7z\xbc\xaf\x27\x1c", "архив 7-Zip"),
    (b"\x1f\x8b", "архив gzip"),
    (b"MZ", "программа Windows"),
    (b"\x7fELF", "программа"),
]


def _other_binary(head: bytes) -> str | None:
    for magic, what in _SIGNATURES:
        if head.startswith(magic):
            return what
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "файл неизвестного двоичного формата"
    return None


# --- zip containers: .xlsx, .xlsm, .xlsb, .ods and documents that are not workbooks ---------------

def _inspect_zip(path: Path, size: int, limits: Limits) -> Source:
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise UnreadableError(
            "Файл поврежден или передан не полностью (обрезан): в архиве книги нет оглавления. "
            "Сохраните перечень заново и направьте файл повторно.") from exc
    except (OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise UnreadableError(f"Файл поврежден: архив книги не читается ({exc}). {RESEND}") from exc
    with zf:
        infos = zf.infolist()
        _zip_bomb(infos, size, limits)
        names = {i.filename for i in infos}
        if any(i.flag_bits & 0x1 for i in infos):
            raise UnreadableError(PASSWORD_REASON)
        kind = _zip_kind(zf, names)
        members = _read_members(zf, infos)
    if kind == "ods":
        manifest = members.get("META-INF/manifest.xml", b"")
        if b"encryption-data" in manifest:
            raise UnreadableError(PASSWORD_REASON)
        content = members.get("content.xml", b"")
        src = Source(path=path, kind="ods", sheets=_ods_sheets(content, limits))
        trimmed = _trim_ods(content, src)
        if trimmed is not None:
            src.data = _rebuild(infos, members, {"content.xml": trimmed})
        return src
    if kind == "xlsb":
        return Source(path=path, kind="xlsb")
    return _prepare_xlsx(path, infos, members, limits)


def _zip_bomb(infos: list[zipfile.ZipInfo], size: int, limits: Limits) -> None:
    """Refuse from the zip directory alone: nothing has been inflated yet."""
    total = sum(i.file_size for i in infos)
    if total > limits.max_unpacked_bytes:
        raise UnreadableError(
            f"Файл похож на «zip-бомбу»: при размере {_mb(size)} он распаковывается в {_mb(total)}, больше "
            f"допустимых {_mb(limits.max_unpacked_bytes)}. Такой файл не распаковывается. Если это "
            f"действительно очень большой перечень, увеличьте предел параметром --max-unpacked-mb.")
    for i in infos:
        if i.file_size > RATIO_MIN_BYTES and i.file_size > limits.max_ratio * max(i.compress_size, 1):
            raise UnreadableError(
                f"Файл похож на «zip-бомбу»: часть «{i.filename}» сжата в {i.file_size // max(i.compress_size, 1)} "
                f"раз (допускается не более {int(limits.max_ratio)}). Такой файл не распаковывается.")
    if len(infos) > 10_000:
        raise UnreadableError(f"Файл похож на «zip-бомбу»: в архиве книги {len(infos)} частей. "
                              f"Такой файл не распаковывается.")


def _zip_kind(zf: zipfile.ZipFile, names: set[str]) -> str:
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "xl/workbook.bin" in names:
        return "xlsb"
    mime = ""
    if "mimetype" in names and zf.getinfo("mimetype").file_size < 200:
        try:
            mime = zf.read("mimetype").decode("ascii", "replace").strip()
        except Exception:
            mime = ""
    if mime == ODS_MIME or (not mime and "content.xml" in names and "META-INF/manifest.xml" in names):
        return "ods"
    if "word/document.xml" in names:
        what = "документ Word (.docx)"
    elif "ppt/presentation.xml" in names:
        what = "презентация PowerPoint (.pptx)"
    elif mime.startswith("application/vnd.oasis.opendocument.text"):
        what = "текстовый документ OpenDocument (.odt)"
    elif mime.startswith("application/vnd.oasis.opendocument."):
        what = f"документ OpenDocument другого вида ({mime.rsplit('.', 1)[-1]})"
    elif "[Content_Types].xml" in names:
        what = "документ Office, но не книга Excel"
    else:
        what = "архив ZIP"
    raise UnreadableError(f"Это {what}, а не книга Excel. Направьте перечень в формате .xlsx.")


_DTD_KEYWORDS = tuple(k.encode(enc) for k in ("<!DOCTYPE", "<!ENTITY") for enc in ("utf-8", "utf-16-le", "utf-16-be"))


def _read_members(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> dict[str, bytes]:
    """Inflate every part (checking its CRC) and refuse XML parts with a DTD. Returns the parts."""
    out = {}
    for info in infos:
        if info.is_dir():
            continue
        try:
            data = zf.read(info)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError,
                NotImplementedError, RuntimeError) as exc:
            raise UnreadableError(
                f"Файл поврежден: часть книги «{info.filename}» не распаковывается ({_zip_error(exc)}). "
                f"Вероятно, файл испорчен при передаче. {RESEND}") from exc
        except Exception as exc:  # zlib.error and the like
            raise UnreadableError(
                f"Файл поврежден: часть книги «{info.filename}» не распаковывается (испорчены сжатые данные). "
                f"Вероятно, файл испорчен при передаче. {RESEND}") from exc
        if info.filename.lower().endswith((".xml", ".rels", ".vml")) or info.filename in ("content.xml",):
            _refuse_dtd(info.filename, data)
        out[info.filename] = data
    return out


def _zip_error(exc: Exception) -> str:
    text = str(exc)
    if "CRC" in text:
        return "не совпадает контрольная сумма"
    if isinstance(exc, NotImplementedError) or "compression" in text.lower():
        return "неизвестный способ сжатия"
    return "архив испорчен"


def _refuse_dtd(name: str, data: bytes) -> None:
    """Refuse a part that declares a DTD. Outside markup «<» is always escaped, so the keywords can
    only be markup (or hide in a comment, which is refused too): the whole part is searched, in
    UTF-8 and in both UTF-16 byte orders, at the speed of bytes.find."""
    if any(k in data for k in _DTD_KEYWORDS):
        raise UnreadableError(
            f"Файл отклонен: часть «{name}» содержит объявление DTD (<!DOCTYPE>/<!ENTITY>). Excel и "
            f"LibreOffice таких объявлений не создают; ими пользуются для атак на программы "
            f"(«billion laughs», внешние сущности). Пересохраните перечень в Excel и направьте повторно.")


# --- .xlsx / .xlsm --------------------------------------------------------------------------------

_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_SHEET_DATA = re.compile(rb"<(?:\w+:)?sheetData\b[^>]*?(/?)>")
_VALUE = re.compile(rb"<(?:\w+:)?v>\s*[^<\s]|<(?:\w+:)?t(?:\s[^>]*)?>\s*[^<\s]")
_ROOT_PREFIX = re.compile(rb"<(\w+:)?worksheet\b")
_ROW_START = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
_ROW_END = re.compile(rb"</(?:\w+:)?row\s*>|<(?:\w+:)?row\b[^>]*/>")
_ATTR_R = re.compile(rb'\br\s*=\s*["\']([A-Za-z]*)(\d+)["\']')
_ATTR_HIDDEN = re.compile(rb'\bhidden\s*=\s*["\'](1|true)["\']')
_CELL_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br\s*=\s*["\']([A-Z]{1,3})\d+["\']')
_ERROR_CELL = re.compile(rb'<(?:\w+:)?c\b([^>]*\bt\s*=\s*["\']e["\'][^>]*)>(.*?)</(?:\w+:)?c\s*>', re.DOTALL)
_V = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_WINDOW = 1 << 20


def column_index(letters: str) -> int:
    """0-based column index of Excel column letters ("A" -> 0)."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def _sheet_parts(members: dict[str, bytes]) -> list[tuple[str, str]]:
    """(sheet name, part name) for every worksheet, from xl/workbook.xml and its relationships."""
    try:
        wb = ElementTree.fromstring(members["xl/workbook.xml"])
        rels = ElementTree.fromstring(members.get("xl/_rels/workbook.xml.rels", b"<Relationships/>"))
    except KeyError as exc:
        raise UnreadableError(f"Файл поврежден: в книге нет части {exc}. {RESEND}") from exc
    except Exception as exc:
        raise UnreadableError(f"Файл поврежден: оглавление книги не читается ({type(exc).__name__}). {RESEND}") from exc
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{{{_NS_PKG_REL}}}Relationship")}
    out = []
    for sheet in wb.iter(f"{{{_NS_MAIN}}}sheet"):
        target = targets.get(sheet.get(f"{{{_NS_REL}}}id"), "")
        if not target:
            continue
        part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        # Normalise "xl/worksheets/../worksheets/sheet1.xml".
        parts: list[str] = []
        for p in part.split("/"):
            if p == "..":
                if parts:
                    parts.pop()
            elif p and p != ".":
                parts.append(p)
        out.append((sheet.get("name") or "", "/".join(parts)))
    return out


def _prepare_xlsx(path: Path, infos: list[zipfile.ZipInfo], members: dict[str, bytes], limits: Limits) -> Source:
    src = Source(path=path, kind="xlsx")
    replaced: dict[str, bytes] = {}
    for name, part in _sheet_parts(members):
        xml = members.get(part)
        if xml is None:
            continue
        info, trimmed = _scan_sheet(name, xml, limits)
        src.sheets[name] = info
        if trimmed is not None:
            replaced[part] = trimmed
    if replaced:
        src.data = _rebuild(infos, members, replaced)
    return src


def _rebuild(infos: list[zipfile.ZipInfo], members: dict[str, bytes], replaced: dict[str, bytes]) -> bytes:
    """The workbook again, in memory, with some parts replaced."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in infos:
            if info.is_dir():
                continue
            method = zipfile.ZIP_STORED if info.filename == "mimetype" else zipfile.ZIP_DEFLATED
            out.writestr(info.filename, replaced.get(info.filename, members[info.filename]), compress_type=method)
    return buf.getvalue()


def _scan_sheet(name: str, xml: bytes, limits: Limits) -> tuple[SheetInfo, bytes | None]:
    """Hidden rows, error cells and the extent of one sheet's XML; the XML without its trailing rows
    that hold no value, when there are many of them."""
    info = SheetInfo()
    start = _SHEET_DATA.search(xml)
    if not start or start.group(1) == b"/":
        return info, None
    root = _ROOT_PREFIX.search(xml, 0, start.start())
    prefix = (root.group(1) or b"") if root else b""
    end = xml.rfind(b"</" + prefix + b"sheetData", start.end())
    if end < 0:
        raise UnreadableError(f"Файл поврежден: лист «{name}» обрывается на середине. {RESEND}")
    body_start, body_end = start.end(), end
    cut = _last_value_row_end(xml, body_start, body_end, prefix)
    trimmed = None
    if cut < body_end:
        tail_rows = xml.count(b"<" + prefix + b"row", cut, body_end)
        if tail_rows > TRIM_MIN_ROWS:
            info.trimmed_rows = tail_rows
            trimmed = xml[:cut] + xml[end:]
            body_end = cut
    after = _RANGE_ELEMENT.sub(lambda m: _keep_range(m, info), xml[end:])
    if info.dropped_ranges:
        trimmed = (trimmed[: len(trimmed) - (len(xml) - end)] if trimmed is not None else xml[:end]) + after
    body = xml[body_start:body_end]

    last_start = body.rfind(b"<" + prefix + b"row")
    last = _ROW_START.match(body, last_start) if last_start >= 0 else None
    last_r = _ATTR_R.search(last.group(1)) if last else None
    max_row = int(last_r.group(2)) if last_r else 0
    if b"hidden" in body or (last is not None and last_r is None):
        # Row by row: some rows are hidden, or rows carry no number (r) and are counted.
        last_row = 0
        for m in _ROW_START.finditer(body):
            attrs = m.group(1)
            r = _ATTR_R.search(attrs)
            row = int(r.group(2)) if r else last_row + 1
            last_row, max_row = row, max(max_row, row)
            if b"hidden" in attrs and _ATTR_HIDDEN.search(attrs):
                info.hide(row)
    cols = set(_CELL_REF.findall(body))
    if cols:
        widest = max(cols, key=lambda c: (len(c), c)).decode()
        width = column_index(widest) + 1
        if max_row * width > limits.max_cells:
            raise UnreadableError(
                f"На листе «{name}» заполнены ячейки далеко за пределами таблицы: область данных — "
                f"{_n(max_row)} строк × {_n(width)} столбцов (до столбца {widest}), больше допустимых "
                f"{_n(limits.max_cells)} ячеек. Удалите содержимое лишних строк и столбцов и направьте файл повторно.")
    if b'"e"' in body or b"'e'" in body:
        for m in _ERROR_CELL.finditer(body):
            r = _ATTR_R.search(m.group(1))
            v = _V.search(m.group(2))
            if r and r.group(1) and v:
                token = v.group(1).decode("utf-8", "replace").strip() or "#ОШИБКА"
                info.errors[(int(r.group(2)) - 1, column_index(r.group(1).decode()))] = token
    return info, trimmed


_RANGE_ELEMENT = re.compile(rb'<(?:\w+:)?(?:mergeCell|hyperlink)\b[^>]*?\bref\s*=\s*["\']([^"\']*)["\'][^>]*?/>')
_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})(?::\$?([A-Za-z]{1,3})\$?(\d{1,7}))?$")


def range_cells(ref: str) -> int | None:
    """Cells in an A1 range («B7:C12» -> 12), None when it is not one."""
    m = _REF.match(ref.strip())
    if not m:
        return None
    c1, r1 = column_index(m.group(1)), int(m.group(2))
    c2, r2 = (column_index(m.group(3)), int(m.group(4))) if m.group(3) else (c1, r1)
    return (abs(r2 - r1) + 1) * (abs(c2 - c1) + 1)


def _keep_range(m: re.Match, info: SheetInfo) -> bytes:
    ref = m.group(1).decode("ascii", "replace")
    cells = range_cells(ref)
    if cells is not None and cells <= MAX_RANGE_CELLS:
        return m.group(0)
    info.dropped_ranges.append(ref)
    return b""


def _n(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def _last_value_row_end(xml: bytes, start: int, end: int, prefix: bytes = b"") -> int:
    """Offset just past the row holding the sheet's last value (`start` if no cell has one).

    Searched backwards a window at a time. A window is first judged by counting literal tags (C
    speed): as many «<v>» as empty «<v></v>» and no inline string means no value in it; only a
    window that may hold one is searched with the regular expression. A million empty rows cost a
    few passes of bytes.count."""
    v, empty_v, inline = b"<" + prefix + b"v>", b"<" + prefix + b"v></" + prefix + b"v>", b"<" + prefix + b"is>"
    pos, window = end, 4096  # the last value is usually near the end: small windows first
    while pos > start:
        lo = max(start, pos - window)
        window = min(window * 4, _WINDOW)
        hi = min(end, pos + 64)  # overlap: a tag cut by the window edge is seen whole
        if xml.count(v, lo, hi) != xml.count(empty_v, lo, hi) or xml.find(inline, lo, hi) >= 0:
            hits = list(_VALUE.finditer(xml, lo, hi))
            if hits:
                row_end = _ROW_END.search(xml, hits[-1].start(), end)
                return row_end.end() if row_end else end
        pos = lo
    return start


# --- .ods --------------------------------------------------------------------------------------

_ODS_T = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_ODS_O = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_ODS_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"


def _ods_sheets(content: bytes, limits: Limits) -> dict[str, SheetInfo]:
    """Hidden rows of every table of an .ods, and its extent checked against the cell limit."""
    out: dict[str, SheetInfo] = {}
    if not content:
        return out
    t = _ODS_T
    try:
        root = ElementTree.fromstring(content)
    except Exception as exc:
        raise UnreadableError(f"Файл поврежден: содержимое книги .ods не читается ({type(exc).__name__}). "
                              f"{RESEND}") from exc
    for table in root.iter(f"{t}table"):
        name = table.get(f"{t}name") or ""
        info = SheetInfo()
        r, max_row, max_col = 0, 0, 0
        for row in table.iter(f"{t}table-row"):
            repeat = _int(row.get(f"{t}number-rows-repeated"))
            if row.get(f"{t}visibility") in ("collapse", "filter"):
                info.hide(r + 1, repeat)
            c, last = 0, 0
            for cell in row:
                if cell.tag not in (f"{t}table-cell", f"{t}covered-table-cell"):
                    continue
                span = _int(cell.get(f"{t}number-columns-repeated"))
                if _ods_has_value(cell):
                    last = c + span
                c += span
            if last:
                max_row, max_col = r + repeat, max(max_col, last)
            r += repeat
        if max_row * max_col > limits.max_cells:
            raise UnreadableError(
                f"На листе «{name}» заполнены ячейки далеко за пределами таблицы: область данных — "
                f"{_n(max_row)} строк × {_n(max_col)} столбцов, больше допустимых {_n(limits.max_cells)} ячеек. "
                f"Удалите содержимое лишних строк и столбцов и направьте файл повторно.")
        out[name] = info
    return out


_ODS_VALUES = tuple(f"{_ODS_O}{a}" for a in ("value", "date-value", "time-value", "boolean-value"))
_ODS_REPEATED_ROW = re.compile(rb'<table:table-row\b[^>]*?\btable:number-rows-repeated="(\d+)"[^>]*?(/?)>')
_ODS_VALUE = re.compile(rb'office:(?:value|date-value|time-value|boolean-value)="|office:string-value="[^"]'
                        rb'|<text:p\b[^>/]*>\s*[^<\s]|<text:(?:span|a|s|tab|line-break)\b')
_ODS_TABLE_NAME = re.compile(rb'<table:table\b[^>]*?\btable:name="([^"]*)"')


def _trim_ods(content: bytes, src: Source) -> bytes | None:
    """content.xml with a row repeated more than TRIM_MIN_ROWS times written once, when neither it
    nor anything after it in its table holds a value (a formula with an empty result filled down a
    million rows is one such row in the file, a million rows for calamine). None if nothing to cut."""
    out, pos = [], 0
    for m in _ODS_REPEATED_ROW.finditer(content):
        repeat = int(m.group(1))
        if repeat <= TRIM_MIN_ROWS:
            continue
        table_end = content.find(b"</table:table>", m.end())
        if table_end < 0 or _ODS_VALUE.search(content, m.start(), table_end):
            continue
        start = content.rfind(b"<table:table ", 0, m.start())
        name = _ODS_TABLE_NAME.match(content, start) if start >= 0 else None
        sheet = name.group(1).decode("utf-8", "replace") if name else ""
        src.sheets.setdefault(sheet, SheetInfo()).trimmed_rows += repeat - 1
        out += [content[pos:m.start(1)], b"1"]
        pos = m.end(1)
    if not out:
        return None
    out.append(content[pos:])
    return b"".join(out)


def _ods_has_value(cell) -> bool:
    if any(cell.get(a) not in (None, "") for a in _ODS_VALUES) or cell.get(f"{_ODS_O}string-value"):
        return True
    return any("".join(p.itertext()).strip() for p in cell.iter(f"{_ODS_TEXT}p"))


def _int(value: str | None) -> int:
    try:
        return max(1, int(value)) if value else 1
    except ValueError:
        return 1


# --- OLE compound files: .xls, password-protected OOXML, .doc ----------------------------------

def _inspect_ole(path: Path, limits: Limits) -> Source:
    size = path.stat().st_size
    if size > limits.max_unpacked_bytes:
        raise UnreadableError(f"Файл слишком большой ({_mb(size)}; допускается не более "
                              f"{_mb(limits.max_unpacked_bytes)}).")
    data = path.read_bytes()
    names = ole_stream_names(data)
    if names is None:
        raise UnreadableError(f"Файл поврежден или передан не полностью (обрезан): оглавление книги .xls не "
                              f"читается. {RESEND}")
    lowered = {n.lower() for n in names}
    if "encryptedpackage" in lowered or "encryptioninfo" in lowered:
        raise UnreadableError(PASSWORD_REASON)
    if "workbook" in lowered or "book" in lowered:
        return Source(path=path, kind="xls", sheets=xls_sheets(data))
    if "worddocument" in lowered:
        what = "документ Word (.doc)"
    elif "powerpoint document" in lowered:
        what = "презентация PowerPoint (.ppt)"
    else:
        what = "документ Microsoft Office неизвестного вида"
    raise UnreadableError(f"Это {what}, а не книга Excel. Направьте перечень в формате .xlsx.")


class _Cfb:
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
        return _Cfb(data).names()
    except (ValueError, struct.error, IndexError, StopIteration):
        return None


# BIFF8 (.xls): what calamine does not tell. Record types from MS-XLS.
_BOF, _EOF, _BOUNDSHEET, _ROW, _BOOLERR, _FORMULA = 0x0809, 0x000A, 0x0085, 0x0208, 0x0205, 0x0006
_BIFF_ERRORS = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?", 0x24: "#NUM!",
                0x2A: "#N/A", 0x2B: "#GETTING_DATA"}


def _biff_records(stream: bytes, pos: int):
    while pos + 4 <= len(stream):
        kind, size = struct.unpack_from("<HH", stream, pos)
        yield kind, stream[pos + 4:pos + 4 + size]
        pos += 4 + size


def xls_sheets(data: bytes) -> dict[str, SheetInfo]:
    """Hidden rows and Excel error cells of every sheet of an .xls (BIFF8). Empty when the file is
    not what the parser expects: calamine still reads it, only these details are lost."""
    try:
        cfb = _Cfb(data)
        try:
            stream = cfb.stream("Workbook")
        except ValueError:
            stream = cfb.stream("Book")
        sheets = []
        for kind, body in _biff_records(stream, 0):
            if kind == _BOUNDSHEET and len(body) >= 8:
                pos, cch, high = struct.unpack_from("<I", body, 0)[0], body[6], body[7] & 1
                raw = body[8:8 + cch * (2 if high else 1)]
                sheets.append((raw.decode("utf-16-le" if high else "latin-1", "replace"), pos))
            elif kind == _EOF:
                break
        out = {}
        for name, pos in sheets:
            info = SheetInfo()
            for n, (kind, body) in enumerate(_biff_records(stream, pos)):
                if kind == _EOF or n > 5_000_000:
                    break
                if kind == _ROW and len(body) >= 14 and body[12] & 0x20:
                    info.hide(struct.unpack_from("<H", body, 0)[0] + 1)
                elif kind == _BOOLERR and len(body) >= 8 and body[7] == 1:
                    r, c = struct.unpack_from("<HH", body, 0)
                    info.errors[(r, c)] = _BIFF_ERRORS.get(body[6], "#ОШИБКА")
                elif kind == _FORMULA and len(body) >= 14 and body[12:14] == b"\xff\xff" and body[6] == 2:
                    r, c = struct.unpack_from("<HH", body, 0)
                    info.errors[(r, c)] = _BIFF_ERRORS.get(body[8], "#ОШИБКА")
            out[name] = info
        return out
    except (ValueError, struct.error, IndexError, StopIteration, UnicodeError):
        return {}
