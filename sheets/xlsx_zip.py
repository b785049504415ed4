"""The .xlsx file as a zip of parts, and the one routine that rewrites it (``Package.write``)
without unpacking the parts that do not change.

Python's zipfile can only write a member by compressing it again, so copying a workbook to add
one row used to unpack and repack every part (megabytes of XML at 10,000 rows). ``Package``
reads the zip's central directory itself; ``Package.write`` copies each unchanged member's local
header and compressed bytes as they are, writes the changed members anew, and writes a new
central directory (the unchanged members' entries kept byte for byte, with their new offsets).

Worksheets are written appendable: their deflate stream is made of independently compressed
segments (each ends on a byte boundary and refers to nothing before it), in this order:

- head: the XML up to and including the ``<sheetData>`` start tag (it holds ``<dimension>``);
- base: the rows (any number of segments);
- recent: the rows added since, one segment of at most ``RECENT_LIMIT`` bytes of XML;
- tail: ``</sheetData>`` and what follows (the final deflate block).

Where they are is recorded in an extra field of the member's central directory entry (zip
readers skip extra fields they do not know), with the member's CRC and sizes, so it is believed
only for the exact bytes it was written with. Adding rows then costs compressing the small head,
the recent rows and the new ones: the base is copied as it is, whatever the number of rows.
The whole member's CRC-32 is worked out from the segments' with ``crc32_combine``.

Zip64 files, encrypted members and compression methods other than stored and deflated raise
CannotRewrite, and the caller uses openpyxl instead; sheets.xlsx_write raises it too, for the
worksheet shapes it does not write.
"""
from __future__ import annotations

import functools
import re
import struct
import zlib
from dataclasses import dataclass
from typing import IO, Iterator, Mapping, Union

_LOCAL = struct.Struct("<4s5H3L2H")       # local file header, before the name and extra field
_CENTRAL = struct.Struct("<4s6H3L5H2L")   # central directory entry, before the name, extra field and comment
_END = struct.Struct("<4s4H2LH")          # end of central directory record, before the comment
_LOCAL_SIG, _CENTRAL_SIG, _END_SIG = b"PK\x03\x04", b"PK\x01\x02", b"PK\x05\x06"
_ZIP64_LOCATOR_SIG, _DESCRIPTOR_SIG = b"PK\x06\x07", b"PK\x07\x08"
_STORED, _DEFLATED = 0, 8
_ENCRYPTED, _DESCRIPTOR, _UTF8 = 0x1, 0x8, 0x800

# The extra field holding a worksheet's segments ("XL"; unknown IDs are skipped by zip readers).
LAYOUT_ID = 0x4C58
_LAYOUT = struct.Struct("<B13L")
_LAYOUT_VERSION = 1
# Rows added since the base was written are compressed again with each addition until they
# reach this much XML, then they join the base: small enough to be quick, large enough to pack well.
RECENT_LIMIT = 64 * 1024
BASE_LEVEL = 1    # the whole sheet, when it is written anew: fast
RECENT_LEVEL = 6  # a few rows: packed as well as zlib's default


class CannotRewrite(Exception):
    """The file has a shape the fast writes do not handle safely; use the full load-and-save path."""


@dataclass(frozen=True)
class Layout:
    """Where a worksheet member's segments are: compressed (``*_c``) and unpacked (``*_u``) lengths."""

    crc: int
    csize: int
    usize: int
    head_c: int
    head_u: int
    base_c: int
    base_u: int
    recent_c: int
    recent_u: int
    tail_c: int
    tail_u: int
    body_crc: int  # CRC-32 of the base and recent rows' XML together
    last_row: int  # the number of the last <row> (0: none)

    def pack(self) -> bytes:
        payload = _LAYOUT.pack(_LAYOUT_VERSION, self.crc, self.csize, self.usize, self.head_c, self.head_u,
                               self.base_c, self.base_u, self.recent_c, self.recent_u, self.tail_c, self.tail_u,
                               self.body_crc, self.last_row)
        return struct.pack("<2H", LAYOUT_ID, len(payload)) + payload

    @classmethod
    def find(cls, extra: bytes) -> "Layout | None":
        for header_id, payload in _extra_fields(extra):
            if header_id == LAYOUT_ID and len(payload) == _LAYOUT.size and payload[0] == _LAYOUT_VERSION:
                return cls(*_LAYOUT.unpack(payload)[1:])
        return None


