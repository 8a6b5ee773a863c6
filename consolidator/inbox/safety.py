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
- a sheet whose values span more than ``Limits.max_cells``, or a large area of which only a few cells
  are filled (python-calamine allocates the whole rectangle up to the last value: one value in
  XFD1048576 would ask for 550 GB and abort the process; one in IV65536 of an .xls took 1.2 GB). The
  extent is that of values, as calamine counts them, for every format (.xlsx/.xlsm from the sheet's
  XML, .xlsb from its records (inbox.xlsb), .xls from its BIFF records (inbox.biff), .ods from
  content.xml), never that of empty formatted cells;
- an .xls encrypted with a password (also the XOR obfuscation calamine would read as garbage), and
  the Excel 2.x–4.0 formats no reader here knows (with a reason that says to save the file as .xlsx).

The parts of a package are found as the package says (the workbook part through `_rels/.rels`,
names matched without regard to case or to «\» for «/»), not by fixed paths: Office, LibreOffice and
other programs name them differently. A DTD is refused only in the parts something parses (LibreOffice
writes one into the Basic macros of an .ods, which nothing reads).

It also prepares what the readers need and cannot get themselves: for .xlsx/.xlsm the hidden rows and
the Excel error values of every sheet (calamine reads an error as an empty cell), and a trimmed copy
of the workbook, in memory, when a sheet ends in a long run of rows with no value (a whole column
formatted or a formula returning "" filled down to row 1 048 576): those rows are cut before calamine
or openpyxl parse them, so such a file reads in about the time of a small one. Nothing with a value
is ever cut. For .ods the hidden rows come from content.xml.

