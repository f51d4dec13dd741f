"""Stage ``background``: the expected backgrounds of the dilepton searches.

- :mod:`.model`: :class:`BackgroundModel` (a log-normal signal-region yield and a mass
  shape, the statistics stage's input) and :class:`RegionYield`; the published NA62
  numbers fill them in :mod:`darkdump.analyses.na62_2021.published`;
- :mod:`.control_sample`: the single-track control-sample format and its validating
  reader (Parquet, ROOT);
- the SYNTHETIC halo-muon control-sample generator modelled on the NA62 2021 dump-mode
  halo lives with that analysis (:mod:`darkdump.analyses.na62_2021.halo`);
- :mod:`.combinatorial`: random pairing of single tracks into pseudo-events, weighted
  yields per region (JHEP sec. 5.2, tables 2-3) and the dilepton-mass shape;
- :mod:`.prompt`: prompt background by rejection-factor pseudo-experiments (PRL
  'Backgrounds'), with 90 % CL limits for zero survivors (JHEP sec. 5.1).

>>> from darkdump.background import BackgroundModel
>>> BackgroundModel("mumu", 0.016, 1.125, "flat", (), (0.0, 1.0), "example").log_sigma > 0
True
"""

from darkdump.background.combinatorial import (
    CATEGORIES,
    CombinatorialConfig,
    CombinatorialResult,
    PairSample,
    RegionYieldEstimate,
    combinatorial,
    evaluate_pairs,
    pairs_within_window,
    random_pairs_in_burst,
)
from darkdump.background.comparison import compatibility_pvalue, same_sign_scaling
from darkdump.background.control_sample import (
    SingleTrackSample,
    read_control_sample,
    write_control_sample,
)
from darkdump.background.model import BackgroundModel, RegionYield, bernstein_pdf
from darkdump.background.prompt import (
    PromptCounts,
    PromptResult,
    SurvivalFactor,
    fraction_upper_limit,
    load_counts,
    prompt_background,
)
from darkdump.background.shape import fit_bernstein, mass_shape_model

__all__ = [
    "CATEGORIES",
    "BackgroundModel",
    "CombinatorialConfig",
    "CombinatorialResult",
    "PairSample",
    "PromptCounts",
    "PromptResult",
    "RegionYield",
    "RegionYieldEstimate",
    "SingleTrackSample",
    "SurvivalFactor",
    "bernstein_pdf",
    "combinatorial",
    "compatibility_pvalue",
    "evaluate_pairs",
    "fit_bernstein",
    "fraction_upper_limit",
    "load_counts",
    "mass_shape_model",
    "pairs_within_window",
    "prompt_background",
    "random_pairs_in_burst",
    "read_control_sample",
    "same_sign_scaling",
    "write_control_sample",
]
