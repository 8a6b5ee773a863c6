"""The inbox's files: every file under the folder in a stable order, the subdivision its folder names,
and which files are no workbooks to read (lock files, letters, links out of the inbox)."""
from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath

from consolidator.model import FileResult

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}


def discover(inbox: Path) -> list[FileResult]:
    """Every file under the inbox, in a stable order (a folder's files by name, then its folders by
    name); folders name the subdivision. A folder that is a link is not entered: it may lead out of
    the inbox."""
    inbox = inbox.resolve()
    found: list[FileResult] = []

    def walk(folder: Path, rel: str) -> None:
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            return
        folders = []
        for e in entries:
            try:
                is_dir = e.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                if not e.is_symlink():
                    folders.append(e)
                continue
            path = f"{rel}/{e.name}" if rel else e.name
            try:
                regular = e.is_file(follow_symlinks=False)
            except OSError:
                regular = None
            found.append(FileResult(path=path, source=folder / e.name, subdivision=path.split("/", 1)[0] if rel else "",
                                    regular=regular or None))
        for e in folders:
            walk(folder / e.name, f"{rel}/{e.name}" if rel else e.name)

    walk(inbox, "")
    return found


def skip_reason(f: FileResult, inbox: Path, also: tuple[str, ...] = ()) -> str | None:
    """Why the file is not to be read, or None. `also`: further suffixes to read (a survey's answers
    come as CSV exports too)."""
    name = f.source.name
    # A regular file when the inbox was listed is neither a link nor a device: no system call to say so.
    if not f.regular:
        if f.source.is_symlink():
            target = f.source.resolve()
            if not target.is_relative_to(inbox.resolve()):
                return "Ссылка на файл вне папки входящих: такие ссылки не открываются."
            if target.exists():
                # The file it points to is in the inbox and is checked itself: its rows count once.
                rel = PurePosixPath(*target.relative_to(inbox.resolve()).parts)
                return f"Ссылка на файл «{rel}» этой же папки входящих: файл проверяется один раз, под своим именем."
        try:
            mode = f.source.stat().st_mode
        except OSError:
            mode = None
        if mode is not None and not stat.S_ISREG(mode):
            return "Это не обычный файл (устройство или канал): такие файлы не открываются."
    if name.startswith("~$"):
        return "Служебный файл блокировки Excel (~$…), создается при открытии книги; это не перечень."
    if f.source.suffix.lower() not in WORKBOOK_SUFFIXES | set(also):
        ext = f.source.suffix or "без расширения"
        return (f"Файл {ext} не является книгой Excel или OpenDocument (.xlsx, .xlsm, .xls, .xlsb, .ods"
                + "".join(f", {s}" for s in also) + ").")
    return None
