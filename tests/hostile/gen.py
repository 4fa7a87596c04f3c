#!/usr/bin/env python3
"""tests/hostile/gen.py: writes the generated part of the hostile corpus —
truncated and bit-flipped copies of the example pipelines (deterministic:
fixed offsets and a fixed seed) into pipelines/, and the hostile WebAssembly
modules into wasm/. The outputs are committed; rerun this only to change
them, then update MANIFEST. Usage: python3 tests/hostile/gen.py"""
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
EX = os.path.join(HERE, "..", "..", "examples", "pipelines")


def write(rel, data):
    path = os.path.join(HERE, rel)
    with open(path, "wb") as f:
        f.write(data)


def derived_pipelines():
    rng = random.Random(6)  # issue 6
    for name in ("demo", "chain", "branches"):
        src = open(os.path.join(EX, name + ".yaml"), "rb").read()
        n = len(src)
        # cut at fixed fractions and in the middle of the last line
        for pct in (10, 35, 60, 85):
            write("pipelines/truncated-%s-%02d.yaml" % (name, pct), src[: n * pct // 100])
        write("pipelines/truncated-%s-last-byte.yaml" % name, src[:-2])
        # flip one bit at four positions, and eight bits at once
        for i in range(4):
            b = bytearray(src)
            pos = rng.randrange(n)
            b[pos] ^= 1 << rng.randrange(8)
            write("pipelines/bitflip-%s-%d.yaml" % (name, i), bytes(b))
        b = bytearray(src)
        for _ in range(8):
            b[rng.randrange(n)] ^= 1 << rng.randrange(8)
        write("pipelines/bitflip-%s-many.yaml" % name, bytes(b))


def leb(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def section(sid, body):
    return bytes([sid]) + leb(len(body)) + body


HEADER = b"\0asm\x01\0\0\0"


def vec(items):
    return leb(len(items)) + b"".join(items)


def name(s):
    return leb(len(s)) + s


def good_module():
    """A minimal module with the C-style ABI (PIPELINES 6): memory, allocate,
    deallocate, process — process returns 0 (a failure), which is enough."""
    types = vec([b"\x60\x01\x7f\x01\x7f", b"\x60\x02\x7f\x7f\x00", b"\x60\x03\x7f\x7f\x7f\x01\x7f"])
    funcs = vec([b"\x00", b"\x01", b"\x02"])
    mem = vec([b"\x00\x01"])
    exports = vec([name(b"memory") + b"\x02\x00", name(b"allocate") + b"\x00\x00",
                   name(b"deallocate") + b"\x00\x01", name(b"process") + b"\x00\x02"])
    bodies = vec([leb(4) + b"\x00\x41\x00\x0b", leb(2) + b"\x00\x0b", leb(4) + b"\x00\x41\x00\x0b"])
    return (HEADER + section(1, types) + section(3, funcs) + section(5, mem) + section(7, exports)
            + section(10, bodies))


def modules():
    good = good_module()
    mods = {
        "empty": b"",
        "header-only-magic": b"\0asm",
        "truncated-header": HEADER[:6],
        "truncated-half": good[: len(good) // 2],
        "truncated-last-byte": good[:-1],
        "not-wasm-text": b"(module (func))\n",
        "elf": b"\x7fELF\x02\x01\x01" + b"\0" * 57,
        "version-2": b"\0asm\x02\0\0\0",
        "component": b"\0asm\x0d\0\x01\0",
        # a section that claims 4 GiB - 1 bytes
        "huge-section-size": HEADER + b"\x01\xff\xff\xff\xff\x0f",
        # a LEB128 that goes on past 32 bits
        "overlong-leb": HEADER + b"\x01\xff\xff\xff\xff\xff\xff\x0f",
        # counts far beyond the bytes that follow
        "huge-type-count": HEADER + section(1, b"\xff\xff\xff\xff\x0f"),
        "huge-function-count": HEADER + section(1, vec([b"\x60\0\0"])) + section(3, b"\xff\xff\xff\xff\x0f"),
        "huge-export-count": HEADER + section(7, b"\xff\xff\xff\xff\x0f"),
        "huge-body-size": HEADER + section(1, vec([b"\x60\0\0"])) + section(3, vec([b"\0"]))
        + section(10, b"\x01\xff\xff\xff\xff\x0f"),
        "huge-local-count": HEADER + section(1, vec([b"\x60\0\0"])) + section(3, vec([b"\0"]))
        + section(10, vec([leb(8) + b"\x01\xff\xff\xff\xff\x0f\x7f\x0b"])),
        # the ABI module asking for 4 GiB of memory at start, and a maximum past 4 GiB
        "memory-4gib": good.replace(section(5, vec([b"\x00\x01"])),
                                    section(5, vec([b"\x00\x80\x80\x04"]))),
        "memory-max-past-4gib": good.replace(section(5, vec([b"\x00\x01"])),
                                             section(5, vec([b"\x01\x01\x81\x80\x04"]))),
        "unknown-section": HEADER + section(42, b""),
        "sections-out-of-order": HEADER + section(3, vec([])) + section(1, vec([])),
        "duplicate-section": HEADER + section(1, vec([])) + section(1, vec([])),
        "export-missing-function": HEADER + section(7, vec([name(b"process") + b"\x00\x05"])),
        "trailing-garbage": good + b"\xde\xad\xbe\xef",
        "no-exports": HEADER + section(1, vec([])),
        # an imported function, no function section, an empty code section
        "code-without-functions": HEADER + section(1, vec([b"\x60\0\0"]))
        + section(2, vec([name(b"env") + name(b"f") + b"\x00\x00"])) + section(10, vec([])),
        # a tiny module with every export the ABI needs, but process has the wrong type
        "wrong-process-type": wrong_process_type(good),
    }
    mods["good-abi"] = good  # the control: valid, compiles, process returns 0 (a failure)
    for k, v in mods.items():
        write("wasm/%s.wasm" % k, v)
        write("wasm/%s.yaml" % k,
              ("# the module %s.wasm (tests/hostile/gen.py) as a wasm processor\n"
               "processors:\n  - id: m\n    type: wasm\n    module: %s.wasm\n" % (k, k)).encode())


def wrong_process_type(good):
    """process typed (i32, i32, i32) -> i64, its body returning an i64 too: a
    valid module whose only fault is the ABI."""
    m = good.replace(b"\x60\x03\x7f\x7f\x7f\x01\x7f", b"\x60\x03\x7f\x7f\x7f\x01\x7e")
    i = m.rindex(b"\x00\x41\x00\x0b")  # the last body is process's
    return m[:i] + b"\x00\x42\x00\x0b" + m[i + 4:]


def module_paths():
    """wasm processors whose module path is not a module file."""
    cases = {
        "module-dev-zero": "/dev/zero",
        "module-dev-null": "/dev/null",
        "module-directory": ".",
        "module-missing": "no-such-module.wasm",
        "module-empty-path": "''",
        "module-proc-self-mem": "/proc/self/mem",
        "module-this-yaml": "module-this-yaml.yaml",
    }
    for k, path in cases.items():
        write("wasm/%s.yaml" % k,
              ("# a wasm processor whose module is %s (tests/hostile/gen.py)\n"
               "processors:\n  - id: m\n    type: wasm\n    module: %s\n" % (path, path)).encode())
    write("wasm/module-key-missing.yaml",
          b"# a wasm processor without a module (tests/hostile/gen.py)\n"
          b"processors:\n  - id: m\n    type: wasm\n")


if __name__ == "__main__":
    os.makedirs(os.path.join(HERE, "pipelines"), exist_ok=True)
    os.makedirs(os.path.join(HERE, "wasm"), exist_ok=True)
    derived_pipelines()
    modules()
    module_paths()
