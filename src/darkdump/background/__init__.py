"""Stage ``background``: the expected backgrounds of the dilepton searches.

- :mod:`.published`: the published NA62 yields and shapes (JHEP 09 (2023) 035 table 4,
  PRL 133 (2024) 111802 eq. 3 and appendix B) as :class:`BackgroundModel` data, used
  when no control sample is given;
- :mod:`.control_sample`: the single-track control-sample format and its validating
  reader (Parquet, ROOT);
- :mod:`.synthetic`: a SYNTHETIC halo-muon control-sample generator;
- :mod:`.combinatorial`: random pairing of single tracks into pseudo-events, weighted
  yields per region (JHEP sec. 5.2, tables 2-3) and the dilepton-mass shape;
- :mod:`.prompt`: prompt background by rejection-factor pseudo-experiments (PRL
  'Backgrounds'), with 90 % CL limits for zero survivors (JHEP sec. 5.1).

>>> from darkdump.background import published_model
>>> published_model("mumu").shape_kind
'bernstein'
"""

from darkdump.background.combinatorial import (
    CATEGORIES,
    CombinatorialConfig,
    CombinatorialResult,
    PairSample,
    RegionYieldEstimate,
    combinatorial,
    compatibility_pvalue,
    evaluate_pairs,
    fit_bernstein,
    mass_shape_model,
    pairs_within_window,
    random_pairs_in_burst,
    same_sign_scaling,
)
from darkdump.background.control_sample import (
    SingleTrackSample,
    read_control_sample,
    write_control_sample,
)
from darkdump.background.prompt import (
    PromptCounts,
    PromptResult,
    SurvivalFactor,
    fraction_upper_limit,
    load_counts,
    prompt_background,
)
from darkdump.background.published import BackgroundModel, bernstein_pdf, published_model
from darkdump.background.synthetic import HaloModel, downscale, generate_halo_tracks

__all__ = [
    "CATEGORIES",
    "BackgroundModel",
    "CombinatorialConfig",
    "CombinatorialResult",
    "HaloModel",
    "PairSample",
    "PromptCounts",
    "PromptResult",
    "RegionYieldEstimate",
    "SingleTrackSample",
    "SurvivalFactor",
    "bernstein_pdf",
    "combinatorial",
    "compatibility_pvalue",
    "downscale",
    "evaluate_pairs",
    "fit_bernstein",
    "fraction_upper_limit",
    "generate_halo_tracks",
    "load_counts",
    "mass_shape_model",
    "pairs_within_window",
    "prompt_background",
    "published_model",
    "random_pairs_in_burst",
    "read_control_sample",
    "same_sign_scaling",
    "write_control_sample",
]
