"""Allow ``python -m darkdump``."""

from __future__ import annotations

from darkdump.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
