"""Fuzz: the sample workbooks with their bytes mutated (a fixed seed, so a failure reproduces) all go
through one run; every mutant gets a verdict and no exception escapes pipeline.run.

A mutant that is still a readable workbook may be accepted or returned; one that is not is
«не прочитан» with a Russian reason, never a traceback.
"""
from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pytest

import consolidator.run as pipeline
from consolidator.inbox.files import WORKBOOK_SUFFIXES
from consolidator.profile import load_profile
from consolidator.run import Settings

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted(p for p in (ROOT / "sample_inputs" / "udmurt").rglob("*")
                 if p.suffix.lower() in WORKBOOK_SUFFIXES and not p.name.startswith("~$"))
SEED = 20240716
MUTANTS_PER_SAMPLE = 8
VERDICTS = {"accepted", "returned", "unreadable", "skipped"}


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One of the ways a file gets broken in transit or by hand."""
    buf = bytearray(data)
    how = rng.randrange(7)
    n = len(buf)
    if how == 0:  # a few random bytes flipped
        for _ in range(rng.randint(1, 20)):
            buf[rng.randrange(n)] ^= rng.randrange(1, 256)
    elif how == 1:  # cut short
        del buf[rng.randrange(1, n):]
    elif how == 2:  # a run of zeros, as a bad sector
        start = rng.randrange(n)
        buf[start:start + rng.randint(16, 4096)] = bytes(min(n - start, rng.randint(16, 4096)))
    elif how == 3:  # a chunk repeated
        start = rng.randrange(n)
        chunk = buf[start:start + rng.randint(1, 2048)]
        pos = rng.randrange(n)
        buf[pos:pos] = chunk
    elif how == 4:  # the zip directory's numbers (sizes, offsets) overwritten
        pos = buf.rfind(b"PK\x01\x02")
        while pos >= 0:
            if rng.random() < 0.5:
                field = pos + rng.choice([16, 20, 24, 42])  # crc, compressed, uncompressed, offset
                buf[field:field + 4] = rng.randrange(2 ** 32).to_bytes(4, "little")
            pos = buf.rfind(b"PK\x01\x02", 0, pos)
        if b"PK\x01\x02" not in buf:  # not a zip (.xls): overwrite the OLE header's numbers
            for field in (0x2C, 0x30, 0x3C, 0x44, 0x4C):
                if field + 4 <= n and rng.random() < 0.5:
                    buf[field:field + 4] = rng.randrange(2 ** 32).to_bytes(4, "little")
    elif how == 5:  # bytes shuffled inside a window
        start = rng.randrange(n)
        window = buf[start:start + rng.randint(2, 256)]
        rng.shuffle(window)
        buf[start:start + len(window)] = window
    else:  # a random prefix of another kind of file
        buf[:0] = rng.choice([b"%PDF-1.4\n", b"<html><table>", b"\xd0\xcf\x11\xe0", b"PK\x03\x04", b"\x00" * 64])
    return bytes(buf)


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    assert len(SAMPLES) >= 5
    rng = random.Random(SEED)
    inbox = tmp_path_factory.mktemp("fuzz") / "in"
    made = []
    for i, sample in enumerate(SAMPLES):
        data = sample.read_bytes()
        for j in range(MUTANTS_PER_SAMPLE):
            folder = inbox / f"мутант {i:02d}-{j}"
            folder.mkdir(parents=True)
            (folder / sample.name).write_bytes(mutate(data, rng))
            made.append(folder.name)
    batch = pipeline.run(Settings(load_profile("udmurt"), inbox, inbox.parent / "out", date(2024, 7, 16)))
    return made, batch


def test_every_mutant_gets_a_verdict(fuzzed):
    made, batch = fuzzed
    assert sorted(f.path.split("/", 1)[0] for f in batch.files) == sorted(made)
    for f in batch.files:
        assert f.verdict in VERDICTS, f.path
        if f.verdict in ("unreadable", "skipped"):
            assert f.reason and "Traceback" not in f.reason, f.path
        if f.verdict == "returned":
            assert f.returned_copy, f.path


def test_mutants_are_mostly_caught(fuzzed):
    """The mutations really break files: most mutants are refused with a reason."""
    _, batch = fuzzed
    unreadable = sum(f.verdict == "unreadable" for f in batch.files)
    assert unreadable >= len(batch.files) // 3
