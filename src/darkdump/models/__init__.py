"""darkdump stage: models (see DESIGN.md)."""
