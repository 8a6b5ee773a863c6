"""Time how long LibreOffice takes to open the order DOCX and the consolidated list of a long list.

    python benchmarks/office.py --sizes 1000 2000 5000 [--single]

For each size N: N rows of the Udmurt form in N/50 generated workbooks (benchmarks/generate.py, all
accepted), one `consolidator run`, then LibreOffice converts «Проект приказа.docx» and «Сводный
перечень.xlsx» to PDF (`soffice --headless --convert-to pdf`: it opens and lays out every page, as a
user's LibreOffice does to show them). Printed: wall time and LibreOffice's CPU time, and the pages.
With --single, the order is also converted as one table (as it was written before outputs/order_pages):
its one-table-a-page tables joined back. Skipped, with a message, when soffice is not installed.
"""
from __future__ import annotations

import argparse
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.generate import generate  # noqa: E402
from consolidator.outputs.order import _PAGE_BREAK  # noqa: E402

# The joint between two pages' tables: the end of one, the page break, the next one's opening (its
# properties, grid and two header rows).
_JOINT = re.compile(re.escape("</w:tbl>" + _PAGE_BREAK) + r"<w:tbl>(?:(?!<w:tr>).)*"
                    r"(?:<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>.*?</w:tr>){2}", re.S)


def convert(soffice: str, profile: Path, path: Path, out: Path) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, pages) of converting `path` to PDF."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(out), str(path)], check=True, capture_output=True, timeout=3600)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    pdf = out / (path.stem + ".pdf")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))
    return wall, cpu, pages


def single_table(path: Path, target: Path) -> None:
    """The order with its pages' tables joined into one."""
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "word/document.xml":
                data = _JOINT.sub("", data.decode("utf-8")).encode("utf-8")
            dst.writestr(info, data)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 5000])
    ap.add_argument("--single", action="store_true", help="also the order as one table")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "consolidator-office")
    args = ap.parse_args()
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        print("LibreOffice (soffice) не установлен: замер пропущен.")
        return
    version = subprocess.run([soffice, "--version"], capture_output=True, text=True).stdout.strip()
    print(version)
    shutil.rmtree(args.work, ignore_errors=True)
    profile = args.work / "lo-profile"
    warm = args.work / "warm.txt"
    warm.parent.mkdir(parents=True)
    warm.write_text("x", encoding="utf-8")
    convert(soffice, profile, warm, args.work)  # the profile's first start is slow: not timed
    print(f"{'строк':>6}  {'документ':<28} {'сек.':>6} {'ЦП, сек.':>8} {'страниц':>8}")
    for size in args.sizes:
        inbox, out = args.work / f"in-{size}", args.work / f"out-{size}"
        generate(inbox, files=max(1, size // 50), rows=50, errors=0.0, seed=size)
        # -P: the package installed, not this checkout's sources from the folder it is run in.
        subprocess.run([sys.executable, "-P", "-m", "consolidator", "run", str(inbox), "--out", str(out),
                        "--profile", "udmurt", "--date", "2024-07-16"], check=True, capture_output=True)
        docs = [("Проект приказа.docx", out / "Проект приказа.docx"),
                ("Сводный перечень.xlsx", out / "Сводный перечень.xlsx")]
        if args.single:
            joined = out / "Проект приказа (одна таблица).docx"
            single_table(docs[0][1], joined)
            docs.insert(1, ("приказ одной таблицей", joined))
        for label, path in docs:
            wall, cpu, pages = convert(soffice, profile, path, out)
            print(f"{size:>6}  {label:<28} {wall:>6.1f} {cpu:>8.1f} {pages:>8}", flush=True)


if __name__ == "__main__":
    main()