What calamine cannot open as the file is, but can once the package is put right, gets a copy in
memory to read (`Source.read_data`; the author's file and the returned copy keep everything): an
.xlsx/.xlsm or .xlsb without its Excel 4.0 macro sheets, an .ods with the `mimetype` entry Google
Docs leaves out, an .ods whose content.xml is indented (KOffice).

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
from pathlib import Path

from defusedxml import ElementTree

from consolidator.inbox import biff, xlsb

DEFAULT_MAX_UNPACKED_MB = 200
ENV_MAX_UNPACKED_MB = "CONSOLIDATOR_MAX_UNPACKED_MB"
ENV_MAX_PROCESS_MB = "CONSOLIDATOR_MAX_PROCESS_MB"
# A part that inflates more than this many times is a bomb, once it is big enough to matter
# (sheet XML of real workbooks compresses 5-30 times; deflate tops out near 1030).
DEFAULT_MAX_RATIO = 200
RATIO_MIN_BYTES = 10 * 1024 * 1024
# The rectangle calamine allocates for one sheet from its first to its last value: 32 bytes a cell,
# held twice while python-calamine hands it over (64 bytes). 5 million cells is ~320 MB, far above
# any real Перечень (a 60 000-row list of 6 columns is 360 000 cells), far below the 550 GB one value
# in XFD1048576 would ask for.
DEFAULT_MAX_CELLS = 5_000_000
# A rectangle larger than this must be filled at least one cell in SPARSE_RATIO: memory is then
# bounded by what the sheet holds. One value far below or right of a table is refused (a 41 KB .xls
# with a value in IV65536 took 1.2 GB), a large real table is not.
SPARSE_MIN_CELLS = 1_000_000
SPARSE_RATIO = 100
# The last guard, where the system has one: the address space a helper process that reads untrusted
# files may add to what it holds when it starts (speed.child). Past it that process fails, and the
# file is unreadable «for lack of memory», whatever the checks above missed.
DEFAULT_PROCESS_MB = 1024
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
SAVE_AS_XLSX = "Откройте файл в Excel (или LibreOffice), сохраните его в формате .xlsx и направьте повторно."


class UnreadableError(Exception):
    """The file cannot be read as a workbook; the message is the Russian reason, `detail` (or the
    exception it was raised from) the technical one, for the log of the results folder."""

    def __init__(self, reason: str, detail: str | None = None):
        super().__init__(reason)
        self._detail = detail

    @property
    def detail(self) -> str | None:
        if self._detail:
            return self._detail
        cause = self.__cause__
        return technical(cause) if cause is not None else None


def technical(exc: BaseException | None) -> str | None:
    """An exception as a line for the log: its type and text (never for the author)."""
    if exc is None:
        return None
    text = str(exc)
    return f"{type(exc).__name__}: {text[:2000]}" if text else type(exc).__name__


@dataclass(frozen=True)
class Limits:
    """What an untrusted file may cost. `max_unpacked_mb` is set by `--max-unpacked-mb` or the
    CONSOLIDATOR_MAX_UNPACKED_MB environment variable (default 200); `process_mb` by the
    CONSOLIDATOR_MAX_PROCESS_MB environment variable (default 1024; 0: no limit)."""

    max_unpacked_mb: float = DEFAULT_MAX_UNPACKED_MB
    max_ratio: float = DEFAULT_MAX_RATIO
    max_cells: int = DEFAULT_MAX_CELLS
    sparse_cells: int = SPARSE_MIN_CELLS
    sparse_ratio: int = SPARSE_RATIO
    process_mb: float = DEFAULT_PROCESS_MB  # see DEFAULT_PROCESS_MB; 0: no limit

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
        raw = os.environ.get(ENV_MAX_PROCESS_MB, "").strip()
        try:
            process_mb = max(0.0, float(raw.replace(",", "."))) if raw else DEFAULT_PROCESS_MB
        except ValueError:
            process_mb = DEFAULT_PROCESS_MB
        return cls(max_unpacked_mb=max_unpacked_mb, process_mb=process_mb)


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
    # What calamine reads, when it cannot read `data` (or the file) as it is: the package put right
    # (macro sheets left out, a missing `mimetype` added). The returned copy is made of `data`.
    read_data: bytes | None = None

    @property
    def text(self) -> bool:
        return self.kind in ("csv", "html", "xml2003")

    def info(self, sheet: str) -> SheetInfo:
        return self.sheets.get(sheet) or SheetInfo()

    def binary(self):
        """What to hand to openpyxl or the patcher: the path, or the prepared bytes."""
        return io.BytesIO(self.data) if self.data is not None else self.path

    def reader(self):
        """What to hand to calamine: the path, or the prepared bytes."""
        return io.BytesIO(self.read_data) if self.read_data is not None else self.binary()

    @property
    def as_is(self) -> bool:
        """Whether calamine reads the file itself (no prepared bytes)."""
        return self.data is None and self.read_data is None

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
    return sum(len(v.data or b"") + len(v.read_data or b"") for v in _CACHE.values() if isinstance(v, Source))


def inspect(path: Path, limits: Limits | None = None) -> Source:
    """What the file really is, ready to be read; UnreadableError with the reason otherwise.

    A run looks at a file more than once (to read it, to tell its form, to write its returned copy):
    the answer is kept for the same file (path, size, modification time) and limits."""
    limits = limits or Limits.from_env()
    path = Path(path)
    try:
        st = path.stat()
    except OSError as exc:
        raise UnreadableError(_os_reason(exc)) from exc
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
        raise UnreadableError(str(hit), hit.detail)
    return hit


def _os_reason(exc: OSError) -> str:
    """An operating system's refusal, in words the author (or the unit's administrator) can act on."""
    import errno

    if exc.errno in (errno.EACCES, errno.EPERM):
        return "Файл не удалось открыть: нет прав на его чтение. Проверьте права доступа к файлу."
    if exc.errno == errno.ENOENT:
        return "Файл не удалось открыть: он удален или перемещен во время проверки."
    return "Файл не удалось открыть: ошибка чтения с диска. Скопируйте файл заново и повторите проверку."


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
        raise UnreadableError(_os_reason(exc)) from exc
    try:
        if head.startswith(ZIP_MAGICS):
            return _inspect_zip(path, st.st_size, limits)
        if head.startswith(OLE_MAGIC):
            return _inspect_ole(path, limits)
    except UnreadableError:
        raise
    except MemoryError as exc:
        raise UnreadableError("Файл слишком велик для проверки: не хватило памяти. " + SAVE_AS_XLSX) from exc
    except Exception as exc:  # a container broken in a way nobody foresaw is still just broken
        raise UnreadableError(f"Файл поврежден: его структура не читается. {RESEND}") from exc
    old = biff.old_excel(head)
    if old is not None:
        raise UnreadableError(f"Это файл старой версии Excel{f' ({old})' if old else ''}: такие файлы не читаются. "
                              f"Откройте его в Excel (или LibreOffice) и сохраните как .xlsx, затем направьте повторно.")
    what = _other_binary(head, st.st_size)
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


def _other_binary(head: bytes, size: int = 0) -> str | None:
    for magic, what in _SIGNATURES:
        if head.startswith(magic):
            return what
    if head.startswith(b"BM") and len(head) >= 6 and struct.unpack_from("<I", head, 2)[0] == size:
        return "изображение BMP"
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
        raise UnreadableError(f"Файл поврежден: архив книги не читается. {RESEND}") from exc
    with zf:
        infos = zf.infolist()
        _zip_bomb(infos, size, limits)
        if any(i.flag_bits & 0x1 for i in infos):
            raise UnreadableError(PASSWORD_REASON)
        package = _Package(infos)
        kind, main = _zip_kind(zf, package)
        members = _read_members(zf, infos, kind)
    if kind == "ods":
        return _prepare_ods(path, infos, members, limits)
    if kind == "xlsb":
        return _prepare_xlsb(path, infos, members, package, main, limits)
    return _prepare_xlsx(path, infos, members, package, main, limits)


class _Package:
    """The parts of a zip package by name, matched as readers match them: without regard to case,
    «\\» read as «/», no leading «/»."""

    def __init__(self, infos: list[zipfile.ZipInfo]):
        self.names = {_norm(i.filename): i.filename for i in infos if not i.is_dir()}

    def get(self, name: str) -> str | None:
        """The part's name as stored in the zip, or None."""
        return self.names.get(_norm(name))

    def __contains__(self, name: str) -> bool:
        return _norm(name) in self.names


def _norm(name: str) -> str:
    return name.replace("\\", "/").lstrip("/").lower()


def _resolve(base: str, target: str) -> str:
    """A relationship's target as a part name: relative to the folder of the part `base`."""
    target = target.replace("\\", "/")
    if target.startswith("/"):
        joined = target
    else:
        folder = base.replace("\\", "/").rsplit("/", 1)[0] if "/" in base.replace("\\", "/") else ""
        joined = f"{folder}/{target}" if folder else target
    parts: list[str] = []
    for p in joined.split("/"):
        if p == "..":
            if parts:
                parts.pop()
        elif p and p != ".":
            parts.append(p)
    return "/".join(parts)


def _rels_of(part: str) -> str:
    """The relationships part of `part` («xl/workbook.xml» -> «xl/_rels/workbook.xml.rels»)."""
    folder, _, name = part.replace("\\", "/").rpartition("/")
    return f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"


def _relationships(data: bytes, base: str) -> dict[str, tuple[str, str]]:
    """id -> (target part name, type) of a relationships part; an unreadable one has none."""
    try:
        root = ElementTree.fromstring(data)
    except Exception:
        return {}
    out = {}
    for rel in root.iter():
        if rel.tag.rsplit("}", 1)[-1] != "Relationship" or (rel.get("TargetMode") or "").lower() == "external":
            continue
        out[rel.get("Id") or ""] = (_resolve(base, rel.get("Target") or ""), rel.get("Type") or "")
    return out


_MAIN_ROOTS = {b"workbook": "xlsx", b"document": "документ Word (.docx)",
               b"presentation": "презентация PowerPoint (.pptx)"}
_ROOT_ELEMENT = re.compile(rb"<(?:\w+:)?(\w+)[\s>/]")


def _main_part(zf: zipfile.ZipFile, package: _Package) -> str | None:
    """The package's main part (the officeDocument relationship of `_rels/.rels`) as stored, or None."""
    rels = package.get("_rels/.rels")
    if rels is None or zf.getinfo(rels).file_size > 1024 * 1024:
        return None
    data = _read_part(zf, zf.getinfo(rels))
    _refuse_dtd(rels, data)
    for target, rel_type in _relationships(data, "").values():
        if rel_type.endswith("/officeDocument"):
            return package.get(target)
    return None


def _zip_kind(zf: zipfile.ZipFile, package: _Package) -> tuple[str, str | None]:
    """("xlsx" | "xlsb" | "ods", the workbook part as stored) for a workbook; UnreadableError with
    what the file is otherwise."""
    main = _main_part(zf, package)
    what = None
    if main is not None:
        if main.lower().endswith(".bin"):
            return "xlsb", main
        if main.replace("\\", "/").lower().rsplit("/", 1)[-1] == "workbook.xml":
            return "xlsx", main
        head = _read_part(zf, zf.getinfo(main), 4096)  # a part named otherwise: its root element says
        m = _ROOT_ELEMENT.search(head)  # the first element: «<?xml» and «<!--» are not one
        found = _MAIN_ROOTS.get(m.group(1)) if m else None
        if found == "xlsx":
            return "xlsx", main
        what = found or "документ Office другого вида"
    elif "xl/workbook.xml" in package:
        return "xlsx", package.get("xl/workbook.xml")
    elif "xl/workbook.bin" in package:
        return "xlsb", package.get("xl/workbook.bin")
    mime = ""
    stored = package.get("mimetype")
    if stored is not None and zf.getinfo(stored).file_size < 200:
        try:
            mime = zf.read(stored).decode("ascii", "replace").strip()
        except Exception:
            mime = ""
    if what is None:
        if mime == ODS_MIME or (not mime and "content.xml" in package and "META-INF/manifest.xml" in package):
            return "ods", None
        if "word/document.xml" in package:
            what = "документ Word (.docx)"
        elif "ppt/presentation.xml" in package:
            what = "презентация PowerPoint (.pptx)"
        elif mime.startswith("application/vnd.oasis.opendocument.text"):
            what = "текстовый документ OpenDocument (.odt)"
        elif mime.startswith("application/vnd.oasis.opendocument."):
            what = f"документ OpenDocument другого вида ({mime.rsplit('.', 1)[-1]})"
        elif "[Content_Types].xml" in package:
            what = "документ Office другого вида"
        else:
            what = "архив ZIP"
    raise UnreadableError(f"Это {what}, а не книга Excel. Направьте перечень в формате .xlsx.")


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


_DTD_KEYWORDS = tuple(k.encode(enc) for k in ("<!DOCTYPE", "<!ENTITY") for enc in ("utf-8", "utf-16-le", "utf-16-be"))
# The parts of an .ods that calamine or this module parse; the others (the Basic macros LibreOffice
# writes with a DTD, pictures, thumbnails) are never parsed by anything here.
_ODS_PARSED = {"content.xml", "styles.xml", "meta.xml", "settings.xml", "meta-inf/manifest.xml"}


def _read_members(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], kind: str) -> dict[str, bytes]:
    """Inflate every part (checking its CRC) and refuse the parsed XML parts that declare a DTD.
    Returns the parts."""
    out = {}
    for info in infos:
        if info.is_dir():
            continue
        data = _read_part(zf, info)
        name = _norm(info.filename)
        parsed = name in _ODS_PARSED if kind == "ods" else name.endswith((".xml", ".rels", ".vml"))
        if parsed:
            _refuse_dtd(info.filename, data)
        out[info.filename] = data
    return out


