"""darkdump stage: stats (see DESIGN.md)."""
