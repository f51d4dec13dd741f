"""darkdump stage: production (see DESIGN.md)."""
