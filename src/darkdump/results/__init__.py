"""darkdump stage: results (see DESIGN.md)."""