def _extra_fields(extra: bytes) -> Iterator[tuple[int, bytes]]:
    at = 0
    while at + 4 <= len(extra):
        header_id, size = struct.unpack_from("<2H", extra, at)
        yield header_id, extra[at + 4:at + 4 + size]
        at += 4 + size


@dataclass(frozen=True)
class Member:
    """One member of the zip as its central directory describes it."""

    name: str
    entry: bytes    # its central directory entry, as in the file
    flags: int
    method: int
    crc: int
    csize: int
    usize: int
    offset: int     # of its local header
    start: int      # of its compressed data
    end: int        # after its data and data descriptor, if any

    @property
    def extra(self) -> bytes:
        n, m = struct.unpack_from("<2H", self.entry, 28)
        return self.entry[46 + n:46 + n + m]

    @property
    def layout(self) -> Layout | None:
        """The segments of an appendable worksheet, if recorded for exactly these bytes."""
        layout = Layout.find(self.extra)
        if layout is None or self.method != _DEFLATED or (layout.crc, layout.csize, layout.usize) != (
                self.crc, self.csize, self.usize):
            return None
        if layout.head_c + layout.base_c + layout.recent_c + layout.tail_c != self.csize or \
                layout.head_u + layout.base_u + layout.recent_u + layout.tail_u != self.usize:
            return None
        return layout


@dataclass(frozen=True)
class Compressed:
    """A member's new contents, compressed: its deflate stream (or the pieces of it, in order),
    CRC-32, unpacked size and extra field."""

    data: bytes | tuple[bytes | memoryview, ...]
    crc: int
    usize: int
    extra: bytes = b""

    @property
    def chunks(self) -> tuple[bytes | memoryview, ...]:
        return self.data if isinstance(self.data, tuple) else (self.data,)


class Package:
    """An .xlsx file's bytes and the members its central directory lists, in their order."""

    def __init__(self, data: bytes):
        self.data = data
        self.members = _members(data)
        self.by_name = {m.name: m for m in self.members}

    @classmethod
    def open(cls, path) -> "Package":
        """The package at ``path``, or in ``path`` when it is the file's bytes."""
        if isinstance(path, bytes):
            return cls(path)
        with open(path, "rb") as f:
            return cls(f.read())

    def namelist(self) -> list[str]:
        return [m.name for m in self.members]

    def raw(self, name: str) -> memoryview:
        """The member's compressed bytes as stored (a view of them, not a copy)."""
        member = self.by_name[name]
        return memoryview(self.data)[member.start:member.start + member.csize]

    def read(self, name: str) -> bytes:
        """The member's contents, its CRC checked (KeyError if there is no such member)."""
        member = self.by_name[name]
        raw = self.raw(name)
        if member.method == _STORED:
            data = raw
        elif member.method == _DEFLATED:
            try:
                data = zlib.decompress(raw, -15)
            except zlib.error as e:
                raise CannotRewrite(f"{name}: {e}") from e
        else:
            raise CannotRewrite(f"{name} is compressed with method {member.method}")
        if len(data) != member.usize or zlib.crc32(data) != member.crc:
            raise CannotRewrite(f"{name} does not match its CRC")
        return data

    def write(self, target: IO[bytes], replaced: Mapping[str, Union[bytes, Compressed]]) -> None:
        """Write the zip to ``target`` with the ``replaced`` members' new contents (unpacked bytes,
        compressed afresh, or already Compressed); every other member is copied as it is."""
        unknown = set(replaced) - set(self.by_name)
        if unknown:
            raise KeyError(f"no member {sorted(unknown)[0]!r} to replace")
        position = 0
        directory: list[bytes] = []
        for member in self.members:
            new = replaced.get(member.name)
            if new is None:
                chunk = memoryview(self.data)[member.offset:member.end]
                # The entry as it was, but for where its local header now is (bytes 42-45).
                directory.append(member.entry[:42] + struct.pack("<L", position) + member.entry[46:])
                target.write(chunk)
                position += len(chunk)
                continue
            if not isinstance(new, Compressed):
                new = compress(new, member.name)
            name = member.name.encode("utf-8")
            csize = sum(len(chunk) for chunk in new.chunks)
            _, made_by, _, _, _, time, date, *_ = _CENTRAL.unpack_from(member.entry)
            internal, external = struct.unpack_from("<HL", member.entry, 36)
            flags = member.flags & _UTF8
            header = _LOCAL.pack(_LOCAL_SIG, 20, flags, _DEFLATED, time, date, new.crc, csize, new.usize,
                                 len(name), 0)
            directory.append(_CENTRAL.pack(_CENTRAL_SIG, made_by, 20, flags, _DEFLATED, time, date, new.crc,
                                           csize, new.usize, len(name), len(new.extra), 0, 0, internal,
                                           external, position) + name + new.extra)
            target.write(header + name)
            for chunk in new.chunks:
                target.write(chunk)
            position += len(header) + len(name) + csize
        if position >= 0xFFFFFFFF or len(self.members) >= 0xFFFF:
            raise CannotRewrite("the workbook would need a zip64 directory")
        size = sum(len(e) for e in directory)
        for entry in directory:
            target.write(entry)
        target.write(_END.pack(_END_SIG, 0, 0, len(directory), len(directory), size, position, 0))


