"""regions: the known-good bases the negative corpus is cut from (FORMAT.md §1, §2, §5).

A tiny region builder (objects appended in address order; each method returns the new object's
FILE OFFSET, and ptr(off) gives the logical address to store), and the named bases the table
corpus/negative/cases.tsv refers to. Offsets in the comments are file offsets; "@x" means "a
pointer to file offset x". Python 3 standard library only; the bytes are a pure function of
this file and the real NormalForms file.
"""

import hashlib
import struct

from cf import common

NF_REL = ("corpus/real/cicixgliamici__a-weak-Silly-substitution-Calculus/"
          ".lake__build__lib__lean__SSC__NormalForms.olean")
NF_SHA256 = "60c50aff8d37a2268bc043371fa27fd70b0212cc4f8f287a33c68e3b2ab5dd11"
NF_BASE = 0x04FB6FE40000  # NormalForms base_addr (§10.4)

MASK64 = (1 << 64) - 1
PART_NAMES = ("part0.olean", "part1.olean.server", "part2.olean.private")  # chain files, in order

# Tags (FORMAT.md §1.3).
TAG_CLOSURE, TAG_ARRAY, TAG_SARRAY, TAG_STRING, TAG_MPZ = 245, 246, 248, 249, 250
TAG_THUNK, TAG_TASK, TAG_REF = 251, 252, 253

VERSION_STRING = b"4.29.1"
GITHASH = b"f72c35b3f637c8c6571d353742168ab66cc22c00"
LIB_BASE = 0x7F1234560000  # the saved load base of the one library in the syn-v3 table
# The library's identity: "", the main program, which every process has loaded, so a reader
# that resolves libraries (FORMAT.md §5.5) gets past it to the defect a case plants.
LIB_ID = b""


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


class Region:
    """A region under construction: format 0-3, saved base, objects after the root slot."""

    DATA_START = {0: 24, 1: 56, 2: 88, 3: 96}

    def __init__(self, fmt, base, flags=1):
        self.fmt = fmt
        self.base = base
        self.flags = flags
        self.objs = bytearray()    # the bytes after the root slot
        self.root = box(0)
        self.closure_offsets = []  # v3: m_fun offsets relative to D, in address order
        self.libraries = []        # v3: [(saved base, identity bytes)]

    @property
    def d(self):
        return self.DATA_START[self.fmt]

    @property
    def data_size(self):
        return 8 + len(self.objs)

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
        return self._append(object_header(1, 0, TAG_ARRAY) + u64(n) + u64(n)
                            + b"".join(u64(e) for e in elems))

    def sarray(self, elem_size, payload):
        n = len(payload) // elem_size
        return self._append(object_header(1, elem_size, TAG_SARRAY) + u64(n) + u64(n) + payload)

    def string(self, text):
        raw = text.encode("utf-8") + b"\0"
        return self._append(object_header(1, 0, TAG_STRING) + u64(len(raw)) + u64(len(raw))
                            + u64(len(text)) + raw)

    def mpz(self, limbs):
        """GMP layout (flags bit 0): _mp_alloc = _mp_size = n, limb pointer = own address + 24."""
        n = len(limbs)
        off = self.d + 8 + len(self.objs)
        return self._append(object_header((24 + 8 * n) & 0xFFFF, 0, TAG_MPZ)
                            + struct.pack("<ii", n, n) + u64(self.ptr(off + 24))
                            + b"".join(u64(x) for x in limbs))

    def thunk(self, value, tag=TAG_THUNK):
        """Thunk or Task: m_value, then m_closure / m_imp = 0."""
        return self._append(object_header(24, 0, tag) + u64(value) + u64(0))

    def ref(self, value):
        return self._append(object_header(16, 0, TAG_REF) + u64(value))

    def closure(self, fn, arity, args):
        n = len(args)
        off = self._append(object_header(24 + 8 * n, 0, TAG_CLOSURE) + u64(fn) + u16(arity)
                           + u16(n) + b"\0" * 4 + b"".join(u64(a) for a in args))
        self.closure_offsets.append(off + 8 - self.d)
        return off

    def header(self):
        base = u64(self.base)
        if self.fmt == 0:
            return b"oleanfile!!!!!!!" + base
        if self.fmt == 1:
            return b"olean" + bytes([1]) + GITHASH + b"\0\0" + base
        return (b"olean" + bytes([self.fmt, self.flags]) + VERSION_STRING.ljust(33, b"\0")
                + GITHASH + base)

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
# The bases, by the name cases.tsv uses. Each returns the file's bytes.


def normal_forms():
    """The real 1168-byte v2 file of FORMAT.md §10.5, checked against its MANIFEST sha256."""
    data = (common.ROOT / NF_REL).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != NF_SHA256:
        raise common.DriverError(f"negative: {NF_REL} has sha256 {digest}, expected {NF_SHA256}")
    return data


def syn_v3():
    """v3: ctor A, closures C1 (1 fixed arg -> A) and C2 (none), root ctor -> C1, C2; one library."""
    r = Region(3, 0x0200_0000_0000)
    a = r.ctor(1, [box(3)])
    c1 = r.closure(LIB_BASE + 0x1130, 2, [r.ptr(a)])
    c2 = r.closure(LIB_BASE + 0x2250, 1, [])
    r.root = r.ptr(r.ctor(0, [r.ptr(c1), r.ptr(c2)]))
    r.libraries = [(LIB_BASE, LIB_ID)]
    return r.bytes()


def syn_v3_plain():
    """v3 without closures: String "v3", root ctor -> it; trailer 00000000 00000000."""
    r = Region(3, 0x0210_0000_0000)
    s = r.string("v3")
    r.root = r.ptr(r.ctor(0, [r.ptr(s)]))
    return r.bytes()


