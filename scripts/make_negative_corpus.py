#!/usr/bin/env python3
"""Build the negative corpus, corpus/negative/: malformed region files, one expected error each.

Every file is derived from a known-good base by a small, named byte change, so its README row
can say exactly which bytes changed and which error class (docs/errors.md) and file offset the
rejection must carry. The bases are:

  NormalForms  the real 1168-byte v2 file of FORMAT.md §10.5 (its object list gives the offsets)
  syn-*        small synthetic files built here, for kinds and formats the real file lacks:
               v3 with closures and a library table, v3 without closures, mpz, thunk/task/ref,
               scalar arrays, a maximal ctor, v0 and v1 headers, and 96-byte chain parts.

Usage:
  scripts/make_negative_corpus.py              rewrite corpus/negative/ (files + README.md)
  scripts/make_negative_corpus.py --check      regenerate into a temp dir and compare; exit 1 on
                                               any difference (missing, extra or changed file)
  scripts/make_negative_corpus.py --bases DIR  also write the unmutated bases to DIR (each must be
                                               accepted; tests/scripts/test_negative_corpus.py
                                               checks that, so every rejection is the mutation's)

Python 3 standard library only; the output is a pure function of this script and the base file.
Offsets in the comments are file offsets; "@x" means "a pointer to file offset x".
"""

import argparse
import hashlib
import shutil
import struct
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "corpus" / "negative"
NF_REL = ("corpus/real/cicixgliamici__a-weak-Silly-substitution-Calculus/"
          ".lake__build__lib__lean__SSC__NormalForms.olean")
NF_SHA256 = "60c50aff8d37a2268bc043371fa27fd70b0212cc4f8f287a33c68e3b2ab5dd11"

MASK64 = (1 << 64) - 1
PART_NAMES = ("part0.olean", "part1.olean.server", "part2.olean.private")  # chain file names, in order

# Tags (FORMAT.md §1.3).
TAG_CLOSURE, TAG_ARRAY, TAG_SARRAY, TAG_STRING, TAG_MPZ = 245, 246, 248, 249, 250
TAG_THUNK, TAG_TASK, TAG_REF = 251, 252, 253

VERSION_STRING = b"4.29.1"
GITHASH = b"f72c35b3f637c8c6571d353742168ab66cc22c00"
LIB_BASE = 0x7F1234560000  # the saved load base of the one library in the syn-v3 table
LIB_ID = b"libcfnegative.so"


# ---------------------------------------------------------------------------------------------
# Byte helpers

def u16(v):
    return struct.pack("<H", v)


def u32(v):
    return struct.pack("<I", v & 0xFFFFFFFF)


def u64(v):
    return struct.pack("<Q", v & MASK64)


def box(n):
    """A boxed scalar word (§1.1)."""
    return 2 * n + 1


def align8(x):
    return (x + 7) & ~7


def object_header(cs_sz, other, tag, rc=0):
    """The 8-byte object header (§1.2): m_rc i32, m_cs_sz u16, m_other u8, m_tag u8."""
    return struct.pack("<iHBB", rc, cs_sz, other, tag)


def patch(data, off, new):
    """`data` with the bytes at `off` replaced by `new` (same length)."""
    out = bytearray(data)
    assert off + len(new) <= len(out), (off, len(new), len(out))
    out[off:off + len(new)] = new
    return bytes(out)


def put8(data, off, v):
    return patch(data, off, bytes([v]))


def put16(data, off, v):
    return patch(data, off, u16(v))


def put32(data, off, v):
    return patch(data, off, u32(v))


def put64(data, off, v):
    return patch(data, off, u64(v))


# ---------------------------------------------------------------------------------------------
# A tiny region builder (FORMAT.md §1.4, §2): objects are appended in address order; every
# method returns the new object's FILE OFFSET, and ptr(off) gives the logical address to store.

class Region:
    DATA_START = {0: 24, 1: 56, 2: 88, 3: 96}

    def __init__(self, fmt, base, flags=1):
        self.fmt = fmt            # 0, 1, 2 or 3
        self.base = base
        self.flags = flags
        self.objs = bytearray()   # the bytes after the root slot
        self.root = box(0)
        self.closure_offsets = []  # v3: m_fun offsets relative to D, in address order
        self.libraries = []        # v3: [(saved base, identity bytes)]

    @property
    def d(self):
        return self.DATA_START[self.fmt]

    @property
    def data_size(self):
        return 8 + len(self.objs)

    @property
    def trailer_offset(self):
        return self.d + self.data_size

    @property
    def closure_table(self):
        """File offset of the first v3 closure offset (after the u32 count)."""
        return self.trailer_offset + 4

    def ptr(self, off):
        return self.base + off

    def _append(self, body):
        off = self.d + 8 + len(self.objs)
        body = bytes(body) + b"\0" * (align8(len(body)) - len(body))
        self.objs += body
        return off

    def ctor(self, tag, fields, scalars=b""):
        n = len(fields)
        return self._append(object_header(8 + 8 * n + len(scalars), n, tag)
                            + b"".join(u64(f) for f in fields) + scalars)

    def array(self, elems):
        n = len(elems)
        return self._append(object_header(1, 0, TAG_ARRAY) + u64(n) + u64(n) + b"".join(u64(e) for e in elems))

    def sarray(self, elem_size, payload):
        n = len(payload) // elem_size
        return self._append(object_header(1, elem_size, TAG_SARRAY) + u64(n) + u64(n) + payload)

    def string(self, text):
        raw = text.encode("utf-8") + b"\0"
        return self._append(object_header(1, 0, TAG_STRING) + u64(len(raw)) + u64(len(raw)) + u64(len(text)) + raw)

    def mpz(self, limbs):
        """GMP layout (flags bit 0): _mp_alloc = _mp_size = n, limb pointer = own address + 24."""
        n = len(limbs)
        off = self.d + 8 + len(self.objs)
        return self._append(object_header((24 + 8 * n) & 0xFFFF, 0, TAG_MPZ) + struct.pack("<ii", n, n)
                            + u64(self.ptr(off + 24)) + b"".join(u64(x) for x in limbs))

    def thunk(self, value, tag=TAG_THUNK):
        """Thunk or Task: m_value, then m_closure / m_imp = 0."""
        return self._append(object_header(24, 0, tag) + u64(value) + u64(0))

    def ref(self, value):
        return self._append(object_header(16, 0, TAG_REF) + u64(value))

    def closure(self, fn, arity, args):
        n = len(args)
        off = self._append(object_header(24 + 8 * n, 0, TAG_CLOSURE) + u64(fn) + u16(arity) + u16(n)
                           + b"\0" * 4 + b"".join(u64(a) for a in args))
        self.closure_offsets.append(off + 8 - self.d)
        return off

    def header(self):
        base = u64(self.base)
        if self.fmt == 0:
            return b"oleanfile!!!!!!!" + base
        if self.fmt == 1:
            return b"olean" + bytes([1]) + GITHASH + b"\0\0" + base
        return (b"olean" + bytes([self.fmt, self.flags]) + VERSION_STRING.ljust(33, b"\0") + GITHASH + base)

    def trailer(self):
        out = u32(len(self.closure_offsets)) + b"".join(u64(o) for o in self.closure_offsets)
        out += u32(len(self.libraries))
        for lib_base, ident in self.libraries:
            out += u64(lib_base) + u32(len(ident)) + ident
        return out

    def bytes(self):
        out = self.header()
        if self.fmt == 3:
            out += u64(self.data_size)
        out += u64(self.root) + bytes(self.objs)
        if self.fmt == 3:
            out += self.trailer()
        return out


# ---------------------------------------------------------------------------------------------
# The bases. Each returns (bytes, dict of named file offsets) so the cases below name objects
# rather than repeat magic numbers. All are accepted by `regiontool inspect` unchanged.

NF_BASE = 0x04FB6FE40000  # NormalForms base_addr (§10.4)


