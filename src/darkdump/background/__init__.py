"""darkdump stage: background (see DESIGN.md)."""
