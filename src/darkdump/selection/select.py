"""The signal selection on reconstructed tracks (JHEP 09 (2023) 035 sec. 4; PRL 133 (2024) 111802).

Cut flow, each step applied on top of the previous ones (the names are the keys
of :attr:`Selection.cuts`):

``acceptance``
    both tracks inside the geometric acceptance of the detector (STRAW, CHOD,
    NA48-CHOD, LAV12 aperture, LKr, MUV3), through no LAV1-11 ring downstream of the
    decay (a track there fires the LAV veto) and isolated: the fast simulation's
    ``in_acceptance`` mask.
``momentum``
    both reconstructed momenta above ``selection.track_momentum_min_GeV``
    (10 GeV/c, JHEP sec. 4 and PRL).
``trigger``
    the H2 trigger fired (the fast simulation's ``trigger`` mask; 2 %
    inefficiency, JHEP sec. 6).
``pid``
    both tracks identified as the channel's lepton (``pid`` mask of the fast
    simulation: E/p and MUV3, JHEP sec. 4 and PRL).
``charge``
    opposite charges (JHEP sec. 4: "vertices composed of oppositely charged
    tracks"; PRL: e+e- vertices).
``vertex``
    two-track vertex at the midpoint of the closest approach of the two
    reconstructed lines, with CDA below ``selection.vertex_cda_max_mm`` of the
    experiment file (NA62: 25 mm, a CHOICE stated there with its range).
``fiducial``
    vertex Z in ``selection.<channel>.vertex_z_min_m``-``vertex_z_max_m``
    (105-180 m, JHEP sec. 4) and, when given, the vertex radius about the Z axis
    below ``vertex_rho_max_m`` (the e+e- restricted FV of PRL fig. 2,
    approximated in the experiment file).
``signal_region``
    (Z_TAX, CDA_TAX) inside the channel's SR (JHEP eq. 4.1; PRL eq. 1).

Random vetoes (LAV and ANTI0 signals in time by accident) cost 0.1 % each (JHEP
table 5, PRL table I) and are not applied to the signal; the signal's own tracks
crossing a LAV ring are (above).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from hepunits import GeV, m, mm

from darkdump.decay.kinematics import lepton_mass as decay_lepton_mass
from darkdump.errors import DarkdumpInputError
from darkdump.kinematics import dot3, norm3
from darkdump.selection.geometry import closest_approach, z_tax_cda_tax
from darkdump.selection.regions import CHANNELS, in_region
from darkdump.typing import FloatArray

if TYPE_CHECKING:
    from darkdump.experiments.schema import Experiment

__all__ = ["CUT_NAMES", "Selection", "dilepton_mass", "lepton_mass", "select"]

BoolArray = npt.NDArray[np.bool_]

CUT_NAMES = (
    "acceptance",
    "momentum",
    "trigger",
    "pid",
    "charge",
    "vertex",
    "fiducial",
    "signal_region",
)

_CHANNEL_LEPTON = {"ee": "e", "mumu": "mu"}


def lepton_mass(channel: str) -> float:
    """Mass of the channel's lepton [MeV] (from the ``particle`` package).

    >>> round(lepton_mass("mumu"), 3)
    105.658
    """
    if channel not in _CHANNEL_LEPTON:
        raise DarkdumpInputError(f"channel {channel!r}: allowed: {', '.join(CHANNELS)}")
    return decay_lepton_mass(_CHANNEL_LEPTON[channel])


def dilepton_mass(p1: npt.ArrayLike, p2: npt.ArrayLike, m_lepton: float) -> FloatArray:
    """Invariant mass of two leptons of mass ``m_lepton`` [MeV] from their momenta [MeV].

    Written without the cancellation of ``(E1 + E2)^2 - |p1 + p2|^2`` so that a
    few-MeV pair of 100 GeV leptons keeps full precision:
    ``E1 E2 - p1.p2 = (E1 E2 - |p1||p2|) + |p1||p2| |u1 - u2|^2 / 2`` with unit
    vectors ``u`` and ``E1 E2 - |p1||p2| = m^2 (p1^2 + p2^2 + m^2) / (E1 E2 + |p1||p2|)``.

    Parameters
    ----------
    p1, p2
        Momenta, shape ``(n, 3)`` [MeV].
    m_lepton
        Lepton mass [MeV].

    Returns
    -------
    Shape ``(n,)`` [MeV].

    Examples
    --------
    Two back-to-back 0.5 GeV/c muons in the pair rest frame:

    >>> import numpy as np
    >>> m = dilepton_mass([[0, 0, 500.0]], [[0, 0, -500.0]], 105.6583755)
    >>> round(float(m[0]), 3)   # 2 sqrt(500^2 + m_mu^2)
    1022.084
    """
    a = np.atleast_2d(np.asarray(p1, dtype=np.float64))
    b = np.atleast_2d(np.asarray(p2, dtype=np.float64))
    m2 = m_lepton * m_lepton
    pa2 = dot3(a, a)
    pb2 = dot3(b, b)
    pa = np.sqrt(pa2)
    pb = np.sqrt(pb2)
    ea = np.sqrt(pa2 + m2)
    eb = np.sqrt(pb2 + m2)
    safe_a = np.where(pa > 0, pa, 1.0)[:, np.newaxis]
    safe_b = np.where(pb > 0, pb, 1.0)[:, np.newaxis]
    du = a / safe_a - b / safe_b
    one_minus_cos = 0.5 * dot3(du, du)
    e_minus_p = m2 * (pa2 + pb2 + m2) / (ea * eb + pa * pb)
    mass2 = 2.0 * m2 + 2.0 * (e_minus_p + pa * pb * one_minus_cos)
    return np.asarray(np.sqrt(mass2), dtype=np.float64)


@dataclass(frozen=True)
class Selection:
    """Result of :func:`select` for n events (structure of arrays).

    Attributes
    ----------
    channel
        ``"ee"`` or ``"mumu"``.
    mask
        Events passing the full selection, SR included, shape ``(n,)``.
    vertex
        Two-track vertex, shape ``(n, 3)`` [mm] (computed for every event).
    vertex_cda
        Distance of closest approach of the two tracks, shape ``(n,)`` [mm].
    z_tax, cda_tax
        A' production point estimate (JHEP sec. 4), shape ``(n,)`` [mm].
    m_ll
        Reconstructed dilepton mass from the smeared momenta, shape ``(n,)`` [MeV].
    cuts
        Cumulative masks after each step of :data:`CUT_NAMES`, in order.
    """

    channel: str
    mask: BoolArray
    vertex: FloatArray
    vertex_cda: FloatArray
    z_tax: FloatArray
    cda_tax: FloatArray
    m_ll: FloatArray
    cuts: Mapping[str, BoolArray] = field(default_factory=dict)

    def cut_flow(self, weight: npt.ArrayLike | None = None) -> dict[str, float]:
        """Count (or sum ``weight`` of) the events left after each cut, in order."""
        w = None if weight is None else np.asarray(weight, dtype=np.float64)
        out: dict[str, float] = {}
        for name, mask in self.cuts.items():
            out[name] = float(np.count_nonzero(mask)) if w is None else float(np.sum(w[mask]))
        return out

    def before_region(self) -> BoolArray:
        """Events passing every cut but the signal region (for VR/CR studies)."""
        return np.asarray(self.cuts["fiducial"], dtype=np.bool_)


def _field(obj: Any, *names: str) -> Any:
    for name in names:
        if hasattr(obj, name):
            return getattr(obj, name)
    raise AttributeError(f"{type(obj).__name__} has none of the fields {names}")


def _pid_mask(tracks: Any, channel: str) -> BoolArray:
    pid = _field(tracks, "pid")
    if isinstance(pid, Mapping):
        value = pid[channel] if channel in pid else pid[{"ee": "e", "mumu": "mu"}[channel]]
    elif callable(pid):
        value = pid(channel)
    else:
        value = pid
    arr = np.asarray(value, dtype=np.bool_)
    if arr.ndim == 2:  # per track
        arr = np.asarray(arr.all(axis=1), dtype=np.bool_)
    return arr


def select(tracks: Any, channel: str, experiment: Experiment) -> Selection:
    """Apply the signal selection of ``channel`` to reconstructed two-track events.

    Parameters
    ----------
    tracks
        :class:`darkdump.detector.TrackSample`: per event and track, charge
        ``(n, 2)``, smeared momentum ``(n, 2, 3)`` [MeV], a point ``(n, 2, 3)``
        [mm] and direction ``(n, 2, 3)`` of the reconstructed upstream line, and
        the masks ``in_acceptance``, ``trigger`` ``(n,)`` and ``pid``.
    channel
        ``"ee"`` or ``"mumu"``.
    experiment
        :class:`darkdump.experiments.Experiment` (``selection``, ``regions`` and
        ``target.impact_point_m`` sections).

    Returns
    -------
    Selection
    """
    if channel not in CHANNELS:
        raise DarkdumpInputError(f"channel {channel!r}: allowed: {', '.join(CHANNELS)}")
    momentum = np.asarray(_field(tracks, "momentum"), dtype=np.float64)
    point = np.asarray(_field(tracks, "point", "line_point", "position"), dtype=np.float64)
    direction = np.asarray(_field(tracks, "direction", "line_direction"), dtype=np.float64)
    charge = np.asarray(_field(tracks, "charge"))
    n = momentum.shape[0]

    vertex, vertex_cda = closest_approach(
        point[:, 0, :], direction[:, 0, :], point[:, 1, :], direction[:, 1, :]
    )
    total = momentum[:, 0, :] + momentum[:, 1, :]
    beam_point = np.asarray(experiment.target.impact_point_m, dtype=np.float64) * m
    z_tax, cda_tax = z_tax_cda_tax(vertex, total, beam_point)
    m_ll = dilepton_mass(momentum[:, 0, :], momentum[:, 1, :], lepton_mass(channel))

    sel_cfg = experiment.selection
    assert sel_cfg is not None, "the selection needs the experiment's [selection] section"
    chan_cfg = getattr(sel_cfg, channel)
    p_abs = norm3(momentum)
    rho = np.hypot(vertex[:, 0], vertex[:, 1])
    fiducial = (vertex[:, 2] > chan_cfg.vertex_z_min_m * m) & (
        vertex[:, 2] < chan_cfg.vertex_z_max_m * m
    )
    if chan_cfg.vertex_rho_max_m is not None:
        fiducial &= rho < chan_cfg.vertex_rho_max_m * m

    acceptance = np.asarray(_field(tracks, "in_acceptance"), dtype=np.bool_)
    veto_cut = getattr(tracks, "upstream_veto_cut", None)
    upstream = getattr(tracks, "cuts", {}).get(veto_cut) if veto_cut is not None else None
    if chan_cfg.upstream_veto_acceptance and upstream is not None:
        # JHEP sec. 4 (mu+mu-): "upstream extrapolation within the geometrical acceptance
        # of the ANTI0", for both tracks (the fast simulation's upstream-veto mask;
        # pseudo-events of control tracks carry their own single-track acceptance).
        acceptance = acceptance & np.asarray(upstream, dtype=np.bool_)
    variables = {
        "vertex_z_m": vertex[:, 2],
        "vertex_rho_m": rho,
        "m_ll_GeV": m_ll,
        "p_total_GeV": norm3(total),
    }
    steps: list[tuple[str, BoolArray]] = [
        ("acceptance", acceptance),
        ("momentum", np.all(p_abs > sel_cfg.track_momentum_min_GeV * GeV, axis=1)),
        ("trigger", np.asarray(_field(tracks, "trigger"), dtype=np.bool_)),
        ("pid", _pid_mask(tracks, channel)),
        ("charge", charge[:, 0] * charge[:, 1] < 0),
        ("vertex", vertex_cda < sel_cfg.vertex_cda_max_mm * mm),
        ("fiducial", fiducial),
        ("signal_region", in_region(channel, "SR", z_tax, cda_tax, experiment, variables)),
    ]
    cuts: dict[str, BoolArray] = {}
    mask = np.ones(n, dtype=np.bool_)
    for name, step in steps:
        mask = np.asarray(mask & np.broadcast_to(step, (n,)), dtype=np.bool_)
        cuts[name] = mask
    return Selection(
        channel=channel,
        mask=mask,
        vertex=vertex,
        vertex_cda=vertex_cda,
        z_tax=z_tax,
        cda_tax=cda_tax,
        m_ll=m_ll,
        cuts=cuts,
    )
