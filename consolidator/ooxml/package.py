"""An Office Open XML package (.xlsx, .xlsm) as bytes, for patching rather than rebuilding.

The zip is read and written by hand (its central directory, struct-packed headers): a part that does
not change is copied as it was stored, never inflated or deflated again, and the whole archive goes
to disk in one write. Relationships and content types are read and added to; everything else in
them stays byte for byte. The XML helpers locate elements in bytes with searches and small regular
expressions: the usual output of Office, LibreOffice, R7-Office and the libraries, with or without a
namespace prefix. Anything else raises PatchError, and the caller writes the file another way.
"""
from __future__ import annotations

import re
import struct
import time
import zlib
from functools import lru_cache
from pathlib import Path
from posixpath import dirname, normpath
from urllib.parse import unquote

NS_REL = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
DECL = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# Deflate level of the parts written anew: level 1 is four times faster than the default, for
# parts about 8 % larger.
COMPRESS_LEVEL = 1
# A deflate stream's last block: fixed Huffman codes, marked final, holding only its end code.
_FINAL_BLOCK = b"\x03\x00"


class PatchError(Exception):
    """The package is not one this module patches safely; write it another way."""


# --- XML as bytes --------------------------------------------------------------------------------

_ATTR = re.compile(rb'([\w:.-]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')
_ROOT = re.compile(rb"\s*(?:<\?[^>]*\?>\s*|<!--.*?-->\s*)*<(\w+:)?(\w+)\b", re.DOTALL)
_TAG = re.compile(rb"<(/?)([\w.-]+:)?([\w.-]+)((?:[^>\"']|\"[^\"]*\"|'[^']*')*?)(/?)>")
XMLNS = re.compile(rb'\bxmlns:(\w+)\s*=\s*["\']([^"\']*)["\']')


@lru_cache(maxsize=None)
def rx(template: bytes, prefix: bytes = b"", flags: int = 0) -> re.Pattern:
    """A pattern with every «<P>» replaced by the namespace prefix of the part ("" or "x:")."""
    return re.compile(template.replace(b"<P>", re.escape(prefix)), flags)


