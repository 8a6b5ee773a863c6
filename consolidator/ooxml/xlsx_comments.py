"""Comments on cells of a worksheet, added to its package: a comments part and the legacy VML drawing
that shows them, merged into the ones the sheet has (the author's comments stay). Used by
ooxml.xlsx_patch.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from consolidator.ooxml.package import (DECL, Package, PatchError, Rels, attrs, esc, relative, rels_name, resolve, root_prefix,
                                rx, text_of)
from consolidator.ooxml.xlsx_sheet import Worksheet, address, cell_text, column_letters

NS_MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
_CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"


@dataclass
class Mark:
    """Fill a cell of the author's sheet and put a comment on it."""

    sheet: str
    cell: str  # "F6"
    fill: str  # "RRGGBB"
    comment: str
    width: int = 420  # of the comment's box, in pixels
    height: int = 150


_VML_NS = (b'xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
           b'xmlns:x="urn:schemas-microsoft-com:office:excel"')
_SHAPETYPE = (b'<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
              b'<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>')


def _shape(n: int, row: int, col: int, width: int, height: int, ns: bytes = b"") -> bytes:
    return (b"<v:shape " + ns + f'id="_x0000_s{n}" type="#_x0000_t202" style="position:absolute;'
            f'margin-left:59.25pt;margin-top:1.5pt;width:{width}px;height:{height}px;z-index:{n % 1024 + 1};'
            f'visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/>'
            f'<v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
            f'<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
            f'<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/><x:AutoFill>False</x:AutoFill>'
            f'<x:Row>{row - 1}</x:Row><x:Column>{col - 1}</x:Column></x:ClientData></v:shape>'.encode())


def _ref(rc: tuple[int, int]) -> bytes:
    return f"{column_letters(rc[1])}{rc[0]}".encode()


def _text(text: str, p: bytes = b"") -> bytes:
    return b"<" + p + b't xml:space="preserve">' + esc(cell_text(text)).encode() + b"</" + p + b"t>"


def add_comments(pkg: Package, part: str, sheet: Worksheet, marks: list[Mark], author: str) -> None:
    """Comments on the marked cells of the worksheet `part`. Comments the sheet has stay: a marked cell
    that has one keeps its text, and ours follows it."""
    rels_part = rels_name(part)
    rels = Rels(pkg.get(rels_part))
    located = [(address(m.cell), m) for m in marks]
    have: set[tuple[int, int]] = set()
    existing = rels.of_type("comments")
    if existing:
        cpart = resolve(part, existing[0].target)
        cxml = pkg.get(cpart)
        if cxml is None:
            raise PatchError("comments part missing")
        merged, have = _merge_comments(cxml, located, author)
        pkg.put(cpart, merged)
    else:
        cpart = pkg.free_name("xl/comments{}.xml")
        body = b"".join(b'<comment ref="' + _ref(rc) + b'" authorId="0"><text>' + _text(m.comment) + b"</text></comment>"
                        for rc, m in located)
        pkg.put(cpart, DECL + b'<comments xmlns="' + NS_MAIN + b'"><authors><author>' + esc(author).encode()
                + b"</author></authors><commentList>" + body + b"</commentList></comments>")
        pkg.override(cpart, _CT_COMMENTS)
        rels.add("comments", relative(part, cpart))
    shapes = [(rc, m) for rc, m in located if rc not in have]
    rid = sheet.legacy_drawing()
    if rid is not None:  # the sheet's drawing (its comments' shapes, form controls) gets ours too
        rel = rels.by_id(rid)
        vpart = resolve(part, rel.target) if rel else ""
        vml = pkg.get(vpart) if rel else None
        if vml is None:
            raise PatchError("legacy drawing missing")
        if shapes:
            pkg.put(vpart, _merge_vml(vml, shapes))
    elif shapes:
        vpart = pkg.free_name("xl/drawings/vmlDrawing{}.vml")
        # Shape ids come in blocks of 1024 per drawing: a block no other drawing of the workbook uses.
        block = 1 + max([int(n) for name in pkg.names if name.lower().endswith(".vml")
                         for n in re.findall(rb'\bdata="(\d+)', pkg.get(name))] or [0])
        body = b"".join(_shape(block * 1024 + 1 + i, r, c, m.width, m.height) for i, ((r, c), m) in enumerate(shapes))
        pkg.put(vpart, b"<xml " + _VML_NS + b'><o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="'
                + str(block).encode() + b'"/></o:shapelayout>' + _SHAPETYPE + body + b"</xml>")
        pkg.default("vml", _CT_VML)
        sheet.add_legacy_drawing(rels.add("vmlDrawing", relative(part, vpart)))
    if rels.changed:
        pkg.put(rels_part, rels.bytes())