def syn_v2_closure():
    """The syn-v3 objects in a v2 file (closures are v3-only, so this base is itself invalid)."""
    r = Region(2, 0x0220_0000_0000)
    a = r.ctor(1, [box(3)])
    c1 = r.closure(LIB_BASE + 0x1130, 2, [r.ptr(a)])
    r.root = r.ptr(r.ctor(0, [r.ptr(c1)]))
    return r.bytes()


def syn_mpz():
    """v2 (flags 0x01, GMP layout): one 1-limb mpz M (2^63 + 1), root ctor -> M."""
    r = Region(2, 0x0300_0000_0000)
    m = r.mpz([0x8000_0000_0000_0001])
    r.root = r.ptr(r.ctor(0, [r.ptr(m)]))
    return r.bytes()


def syn_thunk():
    """v2: Thunk T (value box(5)), Task K (value box(1)), Ref R (value box(0)), root ctor -> T, K, R."""
    r = Region(2, 0x0310_0000_0000)
    t = r.thunk(box(5))
    k = r.thunk(box(1), TAG_TASK)
    f = r.ref(box(0))
    r.root = r.ptr(r.ctor(0, [r.ptr(t), r.ptr(k), r.ptr(f)]))
    return r.bytes()


def syn_sarray():
    """v2: ByteArray SA = "abc" (5 tail padding bytes), FloatArray F (2 x 8 bytes), root ctor -> SA, F."""
    r = Region(2, 0x0320_0000_0000)
    sa = r.sarray(1, b"abc")
    fa = r.sarray(8, u64(0x3FF0_0000_0000_0000) + u64(0x4000_0000_0000_0000))
    r.root = r.ptr(r.ctor(0, [r.ptr(sa), r.ptr(fa)]))
    return r.bytes()


def syn_bigctor():
    """v2: one field-less ctor with 3064 bytes of scalar area (3072 bytes: the largest legal)."""
    r = Region(2, 0x0330_0000_0000)
    r.root = r.ptr(r.ctor(7, [], bytes(i % 251 for i in range(3064))))
    return r.bytes()


def syn_string(fmt, base, text):
    """v0 / v1: String `text`, root ctor -> it."""
    r = Region(fmt, base)
    s = r.string(text)
    r.root = r.ptr(r.ctor(0, [r.ptr(s)]))
    return r.bytes()


def empty_part(base, root):
    """A 96-byte v2 chain part (§5.8): header and a root slot only."""
    r = Region(2, base)
    r.root = root
    return r.bytes()


# The chain bases: part0 = NormalForms, part1 = a 96-byte .olean.server at the §3.4 chained base
# align64K(NF_BASE + 1168), whose root is part0's root object (as Char.olean.server does).
SERVER_BASE = NF_BASE + 0x10000


def server_part_object():
    """A v2 part1 with one own object: ctor tag 0 (@0x458 of part0, box(0)) at offset 96."""
    r = Region(2, SERVER_BASE)
    r.root = r.ptr(r.ctor(0, [NF_BASE + 0x458, box(0)]))
    return r.bytes()


# The R1 chain base: part0 is 96 bytes at X (scalar root); part1 has own objects (a String and
# a root ctor) at X + 0x20000, clear of part0; part2 is 96 bytes at X + 0x10000 whose root is
# part1's root object. The dep_overlap case moves part1 to X + 16, inside part0's range.
R1_BASE = 0x0500_0000_0000


def r1_part1():
    r = Region(2, R1_BASE + 0x20000)
    s = r.string("r1")
    r.root = r.ptr(r.ctor(0, [r.ptr(s)]))
    return r.bytes()


R1_PART1_ROOT = R1_BASE + 0x20000 + 136  # the root ctor of r1-part1, after its 40-byte String

# name -> (builder, what it is). The README's base table says the same in words.
BASES = {
    "NormalForms": normal_forms,
    "syn-v3": syn_v3,
    "syn-v3-plain": syn_v3_plain,
    "syn-mpz": syn_mpz,
    "syn-thunk": syn_thunk,
    "syn-sarray": syn_sarray,
    "syn-bigctor": syn_bigctor,
    "syn-v0": lambda: syn_string(0, 0x0400_0000_0000, "v0"),
    "syn-v1": lambda: syn_string(1, 0x0410_0000_0000, "v1"),
    "syn-v2-closure": syn_v2_closure,
    "server-part": lambda: empty_part(SERVER_BASE, NF_BASE + 0x458),
    "server-part-object": server_part_object,
    "r1-part0": lambda: empty_part(R1_BASE, box(0)),
    "r1-part1": r1_part1,
    "r1-part2": lambda: empty_part(R1_BASE + 0x10000, R1_PART1_ROOT),
}

# The bases a correct loader accepts unchanged (files alone, then chains), so that each case's
# rejection is caused by its edits. syn-v2-closure is invalid on purpose (a closure in v2), and
# the parts are only valid in their chains.
ACCEPTED_FILES = ("NormalForms", "syn-v3", "syn-v3-plain", "syn-mpz", "syn-thunk", "syn-sarray",
                  "syn-bigctor", "syn-v0", "syn-v1")
ACCEPTED_CHAINS = ("NormalForms+server-part", "NormalForms+server-part-object",
                   "r1-part0+r1-part1+r1-part2")


def base_parts(spec):
    """The bytes of each part of a base spec: '-' (no bytes), a name, or names joined by '+'
    (a save chain, part 0 first). KeyError names an unknown base."""
    if spec == "-":
        return [b""]
    return [BASES[name]() for name in spec.split("+")]