def _members(data: bytes) -> list[Member]:
    end = data.rfind(_END_SIG, max(0, len(data) - _END.size - 0xFFFF))
    if end < 0 or end + _END.size > len(data):
        raise CannotRewrite("no end of central directory")
    _, disk, cd_disk, _, count, size, offset, _ = _END.unpack_from(data, end)
    if disk or cd_disk or data.rfind(_ZIP64_LOCATOR_SIG, max(0, end - 20), end) >= 0 or \
            0xFFFF in (count,) or 0xFFFFFFFF in (size, offset):
        raise CannotRewrite("a zip64 or multi-disk zip")
    members = []
    at = offset
    for _ in range(count):
        if data[at:at + 4] != _CENTRAL_SIG:
            raise CannotRewrite("a damaged central directory")
        (_, _, _, flags, method, _, _, crc, csize, usize, n, m, k, _, _, _,
         local) = _CENTRAL.unpack_from(data, at)
        entry = data[at:at + _CENTRAL.size + n + m + k]
        name_bytes = entry[_CENTRAL.size:_CENTRAL.size + n]
        at += len(entry)
        if 0xFFFFFFFF in (csize, usize, local):
            raise CannotRewrite("a zip64 member")
        if flags & _ENCRYPTED:
            raise CannotRewrite("an encrypted member")
        if data[local:local + 4] != _LOCAL_SIG:
            raise CannotRewrite("a damaged local header")
        ln, lm = struct.unpack_from("<2H", data, local + 26)
        start = local + _LOCAL.size + ln + lm
        stop = start + csize
        if flags & _DESCRIPTOR:  # CRC and sizes follow the data, with or without a signature
            stop += 16 if data[stop:stop + 4] == _DESCRIPTOR_SIG else 12
        if stop > offset:
            raise CannotRewrite("a member runs into the central directory")
        name = name_bytes.decode("utf-8" if flags & _UTF8 else "cp437")
        members.append(Member(name, entry, flags, method, crc, csize, usize, local, start, stop))
    return members


def _segment(data: bytes, level: int) -> bytes:
    """``data`` deflated on its own, ending on a byte boundary and not final ("" for nothing)."""
    if not data:
        return b""
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH)


def _final(data: bytes, level: int) -> bytes:
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush(zlib.Z_FINISH)