def _read_part(zf: zipfile.ZipFile, info: zipfile.ZipInfo, most: int = -1) -> bytes:
    """A part inflated (its CRC checked when read whole), or the reason it is broken."""
    try:
        if most < 0:
            return zf.read(info)
        with zf.open(info) as fh:
            return fh.read(most)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError,
            NotImplementedError, RuntimeError) as exc:
        raise UnreadableError(
            f"Файл поврежден: часть книги «{info.filename}» не распаковывается ({_zip_error(exc)}). "
            f"Вероятно, файл испорчен при передаче. {RESEND}") from exc
    except Exception as exc:  # zlib.error and the like
        raise UnreadableError(
            f"Файл поврежден: часть книги «{info.filename}» не распаковывается (испорчены сжатые данные). "
            f"Вероятно, файл испорчен при передаче. {RESEND}") from exc


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
# The column letters of every r="…" in the sheet, the cells' among them: for the widest column, an upper
# bound is enough (a far one found elsewhere is looked at again value by value, _widest_value). A search
# that begins with its letter is 2.5 times faster than one anchored on each cell's tag (0.14 -> 0.06 ms a
# sheet of 60 rows, 5 % of the reading of a file). Lower-case letters are counted too (as upper-case).
_REF_LETTERS = re.compile(rb'r\s*=\s*["\']([A-Za-z]{1,3})\d')
_ERROR_CELL = re.compile(rb'<(?:\w+:)?c\b([^>]*\bt\s*=\s*["\']e["\'][^>]*)>(.*?)</(?:\w+:)?c\s*>', re.DOTALL)
_V = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_WINDOW = 1 << 20


