"""darkdump stage: detector (see DESIGN.md)."""
