"""darkdump stage: selection (see DESIGN.md)."""
