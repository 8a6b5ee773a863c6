"""Write an OOXML package with one part's placeholder replaced by streamed XML.

python-docx holds a document as one lxml tree and serialises it whole: a table of hundreds of
thousands of rows would cost gigabytes and seconds. Instead the document is built without the
bulky content, with a placeholder comment where it goes, saved to memory, and then copied part by
part into the output zip; in the one part that holds the placeholder, the content is written in
chunks as they are generated (zipfile compresses each as it comes). Memory stays that of a chunk.
(Compressing in a worker thread while the next chunk is generated was measured: no faster on two
cores, a third more CPU time.)
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Callable, Iterable

# Deflate level of the streamed part. For the 69 MB of XML of a 42,000-row table, zlib's default
# level 6 takes 0.41 s and makes 0.8 MB; level 3 takes 0.13 s and makes 1.4 MB (levels 1 and 2 are
# no faster here). The other, small parts keep the default.
STREAM_LEVEL = 3


class _NeedsZip64(Exception):
    """The streamed part would pass the 2 GiB a plain zip entry can hold."""


def placeholder(name: str) -> str:
    """The text of the XML comment that marks where the streamed content goes. Text and attribute
    values are escaped when serialised ("<" becomes "&lt;"), so only the comment itself can match."""
    return f"consolidator-stream:{name}"


def write_streamed(package: bytes, target: Path, part: str, name: str,
                   chunks: Callable[[], Iterable[bytes]], zip64: bool = False) -> None:
    """Copy the zip `package` to `target`, replacing the placeholder comment `name` in the member
    `part` with the bytes of `chunks()` (XML in the part's encoding, UTF-8). `chunks` is called again
    if the part turns out to need a ZIP64 entry (beyond 2 GiB), which most readers never see.
    `zip64`: the caller expects the part past 2 GiB, and it is begun as a ZIP64 entry: written once,
    not once in vain and again (a list of 1.7 million rows took 28 s instead of 4 x 4 s)."""
    marker = f"<!--{placeholder(name)}-->".encode()
    try:
        _copy(package, target, part, marker, chunks(), zip64=zip64)
    except _NeedsZip64:
        _copy(package, target, part, marker, chunks(), zip64=True)


def _copy(package: bytes, target: Path, part: str, marker: bytes, chunks: Iterable[bytes],
          zip64: bool) -> None:
    with zipfile.ZipFile(io.BytesIO(package)) as src, \
            zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            copy = zipfile.ZipInfo(info.filename, info.date_time)
            copy.compress_type = info.compress_type
            copy.external_attr = info.external_attr
            if info.filename != part:
                dst.writestr(copy, data)
                continue
            head, found, tail = data.partition(marker)
            if not found or marker in tail:
                raise ValueError(f"{part}: expected exactly one placeholder {marker!r}")
            # ZipInfo.compress_level is public from Python 3.13 on; before, it is _compresslevel.
            setattr(copy, "compress_level" if hasattr(copy, "compress_level") else "_compresslevel",
                    STREAM_LEVEL)
            with dst.open(copy, "w", force_zip64=zip64) as out:
                _stream(out, head, chunks, tail, zip64)


def _stream(out, head: bytes, chunks: Iterable[bytes], tail: bytes, zip64: bool) -> None:
    """Write head, chunks and tail to the zip member `out`; stop before a plain (not ZIP64) entry
    would pass its 2 GiB limit, which zipfile would only find out when closing it."""
    written = 0

    def counted(data: bytes) -> bytes:
        nonlocal written
        written += len(data)
        if not zip64 and written > zipfile.ZIP64_LIMIT:
            raise _NeedsZip64
        return data

    out.write(counted(head))
    for chunk in chunks:
        out.write(counted(chunk))
    out.write(counted(tail))