def nf_bytes():
    """The real NormalForms file, checked against its MANIFEST sha256."""
    data = (ROOT / NF_REL).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != NF_SHA256:
        raise SystemExit(f"make_negative_corpus: {NF_REL} has sha256 {digest}, expected {NF_SHA256}")
    return data


def nf_ptr(off):
    return NF_BASE + off


def syn_v3():
    """v3: ctor A, closures C1 (1 fixed arg -> A) and C2 (none), root ctor -> C1, C2; one library."""
    r = Region(3, 0x0200_0000_0000)
    a = r.ctor(1, [box(3)])
    c1 = r.closure(LIB_BASE + 0x1130, 2, [r.ptr(a)])
    c2 = r.closure(LIB_BASE + 0x2250, 1, [])
    r.root = r.ptr(r.ctor(0, [r.ptr(c1), r.ptr(c2)]))
    r.libraries = [(LIB_BASE, LIB_ID)]
    return r, {"a": a, "c1": c1, "c2": c2}


def syn_v3_plain():
    """v3 without closures: String "v3", root ctor -> it; trailer 00000000 00000000."""
    r = Region(3, 0x0210_0000_0000)
    s = r.string("v3")
    r.root = r.ptr(r.ctor(0, [r.ptr(s)]))
    return r, {"s": s}


def syn_v2_closure():
    """The syn-v3 objects in a v2 file (closures are v3-only, so this base is itself invalid)."""
    r = Region(2, 0x0220_0000_0000)
    a = r.ctor(1, [box(3)])
    c1 = r.closure(LIB_BASE + 0x1130, 2, [r.ptr(a)])
    r.root = r.ptr(r.ctor(0, [r.ptr(c1)]))
    return r, {"a": a, "c1": c1}


def syn_mpz():
    """v2 (flags 0x01, GMP layout): one 1-limb mpz M (2^63 + 1), root ctor -> M."""
    r = Region(2, 0x0300_0000_0000)
    m = r.mpz([0x8000_0000_0000_0001])
    r.root = r.ptr(r.ctor(0, [r.ptr(m)]))
    return r, {"m": m}


def syn_thunk():
    """v2: Thunk T (value box(5)), Task K (value box(1)), Ref R (value box(0)), root ctor -> T, K, R."""
    r = Region(2, 0x0310_0000_0000)
    t = r.thunk(box(5))
    k = r.thunk(box(1), TAG_TASK)
    f = r.ref(box(0))
    r.root = r.ptr(r.ctor(0, [r.ptr(t), r.ptr(k), r.ptr(f)]))
    return r, {"t": t, "k": k, "r": f}


def syn_sarray():
    """v2: ByteArray SA = "abc" (5 tail padding bytes), FloatArray F (2 x 8 bytes), root ctor -> SA, F."""
    r = Region(2, 0x0320_0000_0000)
    sa = r.sarray(1, b"abc")
    fa = r.sarray(8, u64(0x3FF0_0000_0000_0000) + u64(0x4000_0000_0000_0000))
    r.root = r.ptr(r.ctor(0, [r.ptr(sa), r.ptr(fa)]))
    return r, {"sa": sa, "fa": fa}


def syn_bigctor(scalar_bytes):
    """v2: one field-less ctor with `scalar_bytes` of scalar area (3064 gives the largest legal, 3072)."""
    r = Region(2, 0x0330_0000_0000)
    c = r.ctor(7, [], bytes(i % 251 for i in range(scalar_bytes)))
    r.root = r.ptr(c)
    return r, {"c": c}


def syn_v0():
    """v0 (24-byte header): String "v0", root ctor -> it."""
    r = Region(0, 0x0400_0000_0000)
    s = r.string("v0")
    r.root = r.ptr(r.ctor(0, [r.ptr(s)]))
    return r, {"s": s}


def syn_v1():
    """v1 (56-byte header): String "v1", root ctor -> it."""
    r = Region(1, 0x0410_0000_0000)
    s = r.string("v1")
    r.root = r.ptr(r.ctor(0, [r.ptr(s)]))
    return r, {"s": s}


def empty_part(base, root):
    """A 96-byte v2 chain part (§5.8): header and a root slot only."""
    r = Region(2, base)
    r.root = root
    return r.bytes()


# The chain base: part0 = NormalForms, part1 = a 96-byte .olean.server at the §3.4 chained base
# align64K(NF_BASE + 1168), whose root is part0's root object (as Char.olean.server does).
SERVER_BASE = NF_BASE + 0x10000


def server_part(root=nf_ptr(0x458), base=SERVER_BASE):
    return empty_part(base, root)


def server_part_with_object(field0):
    """A v2 part1 with one own object: ctor tag 0 (field0, box(0)) at offset 96, the root."""
    r = Region(2, SERVER_BASE)
    r.root = r.ptr(r.ctor(0, [field0, box(0)]))
    return r.bytes()


# The R1 chain base: part0 is 96 bytes at X (scalar root), part1 has own objects and a base of
# X + 16, inside part0's file range [X, X + 96) while its own data starts at X + 104 (no R2 for
# part1); part2 is 96 bytes at X + 0x10000 whose root is part1's root object.
R1_BASE = 0x0500_0000_0000


def r1_parts(part1_base):
    p0 = empty_part(R1_BASE, box(0))
    r = Region(2, part1_base)
    s = r.string("r1")
    root1 = r.ptr(r.ctor(0, [r.ptr(s)]))
    r.root = root1
    p2 = empty_part(R1_BASE + 0x10000, root1)
    return [p0, r.bytes(), p2]


def bases():
    """Every unmutated base, by name: bytes for a file, a list of bytes for a chain."""
    out = {"NormalForms.olean": nf_bytes()}
    for name, make in (("syn-v3", syn_v3), ("syn-v3-plain", syn_v3_plain), ("syn-mpz", syn_mpz),
                       ("syn-thunk", syn_thunk), ("syn-sarray", syn_sarray), ("syn-v0", syn_v0),
                       ("syn-v1", syn_v1)):
        out[name + ".bin"] = make()[0].bytes()
    out["syn-bigctor.bin"] = syn_bigctor(3064)[0].bytes()
    out["chain-server"] = [nf_bytes(), server_part()]
    out["chain-server-object"] = [nf_bytes(), server_part_with_object(nf_ptr(0x458))]
    out["chain-r1"] = r1_parts(R1_BASE + 0x10000 * 2)  # part1 moved clear of part0: no overlap
    return out


# ---------------------------------------------------------------------------------------------
# The case table

class Case:
    def __init__(self, row_id, cls, name, files, args, changed, offset):
        assert "|" not in changed and "\n" not in changed, changed
        self.row_id = row_id  # the FORMAT.md §8.3 row(s) the case exercises, e.g. "O10"; "" if none
        self.cls, self.name, self.files, self.args = cls, name, files, args
        self.changed, self.offset = changed, offset

    @property
    def description(self):
        """The README `bytes changed` cell, led by the §8.3 row id."""
        return f"{self.row_id}: {self.changed}" if self.row_id else self.changed

    @property
    def path(self):
        """The README `file` cell: a .bin file, or a chain directory (trailing slash)."""
        return f"{self.cls}/{self.name}.bin" if len(self.files) == 1 and not self.args else f"{self.cls}/{self.name}/"


class Corpus:
    def __init__(self):
        self.cases = []

    def file(self, row_id, cls, name, data, offset, changed):
        """A single-file case, read as `regiontool validate FILE`."""
        self.cases.append(Case(row_id, cls, name, {f"{name}.bin": data}, "", changed, offset))

    def chain(self, row_id, cls, name, parts, offset, changed, args="--chain"):
        """A chain case: parts written as part0.olean, part1.olean.server, ... in one directory."""
        files = {PART_NAMES[i]: p for i, p in enumerate(parts)}
        self.cases.append(Case(row_id, cls, name, files, args, changed, offset))


