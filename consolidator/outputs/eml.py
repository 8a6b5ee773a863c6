"""E-mail drafts for returned files (the Udmurt procedure returns files by e-mail, p. 15).

For each returned file an .eml draft «Письмо — <файл>.eml» is written beside the returned copy (a name
that does not pass for the workbook when a file manager hides extensions): from the authorised unit
(`org.email`, and `org.sender` or the unit's name as the display name and the signature), to the
subdivision's address, the subject naming the subdivision and the deadline, a short Russian body
dated the day of the check and closed with the signature, and the returned workbook attached. The
unit opens it in its mail client and sends it; nothing is sent from here.

The message is put together here rather than by email.message.EmailMessage, whose header parsing
and folding cost ~15 ms a draft: the same MIME structure (multipart/mixed, a base64 UTF-8 text part,
the base64 attachment named by RFC 2231), headers encoded by RFC 2047, CRLF line ends. Only an
address with non-ASCII characters goes through the email package's policy, as before.
"""
from __future__ import annotations

import base64
import random
import sys
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from consolidator.outputs.atomic import atomic_path
from consolidator.model import Batch, FileResult

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
XLSM_TYPE = ("application", "vnd.ms-excel.sheet.macroEnabled.12")
CRLF = b"\r\n"


DRAFT_PREFIX = "Письмо — "
_NAME_BYTES = 250  # a file name's limit is 255 bytes on most file systems


def draft_path(returned_copy: Path) -> Path:
    """«Письмо — перечень.eml» beside «перечень.xlsx»: with extensions hidden, «перечень.xlsx.eml» shows
    as «перечень.xlsx» and passes for the workbook. A long name is shortened to fit."""
    stem = returned_copy.stem
    name = f"{DRAFT_PREFIX}{stem}.eml"
    while len(name.encode("utf-8")) > _NAME_BYTES and len(stem) > 1:
        stem = stem[:-1]
        name = f"{DRAFT_PREFIX}{stem.rstrip()}….eml"
    return returned_copy.with_name(name)


def sender(org: dict) -> tuple[str, str]:
    """(From header, signature) of the drafts: the authorised unit by the profile's `org` or the --org
    file. `sender` names it (lines: the signature; the first line also the From display name); else
    the unit and the organisation's name. Without `email` the From header is left to the mail client."""
    def line(value) -> str:
        return " ".join(str(value or "").split())

    named = [line(x) for x in str(org.get("sender") or "").splitlines() if line(x)]
    unit = line(org.get("authorised_unit"))
    lines = named or [x for x in (unit[:1].upper() + unit[1:], line(org.get("name"))) if x]
    display = lines[0] if named else line(org.get("name")) or (lines[0] if lines else "")
    address = line(org.get("email"))
    if not address:
        return "", "\n".join(lines)
    return (f"{display} <{address}>" if display else address), "\n".join(lines)


def write_draft(batch: Batch, f: FileResult, email: str | None, root: Path) -> Path:
    """Write the draft beside the returned copy under `root` (where the copies are being written)."""
    copy = root / f.returned_copy
    deadline = f.fix_deadline.strftime("%d.%m.%Y") if f.fix_deadline else "—"
    fix = batch.profile.deadlines.get("fix")
    words = batch.profile.wording
    checked = batch.run_date.strftime('%d.%m.%Y')
    subject = words.subject.format(subdivision=f.subdivision, path=f.path) + (
        f", срок до {deadline}" if f.fix_deadline else "")
    counts = f"ошибок — {f.errors}" + (f", предупреждений — {f.warnings}" if f.warnings else "")
    lines = [
        "Добрый день!",
        "",
        f"{words.letter.format(subdivision=f.subdivision, path=f.source.name, date=checked)}: {counts}.",
        "",
        "Замечания:",
    ]
    for n, r in enumerate(f.remarks, start=1):
        # A cell's remark names its cell itself; a file-level one says it concerns the whole file.
        where = "" if r.cell else "[весь файл] "
        lines.append(f"{n}. {where}{r.message} ({r.clause})")
    lines += [
        "",
        (f"Просим устранить замечания до {deadline} включительно"
         + (f" ({fix.clause}: {fix.days} рабочих дней после получения замечаний)" if fix else "") if f.fix_deadline
         else "Просим устранить замечания") + f" и {words.letter_resend}.",
        "Во вложении — ваш файл с замечаниями: ячейки выделены цветом, текст замечаний — в примечаниях "
        "к ячейкам и на первом листе «Замечания».",
    ]
    from_, signature = sender(batch.profile.org)
    lines += ["", "С уважением,", *signature.splitlines()]
    maintype, subtype = XLSM_TYPE if copy.suffix.lower() == ".xlsm" else XLSX_TYPE
    # Dated the day of the check, as its text says, at the time it is written.
    when = datetime.combine(batch.run_date, datetime.now().time()).astimezone()
    message = compose(email or "", subject, "\n".join(lines), copy.read_bytes(), f"{maintype}/{subtype}", copy.name,
                      sender=from_, when=when)
    target = draft_path(copy)
    with atomic_path(target) as tmp:
        tmp.write_bytes(message)
    return target