def esc(text: str) -> str:
    """Text for an element's content."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def esc_attr(text: str) -> str:
    return esc(text).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


def attrs(tag: bytes) -> dict[bytes, bytes]:
    """The attributes of an open tag, values as written (entities not resolved)."""
    return {m.group(1): (m.group(2) if m.group(2) is not None else m.group(3)) for m in _ATTR.finditer(tag)}


def text_of(raw: bytes) -> str:
    """An attribute value or element text as a string, entities resolved."""
    text = raw.decode("utf-8")
    if "&" not in text:
        return text
    import html  # its table of entities takes a while to load, and few values need it

    return html.unescape(text)


def set_attr(tag: bytes, name: bytes, value: bytes | None) -> bytes:
    """The open tag `tag` with attribute `name` set to `value` (removed when None)."""
    pattern = rx(rb"\s" + re.escape(name) + rb'\s*=\s*(?:"[^"]*"|\'[^\']*\')')
    if value is None:
        return pattern.sub(b"", tag, count=1)
    new = b" " + name + b'="' + value + b'"'
    out, n = pattern.subn(lambda m: new, tag, count=1)
    if n:
        return out
    end = len(tag) - (2 if tag.endswith(b"/>") else 1)
    return tag[:end].rstrip() + new + tag[end:]


def root_prefix(xml: bytes, local: bytes) -> bytes:
    """The namespace prefix of the root element (b"" or b"x:"); PatchError if the root is not `local`."""
    m = _ROOT.match(xml)
    if not m or m.group(2) != local:
        raise PatchError(f"root element is not {local!r}")
    if b"<![CDATA[" in xml:
        raise PatchError("CDATA section")
    return m.group(1) or b""


def root_content(xml: bytes) -> tuple[int, int, int]:
    """(start of the root's open tag, start of its content, start of its closing tag)."""
    m = _ROOT.match(xml)
    if not m:
        raise PatchError("no root element")
    tag = _TAG.match(xml, m.start(2) - 1 - len(m.group(1) or b""))
    if not tag or tag.group(5):
        raise PatchError("empty root element")
    close = xml.rfind(b"</")
    if close < tag.end():
        raise PatchError("no closing root tag")
    return tag.start(), tag.end(), close


class Element:
    """An element located in XML bytes: its local name (no prefix), where its open tag starts and
    ends, where the element ends, and whether it is empty (<x/>)."""

    __slots__ = ("name", "start", "open_end", "end", "empty")

    def __init__(self, name: bytes, start: int, open_end: int, end: int, empty: bool):
        self.name, self.start, self.open_end, self.end, self.empty = name, start, open_end, end, empty


def children(xml: bytes, start: int, end: int) -> list[Element]:
    """The child elements of the content xml[start:end], each with its extent."""
    out: list[Element] = []
    depth, current = 0, None
    pos = start
    while True:
        lt = xml.find(b"<", pos, end)
        if lt < 0:
            break
        if xml.startswith(b"<!--", lt):
            close = xml.find(b"-->", lt, end)
            if close < 0:
                raise PatchError("unterminated comment")
            pos = close + 3
            continue
        if xml.startswith((b"<?", b"<!"), lt):
            pos = xml.find(b">", lt, end) + 1
            if pos <= 0:
                raise PatchError("unterminated declaration")
            continue
        m = _TAG.match(xml, lt, end)
        if not m:
            raise PatchError("malformed tag")
        if m.group(1):  # a closing tag
            depth -= 1
            if depth < 0:
                raise PatchError("unbalanced tags")
            if depth == 0:
                current.end = m.end()
                out.append(current)
        elif m.group(5):
            if depth == 0:
                out.append(Element(m.group(3), m.start(), m.end(), m.end(), True))
        else:
            if depth == 0:
                current = Element(m.group(3), m.start(), m.end(), -1, False)
            depth += 1
        pos = m.end()
    if depth:
        raise PatchError("unbalanced tags")
    return out


def find(elements: list[Element], name: bytes) -> Element | None:
    return next((e for e in elements if e.name == name), None)


def insert_before(xml: bytes, elements: list[Element], later: tuple[bytes, ...], default: int, new: bytes) -> bytes:
    """Insert `new` before the first of `elements` named in `later` (the schema's order), or at `default`."""
    pos = next((e.start for e in elements if e.name in later), default)
    return xml[:pos] + new + xml[pos:]


def declare_rel_prefix(xml: bytes, root_start: int, content: int) -> tuple[bytes, bytes]:
    """The prefix bound to the relationships namespace on the root element, and what to add to the
    root's open tag when none is (b"" when one is)."""
    root = xml[root_start:content]
    used = set()
    for m in XMLNS.finditer(root):
        if m.group(2) == NS_REL:
            return m.group(1), b""
        used.add(m.group(1))
    prefix = b"r" if b"r" not in used else b"rel"
    return prefix, b" xmlns:" + prefix + b'="' + NS_REL + b'"'


# --- relationships -------------------------------------------------------------------------------

class Rel:
    """A relationship; its type is the last segment of the type URI ("worksheet", "comments", …)."""

    __slots__ = ("id", "type", "target", "external")

    def __init__(self, id: str, type: str, target: str, external: bool):  # noqa: A002 - the attribute's name
        self.id, self.type, self.target, self.external = id, type, target, external


class Rels:
    """A .rels part: read, added to, written back with its own bytes and the additions."""

    _REL = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*?)/?>")

    def __init__(self, xml: bytes | None):
        self.xml = xml or (DECL + b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                           b'relationships"></Relationships>')
        if root_prefix(self.xml, b"Relationships"):
            raise PatchError("prefixed relationships")
        self.items: list[Rel] = []
        for m in self._REL.finditer(self.xml):
            a = attrs(m.group(1))
            self.items.append(Rel(text_of(a.get(b"Id", b"")), text_of(a.get(b"Type", b"")).rsplit("/", 1)[-1],
                                  text_of(a.get(b"Target", b"")), a.get(b"TargetMode") == b"External"))
        self._added: list[bytes] = []
        self.changed = False

    def by_id(self, rid: str) -> Rel | None:
        return next((r for r in self.items if r.id == rid), None)

    def of_type(self, kind: str) -> list[Rel]:
        return [r for r in self.items if r.type == kind and not r.external]

    def add(self, kind: str, target: str) -> str:
        ids = {r.id for r in self.items}
        n = len(ids) + 1
        while f"rId{n}" in ids:
            n += 1
        rid = f"rId{n}"
        self.items.append(Rel(rid, kind, target, False))
        self._added.append(f'<Relationship Id="{rid}" Type="{REL_TYPE}{kind}" Target="{esc_attr(target)}"/>'.encode())
        self.changed = True
        return rid

    def remove_type(self, kind: str) -> None:
        def keep(m: re.Match) -> bytes:
            return b"" if text_of(attrs(m.group(1)).get(b"Type", b"")).rsplit("/", 1)[-1] == kind else m.group(0)

        xml = self._REL.sub(keep, self.xml)
        if xml != self.xml:
            self.xml = xml
            self.items = [r for r in self.items if r.type != kind]
            self.changed = True

    def bytes(self) -> bytes:
        close = self.xml.rfind(b"</")
        if close < 0:  # <Relationships …/>
            return self.xml.rstrip()[:-2] + b">" + b"".join(self._added) + b"</Relationships>"
        return self.xml[:close] + b"".join(self._added) + self.xml[close:]