def build_cases():
    c = Corpus()
    nf = nf_bytes()
    v3, v3o = syn_v3()
    v3b = v3.bytes()
    v3p, v3po = syn_v3_plain()
    v3pb = v3p.bytes()
    mz, mzo = syn_mpz()
    mzb = mz.bytes()
    th, tho = syn_thunk()
    thb = th.bytes()
    sa, sao = syn_sarray()
    sab = sa.bytes()
    v0, v0o = syn_v0()
    v0b = v0.bytes()
    v1, v1o = syn_v1()
    v1b = v1.bytes()
    a, c1, c2 = v3o["a"], v3o["c1"], v3o["c2"]
    m, t, k, r = mzo["m"], tho["t"], tho["k"], tho["r"]
    s1 = sao["sa"]
    T, table = v3.trailer_offset, v3.closure_table  # syn-v3 trailer start and closure-offset array

    # ---- truncated: bytes end too early (H1, D1-D3, T1, O1) -------------------------------------
    # H1: nothing to detect a format from.
    c.file("H1", "truncated", "empty", b"", 0, "empty file (0 bytes)")
    # H1: the 3 bytes still agree with the magic when the file ends.
    c.file("H1", "truncated", "magic_cut", nf[:3], 3, "NormalForms cut to its first 3 bytes (`ole`)")
    # H1: v2 detected (olean, version 2) but the 88-byte header is cut.
    c.file("H1", "truncated", "v2_header_cut", nf[:60], 60, "NormalForms cut to 60 bytes, inside the githash")
    # H1: v0 magic complete, base_addr cut.
    c.file("H1", "truncated", "v0_header_cut", v0b[:20], 20, "syn-v0 cut to 20 bytes, inside base_addr")
    # H1: v1 detected, base_addr cut.
    c.file("H1", "truncated", "v1_header_cut", v1b[:50], 50, "syn-v1 cut to 50 bytes, inside base_addr")
    # D1: exactly the header, no root slot (upstream would return a null root).
    c.file("D1", "truncated", "v2_no_root_slot", nf[:88], 88, "NormalForms cut to 88 bytes: header only, data 0 bytes")
    # D1: 4 data bytes cannot hold the 8-byte root slot.
    c.file("D1", "truncated", "v2_root_slot_cut", nf[:92], 92, "NormalForms cut to 92 bytes: data 4 bytes")
    # D1: v0 with a 4-byte data section.
    c.file("D1", "truncated", "v0_root_slot_cut", v0b[:28], 28, "syn-v0 cut to 28 bytes: data 4 bytes")
    # D1: v3 data_size 0 (an otherwise complete file with an empty trailer).
    d1 = Region(3, 0x0230_0000_0000).header() + u64(0) + u32(0) + u32(0)
    c.file("D1", "truncated", "v3_data_size_0", d1, 96,
           "synthetic v3 header, data_size 0 @88, empty trailer (104 bytes)")
    # D2: the data section is not a whole number of words; reported at the partial word.
    c.file("D2", "truncated", "v2_data_not_words", nf[:1164], 1160,
           "NormalForms cut to 1164 bytes (last object loses 4 bytes; data 1076 = 134 words + 4)")
    # D2: 4 stray bytes appended to a v2 file.
    c.file("D2", "truncated", "v2_data_extra_bytes", nf + b"\0" * 4, 1168,
           "NormalForms + 4 zero bytes (data 1084 bytes)")
    # D2: the same on v1.
    c.file("D2", "truncated", "v1_data_extra_bytes", v1b + b"\0" * 4, len(v1b), "syn-v1 + 4 zero bytes")
    # D3: data_size claims more bytes than the file has after the 96-byte v3 header.
    c.file("D3", "truncated", "v3_data_size_past_eof", put64(v3b, 88, len(v3b)), 88,
           f"syn-v3 data_size @88: {v3.data_size} -> {len(v3b)} (the file size)")
    # T1: the file ends right after the data: no closure count.
    c.file("T1", "truncated", "v3_trailer_missing", v3b[:T], T, f"syn-v3 cut at the data end ({T}), no trailer")
    # T1: the closure-offset array (C = 2) is cut after its first entry.
    c.file("T1", "truncated", "v3_offsets_cut", v3b[:table + 8], table,
           f"syn-v3 cut to {table + 8} bytes: 1 of 2 closure offsets")
    # T1: the library count is missing.
    c.file("T1", "truncated", "v3_library_count_cut", v3b[:table + 16 + 2], table + 16,
           f"syn-v3 cut to {table + 18} bytes, inside the library count")
    # T1: id_len says 16 bytes but the file ends 6 bytes into the identity.
    lib_at = table + 16 + 4
    c.file("T1", "truncated", "v3_library_id_past_eof", v3b[:lib_at + 12 + 6], lib_at + 12,
           f"syn-v3 cut to {lib_at + 18} bytes: id_len 16 but 6 identity bytes")
    # T1: id_len far larger than the rest of the file.
    c.file("T1", "truncated", "v3_library_id_len_huge", put32(v3b, lib_at + 8, 0xFFFFFFFF), lib_at + 12,
           f"syn-v3 id_len @{lib_at + 8}: 16 -> 0xffffffff")
    # O1: the root ctor's m_cs_sz 56 -> 64 runs 8 bytes past the data end.
    c.file("O1", "truncated", "ctor_past_data_end", put16(nf, 0x458 + 4, 64), 0x458,
           "NormalForms root ctor @0x458 m_cs_sz (bytes 0x45c-0x45d): 56 -> 64")
    # O1: a String capacity near 2^63 (size 5 <= capacity, so O6 does not fire first).
    c.file("O1", "truncated", "string_capacity_huge", put64(nf, 0x60 + 16, 1 << 63), 0x60 + 16,
           "NormalForms String @0x60 m_capacity @0x70: 5 -> 2^63")
    # O1: Array capacity 2^61: 24 + 8 * capacity wraps to 24 in 64 bits.
    c.file("O1", "truncated", "array_capacity_wraps", put64(nf, 0xC0 + 16, 1 << 61), 0xC0 + 16,
           "NormalForms Array @0xc0 m_capacity @0xd0: 1 -> 2^61 (8 x capacity wraps)")
    # O1: an mpz whose limb count runs far past the data end.
    c.file("O1", "truncated", "mpz_limbs_huge", put32(put32(mzb, m + 8, 0x7FFFFFFF), m + 12, 0x7FFFFFFF), m + 12,
           f"syn-mpz M @{m}: _mp_alloc and _mp_size @{m + 8}, @{m + 12}: 1 -> 0x7fffffff")
    # O1: a ScalarArray capacity past the data end.
    c.file("O1", "truncated", "sarray_capacity_huge", put64(sab, s1 + 16, 1 << 40), s1 + 16,
           f"syn-sarray SA @{s1} m_capacity @{s1 + 16}: 3 -> 2^40")

    # ---- bad_magic (H2) ----------------------------------------------------------------------
    # H2: first byte differs from both magics.
    c.file("H2", "bad_magic", "first_byte", put8(nf, 0, ord("O")), 0, "NormalForms byte 0: `o` -> `O`")
    # H2: `olexn`: the mismatch is reported where the bytes stop agreeing.
    c.file("H2", "bad_magic", "fourth_byte", put8(nf, 3, ord("x")), 3, "NormalForms byte 3: `a` -> `x` (`olexn`)")
    # H2: an ELF header is not a region.
    c.file("H2", "bad_magic", "elf_file", b"\x7fELF\x02\x01\x01" + b"\0" * 89, 0,
           "96 bytes: ELF magic `7f 45 4c 46` then zeros")

    # ---- incompatible_header (H3, H4) ----------------------------------------------------------
    # H3: version byte 4 is not a format.
    c.file("H3", "incompatible_header", "version_4", put8(nf, 5, 4), 5, "NormalForms version byte @5: 2 -> 4")
    # H3: version byte 0.
    c.file("H3", "incompatible_header", "version_0", put8(nf, 5, 0), 5, "NormalForms version byte @5: 2 -> 0")
    # H3: version byte 255.
    c.file("H3", "incompatible_header", "version_255", put8(nf, 5, 255), 5, "NormalForms version byte @5: 2 -> 255")
    # H3: a v0 magic with its last `!` changed still starts with `olean`, so byte 5 (`f`) is the version.
    c.file("H3", "incompatible_header", "v0_magic_typo", put8(v0b, 15, ord("?")), 5,
           "syn-v0 magic byte 15: `!` -> `?` (`olean` + version byte 0x66)")
    # H4: flags 0 (non-GMP mpz) where 0x01 is expected.
    c.file("H4", "incompatible_header", "flags_0", put8(nf, 6, 0), 6, "NormalForms flags @6: 0x01 -> 0x00")
    # H4: a reserved flag bit set.
    c.file("H4", "incompatible_header", "flags_reserved_bit", put8(nf, 6, 0x81), 6,
           "NormalForms flags @6: 0x01 -> 0x81")
    # H4: the same on v3.
    c.file("H4", "incompatible_header", "v3_flags_3", put8(v3b, 6, 3), 6, "syn-v3 flags @6: 0x01 -> 0x03")

    # ---- bad_header_field (H6, H7, D4) ---------------------------------------------------------
    # H6: base_addr not 8-aligned.
    c.file("H6", "bad_header_field", "base_misaligned", put64(nf, 80, NF_BASE + 4), 80,
           "NormalForms base_addr @80: 0x4fb6fe40000 -> 0x4fb6fe40004")
    # H6: an odd base_addr.
    c.file("H6", "bad_header_field", "base_odd", put64(nf, 80, NF_BASE + 1), 80,
           "NormalForms base_addr @80: 0x4fb6fe40000 -> 0x4fb6fe40001")
    # H6: on v0 the field is at 16.
    c.file("H6", "bad_header_field", "v0_base_misaligned", put64(v0b, 16, v0.base + 2), 16,
           f"syn-v0 base_addr @16: {v0.base:#x} -> {v0.base + 2:#x}")
    # H7: base_addr + file size passes 2^64.
    c.file("H7", "bad_header_field", "base_wraps", put64(nf, 80, 0xFFFF_FFFF_FFFF_FC00), 80,
           "NormalForms base_addr @80 -> 0xfffffffffffffc00 (+ 1168 bytes passes 2^64)")
    # H7: on v1 the field is at 48.
    c.file("H7", "bad_header_field", "v1_base_wraps", put64(v1b, 48, 0xFFFF_FFFF_FFFF_FFF8), 48,
           "syn-v1 base_addr @48 -> 0xfffffffffffffff8")
    # D4: v3 data_size not a multiple of 8 (still within the file, so D3 does not fire first).
    c.file("D4", "bad_header_field", "v3_data_size_misaligned", put64(v3b, 88, v3.data_size - 4), 88,
           f"syn-v3 data_size @88: {v3.data_size} -> {v3.data_size - 4}")

    # ---- trailing_bytes (T2) -------------------------------------------------------------------
    # T2: one byte after the library table.
    c.file("T2", "trailing_bytes", "v3_one_extra_byte", v3b + b"\0", len(v3b),
           "syn-v3 + 1 zero byte after the library table")
    # T2: a second empty trailer after the first.
    c.file("T2", "trailing_bytes", "v3_plain_second_trailer", v3pb + b"\0" * 8, len(v3pb),
           "syn-v3-plain + 8 zero bytes (a second empty trailer)")

    # ---- bad_tag (O3, T10) ---------------------------------------------------------------------
    # O3: StructArray (247) never occurs in a region.
    c.file("O3", "bad_tag", "tag_247_struct_array", put8(nf, 0x60 + 7, 247), 0x67,
           "NormalForms String @0x60 tag @0x67: 249 -> 247")
    # O3: External (254) cannot be compacted.
    c.file("O3", "bad_tag", "tag_254_external", put8(nf, 0x88 + 7, 254), 0x8F,
           "NormalForms ctor @0x88 tag @0x8f: 1 -> 254")
    # O3: Reserved (255).
    c.file("O3", "bad_tag", "tag_255_reserved", put8(nf, 0x458 + 7, 255), 0x45F,
           "NormalForms root ctor @0x458 tag @0x45f: 0 -> 255")
    # T10: a well-formed Closure in a v2 file.
    v2c, v2co = syn_v2_closure()
    c.file("T10", "bad_tag", "closure_in_v2", v2c.bytes(), v2co["c1"] + 7,
           f"synthetic v2 file holding the syn-v3 closure C1 @{v2co['c1']} (tag 245 @{v2co['c1'] + 7})")
    # T10: a v2 ctor retagged as a closure.
    c.file("T10", "bad_tag", "ctor_retagged_closure", put8(nf, 0xA8 + 7, 245), 0xAF,
           "NormalForms ctor @0xa8 tag @0xaf: 0 -> 245")

    # ---- bad_object_header (O2, O8, O9) --------------------------------------------------------
    # O2: m_rc 1 (a heap object).
    c.file("O2", "bad_object_header", "rc_1", put32(nf, 0x60, 1), 0x60,
           "NormalForms String @0x60 m_rc (bytes 0x60-0x63): 0 -> 1")
    # O2: m_rc -1 (multi-threaded heap object).
    c.file("O2", "bad_object_header", "rc_minus_1", put32(nf, 0x458, 0xFFFFFFFF), 0x458,
           "NormalForms root ctor @0x458 m_rc: 0 -> -1")
    # O8: a big kind stores m_cs_sz 1.
    c.file("O8", "bad_object_header", "array_cs_sz_2", put16(nf, 0xC0 + 4, 2), 0xC4,
           "NormalForms Array @0xc0 m_cs_sz @0xc4: 1 -> 2")
    # O8: Array m_other must be 0.
    c.file("O8", "bad_object_header", "array_other_1", put8(nf, 0xE0 + 6, 1), 0xE4,
           "NormalForms empty Array @0xe0 m_other @0xe6: 0 -> 1")
    # O8: String m_cs_sz 0.
    c.file("O8", "bad_object_header", "string_cs_sz_0", put16(nf, 0x60 + 4, 0), 0x64,
           "NormalForms String @0x60 m_cs_sz @0x64: 1 -> 0")
    # O8: ScalarArray m_cs_sz must be 1.
    c.file("O8", "bad_object_header", "sarray_cs_sz_0", put16(sab, s1 + 4, 0), s1 + 4,
           f"syn-sarray SA @{s1} m_cs_sz @{s1 + 4}: 1 -> 0")
    # O8: the mpz m_cs_sz must be 24 + 8n.
    c.file("O8", "bad_object_header", "mpz_cs_sz_40", put16(mzb, m + 4, 40), m + 4,
           f"syn-mpz M @{m} m_cs_sz @{m + 4}: 32 -> 40")
    # O8: a Thunk is 24 bytes.
    c.file("O8", "bad_object_header", "thunk_cs_sz_16", put16(thb, t + 4, 16), t + 4,
           f"syn-thunk T @{t} m_cs_sz @{t + 4}: 24 -> 16")
    # O8: a Ref is 16 bytes.
    c.file("O8", "bad_object_header", "ref_cs_sz_24", put16(thb, r + 4, 24), r + 4,
           f"syn-thunk R @{r} m_cs_sz @{r + 4}: 16 -> 24")
    # O8: Closure m_other must be 0.
    c.file("O8", "bad_object_header", "closure_other_1", put8(v3b, c2 + 6, 1), c2 + 6,
           f"syn-v3 closure C2 @{c2} m_other @{c2 + 6}: 0 -> 1")
    # O9: ScalarArray element size 0.
    c.file("O9", "bad_object_header", "sarray_elem_size_0", put8(sab, s1 + 6, 0), s1 + 6,
           f"syn-sarray SA @{s1} m_other @{s1 + 6}: 1 -> 0")
    # O9: ScalarArray element size with the linearity bit (0x80).
    c.file("O9", "bad_object_header", "sarray_elem_size_0x81", put8(sab, s1 + 6, 0x81), s1 + 6,
           f"syn-sarray SA @{s1} m_other @{s1 + 6}: 1 -> 0x81")

    # ---- bad_object_size (O4-O7, O14) ----------------------------------------------------------
    # O4: ctor m_cs_sz 16 < 8 + 8 * 2 fields.
    c.file("O4", "bad_object_size", "ctor_cs_sz_short", put16(nf, 0x88 + 4, 16), 0x8C,
           "NormalForms Name.str @0x88 m_cs_sz @0x8c: 32 -> 16 (2 fields)")
    # O4: ctor m_cs_sz 0 (would never advance).
    c.file("O4", "bad_object_size", "ctor_cs_sz_0", put16(nf, 0x88 + 4, 0), 0x8C,
           "NormalForms Name.str @0x88 m_cs_sz @0x8c: 32 -> 0")
    # O4: m_other claims 4 fields in a 32-byte ctor (8 + 32 > 32).
    c.file("O4", "bad_object_size", "ctor_other_too_many_fields", put8(nf, 0x88 + 6, 4), 0x8C,
           "NormalForms Name.str @0x88 m_other @0x8e: 2 -> 4")
    # O5: ctor m_cs_sz not a multiple of 8 (the step stays 32).
    c.file("O5", "bad_object_size", "ctor_cs_sz_28", put16(nf, 0x88 + 4, 28), 0x8C,
           "NormalForms Name.str @0x88 m_cs_sz @0x8c: 32 -> 28")
    # O5: a ctor of 3080 bytes, one word more than the largest legal (8 + 8 * 255 + 1024).
    big, bigo = syn_bigctor(3072)
    c.file("O5", "bad_object_size", "ctor_over_3072", big.bytes(), bigo["c"] + 4,
           f"syn-bigctor built with 3072 scalar bytes: m_cs_sz @{bigo['c'] + 4} = 3080 (base: 3064 bytes, 3072)")
    # O6: Array m_size 2 > m_capacity 1.
    c.file("O6", "bad_object_size", "array_size_gt_capacity", put64(nf, 0xC0 + 8, 2), 0xC8,
           "NormalForms Array @0xc0 m_size @0xc8: 1 -> 2")
    # O6: String m_size 6 > m_capacity 5.
    c.file("O6", "bad_object_size", "string_size_gt_capacity", put64(nf, 0x60 + 8, 6), 0x68,
           "NormalForms String @0x60 m_size @0x68: 5 -> 6")
    # O6: ScalarArray m_size 4 > m_capacity 3.
    c.file("O6", "bad_object_size", "sarray_size_gt_capacity", put64(sab, s1 + 8, 4), s1 + 8,
           f"syn-sarray SA @{s1} m_size @{s1 + 8}: 3 -> 4")
    # O7: String m_capacity 8 > m_size 5 (same 40-byte step).
    c.file("O7", "bad_object_size", "string_capacity_gt_size", put64(nf, 0x60 + 16, 8), 0x70,
           "NormalForms String @0x60 m_capacity @0x70: 5 -> 8")
    # O7: Array m_size 0 < m_capacity 1 (same 32-byte step).
    c.file("O7", "bad_object_size", "array_size_lt_capacity", put64(nf, 0xC0 + 8, 0), 0xD0,
           "NormalForms Array @0xc0 m_size @0xc8: 1 -> 0")
    # O7: ScalarArray m_size 2 < m_capacity 3.
    c.file("O7", "bad_object_size", "sarray_size_lt_capacity", put64(sab, s1 + 8, 2), s1 + 16,
           f"syn-sarray SA @{s1} m_size @{s1 + 8}: 3 -> 2")
    # O14: Closure m_cs_sz 40 != 24 + 8 * 1 fixed argument.
    c.file("O14", "bad_object_size", "closure_cs_sz_40", put16(v3b, c1 + 4, 40), c1 + 4,
           f"syn-v3 closure C1 @{c1} m_cs_sz @{c1 + 4}: 32 -> 40")
    # O14: m_num_fixed 2 without the room for it (m_cs_sz stays 32).
    c.file("O14", "bad_object_size", "closure_num_fixed_2", put16(v3b, c1 + 18, 2), c1 + 4,
           f"syn-v3 closure C1 @{c1} m_num_fixed @{c1 + 18}: 1 -> 2 (m_cs_sz 32 kept)")

    # ---- bad_object_field (O12, O13, O15) ------------------------------------------------------
    # O12: _mp_alloc != |_mp_size|.
    c.file("O12", "bad_object_field", "mpz_alloc_2", put32(mzb, m + 8, 2), m + 8,
           f"syn-mpz M @{m} _mp_alloc @{m + 8}: 1 -> 2")
    # O12: _mp_size = -2^31 has no absolute value.
    c.file("O12", "bad_object_field", "mpz_size_int_min", put32(mzb, m + 12, 0x80000000), m + 12,
           f"syn-mpz M @{m} _mp_size @{m + 12}: 1 -> -2^31")
    # O12: the limb pointer must be the object's own address + 24.
    c.file("O12", "bad_object_field", "mpz_limb_pointer", put64(mzb, m + 16, mz.ptr(m + 32)), m + 16,
           f"syn-mpz M @{m} limb pointer @{m + 16}: own address + 24 -> + 32")
    # O13: Thunk m_closure must be 0.
    c.file("O13", "bad_object_field", "thunk_closure_set", put64(thb, t + 16, 0x1000), t + 16,
           f"syn-thunk T @{t} m_closure @{t + 16}: 0 -> 0x1000")
    # O13: Task m_imp must be 0.
    c.file("O13", "bad_object_field", "task_imp_set", put64(thb, k + 16, 8), k + 16,
           f"syn-thunk Task K @{k} m_imp @{k + 16}: 0 -> 8")
    # O15: Closure arity 0.
    c.file("O15", "bad_object_field", "closure_arity_0", put16(v3b, c2 + 16, 0), c2 + 16,
           f"syn-v3 closure C2 @{c2} m_arity @{c2 + 16}: 1 -> 0")
    # O15: m_num_fixed 1 >= m_arity 1.
    c.file("O15", "bad_object_field", "closure_fixed_ge_arity", put16(v3b, c1 + 16, 1), c1 + 16,
           f"syn-v3 closure C1 @{c1} m_arity @{c1 + 16}: 2 -> 1 (1 fixed argument)")

    # ---- bad_string (O10); String @0x60 is "Init\0" + 3 padding, bytes at 0x80-0x87 ------------
    # O10: m_size 0 (and capacity 0, so O6/O7 do not fire first): no room for the NUL.
    c.file("O10", "bad_string", "size_0", put64(put64(nf, 0x68, 0), 0x70, 0), 0x68,
           "NormalForms String @0x60 m_size @0x68 and m_capacity @0x70: 5 -> 0")
    # O10: the last byte (m_size - 1) is not NUL.
    c.file("O10", "bad_string", "no_nul", put8(nf, 0x84, ord("x")), 0x84,
           "NormalForms String @0x60 byte @0x84: NUL -> `x`")
    # O10: 0xff is never UTF-8.
    c.file("O10", "bad_string", "utf8_byte_ff", put8(nf, 0x81, 0xFF), 0x81,
           "NormalForms String @0x60 byte @0x81: `n` -> 0xff")
    # O10: a continuation byte with no lead byte.
    c.file("O10", "bad_string", "utf8_lone_continuation", put8(nf, 0x80, 0x80), 0x80,
           "NormalForms String @0x60 byte @0x80: `I` -> 0x80")
    # O10: an overlong encoding of NUL (c0 80).
    c.file("O10", "bad_string", "utf8_overlong", patch(nf, 0x80, b"\xc0\x80"), 0x80,
           "NormalForms String @0x60 bytes @0x80-0x81: `In` -> c0 80")
    # O10: a UTF-16 surrogate (ed a0 80 = U+D800).
    c.file("O10", "bad_string", "utf8_surrogate", patch(nf, 0x80, b"\xed\xa0\x80"), 0x80,
           "NormalForms String @0x60 bytes @0x80-0x82: `Ini` -> ed a0 80")
    # O10: a 3-byte lead byte cut off by the NUL.
    c.file("O10", "bad_string", "utf8_cut_sequence", put8(nf, 0x83, 0xE2), 0x83,
           "NormalForms String @0x60 byte @0x83: `t` -> 0xe2")
    # O10: m_length does not count the code points.
    c.file("O10", "bad_string", "length_5", put64(nf, 0x78, 5), 0x78, "NormalForms String @0x60 m_length @0x78: 4 -> 5")
    # O10: m_length 0 for a non-empty string.
    c.file("O10", "bad_string", "length_0", put64(nf, 0x78, 0), 0x78, "NormalForms String @0x60 m_length @0x78: 4 -> 0")

    # ---- bad_padding (O11) ---------------------------------------------------------------------
    # O11: first String tail padding byte.
    c.file("O11", "bad_padding", "string_tail_first", put8(nf, 0x85, 1), 0x85,
           "NormalForms String @0x60 padding byte @0x85: 0 -> 1")
    # O11: last String tail padding byte.
    c.file("O11", "bad_padding", "string_tail_last", put8(nf, 0x87, 0x80), 0x87,
           "NormalForms String @0x60 padding byte @0x87: 0 -> 0x80")
    # O11: ScalarArray tail padding (after "abc").
    c.file("O11", "bad_padding", "sarray_tail", put8(sab, s1 + 27, 0xFF), s1 + 27,
           f"syn-sarray SA @{s1} padding byte @{s1 + 27}: 0 -> 0xff")
    # O11: Closure bytes 20-23.
    c.file("O11", "bad_padding", "closure_bytes_20_23", put8(v3b, c1 + 21, 1), c1 + 21,
           f"syn-v3 closure C1 @{c1} byte @{c1 + 21}: 0 -> 1")

    # ---- pointer_out_of_range (P1, P2, P7) -----------------------------------------------------
    # P1: a field word 0.
    c.file("P1", "pointer_out_of_range", "field_zero", put64(nf, 0xB0, 0), 0xB0,
           "NormalForms ctor @0xa8 field 0 @0xb0: @0x88 -> 0")
    # P1: an Array element 0.
    c.file("P1", "pointer_out_of_range", "array_element_zero", put64(nf, 0xD8, 0), 0xD8,
           "NormalForms Array @0xc0 element 0 @0xd8: @0xa8 -> 0")
    # P1: a Thunk value 0.
    c.file("P1", "pointer_out_of_range", "thunk_value_zero", put64(thb, t + 8, 0), t + 8,
           f"syn-thunk T @{t} m_value @{t + 8}: box(5) -> 0")
    # P2: a field into the header (file offset 16, the version string).
    c.file("P2", "pointer_out_of_range", "field_into_header", put64(nf, 0xB0, nf_ptr(0x10)), 0xB0,
           "NormalForms ctor @0xa8 field 0 @0xb0: @0x88 -> @0x10 (header)")
    # P2: a field at file offset 0 (the base_addr itself).
    c.file("P2", "pointer_out_of_range", "field_at_base", put64(nf, 0xB0, NF_BASE), 0xB0,
           "NormalForms ctor @0xa8 field 0 @0xb0: @0x88 -> @0x0 (= base_addr)")
    # P2: a v3 field into the data_size slot (offset 88, below D = 96).
    c.file("P2", "pointer_out_of_range", "v3_field_into_data_size", put64(v3b, a + 8, v3.ptr(88)), a + 8,
           f"syn-v3 ctor A @{a} field 0 @{a + 8}: box(3) -> @88 (data_size)")
    # P2: a v3 field into the trailer (the first closure offset).
    root3 = v3.root - v3.base
    c.file("P2", "pointer_out_of_range", "v3_field_into_trailer", put64(v3b, root3 + 8, v3.ptr(table)), root3 + 8,
           f"syn-v3 root ctor @{root3} field 0 @{root3 + 8}: @{c1} -> @{table} (trailer)")
    # P7: the root slot 0.
    c.file("P7", "pointer_out_of_range", "root_zero", put64(nf, 88, 0), 88, "NormalForms root slot @88: @0x458 -> 0")
    # P7: the root slot into the header.
    c.file("P7", "pointer_out_of_range", "root_into_header", put64(nf, 88, nf_ptr(0x50)), 88,
           "NormalForms root slot @88: @0x458 -> @0x50 (base_addr field)")

    # ---- pointer_not_object_start (P3, P6) -----------------------------------------------------
    # P3: inside an object (Name.str @0x88, its field 0).
    c.file("P3", "pointer_not_object_start", "field_inside_object", put64(nf, 0xB0, nf_ptr(0x90)), 0xB0,
           "NormalForms ctor @0xa8 field 0 @0xb0: @0x88 -> @0x90 (inside @0x88)")
    # P3: an even but not 8-aligned target.
    c.file("P3", "pointer_not_object_start", "field_misaligned", put64(nf, 0xB0, nf_ptr(0x8C)), 0xB0,
           "NormalForms ctor @0xa8 field 0 @0xb0: @0x88 -> @0x8c")
    # P3: the root slot is not an object.
    c.file("P3", "pointer_not_object_start", "field_to_root_slot", put64(nf, 0xB0, nf_ptr(0x58)), 0xB0,
           "NormalForms ctor @0xa8 field 0 @0xb0: @0x88 -> @0x58 (root slot)")
    # P7/P3: the root slot into the middle of the last object.
    c.file("P7/P3", "pointer_not_object_start", "root_inside_object", put64(nf, 88, nf_ptr(0x460)), 88,
           "NormalForms root slot @88: @0x458 -> @0x460 (inside the root ctor)")
    # P7/P3: the root slot misaligned.
    c.file("P7/P3", "pointer_not_object_start", "root_misaligned", put64(nf, 88, nf_ptr(0x45C)), 88,
           "NormalForms root slot @88: @0x458 -> @0x45c")
    # P6: a 96-byte part1 whose root lands inside part0's root ctor.
    c.chain("P6", "pointer_not_object_start", "chain_root_inside_dep_object", [nf, server_part(nf_ptr(0x460))], 88,
            "part0 NormalForms; part1 96-byte .server (base 0x4fb6fe50000) root slot @88 -> part0 @0x460 (was @0x458)")
    # P6: part1's own object has a field into the middle of part0's Name.str @0x88.
    c.chain("P6", "pointer_not_object_start",
            "chain_field_inside_dep_object", [nf, server_part_with_object(nf_ptr(0x90))], 104,
            "part0 NormalForms; part1 ctor @96 field 0 @104 -> part0 @0x90 (was @0x458)")

    # ---- forward_pointer (P4) ------------------------------------------------------------------
    # P4: a field pointing at its own object.
    c.file("P4", "forward_pointer", "self_reference", put64(nf, 0xB0, nf_ptr(0xA8)), 0xB0,
           "NormalForms ctor @0xa8 field 0 @0xb0: @0x88 -> @0xa8 (itself)")
    # P4: a field pointing at a later object.
    c.file("P4", "forward_pointer", "field_to_later_object", put64(nf, 0xB0, nf_ptr(0xC0)), 0xB0,
           "NormalForms ctor @0xa8 field 0 @0xb0: @0x88 -> @0xc0")
    # P4: an Array element pointing at the root (a cycle through the root).
    c.file("P4", "forward_pointer", "array_element_to_root", put64(nf, 0xD8, nf_ptr(0x458)), 0xD8,
           "NormalForms Array @0xc0 element 0 @0xd8: @0xa8 -> @0x458 (root)")
    # P4: a Ref pointing at itself.
    c.file("P4", "forward_pointer", "ref_to_itself", put64(thb, r + 8, th.ptr(r)), r + 8,
           f"syn-thunk R @{r} value @{r + 8}: box(0) -> @{r} (itself)")

    # ---- root_not_last (P8) --------------------------------------------------------------------
    # P8: the root is a real object start, but not the last one.
    c.file("P8", "root_not_last", "root_to_entries_array", put64(nf, 88, nf_ptr(0x428)), 88,
           "NormalForms root slot @88: @0x458 -> @0x428 (Array)")
    # P8: the root is the first object.
    c.file("P8", "root_not_last", "root_to_first_object", put64(nf, 88, nf_ptr(0x60)), 88,
           "NormalForms root slot @88: @0x458 -> @0x60")

    # ---- unreachable_object (P9) ---------------------------------------------------------------
    # P9: dropping the root's imports field orphans @0xc0, @0xa8, @0x88 and @0x60 (reported first).
    c.file("P9", "unreachable_object", "root_drops_imports", put64(nf, 0x460, box(0)), 0x60,
           "NormalForms root field 0 @0x460: @0xc0 -> box(0)")
    # P9: dropping the entries field orphans the entries Array and the Names under it.
    c.file("P9", "unreachable_object", "root_drops_entries", put64(nf, 0x480, box(0)), 0xF8,
           "NormalForms root field 4 @0x480: @0x428 -> box(0)")
    # P9: a Thunk nobody points at.
    c.file("P9", "unreachable_object", "thunk_orphaned", put64(thb, th.root - th.base + 8, box(0)), t,
           f"syn-thunk root field 0 @{th.root - th.base + 8}: @{t} -> box(0)")

    # ---- missing_dep (P5) ----------------------------------------------------------------------
    # P5: a 96-byte .olean.server read alone: its root lies in the absent .olean.
    c.file("P5", "missing_dep", "server_part_alone", server_part(), 88,
           "96-byte v2 part (base 0x4fb6fe50000), root slot @88 -> NormalForms @0x458, read without its deps")
    # P5: a field 1 MiB past the end of its own file.
    c.file("P5", "missing_dep", "field_outside_file", put64(nf, 0xB0, nf_ptr(0x100000)), 0xB0,
           "NormalForms ctor @0xa8 field 0 @0xb0: @0x88 -> base + 0x100000 (no such region)")
    # P5: a chain whose part1 points between part0 and itself.
    c.chain("P5", "missing_dep", "chain_root_between_parts", [nf, server_part(nf_ptr(0x8000))], 88,
            "part0 NormalForms; part1 96-byte .server root slot @88 -> part0 base + 0x8000 (past part0's end)")

    # ---- dep_overlap (R1, R2; slow path only) --------------------------------------------------
    # R2: part1's base lies inside part0's file range, so its own data overlaps part0.
    c.chain("R2", "dep_overlap", "own_data_in_dep", [nf, server_part(base=NF_BASE + 0x100)], 80,
            "part0 NormalForms; part1 96-byte part base_addr @80 = part0 base + 0x100 (own data inside part0)",
            args="--chain --path slow")
    # R1: part0 [X, X+96) and part1 (base X+16, data from X+104) overlap; part2 reads both as deps.
    c.chain("R1", "dep_overlap", "deps_overlap", r1_parts(R1_BASE + 16), 80,
            "part0 96 bytes at 0x50000000000; part1 base_addr @80 = part0 base + 16; "
            "part2 (deps part0, part1) rejected",
            args="--chain --path slow")

    # ---- closure_offset_out_of_range (T3, T4); syn-v3 offsets are C1, C2 m_fun ----------------
    o1, o2 = v3.closure_offsets
    # T3: an offset that is not a multiple of 8.
    c.file("T3", "closure_offset_out_of_range", "offset_misaligned", put64(v3b, table, o1 + 4), table,
           f"syn-v3 closure offset 0 @{table}: {o1} -> {o1 + 4}")
    # T3: an offset whose word ends past the data (off + 8 > data_size).
    c.file("T3", "closure_offset_out_of_range", "offset_past_data", put64(v3b, table + 8, v3.data_size), table + 8,
           f"syn-v3 closure offset 1 @{table + 8}: {o2} -> {v3.data_size} (= data_size)")
    # T3: an offset near 2^64.
    c.file("T3", "closure_offset_out_of_range", "offset_huge", put64(v3b, table + 8, MASK64 - 7), table + 8,
           f"syn-v3 closure offset 1 @{table + 8}: {o2} -> 2^64 - 8")
    # T4: an offset naming the ctor A's field 0, not a closure's m_fun.
    c.file("T4", "closure_offset_out_of_range", "offset_at_ctor_field", put64(v3b, table, a + 8 - v3.d), table,
           f"syn-v3 closure offset 0 @{table}: {o1} -> {a + 8 - v3.d} (ctor A's field 0)")
    # T4: offset 0 names the root slot.
    c.file("T4", "closure_offset_out_of_range", "offset_at_root_slot", put64(v3b, table, 0), table,
           f"syn-v3 closure offset 0 @{table}: {o1} -> 0 (root slot)")
    # T4: an offset at a closure's m_arity word instead of m_fun.
    c.file("T4", "closure_offset_out_of_range", "offset_at_closure_arity", put64(v3b, table, o1 + 8), table,
           f"syn-v3 closure offset 0 @{table}: {o1} -> {o1 + 8} (C1's m_arity word)")

    # ---- bad_closure_table (T5, T6, T8, T9) ----------------------------------------------------
    # T5: the same offset twice (would relocate C1 twice).
    c.file("T5", "bad_closure_table", "offsets_duplicate", put64(v3b, table + 8, o1), table + 8,
           f"syn-v3 closure offset 1 @{table + 8}: {o2} -> {o1} (= offset 0)")
    # T5: offsets descending.
    c.file("T5", "bad_closure_table", "offsets_descending", put64(put64(v3b, table, o2), table + 8, o1), table + 8,
           f"syn-v3 closure offsets @{table}, @{table + 8}: {o1}, {o2} -> {o2}, {o1}")
    # T6: C2's m_fun is not listed (C = 1).
    v3_one = Region(3, v3.base)
    v3_one.objs, v3_one.root, v3_one.libraries = v3.objs, v3.root, v3.libraries
    v3_one.closure_offsets = [o1]
    c.file("T6", "bad_closure_table", "closure_unlisted", v3_one.bytes(), c2,
           f"syn-v3 rebuilt with C = 1 (offset {o1} only): closure C2 @{c2} unlisted")
    # T6: no offsets at all while the file holds two closures (the library stays listed).
    v3_none = Region(3, v3.base)
    v3_none.objs, v3_none.root, v3_none.libraries = v3.objs, v3.root, v3.libraries
    c.file("T6", "bad_closure_table", "closures_none_listed", v3_none.bytes(), c1,
           f"syn-v3 rebuilt with C = 0: closure C1 @{c1} is the first unlisted")
    # T8: C1's m_fun below the only saved library base.
    c.file("T8", "bad_closure_table", "fun_below_library_base", put64(v3b, c1 + 8, LIB_BASE - 0x1000), c1 + 8,
           f"syn-v3 closure C1 @{c1} m_fun @{c1 + 8}: {LIB_BASE + 0x1130:#x} -> {LIB_BASE - 0x1000:#x}")
    # T9: the same library identity listed twice.
    v3_dup = Region(3, v3.base)
    v3_dup.objs, v3_dup.root, v3_dup.closure_offsets = v3.objs, v3.root, v3.closure_offsets
    v3_dup.libraries = [(LIB_BASE, LIB_ID), (LIB_BASE + 0x100000, LIB_ID)]
    c.file("T9", "bad_closure_table", "library_duplicate", v3_dup.bytes(), table,
           f"syn-v3 rebuilt with L = 2: `{LIB_ID.decode()}` at {LIB_BASE:#x} and {LIB_BASE + 0x100000:#x}")
    # T9: a library listed while C = 0.
    v3p_lib = Region(3, v3p.base)
    v3p_lib.objs, v3p_lib.root = v3p.objs, v3p.root
    v3p_lib.libraries = [(LIB_BASE, LIB_ID)]
    c.file("T9", "bad_closure_table", "library_without_closures", v3p_lib.bytes(), v3p.closure_table,
           f"syn-v3-plain rebuilt with L = 1 (`{LIB_ID.decode()}`) and C = 0")
    # (docs/errors.md) A NUL inside a library identity (no real identity has one).
    lib_id_at = table + 16 + 4 + 12
    c.file("", "bad_closure_table", "library_id_nul", put8(v3b, lib_id_at + 3, 0), table,
           f"syn-v3 library identity byte @{lib_id_at + 3}: `c` -> NUL")

    return c.cases