def column_index(letters: str) -> int:
    """0-based column index of Excel column letters ("A" -> 0)."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


_SHEET_TYPES = {"worksheet": "worksheet", "chartsheet": "chart", "dialogsheet": "dialog",
                "xlMacrosheet": "macro", "xlIntlMacrosheet": "macro"}


def _sheet_parts(members: dict[str, bytes], package: _Package, main: str) -> list[tuple[str, str | None, str, str]]:
    """(sheet name, part as stored or None, kind, relationship id) for every sheet of the workbook
    part `main`, from the part and its relationships."""
    try:
        wb = ElementTree.fromstring(members[main])
    except Exception as exc:
        raise UnreadableError(f"Файл поврежден: оглавление книги не читается. {RESEND}") from exc
    rels_name = package.get(_rels_of(main))
    targets = _relationships(members[rels_name], main) if rels_name else {}
    out = []
    for sheet in wb.iter():
        if sheet.tag.rsplit("}", 1)[-1] != "sheet":
            continue
        rel_id = next((v for k, v in sheet.attrib.items() if k.rsplit("}", 1)[-1] == "id" and k != "id"), "")
        target, rel_type = targets.get(rel_id, ("", ""))
        kind = _SHEET_TYPES.get(rel_type.rsplit("/", 1)[-1], "other")
        out.append((sheet.get("name") or "", package.get(target) if target else None, kind, rel_id))
    return out


def _without_sheet_elements(xml: bytes, rel_ids: set[str]) -> bytes:
    """The workbook part's XML without the <sheet> elements of these relationship ids."""
    def drop(m: re.Match) -> bytes:
        rid = _SHEET_RID.search(m.group(1))
        return b"" if rid and rid.group(1).decode("utf-8", "replace") in rel_ids else m.group(0)
    return _SHEET_ELEMENT.sub(drop, xml)