def rels_name(part: str) -> str:
    d, _, name = part.rpartition("/")
    return f"{d}/_rels/{name}.rels" if d else f"_rels/{name}.rels"


def resolve(base: str, target: str) -> str:
    """The part a relationship of the part `base` targets."""
    target = unquote(target)
    if target.startswith("/"):
        return normpath(target.lstrip("/"))
    return normpath(f"{dirname(base)}/{target}" if dirname(base) else target)


def relative(base: str, part: str) -> str:
    """`part` as a relationship target of the part `base`."""
    bdir = dirname(base).split("/") if dirname(base) else []
    pparts = part.split("/")
    common = 0
    while common < min(len(bdir), len(pparts) - 1) and bdir[common] == pparts[common]:
        common += 1
    return "/".join([".."] * (len(bdir) - common) + pparts[common:])


# --- the zip -------------------------------------------------------------------------------------

class Member:
    """One zip entry as stored: method (0 stored, 8 deflated), CRC-32, size and the stored bytes."""

    __slots__ = ("method", "crc", "size", "raw")

    def __init__(self, method: int, crc: int, size: int, raw: bytes):
        self.method, self.crc, self.size, self.raw = method, crc, size, raw

    def inflate(self, name: str) -> bytes:
        try:
            data = zlib.decompress(self.raw, -15) if self.method == 8 else self.raw
        except zlib.error as exc:
            raise PatchError(f"{name}: {exc}") from exc
        if len(data) != self.size or zlib.crc32(data) != self.crc:
            raise PatchError(f"{name}: size or CRC mismatch")
        return data



class Deflater:
    """Deflates part after part with one compressor. Setting one up costs more than deflating a
    small part (~60 µs, most of a package's new parts are a few KB); after a full flush the
    compressor forgets what came before, so each part's stream stands alone: its blocks, the flush's
    empty stored block, and a final empty block."""

    def __init__(self):
        self._c = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, -15)

    def member(self, data: bytes) -> Member:
        raw = self._c.compress(data) + self._c.flush(zlib.Z_FULL_FLUSH) + _FINAL_BLOCK
        return Member(8, zlib.crc32(data), len(data), raw)