# ---------------------------------------------------------------------------------------------
# README and output

README_INTRO = """\
# Negative corpus

Hand-made malformed region files, each with exactly one expected rejection: an error class
(`docs/errors.md`) and the file offset `regiontool` must report. Every file is a known-good
base with a small, named byte change, so each row below says which bytes changed.

**Generated, do not edit by hand.** The files and this README are written by
`scripts/make_negative_corpus.py` (Python 3 standard library; deterministic). To add or change
a case, edit the case table in that script and rerun it; `scripts/make_negative_corpus.py --check`
regenerates into a temporary directory and exits 1 if anything here differs.

**Every row is a test.** `tests/scripts/test_negative_corpus.py` (run by ctest as part of
`scripts.compactfuzz_unittest`) runs `regiontool validate [args] FILE(S)` for each row and
expects exit code 1 and `<expected class> at offset <expected offset>` in the output. It also
checks that the rows and the files on disk match one to one, that every unmutated base is
accepted, and that the generator's `--check` passes.

**Annotated dumps.** Beside every file is `<file>.txt`, its `regiontool inspect --annotate` dump
(`docs/regiontool.md`): every byte range up to the failing byte, labelled, then a `>>>` marker
line with the class, offset and message. They are written by `scripts/annotate_negative.py`
(rerun it after this generator, which removes them), and `tests/scripts/test_annotated_dumps.py`
checks that each is current and that each single-file row's dump ends in its expected class at
its expected offset. `inspect` reads a file alone and counts pointers that leave it as external
references, so chain parts and the `missing_dep` rows carry no such marker.

Bases (offsets are file offsets; `@x` is a pointer to file offset `x`; each
`bytes changed` cell starts with the FORMAT.md §8.3 row it exercises, if any):

| base | what it is |
|---|---|
| NormalForms | the real v2 file `corpus/real/cicixgliamici__a-weak-Silly-substitution-Calculus/.lake__build__lib__lean__SSC__NormalForms.olean` (1168 bytes, base 0x4fb6fe40000); FORMAT.md §10.5 lists its objects |
| syn-v3 | v3: ctor A (1 scalar field), closures C1 (arity 2, 1 fixed argument -> A) and C2 (arity 1), root ctor -> C1, C2; trailer C = 2 offsets, L = 1 library `libcfnegative.so` |
| syn-v3-plain | v3 without closures: String "v3", root ctor; trailer `00000000 00000000` |
| syn-mpz | v2: a 1-limb GMP mpz M, root ctor -> M |
| syn-thunk | v2: Thunk T, Task K, Ref R (scalar values), root ctor -> T, K, R |
| syn-sarray | v2: ByteArray SA `abc` (5 tail padding bytes), FloatArray (2 elements), root ctor -> both |
| syn-bigctor | v2: one field-less ctor of 3072 bytes (the largest legal), the root |
| syn-v0, syn-v1 | v0 / v1: String, root ctor -> it |
| chain parts | `part0.olean` is NormalForms or a 96-byte part; `part1.olean.server` etc. are 96-byte parts (header + root slot) or small parts with one ctor |

Chain cases are directories: their files are passed in name order,
`regiontool validate --chain part0.olean part1.olean.server ...`, and part k is read with parts
0..k-1 as deps; the offset is in the part that is rejected (the last one). `--path slow` selects
the slow path, the only one that checks dep overlap (FORMAT.md §5.7).
"""


