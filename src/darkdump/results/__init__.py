"""Stage ``results``: files, plots and the report.

Everything written here is written atomically (temporary file in the same
folder, then :func:`os.replace`), so an interrupted run never leaves a
half-written file that a resumed run would trust.
"""

from darkdump.results.io import atomic_write_bytes, atomic_write_text, write_csv, write_json

__all__ = ["atomic_write_bytes", "atomic_write_text", "write_csv", "write_json"]
