"""The code fingerprint behind the reproduction's cache key and provenance."""

from __future__ import annotations

from pathlib import Path

from darkdump.results.provenance import code_fingerprint, run_identity, versions


def test_fingerprint_follows_content_and_names_not_bytecode(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "a.py").write_text("x = 1\n")
    (pkg / "sub" / "data.toml").write_text("k = 2\n")
    first = code_fingerprint(pkg)
    assert len(first) == 16
    (pkg / "__pycache__").mkdir()
    (pkg / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"\x00\x01")
    assert code_fingerprint(pkg) == first  # compiled files do not count
    (pkg / ".a.py.swp").write_text("editor state")
    (pkg / ".DS_Store").write_text("x")
    assert code_fingerprint(pkg) == first  # nor editor files and dotfiles
    (pkg / "sub" / "data.toml").write_text("k = 3\n")
    changed = code_fingerprint(pkg)
    assert changed != first  # shipped data counts
    (pkg / "sub" / "data.toml").rename(pkg / "sub" / "other.toml")
    assert code_fingerprint(pkg) != changed  # so does a file's name


def test_provenance_records_the_fingerprint_and_the_identity_omits_paths() -> None:
    found = versions()
    assert found["darkdump_code"] == code_fingerprint()
    identity = run_identity()
    assert identity["darkdump_code"] == found["darkdump_code"]
    assert "executable" not in identity
    assert "platform" not in identity
    assert identity["numpy"] == found["numpy"]
    # A plotting or file library's upgrade does not discard cached numbers.
    assert "matplotlib" not in identity
    assert "h5py" not in identity