_EOCD = struct.Struct("<IHHHHIIH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_LOCAL = struct.Struct("<IHHHHHIIIHH")


def read_zip(data: bytes) -> dict[str, Member]:
    """The entries of a zip archive as stored, found from its central directory. No ZIP64 and no
    encryption: safety.inspect refused an encrypted file, and no workbook this size needs ZIP64."""
    eocd = data.rfind(b"PK\x05\x06", max(0, len(data) - 65557))
    if eocd < 0 or eocd + _EOCD.size > len(data):
        raise PatchError("no zip directory")
    count, pos = _EOCD.unpack_from(data, eocd)[4], _EOCD.unpack_from(data, eocd)[6]
    if count == 0xFFFF or pos == 0xFFFFFFFF:
        raise PatchError("ZIP64")
    out: dict[str, Member] = {}
    for _ in range(count):
        if data[pos:pos + 4] != b"PK\x01\x02":
            raise PatchError("broken zip directory")
        (_, _, _, flags, method, _, _, crc, csize, usize, nlen, xlen, clen, _, _, _,
         offset) = _CENTRAL.unpack_from(data, pos)
        name = data[pos + 46:pos + 46 + nlen].decode("utf-8" if flags & 0x800 else "cp437")
        pos += 46 + nlen + xlen + clen
        if name.endswith("/") or name in out:
            continue
        if flags & 0x1 or method not in (0, 8):
            raise PatchError(f"{name}: encrypted, or compressed by method {method}")
        if data[offset:offset + 4] != b"PK\x03\x04":
            raise PatchError(f"{name}: no local header")
        lnlen, lxlen = _LOCAL.unpack_from(data, offset)[9:11]
        start = offset + 30 + lnlen + lxlen
        if start + csize > len(data):
            raise PatchError(f"{name}: truncated")
        out[name] = Member(method, crc, usize, data[start:start + csize])
    return out


def write_zip(entries: list[tuple[str, Member]]) -> bytes:
    """A zip archive of the entries, dated now."""
    t = time.localtime()
    dos_time = t.tm_hour << 11 | t.tm_min << 5 | t.tm_sec // 2
    dos_date = (t.tm_year - 1980) << 9 | t.tm_mon << 5 | t.tm_mday
    out, central, offset = [], [], 0
    for name, m in entries:
        raw_name = name.encode("utf-8")
        flags = 0 if raw_name.isascii() else 0x800  # the name is UTF-8
        if offset > 0xFFFFFFFF or len(m.raw) > 0xFFFFFFFF or m.size > 0xFFFFFFFF:
            raise PatchError("ZIP64 needed")
        out.append(_LOCAL.pack(0x04034B50, 20, flags, m.method, dos_time, dos_date, m.crc, len(m.raw), m.size,
                               len(raw_name), 0) + raw_name)
        out.append(m.raw)
        central.append(_CENTRAL.pack(0x02014B50, 20, 20, flags, m.method, dos_time, dos_date, m.crc, len(m.raw),
                                     m.size, len(raw_name), 0, 0, 0, 0, 0, offset) + raw_name)
        offset += _LOCAL.size + len(raw_name) + len(m.raw)
    directory = b"".join(central)
    return b"".join(out) + directory + _EOCD.pack(0x06054B50, 0, 0, len(entries), len(entries), len(directory),
                                                  offset, 0)


# --- the package ---------------------------------------------------------------------------------

CONTENT_TYPES = "[Content_Types].xml"


class Package:
    """The parts of a package, inflated when first read; what is put back is written anew."""

    def __init__(self, source):
        """`source`: a path, or a file object holding the package (safety.Source.binary())."""
        data = source.getvalue() if hasattr(source, "getvalue") else Path(source).read_bytes()
        self._stored = read_zip(data)
        self.names = list(self._stored)
        self._parts: dict[str, bytes] = {}  # inflated or written parts
        self._lower = {n.lower(): n for n in self.names}  # part names compare without case
        self.changed: set[str] = set()
        if CONTENT_TYPES not in self._stored:
            raise PatchError("no [Content_Types].xml")

    def get(self, part: str) -> bytes | None:
        name = self._lower.get(part.lower())
        if name is None:
            return None
        if name not in self._parts:
            self._parts[name] = self._stored[name].inflate(name)
        return self._parts[name]

    def put(self, part: str, data: bytes) -> None:
        name = self._lower.setdefault(part.lower(), part)
        if name not in self._parts and name not in self._stored:
            self.names.append(name)
        self._parts[name] = data
        self.changed.add(name)

    def drop(self, part: str) -> None:
        name = self._lower.pop(part.lower(), None)
        if name is not None:
            self.names.remove(name)
            self._parts.pop(name, None)
            self._stored.pop(name, None)
            self.changed.discard(name)

    def free_name(self, pattern: str) -> str:
        """The first part name pattern.format(n), n = 1, 2, …, not in the package."""
        n = 1
        while pattern.format(n).lower() in self._lower:
            n += 1
        return pattern.format(n)

    def office_document(self) -> str:
        """The main part (xl/workbook.xml)."""
        docs = Rels(self.get("_rels/.rels")).of_type("officeDocument")
        part = resolve("", docs[0].target) if docs else "xl/workbook.xml"
        if self.get(part) is None:
            raise PatchError("no main part")
        return self._lower[part.lower()]

    def bytes(self) -> bytes:
        """The package as a zip: the parts that changed compressed anew, the others as they were
        stored; the content types first, as Office writes them."""
        entries, deflater = [], Deflater()
        for name in sorted(self.names, key=lambda n: n != CONTENT_TYPES):
            if name in self.changed:
                entries.append((name, deflater.member(self._parts[name])))
            else:
                entries.append((name, self._stored[name]))
        return write_zip(entries)

    # content types
    def override(self, part: str, ctype: str) -> None:
        entry = f'<Override PartName="/{esc_attr(part)}" ContentType="{ctype}"/>'.encode()
        self._types(lambda xml: _before_close(xml, entry))

    def default(self, ext: str, ctype: str) -> None:
        pattern = rx(rb'<Default\b[^>]*\bExtension\s*=\s*["\']' + re.escape(ext.encode()) + rb'["\']', b"",
                     re.IGNORECASE)
        entry = f'<Default Extension="{ext}" ContentType="{ctype}"/>'.encode()

        def add(xml: bytes) -> bytes:
            if pattern.search(xml):
                return xml
            first = xml.find(b"<Override")  # with the other defaults, as Office writes them
            return xml[:first] + entry + xml[first:] if first >= 0 else _before_close(xml, entry)
        self._types(add)

    def drop_override(self, part: str) -> None:
        pattern = re.compile(rb'<Override\b[^>]*\bPartName\s*=\s*["\']/' + re.escape(part.encode())
                             + rb'["\'][^>]*/>', re.IGNORECASE)
        self._types(lambda xml: pattern.sub(b"", xml))

    def _types(self, edit) -> None:
        xml = self.get(CONTENT_TYPES)
        if root_prefix(xml, b"Types"):
            raise PatchError("prefixed content types")
        self.put(CONTENT_TYPES, edit(xml))


def _before_close(xml: bytes, entry: bytes) -> bytes:
    close = xml.rfind(b"</Types")
    if close < 0:
        raise PatchError("content types without a closing tag")
    return xml[:close] + entry + xml[close:]
