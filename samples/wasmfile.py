"""Minimal reading of a Wasm binary for the sample checks (check_modules.py,
programs/check.py): LEB128 integers, names, and the section list. Pure Python."""

MAGIC = b"\0asm\x01\0\0\0"


def leb(buf, pos):
    """Reads an unsigned LEB128 integer at `pos`; returns (value, next position)."""
    result = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, pos


def name(buf, pos):
    """Reads a length-prefixed UTF-8 name; returns (name, next position)."""
    length, pos = leb(buf, pos)
    return buf[pos:pos + length].decode(), pos + length


def sections(buf):
    """Yields (section id, start of contents, end of contents) for a module whose
    8-byte header has been checked against MAGIC."""
    pos = len(MAGIC)
    while pos < len(buf):
        sid = buf[pos]
        size, pos = leb(buf, pos + 1)
        yield sid, pos, pos + size
        pos += size


def exports(buf, pos):
    """Reads an export section at `pos`: {name: (kind, index)}."""
    found = {}
    count, p = leb(buf, pos)
    for _ in range(count):
        n, p = name(buf, p)
        kind = buf[p]
        idx, p = leb(buf, p + 1)
        found[n] = (kind, idx)
    return found