def readme(cases):
    lines = [README_INTRO, "| file | args | bytes changed | expected class | expected offset |",
             "|---|---|---|---|---|"]
    for case in cases:
        args = f"`{case.args}`" if case.args else ""
        lines.append(f"| `{case.path}` | {args} | {case.description} | `{case.cls}` | {case.offset} |")
    counts = {}
    for case in cases:
        counts[case.cls] = counts.get(case.cls, 0) + 1
    lines += ["", f"{len(cases)} cases in {len(counts)} classes: "
              + ", ".join(f"`{k}` {v}" for k, v in counts.items()) + "."]
    return "\n".join(lines) + "\n"


def write_tree(out, cases):
    """Write every case file and README.md under `out` (which must be empty or absent)."""
    out.mkdir(parents=True, exist_ok=True)
    names = set()
    for case in cases:
        assert case.path not in names, f"duplicate case {case.path}"
        names.add(case.path)
        folder = out / case.cls if case.path.endswith(".bin") else out / case.path
        folder.mkdir(parents=True, exist_ok=True)
        for fname, data in case.files.items():
            (folder / fname).write_bytes(data)
    (out / "README.md").write_text(readme(cases), encoding="utf-8")


def write_bases(out):
    out.mkdir(parents=True, exist_ok=True)
    for name, data in bases().items():
        if isinstance(data, list):
            (out / name).mkdir(exist_ok=True)
            for i, part in enumerate(data):
                (out / name / PART_NAMES[i]).write_bytes(part)
        else:
            (out / name).write_bytes(data)