_SHEET_ELEMENT = re.compile(rb"<(?:\w+:)?sheet\b([^>]*?)/>")
_SHEET_RID = re.compile(rb"\b\w+:id\s*=\s*[\"']([^\"']*)[\"']")


def _prepare_xlsx(path: Path, infos: list[zipfile.ZipInfo], members: dict[str, bytes], package: _Package,
                  main: str, limits: Limits) -> Source:
    src = Source(path=path, kind="xlsx")
    replaced: dict[str, bytes] = {}
    unreadable: set[str] = set()  # sheets calamine refuses the whole workbook for
    for name, part, kind, rel_id in _sheet_parts(members, package, main):
        if kind not in ("worksheet", "chart", "dialog"):
            unreadable.add(rel_id)
        xml = members.get(part) if part else None
        if xml is None or kind not in ("worksheet", "macro"):
            continue
        info, trimmed = _scan_sheet(name, xml, limits)
        if kind == "worksheet":
            src.sheets[name] = info
        if trimmed is not None:
            replaced[part] = trimmed
    if replaced:
        src.data = _rebuild(infos, members, replaced)
    if unreadable:
        src.read_data = _rebuild(infos, members, {**replaced, main: _without_sheet_elements(members[main], unreadable)})
    return src


def _prepare_xlsb(path: Path, infos: list[zipfile.ZipInfo], members: dict[str, bytes], package: _Package,
                  main: str, limits: Limits) -> Source:
    """Each worksheet's extent checked from its records; macro sheets left out of the copy calamine
    reads (it refuses the whole workbook for one)."""
    src = Source(path=path, kind="xlsb")
    rels_name = package.get(_rels_of(main))
    targets = _relationships(members[rels_name], main) if rels_name else {}
    try:
        listed = xlsb.sheets(members[main], targets)
    except (ValueError, struct.error) as exc:
        raise UnreadableError(f"Файл поврежден: оглавление книги .xlsb не читается. {RESEND}") from exc
    drop: list[tuple[int, int]] = []
    for sheet, start, end in listed:
        stored = package.get(sheet.part) if sheet.part else None
        if sheet.part is None or stored is None:
            raise UnreadableError(f"Файл поврежден: в книге нет листа «{sheet.name}», который указан в ее "
                                  f"оглавлении. {SAVE_AS_XLSX}", f"xlsb: sheet {sheet.name!r} has relationship "
                                  f"id {sheet.rel_id!r}, which is not in {rels_name}")
        if sheet.kind not in ("worksheet", "chart", "dialog"):
            drop.append((start, end))
        if sheet.kind not in ("worksheet", "macro"):
            continue
        try:
            rows, cols, values = xlsb.extent(members[stored])
        except (ValueError, struct.error) as exc:
            raise UnreadableError(f"Лист «{sheet.name}» поврежден: его записи обрываются. {SAVE_AS_XLSX}") from exc
        check_extent(sheet.name, rows, cols, values, limits)
        if sheet.kind == "worksheet":
            src.sheets[sheet.name] = SheetInfo()
    replaced = {main: xlsb.without_sheets(members[main], drop)} if drop else {}
    if rels_name and b"<Relationship" not in members[rels_name]:
        # Relationships under a namespace prefix (<ns0:Relationship>): calamine finds none and panics.
        replaced[rels_name] = _plain_relationships(members[rels_name])
    moved = _xlsb_moves(infos, main)
    if replaced or moved:
        src.read_data = _rebuild(infos, members, replaced, renamed=moved)
    return src


