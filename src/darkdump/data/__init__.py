"""Package data shipped with darkdump (default spectra, reference tables)."""
