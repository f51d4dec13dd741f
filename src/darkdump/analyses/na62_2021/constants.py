"""NA62 2021 analysis constants, read from ``analysis.toml``.

Observed events, counting settings, published SR backgrounds, statements, and the limit
kinds of the outputs.
"""

from __future__ import annotations

from darkdump.analyses.na62_2021 import load_analysis
from darkdump.analyses.na62_2021.published import published_model

__all__ = [
    "ALP_STATISTICS",
    "BACKGROUND_SR",
    "KINDS",
    "MASS_WINDOW_SIGMAS",
    "OBSERVED_EE_MEV",
    "OBSERVED_MUMU_MEV",
    "PAPER_STATEMENTS",
    "POT_SHAPE",
]

_ANALYSIS = load_analysis()
#: Observed events [MeV] (JHEP sec. 7: one mumu event at 411 MeV in the SR; PRL: no ee
#: event), from ``darkdump/analyses/na62_2021/analysis.toml``.
OBSERVED_MUMU_MEV: tuple[float, ...] = tuple(_ANALYSIS["observed_events"]["mumu_MeV"])
OBSERVED_EE_MEV: tuple[float, ...] = tuple(_ANALYSIS["observed_events"]["ee_MeV"])
#: Half-width of the counting mass window in units of sigma_M (an inference, see the file).
MASS_WINDOW_SIGMAS: float = float(_ANALYSIS["counting"]["mass_window_sigmas"])
#: Published backgrounds in the SR (JHEP table 4: 0.016 mumu; PRL eq. 3: 0.0094 ee)
#: and log-normal shapes (PRL appendix B), used by the counting limits.
BACKGROUND_SR = {
    ch: (published_model(ch).median_yield, published_model(ch).lognormal_shape)
    for ch in ("mumu", "ee")
}
#: Statistical method of each ALP limit, as each paper does it (written to provenance.json).
ALP_STATISTICS: dict[str, str] = dict(_ANALYSIS["alp_statistics"])
#: POT log-normal shape of the counting method (PRL appendix B; JHEP sec. 6 quotes 20 %).
POT_SHAPE: float = float(_ANALYSIS["counting"]["pot_lognormal_shape"])
#: What the papers state, for the summary table.
PAPER_STATEMENTS: dict[str, str] = dict(_ANALYSIS["statements"])

KINDS = (
    "observed",
    "expected",
    "expected_-2sigma",
    "expected_-1sigma",
    "expected_+1sigma",
    "expected_+2sigma",
    "model_low",
    "model_high",
)
#: CSV ``kind`` -> curve name of :data:`darkdump.stats.CURVES`.
_STATS_CURVE = {
    "observed": "observed",
    "expected": "expected",
    "expected_-2sigma": "expected_m2sigma",
    "expected_-1sigma": "expected_m1sigma",
    "expected_+1sigma": "expected_p1sigma",
    "expected_+2sigma": "expected_p2sigma",
}