def _inflate(raw: bytes, size: int, final: bool = False) -> bytes:
    """A segment's XML; CannotRewrite if it is not ``size`` bytes (or, for the tail, not the end)."""
    d = zlib.decompressobj(-15)
    try:
        data = d.decompress(raw)
    except zlib.error as e:
        raise CannotRewrite(f"a damaged segment: {e}") from e
    if len(data) != size or d.unconsumed_tail or (final and not d.eof) or d.unused_data:
        raise CannotRewrite("a segment that is not where its layout says")
    return data


_SHEET_DATA = re.compile(rb"<sheetData\b[^>]*?(/?)>")
_ROW_NUMBER = re.compile(rb'<row\b[^>]*?\br="(\d+)"')


def compress(data: bytes, name: str = "") -> Compressed:
    """A member's contents compressed: a worksheet in appendable segments, anything else as one."""
    if name.startswith("xl/worksheets/"):
        sheet = _compress_sheet(data)
        if sheet is not None:
            return sheet
    return Compressed(_final(data, BASE_LEVEL), zlib.crc32(data), len(data))


def _compress_sheet(xml: bytes) -> Compressed | None:
    opening = _SHEET_DATA.search(xml)
    close = xml.rfind(b"</sheetData>")
    if opening is None or opening.group(1) or close < opening.end():
        return None  # <sheetData/>, or not in the default namespace: one segment
    head, body, tail = xml[:opening.end()], xml[opening.end():close], xml[close:]
    last = body.rfind(b"<row ")
    last_row = 0
    if last >= 0:
        m = _ROW_NUMBER.match(body, last)
        if m is None:
            return None
        last_row = int(m.group(1))
    parts = (_segment(head, BASE_LEVEL), _segment(body, BASE_LEVEL), b"", _final(tail, BASE_LEVEL))
    return _with_layout(parts, (head, body, b"", tail), zlib.crc32(body), last_row)


def _with_layout(parts: tuple[bytes | memoryview, ...], sizes: tuple, body_crc: int, last_row: int,
                 crc: int | None = None) -> Compressed:
    """The member from its four compressed segments; ``sizes`` are the segments' XML (or lengths)."""
    head_u, base_u, recent_u, tail_u = (s if isinstance(s, int) else len(s) for s in sizes)
    if crc is None:
        crc = zlib.crc32(b"".join(sizes))  # type: ignore[arg-type]
    usize = head_u + base_u + recent_u + tail_u
    layout = Layout(crc, sum(len(p) for p in parts), usize, len(parts[0]), head_u, len(parts[1]), base_u,
                    len(parts[2]), recent_u, len(parts[3]), tail_u, body_crc, last_row)
    return Compressed(tuple(parts), crc, usize, layout.pack())


@dataclass(frozen=True)
class Appendable:
    """A worksheet member whose segments are known: its head and recent rows' XML unpacked."""

    member: Member
    layout: Layout
    head: bytes

    @property
    def last_row(self) -> int:
        return self.layout.last_row


def appendable(package: Package, name: str) -> Appendable | None:
    """The worksheet member ``name`` ready to have rows added, or None if its segments are not known."""
    member = package.by_name[name]
    layout = member.layout
    if layout is None:
        return None
    raw = package.raw(name)
    return Appendable(member, layout, _inflate(raw[:layout.head_c], layout.head_u))


def with_rows(package: Package, sheet: Appendable, head: bytes, rows: bytes, last_row: int) -> Compressed:
    """The member with ``rows`` (whole <row> elements) added after its last row and its head
    replaced by ``head`` (its <dimension> brought up to date); the base is copied as it is."""
    layout = sheet.layout
    raw = package.raw(sheet.member.name)
    at = layout.head_c
    base = raw[at:at + layout.base_c]
    at += layout.base_c
    recent = _inflate(raw[at:at + layout.recent_c], layout.recent_u) + rows
    at += layout.recent_c
    tail = raw[at:]
    if len(tail) != layout.tail_c:
        raise CannotRewrite("a segment that is not where its layout says")
    if len(recent) > RECENT_LIMIT:  # the recent rows join the base
        base, base_u = bytes(base) + _segment(recent, RECENT_LEVEL), layout.base_u + len(recent)
        recent_c, recent_u = b"", 0
    else:
        base_u = layout.base_u
        recent_c, recent_u = _segment(recent, RECENT_LEVEL), len(recent)
    body_crc = zlib.crc32(rows, layout.body_crc)
    body_u = base_u + recent_u
    # The member's CRC: head, then the body (known by its CRC only), then the tail (unpacked here).
    tail_u = _inflate(tail, layout.tail_u, final=True)
    crc = zlib.crc32(tail_u, crc32_combine(zlib.crc32(head), body_crc, body_u))
    return _with_layout((_segment(head, BASE_LEVEL), base, recent_c, tail), (head, base_u, recent_u, tail_u),
                        body_crc, last_row, crc)


