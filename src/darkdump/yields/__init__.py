"""Stage ``yields``: A_sel, P_D, sigma_M and N_exp on the (M, eps) plane (JHEP 09 (2023) 035, eqs. 3.4-3.6).

One sample per mass is simulated and re-weighted for every coupling
(:mod:`.reweight`); :func:`compute_grid` runs the chain production -> decay ->
detector -> selection per mass; :mod:`.io` writes the grid (HDF5) and the
JHEP fig. 4 zero-event table (CSV); :mod:`.geometric` holds the fig. 4
geometric acceptance.
"""

from darkdump.yields.alp import (
    AlpConfig,
    AlpGrid,
    compute_alp_grid,
    default_alp_taus,
    simulate_alp_mass,
)
from darkdump.yields.geometric import (
    N_EXCLUDED_ZERO_EVENTS,
    exclusion_interval,
    lkr_geometric_acceptance,
)
from darkdump.yields.grid import (
    CHANNELS,
    MESONS,
    PRODUCTION_MODES,
    QUANTITIES,
    MassResult,
    SignalEvents,
    YieldConfig,
    YieldGrid,
    assemble_grid,
    compute_grid,
    default_epsilons,
    default_masses,
    fill_sigma_m,
    signal_events,
    simulate_mass,
)
from darkdump.yields.io import (
    read_grid,
    write_alp_grid,
    write_grid,
    write_zero_event_csv,
    zero_event_cells,
    zero_event_rows,
)
from darkdump.yields.reweight import exp_sums, exp_sums_binned

__all__ = [
    "CHANNELS",
    "MESONS",
    "N_EXCLUDED_ZERO_EVENTS",
    "PRODUCTION_MODES",
    "QUANTITIES",
    "AlpConfig",
    "AlpGrid",
    "MassResult",
    "SignalEvents",
    "YieldConfig",
    "YieldGrid",
    "assemble_grid",
    "compute_alp_grid",
    "compute_grid",
    "default_alp_taus",
    "default_epsilons",
    "default_masses",
    "exclusion_interval",
    "exp_sums",
    "exp_sums_binned",
    "fill_sigma_m",
    "lkr_geometric_acceptance",
    "read_grid",
    "signal_events",
    "simulate_alp_mass",
    "simulate_mass",
    "write_alp_grid",
    "write_grid",
    "write_zero_event_csv",
    "zero_event_cells",
    "zero_event_rows",
]