def _xlsb_moves(infos: list[zipfile.ZipInfo], main: str) -> dict[str, str]:
    """The parts renamed for calamine, which reads an .xlsb's workbook at xl/workbook.bin only: the
    workbook's folder becomes «xl» (the relationships inside it are relative and still hold)."""
    if main == "xl/workbook.bin":
        return {}
    folder, _, name = main.replace("\\", "/").rpartition("/")
    moves = {}
    for info in infos:
        stored = info.filename.replace("\\", "/")
        if folder and stored.startswith(folder + "/"):
            moves[info.filename] = "xl/" + stored[len(folder) + 1:]
        elif not folder and not stored.startswith(("_rels/", "docProps/", "[Content_Types]")):
            moves[info.filename] = "xl/" + stored
    moves[main] = "xl/workbook.bin"
    rels = _rels_of(main)
    for stored, target in list(moves.items()):
        if stored.replace("\\", "/") == rels:
            moves[stored] = "xl/_rels/workbook.bin.rels"
    return moves


def _plain_relationships(data: bytes) -> bytes:
    """A relationships part written again without namespace prefixes."""
    from xml.sax.saxutils import quoteattr

    try:
        root = ElementTree.fromstring(data)
    except Exception:
        return data
    rels = [r for r in root.iter() if r.tag.rsplit("}", 1)[-1] == "Relationship"]
    body = "".join(f"<Relationship {' '.join(f'{k.rsplit(chr(125), 1)[-1]}={quoteattr(v)}' for k, v in r.attrib.items())}/>"
                   for r in rels)
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns='
            f'"{_NS_PKG_REL}">{body}</Relationships>').encode("utf-8")


def _rebuild(infos: list[zipfile.ZipInfo], members: dict[str, bytes], replaced: dict[str, bytes],
             first: dict[str, bytes] | None = None, renamed: dict[str, str] | None = None) -> bytes:
    """The workbook again, in memory, with some parts replaced (`first` added before the others,
    parts `renamed`)."""
    buf = io.BytesIO()
    renamed = renamed or {}
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in (first or {}).items():
            out.writestr(name, data, compress_type=zipfile.ZIP_STORED)
        for info in infos:
            if info.is_dir():
                continue
            method = zipfile.ZIP_STORED if info.filename == "mimetype" else zipfile.ZIP_DEFLATED
            out.writestr(renamed.get(info.filename, info.filename),
                         replaced.get(info.filename, members[info.filename]), compress_type=method)
    return buf.getvalue()