def appended(old: Package, new: Package) -> dict[str, bytes] | None:
    """The XML of the rows added to each worksheet member if ``new`` is ``old`` with rows added
    to appendable worksheets and nothing else changed (as another process's ``with_rows`` leaves
    it), else None. Found from the segments alone: the old base must begin the new one byte for
    byte, and the rows after it must be the old recent rows and then the added ones, which the new
    CRC of the rows confirms."""
    if [m.name for m in old.members] != [m.name for m in new.members]:
        return None
    added: dict[str, bytes] = {}
    for before, after in zip(old.members, new.members):
        if (before.method, before.crc, before.csize, before.usize) == (after.method, after.crc, after.csize,
                                                                       after.usize):
            continue
        was, now = before.layout, after.layout
        if was is None or now is None or now.base_c < was.base_c or now.last_row < was.last_row:
            return None
        old_raw, new_raw = old.raw(before.name), new.raw(after.name)
        if new_raw[now.head_c:now.head_c + was.base_c] != old_raw[was.head_c:was.head_c + was.base_c] or \
                new_raw[len(new_raw) - now.tail_c:] != old_raw[len(old_raw) - was.tail_c:]:
            return None
        try:
            recent = _inflate(old_raw[was.head_c + was.base_c:was.head_c + was.base_c + was.recent_c], was.recent_u)
            start = now.head_c + was.base_c
            rows = _inflate(new_raw[start:now.head_c + now.base_c + now.recent_c],
                            now.base_u - was.base_u + now.recent_u)
        except CannotRewrite:
            return None
        if not rows.startswith(recent) or zlib.crc32(rows[len(recent):], was.body_crc) != now.body_crc:
            return None
        added[after.name] = rows[len(recent):]
    return added


# CRC-32 of two pieces joined, from each one's CRC and the second's length (zlib's crc32_combine,
# which Python's zlib module does not offer): the first CRC is carried over the second's length
# of zero bits by multiplying it by powers of an operator matrix over GF(2).

def _gf2_times(matrix: list[int], vector: int) -> int:
    total = 0
    i = 0
    while vector:
        if vector & 1:
            total ^= matrix[i]
        vector >>= 1
        i += 1
    return total


def _gf2_square(matrix: list[int]) -> list[int]:
    return [_gf2_times(matrix, matrix[n]) for n in range(32)]


@functools.cache
def _zeros_operators() -> list[list[int]]:
    """The operators for 1, 2, 4, 8... zero bytes (64 of them: lengths up to 2**64): a constant
    table, worked out on first use (about 20 ms) rather than when the module is imported."""
    one_bit = [0xEDB88320] + [1 << n for n in range(31)]
    operator = _gf2_square(_gf2_square(_gf2_square(one_bit)))  # 8 zero bits: one byte
    operators = []
    for _ in range(64):
        operators.append(operator)
        operator = _gf2_square(operator)
    return operators


def crc32_combine(crc1: int, crc2: int, length2: int) -> int:
    """The CRC-32 of A + B from A's CRC ``crc1``, B's CRC ``crc2`` and B's length."""
    for operator in _zeros_operators():
        if not length2:
            break
        if length2 & 1:
            crc1 = _gf2_times(operator, crc1)
        length2 >>= 1
    return crc1 ^ crc2
