"""darkdump stage: decay (see DESIGN.md)."""
