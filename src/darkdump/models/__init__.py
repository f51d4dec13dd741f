"""Stage ``models``: what the particle is (masses, widths, branching ratios, lifetime)."""