def compose(to: str, subject: str, body: str, attachment: bytes, content_type: str, filename: str,
            sender: str = "", when: datetime | None = None) -> bytes:
    """An unsent message (X-Unsent: Outlook and Thunderbird open it as a draft to send): the text
    and one attachment. No `sender`: no From header, the mail client puts its own account."""
    boundary = f"==============={random.randrange(sys.maxsize):019d}==".encode()
    text = body.replace("\r\n", "\n").replace("\n", "\r\n") + "\r\n"  # the text part ends with a line break
    headers = [*([_address_header("From", sender)] if sender else []), _address_header("To", to),
               b"Subject: " + _encoded_words(subject, len("Subject: ")),
               b"Date: " + rfc5322_date(when or datetime.now().astimezone()).encode(), b"X-Unsent: 1",
               b"MIME-Version: 1.0", b'Content-Type: multipart/mixed; boundary="' + boundary + b'"']
    return CRLF.join([
        *headers, b"",
        b"--" + boundary,
        b'Content-Type: text/plain; charset="utf-8"', b"Content-Transfer-Encoding: base64", b"",
        _base64_lines(text.encode("utf-8")), b"",
        b"--" + boundary,
        b"Content-Type: " + content_type.encode("ascii"), b"Content-Transfer-Encoding: base64",
        b"Content-Disposition: attachment;" + _filename_parameter(filename), b"",
        _base64_lines(attachment), b"",
        b"--" + boundary + b"--", b"",
    ])


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def rfc5322_date(when: datetime) -> str:
    """«Wed, 25 Nov 2026 14:54:53 +0300», as email.utils.formatdate writes it (English names whatever
    the locale)."""
    offset = int(when.utcoffset().total_seconds() // 60)
    sign, offset = ("-", -offset) if offset < 0 else ("+", offset)
    return (f"{_DAYS[when.weekday()]}, {when.day:02d} {_MONTHS[when.month - 1]} {when.year:04d} "
            f"{when.hour:02d}:{when.minute:02d}:{when.second:02d} {sign}{offset // 60:02d}{offset % 60:02d}")


def _base64_lines(data: bytes) -> bytes:
    """Base64 in lines of 76 characters (RFC 2045), CRLF between them."""
    encoded = base64.b64encode(data)
    return CRLF.join(encoded[i:i + 76] for i in range(0, len(encoded), 76))


def _encoded_words(text: str, first_line_used: int) -> bytes:
    """A header value as RFC 2047 base64 encoded words, folded so that no line passes 78 characters.
    An ASCII value that fits is written as it is."""
    if text.isascii() and "\r" not in text and "\n" not in text and first_line_used + len(text) <= 78:
        return text.encode("ascii")
    words, chunk = [], b""
    for ch in text:
        b = ch.encode("utf-8")
        if len(chunk) + len(b) > 45:  # 45 bytes -> 60 base64 characters -> 72 with =?utf-8?b?…?=
            words.append(chunk)
            chunk = b""
        chunk += b
    if chunk:
        words.append(chunk)
    return b"\r\n ".join(b"=?utf-8?b?" + base64.b64encode(w) + b"?=" for w in words)


def _address_header(name: str, value: str) -> bytes:
    if value.isascii() and not any(c in value for c in "\r\n"):
        return f"{name}: {value}".rstrip().encode("ascii")
    # A display name or an address in Cyrillic: the email package's policy encodes it as before (it
    # takes a while to import, and most addresses are ASCII).
    from email.policy import SMTP

    return SMTP.fold_binary(name, SMTP.header_store_parse(name, value)[1]).rstrip(b"\r\n")


def _filename_parameter(name: str) -> bytes:
    """The attachment's name by RFC 2231: percent-encoded UTF-8, continued over lines as needed."""
    if name.isascii() and '"' not in name and "\\" not in name and len(name) < 60:
        return b'\r\n filename="' + name.encode("ascii") + b'"'
    encoded = quote(name, safe="!#$&+-.^_`|~")
    pieces, start = [], 0
    while start < len(encoded):
        end = min(len(encoded), start + 60)
        while end < len(encoded) and "%" in encoded[end - 2:end]:  # never split a %XX escape
            end -= 1
        pieces.append(encoded[start:end])
        start = end
    if len(pieces) == 1:
        return b"\r\n filename*=utf-8''" + pieces[0].encode("ascii")
    return b";".join(f"\r\n filename*{i}*={'utf-8' + chr(39) * 2 if i == 0 else ''}{p}".encode("ascii")
                     for i, p in enumerate(pieces))
