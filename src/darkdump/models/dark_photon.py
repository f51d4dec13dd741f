r"""Minimal dark photon: partial widths, branching ratios and lifetime.

The dark photon A' of mass :math:`M` couples to the electromagnetic current with
strength :math:`\varepsilon e`. Its widths (e.g. Bjorken, Essig, Schuster, Toro, PRD 80 (2009) 075018):

* leptons, analytic:
  :math:`\Gamma(A'\to\ell^+\ell^-) = \frac{\alpha\varepsilon^2 M}{3}
  (1 + 2m_\ell^2/M^2)\sqrt{1 - 4m_\ell^2/M^2}`;
* hadrons, from the :math:`e^+e^-` ratio
  :math:`R(\sqrt s) = \sigma(e^+e^-\to\mathrm{hadrons})/\sigma_{\mu\mu}^{\rm pt}` with
  :math:`\sigma_{\mu\mu}^{\rm pt} = 4\pi\alpha^2/3s` (massless muons):
  :math:`\Gamma(A'\to f) = \frac{\alpha\varepsilon^2 M}{3} R_f(M)`. This equals the
  usual :math:`\Gamma_{\mu\mu}(M)\,R_\mu(M)` with :math:`R_\mu` taken relative to the
  physical :math:`\mu^+\mu^-` cross section (Ilten, Soreq, Williams, Xue, JHEP 06
  (2018) 004), and stays finite below the dimuon threshold.

:math:`R` is a vector-meson-dominance (VMD) parametrisation written for darkdump,
summed over exclusive channels (:data:`CHANNELS`):

``pipi``
    :math:`\frac14\beta_\pi^3|F_\pi(s)|^2` with the Gounaris-Sakurai (GS) pion form
    factor including :math:`\rho`-:math:`\omega` interference and the
    :math:`\rho(1450)`, :math:`\rho(1700)` terms, in the form and with the fitted
    couplings of BaBar, J. P. Lees et al., PRD 86 (2012) 032013 (its GS fit):
    :math:`F_\pi = [BW^{GS}_\rho (1 + c_\omega BW_\omega)/(1+c_\omega)
    + c_{\rho'} BW^{GS}_{\rho'} + c_{\rho''} BW^{GS}_{\rho''}]/(1 + c_{\rho'} + c_{\rho''})`;
    the GS propagator is Gounaris and Sakurai, PRL 21 (1968) 244.
``3pi``, ``K+K-``, ``KSKL``, ``pi0gamma``, ``etagamma``
    coherent sums of relativistic Breit-Wigner amplitudes of :math:`\rho`, :math:`\omega`,
    :math:`\phi`, each normalised to its peak value
    :math:`R_{\rm peak}(V\to f) = 9\,B(V\to e^+e^-)\,B(V\to f)/\alpha^2`
    (from :math:`\sigma_{\rm peak} = 12\pi B_{ee} B_f/M_V^2`), with PDG masses and
    widths (``particle``) and PDG branching fractions
    (:mod:`darkdump.models.radiative`), times the channel's phase-space factor.
    The :math:`\phi` amplitude enters with phase :math:`\pi` relative to
    :math:`\rho`, :math:`\omega` (an assumption: it follows from the quark content for
    :math:`\eta\gamma`; it is not fitted here for :math:`3\pi`, :math:`\pi^0\gamma`).
``2pi+2pi-``, ``pi+pi-2pi0``
    one :math:`\rho(1450)` Breit-Wigner (``particle``) times a four-body threshold factor
    :math:`(1 - E_{\rm th}/\sqrt s)^{7/2}`, normalised at :math:`\sqrt s = M_{\rho(1450)}` to
    the measured cross sections there, about 30 nb for :math:`2\pi^+2\pi^-` (BaBar,
    PRD 85 (2012) 112009) and about 45 nb for :math:`\pi^+\pi^-2\pi^0` (BaBar, PRD 96
    (2017) 092009): round values of the measured spectra near their maxima, good to
    about 20 %; the shape is approximate.
``continuum``
    everything not listed (:math:`K\bar K\pi`, :math:`\eta\pi\pi`, :math:`\omega\pi\pi`,
    five and six pions, ...): the gap between the exclusive sum and the perturbative
    :math:`R_{\rm QCD} = 3\sum_{uds} q^2 (1 + \alpha_s/\pi)` (one-loop running
    :math:`\alpha_s` from :math:`\alpha_s(M_Z) = 0.1179`, PDG 2022), switched on
    smoothly (cubic step) between 1.1 and 1.6 GeV, so that the total R reaches the
    perturbative value above about 1.6 GeV, as in the PDG R compilation.

:math:`\alpha = 1/137.036` is the fine-structure constant at zero momentum transfer
(CODATA 2018 via :data:`scipy.constants.fine_structure`). Masses are in MeV,
widths in MeV, lifetimes in ns, decay lengths in mm (``hepunits``).

Examples
--------
>>> from hepunits import MeV, GeV, m
>>> round(float(branching_ratio("ee", 100 * MeV)), 6)
1.0
>>> round(float(total_width(0.3 * GeV) / GeV), 7)  # Gamma / eps^2 at 300 MeV [GeV]
0.0013893
>>> round(float(ctau(0.3 * GeV, eps=1e-6) / m), 3)  # c tau at eps = 1e-6 [m]
0.142
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
import numpy.typing as npt
import scipy.constants
from hepunits import GeV, MeV, c_light, hbar
from particle import Particle

from darkdump.errors import DarkdumpInputError
from darkdump.models.radiative import vector_br
from darkdump.typing import FloatArray

__all__ = [
    "ALPHA_EM",
    "CHANNELS",
    "HADRONIC_CHANNELS",
    "MASS_RANGE",
    "br",
    "branching_ratio",
    "ctau",
    "lifetime",
    "partial_width",
    "r_ratio",
    "total_width",
]

#: Fine-structure constant at zero momentum transfer, CODATA 2018 [dimensionless].
ALPHA_EM: Final[float] = float(scipy.constants.fine_structure)


def _mass(pdgid: int) -> float:
    value = Particle.from_pdgid(pdgid).mass
    if value is None:  # pragma: no cover - every id used here has a PDG mass
        raise LookupError(f"particle {pdgid} has no mass in the particle package")
    return float(value) * MeV


def _width(pdgid: int) -> float:
    value = Particle.from_pdgid(pdgid).width
    if value is None:  # pragma: no cover - every id used here has a PDG width
        raise LookupError(f"particle {pdgid} has no width in the particle package")
    return float(value) * MeV


# --- masses and widths from the particle package (PDG) [MeV] ---------------------
M_E: Final[float] = _mass(11)
M_MU: Final[float] = _mass(13)
M_PI: Final[float] = _mass(211)
M_PI0: Final[float] = _mass(111)
M_K: Final[float] = _mass(321)
M_K0: Final[float] = _mass(310)
M_ETA: Final[float] = _mass(221)
M_RHO, G_RHO = _mass(113), _width(113)
M_OMEGA, G_OMEGA = _mass(223), _width(223)
M_PHI, G_PHI = _mass(333), _width(333)
M_RHO1450, G_RHO1450 = _mass(100113), _width(100113)
M_Z: Final[float] = _mass(23)
M_CHARM: Final[float] = _mass(4)
M_BOTTOM: Final[float] = _mass(5)

#: Allowed dark-photon masses (lower bound excluded: the A' must decay to e+e-) [MeV].
MASS_RANGE: Final[tuple[float, float]] = (2.0 * M_E, 2000.0 * MeV)

#: Exclusive decay channels; their partial widths add up to the total width.
CHANNELS: Final[tuple[str, ...]] = (
    "ee",
    "mumu",
    "pipi",
    "3pi",
    "K+K-",
    "KSKL",
    "pi0gamma",
    "etagamma",
    "2pi+2pi-",
    "pi+pi-2pi0",
    "continuum",
)
#: The hadronic subset of :data:`CHANNELS`.
HADRONIC_CHANNELS: Final[tuple[str, ...]] = CHANNELS[2:]
#: Names that stand for sums of channels.
_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "hadrons": HADRONIC_CHANNELS,
    "KK": ("K+K-", "KSKL"),
    "4pi": ("2pi+2pi-", "pi+pi-2pi0"),
    "leptons": ("ee", "mumu"),
}

# --- pion form factor: BaBar GS fit, PRD 86 (2012) 032013 ------------------------
# Values transcribed from the paper's GS-fit table (not re-fitted here). Check: the
# hadronic R at 0.3 and 0.5 GeV (99.7 and 99.9 % pi pi) is +0.2 % and -1.1 % off
# DeLiVeR's data-driven value, -1.0 % at 0.77 GeV (tests/models/test_dark_photon_reference.py).
# rho(770) and omega masses and widths from PDG (particle); the excited-rho terms
# are form-factor fit parameters, so their masses/widths are BaBar's fitted ones.
_C_OMEGA: Final[complex] = 1.644e-3 * complex(math.cos(-0.011), math.sin(-0.011))
_RHO1_MASS, _RHO1_WIDTH = 1493.0 * MeV, 427.0 * MeV
_C_RHO1: Final[complex] = 0.158 * complex(math.cos(3.76), math.sin(3.76))
_RHO2_MASS, _RHO2_WIDTH = 1861.0 * MeV, 316.0 * MeV
_C_RHO2: Final[complex] = 0.068 * complex(math.cos(-1.39), math.sin(-1.39))

# --- four pions: measured cross sections near M_rho(1450) (see module docstring) --
_SIGMA_2PIC_NB: Final[float] = 30.0  # e+e- -> 2pi+2pi-, BaBar PRD 85 (2012) 112009
_SIGMA_2PIN_NB: Final[float] = 45.0  # e+e- -> pi+pi-2pi0, BaBar PRD 96 (2017) 092009
#: hbar^2 c^2 converts GeV^-2 to nb: 0.3893794 mb GeV^2 (PDG constants table).
_GEV2_TO_NB: Final[float] = 0.3893794e6

# --- continuum --------------------------------------------------------------------
_ALPHA_S_MZ: Final[float] = 0.1179  # PDG 2022 world average
_CONTINUUM_ON: Final[tuple[float, float]] = (1100.0 * MeV, 1600.0 * MeV)


# ==================================================================================
# helpers
# ==================================================================================
def _sqrt0(x: FloatArray) -> FloatArray:
    """Square root of ``max(x, 0)``: zero below threshold, no warnings."""
    return np.sqrt(np.clip(x, 0.0, None))


def _momentum(s: FloatArray, m1: float, m2: float) -> FloatArray:
    """Two-body break-up momentum at invariant mass squared ``s`` [MeV], 0 below threshold."""
    lam = (s - (m1 + m2) ** 2) * (s - (m1 - m2) ** 2)
    return _sqrt0(lam) / (2.0 * np.sqrt(s))


def _p_wave_width(s: FloatArray, mass: float, m1: float, m2: float) -> FloatArray:
    """Energy dependence Gamma(s)/Gamma(M^2) of a P-wave two-body width [1]."""
    p = _momentum(s, m1, m2)
    p0 = float(_momentum(np.array([mass**2]), m1, m2)[0])
    return np.asarray((mass / np.sqrt(s)) * (p / p0) ** 3, dtype=np.float64)


_GL_X, _GL_W = np.polynomial.legendre.leggauss(48)


def _phase_space_3body(s: FloatArray, m1: float, m2: float, m3: float) -> FloatArray:
    """Flat three-body phase-space volume (arbitrary normalisation) [MeV^2].

    Integral over m12^2 of p*(12 frame) p*(3 in the total frame) / sqrt(s m12^2),
    by 48-point Gauss-Legendre quadrature, vectorised over ``s``; 0 below threshold.
    """
    rs = np.sqrt(s)
    lo = (m1 + m2) ** 2
    hi = np.clip(rs - m3, m1 + m2, None) ** 2
    half = 0.5 * (hi - lo)
    m12sq = lo + half[..., None] * (_GL_X + 1.0)
    q12 = _momentum(m12sq, m1, m2)
    # momentum of particle 3 recoiling against the (12) system in the total frame
    lam3 = (s[..., None] - (np.sqrt(m12sq) + m3) ** 2) * (s[..., None] - (np.sqrt(m12sq) - m3) ** 2)
    q3 = _sqrt0(lam3) / (2.0 * rs[..., None])
    integrand = q12 * q3 / np.sqrt(m12sq * s[..., None])
    return np.asarray(half * np.sum(_GL_W * integrand, axis=-1), dtype=np.float64)


def _bw(
    s: FloatArray, mass: float, width_s: FloatArray | float, width: float
) -> npt.NDArray[np.complex128]:
    """Breit-Wigner amplitude ``M Gamma / (M^2 - s - i M Gamma(s))``, 1 in modulus at the peak."""
    return np.asarray(mass * width / (mass**2 - s - 1j * mass * width_s), dtype=np.complex128)


def _r_peak(parent: str, daughters: str) -> float:
    """Peak value of R for e+e- -> V -> f: 9 B(V->ee) B(V->f) / alpha^2 [1]."""
    return 9.0 * vector_br(parent, "e+ e-") * vector_br(parent, daughters) / ALPHA_EM**2


def _rho_width(s: FloatArray) -> FloatArray:
    return G_RHO * _p_wave_width(s, M_RHO, M_PI, M_PI)


def _phi_width(s: FloatArray) -> FloatArray:
    """Energy-dependent total phi width: P-wave K K-bar partial widths, the rest constant."""
    b_kc = vector_br("phi", "K+ K-")
    b_kn = vector_br("phi", "KL KS")
    return G_PHI * (
        b_kc * _p_wave_width(s, M_PHI, M_K, M_K)
        + b_kn * _p_wave_width(s, M_PHI, M_K0, M_K0)
        + (1.0 - b_kc - b_kn)
    )


# ==================================================================================
# exclusive R-ratio contributions, functions of s = M^2 [MeV^2]
# ==================================================================================
def _gs_h(s: FloatArray) -> FloatArray:
    k = _sqrt0(s - 4 * M_PI**2) / 2.0
    rs = np.sqrt(s)
    return np.asarray(
        (2.0 / np.pi) * (k / rs) * np.log((rs + 2.0 * k) / (2.0 * M_PI)), dtype=np.float64
    )


def _gs_bw(s: FloatArray, mass: float, width: float) -> npt.NDArray[np.complex128]:
    """Gounaris-Sakurai propagator, normalised to 1 at s = 0 (PRL 21 (1968) 244)."""
    m2 = mass**2
    k = _sqrt0(s - 4 * M_PI**2) / 2.0
    k0 = math.sqrt(m2 / 4.0 - M_PI**2)
    h0 = float(_gs_h(np.array([m2]))[0])
    dh0 = h0 * (1.0 / (8.0 * k0**2) - 1.0 / (2.0 * m2)) + 1.0 / (2.0 * np.pi * m2)
    f = width * m2 / k0**3 * (k**2 * (_gs_h(s) - h0) + (m2 - s) * k0**2 * dh0)
    d = (
        3.0 / np.pi * M_PI**2 / k0**2 * math.log((mass + 2.0 * k0) / (2.0 * M_PI))
        + mass / (2.0 * np.pi * k0)
        - M_PI**2 * mass / (np.pi * k0**3)
    )
    width_s = width * (mass / np.sqrt(s)) * (k / k0) ** 3
    return np.asarray(
        m2 * (1.0 + d * width / mass) / (m2 - s + f - 1j * mass * width_s), dtype=np.complex128
    )


def pion_form_factor(s: FloatArray) -> npt.NDArray[np.complex128]:
    """Pion electromagnetic form factor F_pi(s) for s >= 4 m_pi^2 [dimensionless].

    Parameters
    ----------
    s
        Invariant mass squared [MeV^2]; below the pi+pi- threshold the value is not
        physical (the pi pi channel vanishes there).

    Returns
    -------
    numpy.ndarray
        Complex form factor (BaBar GS parametrisation, see the module docstring).

    Examples
    --------
    >>> import numpy as np
    >>> from hepunits import MeV
    >>> f = pion_form_factor(np.array([(775.0 * MeV) ** 2]))
    >>> 35 < float(abs(f[0]) ** 2) < 50
    True
    """
    s = np.asarray(s, dtype=np.float64)
    bw_omega = M_OMEGA**2 / (M_OMEGA**2 - s - 1j * M_OMEGA * G_OMEGA)
    rho = _gs_bw(s, M_RHO, G_RHO) * (1.0 + _C_OMEGA * bw_omega) / (1.0 + _C_OMEGA)
    num = (
        rho
        + _C_RHO1 * _gs_bw(s, _RHO1_MASS, _RHO1_WIDTH)
        + _C_RHO2 * _gs_bw(s, _RHO2_MASS, _RHO2_WIDTH)
    )
    return np.asarray(num / (1.0 + _C_RHO1 + _C_RHO2), dtype=np.complex128)


def _r_pipi(s: FloatArray) -> FloatArray:
    beta = _sqrt0(1.0 - 4.0 * M_PI**2 / s)
    above = s > 4.0 * M_PI**2
    s_safe = np.where(above, s, 4.0 * M_PI**2 * 1.0001)
    ff2 = np.abs(pion_form_factor(s_safe)) ** 2
    return np.where(above, 0.25 * beta**3 * ff2, 0.0)


def _vmd_sum(
    s: FloatArray, daughters: str, phase_space: dict[str, FloatArray], ps_at_peak: dict[str, float]
) -> FloatArray:
    """|sum_V sqrt(R_peak) BW_V sqrt(PS(s)/PS(M_V^2))|^2 over rho, omega, phi."""
    widths = {"rho": _rho_width(s), "omega": np.full_like(s, G_OMEGA), "phi": _phi_width(s)}
    masses = {"rho": (M_RHO, G_RHO), "omega": (M_OMEGA, G_OMEGA), "phi": (M_PHI, G_PHI)}
    sign = {"rho": 1.0, "omega": 1.0, "phi": -1.0}
    amp = np.zeros(s.shape, dtype=np.complex128)
    for v, (mass, width) in masses.items():
        rpk = _r_peak(v, daughters)
        if rpk == 0.0:
            continue
        ratio = phase_space[v] / ps_at_peak[v]
        amp += sign[v] * math.sqrt(rpk) * _bw(s, mass, widths[v], width) * np.sqrt(ratio)
    return np.asarray(np.abs(amp) ** 2, dtype=np.float64)


def _r_p_gamma(s: FloatArray, m_p: float, daughters: str) -> FloatArray:
    # R(e+e- -> P gamma) = (pi alpha / 2) s (1 - m_P^2/s)^3 |F_{P gamma gamma*}(s)|^2
    def ps(x: FloatArray) -> FloatArray:
        return np.asarray(x * np.clip(1.0 - m_p**2 / x, 0.0, None) ** 3, dtype=np.float64)

    peaks = {
        v: float(ps(np.array([m**2]))[0])
        for v, m in (("rho", M_RHO), ("omega", M_OMEGA), ("phi", M_PHI))
    }
    phase = ps(s)
    return _vmd_sum(s, daughters, {v: phase for v in peaks}, peaks)


def _r_3pi(s: FloatArray) -> FloatArray:
    def ps(x: FloatArray) -> FloatArray:
        return _phase_space_3body(x, M_PI, M_PI, M_PI0)

    peaks = {
        v: float(ps(np.array([m**2]))[0])
        for v, m in (("rho", M_RHO), ("omega", M_OMEGA), ("phi", M_PHI))
    }
    phase = ps(s)
    return _vmd_sum(s, "pi+ pi- pi0", {v: phase for v in peaks}, peaks)


def _r_kk(s: FloatArray, m_k: float, daughters: str) -> FloatArray:
    # Only the phi is listed for K K-bar, so the sum reduces to the phi amplitude.
    def ps(x: FloatArray) -> FloatArray:
        return np.asarray(np.clip(1.0 - 4.0 * m_k**2 / x, 0.0, None) ** 1.5, dtype=np.float64)

    peak = float(ps(np.array([M_PHI**2]))[0])
    phase = ps(s)
    return _vmd_sum(
        s,
        daughters,
        dict.fromkeys(("rho", "omega", "phi"), phase),
        dict.fromkeys(("rho", "omega", "phi"), peak),
    )


def _r_4pi(s: FloatArray, threshold: float, sigma_nb: float) -> FloatArray:
    rs = np.sqrt(s)
    m2 = M_RHO1450**2

    def shape(x: FloatArray, rx: FloatArray) -> FloatArray:
        bw = (M_RHO1450 * G_RHO1450) ** 2 / ((m2 - x) ** 2 + (M_RHO1450 * G_RHO1450) ** 2)
        return np.asarray(bw * np.clip(1.0 - threshold / rx, 0.0, None) ** 3.5, dtype=np.float64)

    sigma_pt_nb = 4.0 * np.pi * ALPHA_EM**2 / (3.0 * (m2 / GeV**2)) * _GEV2_TO_NB
    r_norm = sigma_nb / sigma_pt_nb
    at_peak = float(shape(np.array([m2]), np.array([M_RHO1450]))[0])
    return np.asarray(r_norm * shape(s, rs) / at_peak, dtype=np.float64)


def _alpha_s(rs: FloatArray) -> FloatArray:
    """One-loop running alpha_s(sqrt s) from alpha_s(M_Z), flavour thresholds at m_b, m_c."""

    def run(alpha0: float | FloatArray, mu0: float, mu: FloatArray | float, nf: int) -> FloatArray:
        b0 = 11.0 - 2.0 * nf / 3.0
        return np.asarray(
            alpha0 / (1.0 + alpha0 * b0 / (2.0 * np.pi) * np.log(mu / mu0)), dtype=np.float64
        )

    a_b = float(run(_ALPHA_S_MZ, M_Z, M_BOTTOM, 5))
    a_c = float(run(a_b, M_BOTTOM, M_CHARM, 4))
    return np.where(
        rs >= M_CHARM, run(a_b, M_BOTTOM, np.maximum(rs, M_CHARM), 4), run(a_c, M_CHARM, rs, 3)
    )


def _r_qcd(rs: FloatArray) -> FloatArray:
    """Perturbative R for u, d, s quarks: 3 (4/9 + 1/9 + 1/9) (1 + alpha_s/pi)."""
    return np.asarray(2.0 * (1.0 + _alpha_s(rs) / np.pi), dtype=np.float64)


def _exclusive_r(s: FloatArray) -> dict[str, FloatArray]:
    with np.errstate(divide="ignore", invalid="ignore"):
        r = {
            "pipi": _r_pipi(s),
            "3pi": _r_3pi(s),
            "K+K-": _r_kk(s, M_K, "K+ K-"),
            "KSKL": _r_kk(s, M_K0, "KL KS"),
            "pi0gamma": _r_p_gamma(s, M_PI0, "pi0 gamma"),
            "etagamma": _r_p_gamma(s, M_ETA, "eta gamma"),
            "2pi+2pi-": _r_4pi(s, 4 * M_PI, _SIGMA_2PIC_NB),
            "pi+pi-2pi0": _r_4pi(s, 2 * M_PI + 2 * M_PI0, _SIGMA_2PIN_NB),
        }
    rs = np.sqrt(s)
    lo, hi = _CONTINUUM_ON
    t = np.clip((rs - lo) / (hi - lo), 0.0, 1.0)
    switch = t * t * (3.0 - 2.0 * t)
    excl = np.sum(np.stack(list(r.values())), axis=0)
    gap = np.clip(_r_qcd(np.maximum(rs, lo)) - excl, 0.0, None)
    r["continuum"] = np.where(rs > lo, switch * gap, 0.0)
    return r


# ==================================================================================
# input validation
# ==================================================================================
def _check_mass(mass: npt.ArrayLike, option: str | None = None) -> FloatArray:
    """Refuse masses [MeV] outside :data:`MASS_RANGE` (one line).

    From Python the message says that masses are in MeV inside darkdump when one looks
    like GeV; from the command line (``option``, e.g. ``--masses``) it names the option.
    """
    values = np.asarray(mass, dtype=np.float64)
    lo, hi = MASS_RANGE
    bad = ~np.isfinite(values) | (values <= lo) | (values > hi)
    if np.any(bad):
        value = float(values[bad].flat[0])
        allowed = f"({lo / GeV:g}, {hi / GeV:g}] GeV"
        if option is not None:
            raise DarkdumpInputError(
                f"{option} {value / GeV:.10g}: allowed {allowed} (above the e+e- threshold)"
            )
        hint = (
            " (masses are in MeV inside darkdump: write 0.3 * GeV or 300 * MeV)"
            if (0 < value < lo)
            else ""
        )
        raise DarkdumpInputError(
            f"dark photon mass {value / GeV:.10g} GeV is outside the allowed range {allowed}{hint}"
        )
    return values


def _check_eps(eps: npt.ArrayLike) -> FloatArray:
    values = np.asarray(eps, dtype=np.float64)
    bad = ~np.isfinite(values) | (values <= 0) | (values > 1)
    if np.any(bad):
        raise DarkdumpInputError(
            f"coupling eps = {float(values[bad].flat[0]):g} is not allowed; eps must be in (0, 1]"
        )
    return values


def _resolve(channel: str) -> tuple[str, ...]:
    if channel in CHANNELS:
        return (channel,)
    if channel in _ALIASES:
        return _ALIASES[channel]
    allowed = ", ".join((*CHANNELS, *_ALIASES))
    raise DarkdumpInputError(f"unknown dark photon channel {channel!r}; allowed: {allowed}")


# ==================================================================================
# public API
# ==================================================================================
def r_ratio(mass: npt.ArrayLike, channel: str = "hadrons") -> FloatArray:
    """R(sqrt s) = sigma(e+e- -> channel) / (4 pi alpha^2 / 3 s) at sqrt s = ``mass`` [1].

    Parameters
    ----------
    mass
        Centre-of-mass energy, i.e. the dark-photon mass [MeV]; scalar or array.
    channel
        A hadronic channel of :data:`HADRONIC_CHANNELS`, or ``"hadrons"``, ``"KK"``,
        ``"4pi"``.

    Returns
    -------
    numpy.ndarray
        R for that channel, same shape as ``mass``.

    Examples
    --------
    >>> from hepunits import MeV
    >>> float(r_ratio(200 * MeV, "pipi"))
    0.0
    >>> 7 < float(r_ratio(775 * MeV)) < 12
    True
    """
    names = _resolve(channel)
    if any(n in ("ee", "mumu") for n in names):
        raise DarkdumpInputError(f"r_ratio is defined for hadronic channels only, not {channel!r}")
    m = _check_mass(mass)
    r = _exclusive_r(np.atleast_1d(m) ** 2)
    return np.asarray(sum(r[n] for n in names), dtype=np.float64).reshape(m.shape)


def _lepton_width(mass: FloatArray, m_l: float) -> FloatArray:
    r = (m_l / mass) ** 2
    return np.asarray(
        ALPHA_EM * mass / 3.0 * (1.0 + 2.0 * r) * _sqrt0(1.0 - 4.0 * r), dtype=np.float64
    )


def _all_widths(mass: FloatArray) -> dict[str, FloatArray]:
    """Partial widths at eps = 1 for every channel of :data:`CHANNELS` [MeV]."""
    m = np.atleast_1d(mass)
    widths = {"ee": _lepton_width(m, M_E), "mumu": _lepton_width(m, M_MU)}
    for name, r in _exclusive_r(m**2).items():
        widths[name] = ALPHA_EM * m / 3.0 * r
    return {k: v.reshape(mass.shape) for k, v in widths.items()}


def partial_width(channel: str, mass: npt.ArrayLike, eps: npt.ArrayLike = 1.0) -> FloatArray:
    """Partial width Gamma(A' -> channel) [MeV].

    Parameters
    ----------
    channel
        One of :data:`CHANNELS`, or ``"hadrons"``, ``"KK"``, ``"4pi"``, ``"leptons"``.
    mass
        Dark-photon mass [MeV], in :data:`MASS_RANGE`; scalar or array.
    eps
        Kinetic-mixing parameter [dimensionless], in (0, 1]; broadcast against ``mass``.

    Returns
    -------
    numpy.ndarray
        The partial width, proportional to ``eps**2`` [MeV].

    Examples
    --------
    >>> from hepunits import MeV, keV
    >>> round(float(partial_width("ee", 100 * MeV) / keV), 2)  # alpha M / 3
    243.25
    >>> float(partial_width("mumu", 200 * MeV))
    0.0
    """
    names = _resolve(channel)
    m = _check_mass(mass)
    e = _check_eps(eps)
    widths = _all_widths(m)
    total = np.asarray(sum(widths[n] for n in names), dtype=np.float64)
    return np.asarray(total * e**2, dtype=np.float64)


def total_width(mass: npt.ArrayLike, eps: npt.ArrayLike = 1.0) -> FloatArray:
    """Total width of the dark photon, sum over :data:`CHANNELS` [MeV].

    Parameters
    ----------
    mass
        Dark-photon mass [MeV]; scalar or array.
    eps
        Kinetic-mixing parameter [dimensionless], in (0, 1].

    Returns
    -------
    numpy.ndarray
        Total width [MeV].

    Examples
    --------
    >>> from hepunits import MeV, keV
    >>> round(float(total_width(100 * MeV, eps=1e-3) / keV) * 1e6, 3)  # [1e-6 keV]
    243.245
    """
    m = _check_mass(mass)
    e = _check_eps(eps)
    widths = _all_widths(m)
    return np.asarray(np.sum(np.stack(list(widths.values())), axis=0) * e**2, dtype=np.float64)


def branching_ratio(channel: str, mass: npt.ArrayLike) -> FloatArray:
    """Branching ratio of A' -> ``channel`` (independent of eps) [dimensionless].

    Parameters
    ----------
    channel
        One of :data:`CHANNELS`, or ``"hadrons"``, ``"KK"``, ``"4pi"``, ``"leptons"``.
    mass
        Dark-photon mass [MeV]; scalar or array.

    Returns
    -------
    numpy.ndarray
        Branching ratio in [0, 1].

    Examples
    --------
    >>> from hepunits import MeV
    >>> float(branching_ratio("ee", 120 * MeV))  # below m_pi0 only e+e- is open
    1.0
    >>> 0.4 < float(branching_ratio("mumu", 400 * MeV)) < 0.5
    True
    """
    names = _resolve(channel)
    m = _check_mass(mass)
    widths = _all_widths(m)
    total = np.sum(np.stack(list(widths.values())), axis=0)
    return np.asarray(sum(widths[n] for n in names) / total, dtype=np.float64)


#: Alias of :func:`branching_ratio`.
br = branching_ratio


def lifetime(mass: npt.ArrayLike, eps: npt.ArrayLike) -> FloatArray:
    """Proper lifetime tau = hbar / Gamma [ns].

    Parameters
    ----------
    mass
        Dark-photon mass [MeV].
    eps
        Kinetic-mixing parameter [dimensionless], in (0, 1].

    Returns
    -------
    numpy.ndarray
        Proper lifetime [ns], proportional to ``eps**-2``.

    Examples
    --------
    >>> from hepunits import MeV, ns
    >>> round(float(lifetime(10 * MeV, 1e-5) / ns), 3)
    0.271
    """
    return np.asarray(hbar / total_width(mass, eps), dtype=np.float64)


def ctau(mass: npt.ArrayLike, eps: npt.ArrayLike) -> FloatArray:
    """Proper decay length c tau [mm].

    Parameters
    ----------
    mass
        Dark-photon mass [MeV].
    eps
        Kinetic-mixing parameter [dimensionless], in (0, 1].

    Returns
    -------
    numpy.ndarray
        c tau [mm].

    Examples
    --------
    >>> from hepunits import MeV, m
    >>> round(float(ctau(10 * MeV, 1e-5) / m), 4)
    0.0811
    """
    return np.asarray(c_light * lifetime(mass, eps), dtype=np.float64)
