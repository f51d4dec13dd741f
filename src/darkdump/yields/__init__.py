"""darkdump stage: yields (see DESIGN.md)."""