def check_extent(sheet: str, rows: int, cols: int, values: int, limits: Limits) -> None:
    """Refuse a sheet whose values span more cells than calamine may allocate (Limits.max_cells), or
    a large area of which only a few cells are filled (Limits.sparse_cells, .sparse_ratio).
    `rows` and `cols` count from A1 to the last row and column with a value."""
    cells = rows * cols
    last = f"{column_letters(cols - 1)}{rows}" if rows and cols and cols <= 16384 else None
    where = f"(до ячейки {last})" if last else ""
    if cells > limits.max_cells:
        raise UnreadableError(
            f"На листе «{sheet}» заполнены ячейки далеко за пределами таблицы: область данных — {_n(rows)} строк × "
            f"{_n(cols)} столбцов {where}, больше допустимых {_n(limits.max_cells)} ячеек. Удалите содержимое "
            f"лишних строк и столбцов и направьте файл повторно.".replace("  ", " ").replace(" ,", ","))
    if cells > limits.sparse_cells and values * limits.sparse_ratio < cells:
        raise UnreadableError(
            f"На листе «{sheet}» заполнены ячейки далеко за пределами таблицы: значения разбросаны по области "
            f"{_n(rows)} строк × {_n(cols)} столбцов {where}, а заполнено в ней лишь {_n(values)} ячеек. Удалите "
            f"содержимое лишних ячеек ниже и правее таблицы и направьте файл повторно.".replace("  ", " "))