def tree_files(root):
    """{relative path: bytes} for every file under root, except the annotated dumps (*.txt),
    which scripts/annotate_negative.py writes from regiontool's output, not this generator."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.suffix != ".txt"}


def check(out, cases):
    """Regenerate into a temp dir and compare with `out`; returns the list of differences."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "negative"
        write_tree(fresh, cases)
        want, have = tree_files(fresh), tree_files(out) if out.is_dir() else {}
    diffs = [f"missing: {p}" for p in sorted(want.keys() - have.keys())]
    diffs += [f"not generated (stale): {p}" for p in sorted(have.keys() - want.keys())]
    diffs += [f"differs: {p}" for p in sorted(want.keys() & have.keys()) if want[p] != have[p]]
    return diffs


def main(argv=None):
    parser = argparse.ArgumentParser(description="Build corpus/negative/ from NormalForms and synthetic bases.")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory (default corpus/negative)")
    parser.add_argument("--check", action="store_true", help="compare a fresh build with --out; exit 1 on a difference")
    parser.add_argument("--bases", type=Path, metavar="DIR", help="also write the unmutated bases to DIR")
    args = parser.parse_args(argv)
    cases = build_cases()
    if args.bases:
        write_bases(args.bases)
    if args.check:
        diffs = check(args.out, cases)
        for d in diffs:
            print(f"make_negative_corpus: {d}", file=sys.stderr)
        if diffs:
            print(f"make_negative_corpus: {args.out} is out of date; rerun scripts/make_negative_corpus.py",
                  file=sys.stderr)
            return 1
        print(f"make_negative_corpus: {len(cases)} cases up to date in {args.out}")
        return 0
    if args.out.exists():
        shutil.rmtree(args.out)  # everything here is generated; a renamed case leaves nothing stale
    write_tree(args.out, cases)
    print(f"make_negative_corpus: wrote {len(cases)} cases to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