def _merge_comments(cxml: bytes, located: list[tuple[tuple[int, int], Mark]], author: str
                    ) -> tuple[bytes, set[tuple[int, int]]]:
    """The comments part with ours added; and the marked cells that had a comment already."""
    p = root_prefix(cxml, b"comments")
    names = [text_of(a) for a in rx(rb"<<P>author\b[^>]*?(?:/>|>(.*?)</<P>author>)", p, re.DOTALL).findall(cxml)]
    if author in names:
        author_id = names.index(author)
    else:
        author_id = len(names)
        close = cxml.find(b"</" + p + b"authors>")
        if close < 0:
            raise PatchError("comments without authors")
        cxml = cxml[:close] + b"<" + p + b"author>" + esc(author).encode() + b"</" + p + b"author>" + cxml[close:]
    found = {}
    for m in rx(rb"<<P>comment\b([^>]*)>(.*?)</<P>comment>", p, re.DOTALL).finditer(cxml):
        try:
            found[address(attrs(m.group(1)).get(b"ref", b"").decode("ascii", "replace"))] = m
        except PatchError:  # a comment on no cell we can name: left as it is
            pass
    inserts, added, have = [], [], set()
    for rc, mark in located:
        if rc in found:
            m = found[rc]
            close = cxml.rfind(b"</" + p + b"text>", m.start(2), m.end(2))
            if close < 0:
                raise PatchError("comment without text")
            inner = cxml[m.start(2):close]
            stops = [i for i in (inner.find(b"<" + p + b"rPh"), inner.find(b"<" + p + b"phoneticPr")) if i >= 0]
            run = b"<" + p + b"r>" + _text("\n\n" + mark.comment, p) + b"</" + p + b"r>"
            inserts.append((m.start(2) + min(stops or [len(inner)]), run))
            have.add(rc)
        else:
            added.append(b"<" + p + b'comment ref="' + _ref(rc) + b'" authorId="' + str(author_id).encode() + b'"><'
                         + p + b"text>" + _text(mark.comment, p) + b"</" + p + b"text></" + p + b"comment>")
    for pos, new in sorted(inserts, reverse=True):
        cxml = cxml[:pos] + new + cxml[pos:]
    close = cxml.rfind(b"</" + p + b"commentList>")
    if close >= 0:
        return cxml[:close] + b"".join(added) + cxml[close:], have
    empty = rx(rb"<<P>commentList\s*/>", p).search(cxml)
    if not empty:
        raise PatchError("comments without a list")
    return (cxml[:empty.start()] + b"<" + p + b"commentList>" + b"".join(added) + b"</" + p + b"commentList>"
            + cxml[empty.end():]), have


def _merge_vml(vml: bytes, shapes: list[tuple[tuple[int, int], Mark]]) -> bytes:
    close = vml.rfind(b"</xml>")
    if close < 0:
        raise PatchError("legacy drawing without </xml>")
    root = re.match(rb"\s*(?:<\?[^>]*\?>\s*)?<xml\b([^>]*)>", vml)
    declared = root is not None and all(ns in root.group(1) for ns in _VML_NS.split(b" "))
    ns = b"" if declared else _VML_NS + b" "  # else each shape declares the prefixes it uses
    ids = [int(n) for n in re.findall(rb"_x0000_s(\d+)", vml)]
    block = re.search(rb'\bdata="(\d+)', vml)
    first = max(ids + [int(block.group(1)) * 1024 if block else 1024]) + 1
    add = b"" if b'"_x0000_t202"' in vml else _SHAPETYPE.replace(b"<v:shapetype ", b"<v:shapetype " + ns, 1)
    add += b"".join(_shape(first + i, r, c, m.width, m.height, ns) for i, ((r, c), m) in enumerate(shapes))
    return vml[:close] + add + vml[close:]