def column_letters(index: int) -> str:
    """Excel column letters of a 0-based column index (0 -> "A")."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


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
    # The extent is that of values, as calamine counts them: rows of empty formatted cells after the
    # last value (LibreOffice writes them down to row 1 048 576) take no memory and are no content.
    values_end = cut - body_start
    last_start = body.rfind(b"<" + prefix + b"row", 0, values_end)
    last = _ROW_START.match(body, last_start) if last_start >= 0 else None
    last_r = _ATTR_R.search(last.group(1)) if last else None
    max_row = int(last_r.group(2)) if last_r else 0
    if b"hidden" in body or (last is not None and last_r is None):
        # Row by row: some rows are hidden, or rows carry no number (r) and are counted.
        last_row, max_row = 0, 0
        for m in _ROW_START.finditer(body):
            attrs = m.group(1)
            r = _ATTR_R.search(attrs)
            row = int(r.group(2)) if r else last_row + 1
            last_row = row
            if m.start() < values_end:
                max_row = max(max_row, row)
            if b"hidden" in attrs and _ATTR_HIDDEN.search(attrs):
                info.hide(row)
    cols = {letters.upper() for letters in set(_REF_LETTERS.findall(body, 0, values_end))}
    if cols and max_row:
        width = column_index(max(cols, key=lambda c: (len(c), c)).decode()) + 1
        if max_row * width > min(limits.max_cells, limits.sparse_cells):  # else nothing to count
            values = (body.count(b"<" + prefix + b"v>", 0, values_end)
                      + body.count(b"<" + prefix + b"is>", 0, values_end))
            try:
                check_extent(name, max_row, width, values, limits)
            except UnreadableError:
                # The widest cell may be an empty formatted one: the widest value decides.
                check_extent(name, max_row, _widest_value(body, values_end), values, limits)
    if b'"e"' in body or b"'e'" in body:
        for m in _ERROR_CELL.finditer(body):
            r = _ATTR_R.search(m.group(1))
            v = _V.search(m.group(2))
            if r and r.group(1) and v:
                token = v.group(1).decode("utf-8", "replace").strip() or "#ОШИБКА"
                info.errors[(int(r.group(2)) - 1, column_index(r.group(1).decode()))] = token
    return info, trimmed


_CELL_START = re.compile(rb'<(?:\w+:)?c\b([^>]*?)(/?)>')
_CELL_END = re.compile(rb"</(?:\w+:)?c\s*>")


def _widest_value(body: bytes, end: int) -> int:
    """1 + the last column of a cell with a value in body[:end] (cell by cell: only for a sheet whose
    cells reach far, to tell values from empty formatted cells)."""
    widest = -1
    pos = 0
    while True:
        m = _CELL_START.search(body, pos, end)
        if m is None:
            return widest + 1
        pos = m.end()
        if m.group(2):
            continue
        close = _CELL_END.search(body, pos, end)
        stop = close.start() if close else end
        ref = _ATTR_R.search(m.group(1))
        if ref and ref.group(1) and _VALUE.search(body, pos, stop):
            widest = max(widest, column_index(ref.group(1).decode()))
        pos = close.end() if close else end


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


_ODS_INDENT = re.compile(rb">\s+(?=</?table:)")


def _prepare_ods(path: Path, infos: list[zipfile.ZipInfo], members: dict[str, bytes], limits: Limits) -> Source:
    """Hidden rows and extent of every table; the copy calamine reads when the package needs it:
    rows repeated a million times written once, a missing `mimetype` entry added (Google Docs
    leaves it out), the indentation between cells taken out (KOffice indents content.xml, and
    calamine takes the spaces for a cell's text)."""
    names = {_norm(n): n for n in members}
    manifest = members.get(names.get("meta-inf/manifest.xml", ""), b"")
    if b"encryption-data" in manifest:
        raise UnreadableError(PASSWORD_REASON)
    content_name = names.get("content.xml", "content.xml")
    content = members.get(content_name, b"")
    src = Source(path=path, kind="ods", sheets=_ods_sheets(content, limits))
    replaced = {}
    trimmed = _trim_ods(content, src)
    if trimmed is not None:
        content = replaced[content_name] = trimmed
    if _ODS_INDENT.search(content):
        replaced[content_name] = _ODS_INDENT.sub(b">", content)
    first = {} if "mimetype" in names else {"mimetype": ODS_MIME.encode("ascii")}
    if replaced or first:
        src.data = _rebuild(infos, members, replaced, first)
    return src


def _ods_sheets(content: bytes, limits: Limits) -> dict[str, SheetInfo]:
    """Hidden rows of every table of an .ods, and its extent checked against the cell limit."""
    out: dict[str, SheetInfo] = {}
    if not content:
        return out
    t = _ODS_T
    try:
        root = ElementTree.fromstring(content)
    except Exception as exc:
        raise UnreadableError(f"Файл поврежден: содержимое книги .ods не читается. {RESEND}") from exc
    for table in root.iter(f"{t}table"):
        name = table.get(f"{t}name") or ""
        info = SheetInfo()
        r, max_row, max_col, values = 0, 0, 0, 0
        for row in table.iter(f"{t}table-row"):
            repeat = _int(row.get(f"{t}number-rows-repeated"))
            if row.get(f"{t}visibility") in ("collapse", "filter"):
                info.hide(r + 1, repeat)
            c, last, filled = 0, 0, 0
            for cell in row:
                if cell.tag not in (f"{t}table-cell", f"{t}covered-table-cell"):
                    continue
                span = _int(cell.get(f"{t}number-columns-repeated"))
                if _ods_has_value(cell):
                    last = c + span
                    filled += span
                c += span
            if last:
                max_row, max_col = r + repeat, max(max_col, last)
                values += filled * repeat
            r += repeat
        check_extent(name, max_row, max_col, values, limits)
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
    names = biff.ole_stream_names(data)
    if names is None:
        raise UnreadableError(f"Файл поврежден или передан не полностью (обрезан): оглавление книги .xls не "
                              f"читается. {RESEND}")
    lowered = {n.lower() for n in names}
    if "encryptedpackage" in lowered or "encryptioninfo" in lowered:
        raise UnreadableError(PASSWORD_REASON)
    if "workbook" in lowered or "book" in lowered:
        return Source(path=path, kind="xls", sheets=_xls_sheets(data, limits))
    if "worddocument" in lowered:
        what = "документ Word (.doc)"
    elif "powerpoint document" in lowered:
        what = "презентация PowerPoint (.ppt)"
    else:
        what = "документ Microsoft Office неизвестного вида"
    raise UnreadableError(f"Это {what}, а не книга Excel. Направьте перечень в формате .xlsx.")


def _xls_sheets(data: bytes, limits: Limits) -> dict[str, SheetInfo]:
    """Hidden rows and Excel error cells of every sheet of an .xls, each sheet's extent checked
    (calamine builds every sheet when it opens the file), an encrypted workbook refused. Empty when
    the records are not what this parser expects: calamine still reads the file, only these details
    are lost."""
    try:
        book = biff.read_book(biff.workbook_stream(data))
    except (ValueError, struct.error, IndexError, StopIteration, UnicodeError):
        return {}
    if book.encrypted:
        raise UnreadableError(PASSWORD_REASON, "xls: the workbook stream has a FILEPASS record")
    out = {}
    for sheet in book.sheets:
        check_extent(sheet.name, sheet.rows, sheet.cols, sheet.values, limits)
        info = SheetInfo(errors=sheet.errors)
        for row in sheet.hidden:
            info.hide(row)
        out[sheet.name] = info
    return out
