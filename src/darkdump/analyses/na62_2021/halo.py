"""SYNTHETIC single-track control samples: halo-muon-like tracks for NA62 dump mode.

This is not NA62 data. It lets the whole background chain run and be tested
without a collaboration control sample. The tracks imitate the halo muons of
the 2021 dump-mode run where the papers give numbers, and are plain choices
elsewhere (each marked SYNTHETIC below):

- Rate: the recorded control sample is made of downscaled Q1 triggers, 14 kHz
  (JHEP 09 (2023) 035 sec. 2.2); we take every downscaled Q1 trigger as one
  single-muon event (an upper bound on the real single-track fraction).
- Spills: 4.8 s effective duration (JHEP sec. 2.2), uniform intensity inside a
  spill (SYNTHETIC: the real SPS spill is not flat; the "window" pairing of
  :mod:`darkdump.background.combinatorial` does not rely on this, the "burst" pairing does through
  the effective duration).
- Charge: mu+ fraction 0.72 (derived: the JHEP table 2 same-sign yields,
  62.5 mu+mu+ and 9.1 mu-mu-, scale as the squares of the single-track rates,
  sqrt(62.5/9.1) = 2.6 mu+ per mu-).
- Momentum: 10 GeV/c (the selection threshold, JHEP sec. 4) plus an exponential
  of mean 25 GeV/c (SYNTHETIC: a spectrum falling from 10 GeV/c).
- Position at the reference plane Z = 180 m (JHEP sec. 5.1 uses Z = 180 m):
  a Gaussian of 0.5 m per coordinate, kept in 0.1 < r < 1.0 m (about the STRAW
  annulus, NA62 detector paper JINST 12 (2017) P05025), with the mean Y shifted by +-0.2 m for mu+/mu-
  (SYNTHETIC: the B1C/B2 fields along X of JHEP sec. 2 sweep the charges
  vertically apart).
- Direction: pointing back to the mean proton impact point on the TAX (JHEP
  eq. 2.1), plus a Gaussian angular spread of 10 mrad per projection
  (SYNTHETIC: multiple scattering in the beam-line iron, ~16 mrad for 20 GeV/c
  muons through 10 m of iron). With 10 mrad the mu+mu+ pseudo-events fall in
  the VR and SR with about the proportions of JHEP table 2 (VR/outside-VR
  ~0.006 vs 0.46/62.5 = 0.0074; SR/outside-VR ~0.0006 vs 0.00064).

Acceptance: with an experiment, only tracks inside the downstream acceptance
(STRAW1-4, CHOD, NA48-CHOD, inside LAV12, LKr fiducial area, MUV3; propagated
with the thin spectrometer-magnet kick of :mod:`darkdump.detector`) are kept, as
the control-sample selection requires the association with the downstream
detectors (JHEP sec. 5.2).

Known difference from NA62: with every downscaled Q1 trigger taken as a good
single muon, two synthetic tracks form a selected vertex far more often than
real ones; scaled to the full 1.4e17 POT, the synthetic yields exceed JHEP
table 2 by about three orders of magnitude. Use the synthetic sample to run and
test the machinery, not for physics numbers.

>>> import numpy as np
>>> s = generate_halo_tracks(1000, np.random.default_rng(1))
>>> len(s), bool(np.all(s.momentum[:, 2] > 0)), sorted(set(s.charge.tolist()))
(1000, True, [-1, 1])
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
from hepunits import GeV, Hz, m, mrad, s

from darkdump.background.control_sample import PID_MUON, SingleTrackSample
from darkdump.errors import DarkdumpInputError

if TYPE_CHECKING:
    from darkdump.experiments.schema import Experiment

__all__ = ["HaloModel", "downscale", "generate_halo_tracks", "single_track_acceptance"]


@dataclass(frozen=True)
class HaloModel:
    """Parameters of the synthetic halo-muon tracks (internal units; module doc for sources).

    Attributes
    ----------
    rate
        Mean track rate during a spill [1/ns] (default 14 kHz, JHEP sec. 2.2).
    spill_duration
        Effective spill duration [ns] (4.8 s, JHEP sec. 2.2).
    mu_plus_fraction
        Fraction of positive tracks [dimensionless].
    momentum_min, momentum_mean_excess
        Momentum = ``momentum_min`` + exponential of mean ``momentum_mean_excess`` [MeV].
    reference_z
        Z of the reference plane where positions are given [mm].
    position_sigma
        Gaussian spread of x and y at the reference plane [mm].
    r_min, r_max
        Radial range kept at the reference plane [mm].
    charge_y_offset
        Mean y of positive (+) and negative (-) tracks [mm].
    source_point
        Point the directions aim back to [mm] (TAX impact point, JHEP eq. 2.1).
    angle_sigma
        Gaussian angular spread per projection [rad].
    """

    rate: float = 14e3 * Hz
    spill_duration: float = 4.8 * s
    mu_plus_fraction: float = 0.72
    momentum_min: float = 10.0 * GeV
    momentum_mean_excess: float = 25.0 * GeV
    reference_z: float = 180.0 * m
    position_sigma: float = 0.5 * m
    r_min: float = 0.1 * m
    r_max: float = 1.0 * m
    charge_y_offset: float = 0.2 * m
    source_point: tuple[float, float, float] = (0.0, -0.022 * m, 23.07 * m)
    angle_sigma: float = 10.0 * mrad

    def __post_init__(self) -> None:
        if not (self.rate > 0 and self.spill_duration > 0):
            raise DarkdumpInputError("halo model: rate and spill_duration must be positive")
        if not 0 <= self.mu_plus_fraction <= 1:
            raise DarkdumpInputError(
                f"halo model: mu_plus_fraction={self.mu_plus_fraction} must be in [0, 1]"
            )
        if not 0 <= self.r_min < self.r_max:
            raise DarkdumpInputError("halo model: need 0 <= r_min < r_max")

    @property
    def tracks_per_spill(self) -> float:
        """Mean number of tracks per spill [dimensionless]."""
        return self.rate * self.spill_duration


def _positions(
    charge: np.ndarray, model: HaloModel, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian x, y [mm] with a charge-dependent y offset, kept in r_min < r < r_max."""
    n = charge.shape[0]
    x = np.empty(n)
    y = np.empty(n)
    todo = np.arange(n)
    # Rejection sampling in batches (a handful of passes; not a per-track loop).
    while todo.size:
        xt = rng.normal(0.0, model.position_sigma, todo.size)
        yt = rng.normal(charge[todo] * model.charge_y_offset, model.position_sigma)
        r = np.hypot(xt, yt)
        ok = (r > model.r_min) & (r < model.r_max)
        x[todo[ok]] = xt[ok]
        y[todo[ok]] = yt[ok]
        todo = todo[~ok]
    return x, y


def single_track_acceptance(
    position: np.ndarray, momentum: np.ndarray, charge: np.ndarray, experiment: Experiment
) -> np.ndarray:
    """Tracks inside the downstream acceptance of ``experiment`` (module doc).

    Parameters
    ----------
    position
        A point of each upstream track line, shape ``(n, 3)`` [mm].
    momentum
        Shape ``(n, 3)`` [MeV].
    charge
        +1 or -1, shape ``(n,)``.
    experiment
        :class:`darkdump.experiments.Experiment` with a ``detector`` section.

    Returns
    -------
    Boolean mask, shape ``(n,)``.
    """
    from darkdump.detector.geometry import detector_geometry
    from darkdump.detector.simulate import propagate

    geo = detector_geometry(experiment)
    ok = np.zeros(charge.shape[0], dtype=np.bool_)
    planes = (*geo.trackers, *geo.acceptance, geo.calorimeter, geo.muon_detector)
    for q in (1, -1):
        idx = np.flatnonzero(charge == q)
        if idx.size == 0:
            continue
        traj = propagate(position[idx], momentum[idx][None], np.array([float(q)]), geo)
        good = traj.ok[0].copy()
        for plane in planes:
            good &= plane.accepts(traj.x[plane.name][0], traj.y[plane.name][0])
        ok[idx] = good
    return ok


def _draw_tracks(
    n: int, rng: np.random.Generator, model: HaloModel
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Charge (n,), momentum (n, 3) [MeV], position (n, 3) [mm] of new tracks."""
    charge = np.where(rng.random(n) < model.mu_plus_fraction, 1, -1).astype(np.int64)
    p = model.momentum_min + rng.exponential(model.momentum_mean_excess, n)
    x, y = _positions(charge, model, rng)
    sx, sy, sz = model.source_point
    lever = model.reference_z - sz
    tx = (x - sx) / lever + rng.normal(0.0, model.angle_sigma, n)
    ty = (y - sy) / lever + rng.normal(0.0, model.angle_sigma, n)
    norm = np.sqrt(1.0 + tx * tx + ty * ty)
    momentum = np.stack([p * tx / norm, p * ty / norm, p / norm], axis=1)
    position = np.stack([x, y, np.full(n, model.reference_z)], axis=1)
    return charge, momentum, position


def generate_halo_tracks(
    n_tracks: int,
    rng: np.random.Generator,
    model: HaloModel | None = None,
    first_burst: int = 0,
    experiment: Experiment | None = None,
) -> SingleTrackSample:
    """Generate a SYNTHETIC time-ordered stream of halo-muon-like single tracks.

    The tracks fill ``ceil(n_tracks / tracks_per_spill)`` bursts; each track falls
    in a burst chosen uniformly (so the per-burst counts are multinomial) at a
    time uniform in the spill; each track is its own event.

    Parameters
    ----------
    n_tracks
        Number of tracks (>= 1).
    rng
        Random generator.
    model
        Parameters (default :class:`HaloModel`).
    first_burst
        Id of the first burst.
    experiment
        If given, keep only tracks in its downstream acceptance
        (:func:`single_track_acceptance`); tracks are drawn in batches until
        ``n_tracks`` are accepted.

    Returns
    -------
    SingleTrackSample
        Sorted by (burst, time); momenta in MeV, positions at the reference plane in mm.
    """
    if n_tracks < 1:
        raise DarkdumpInputError(f"--tracks {n_tracks}: need at least 1 track")
    model = model or HaloModel()
    n_bursts = max(1, math.ceil(n_tracks / model.tracks_per_spill))
    burst = np.sort(rng.integers(0, n_bursts, n_tracks)) + first_burst
    time = rng.uniform(0.0, model.spill_duration, n_tracks)
    order = np.lexsort((time, burst))
    burst, time = burst[order], time[order]

    if experiment is None:
        charge, momentum, position = _draw_tracks(n_tracks, rng, model)
    else:
        parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        have = 0
        drawn = 0
        while have < n_tracks:  # a few batches, not a per-track loop
            size = max(1000, 2 * (n_tracks - have))
            batch = _draw_tracks(size, rng, model)
            keep = single_track_acceptance(batch[2], batch[1], batch[0], experiment)
            parts.append((batch[0][keep], batch[1][keep], batch[2][keep]))
            have += int(np.count_nonzero(keep))
            drawn += size
            # An acceptance below 1e-3 (e.g. zero: an experiment whose detector no halo
            # track can reach) would loop (almost) for ever: stop with one line instead.
            if have < n_tracks and drawn >= 50 * max(n_tracks, 1000) and have < 1e-3 * drawn:
                raise DarkdumpInputError(
                    f"experiment {experiment.name!r}: {have} of {drawn} generated halo tracks "
                    "pass its downstream acceptance; use --no-acceptance or check the geometry"
                )
        charge = np.concatenate([q for q, _, _ in parts])[:n_tracks]
        momentum = np.concatenate([p for _, p, _ in parts])[:n_tracks]
        position = np.concatenate([x for _, _, x in parts])[:n_tracks]
    return SingleTrackSample(
        event_id=np.arange(n_tracks, dtype=np.int64),
        burst_id=burst.astype(np.int64),
        time=np.asarray(time, dtype=np.float64),
        charge=charge,
        pid=np.full(n_tracks, PID_MUON, dtype=np.int64),
        momentum=np.asarray(momentum, dtype=np.float64),
        position=np.asarray(position, dtype=np.float64),
        weight=np.ones(n_tracks),
        source=(
            f"SYNTHETIC halo-muon tracks (darkdump.analyses.na62_2021.halo), rate "
            f"{model.rate / Hz:g} Hz, spill {model.spill_duration / s:g} s"
        ),
    )


def downscale(
    sample: SingleTrackSample, factor: int, rng: np.random.Generator
) -> SingleTrackSample:
    """Keep each event with probability ``1/factor`` (a random-trigger downscaling model).

    NA62 keeps every ``factor``-th Q1 trigger (JHEP sec. 2.2: factor 20); for
    uncorrelated arrivals a random 1-in-``factor`` selection has the same pair
    statistics and keeps the expectations exact.
    """
    if factor < 1:
        raise DarkdumpInputError(f"downscale factor {factor}: must be >= 1")
    events, inverse = np.unique(
        np.stack([sample.burst_id, sample.event_id], axis=1), axis=0, return_inverse=True
    )
    keep_event = np.asarray(rng.random(events.shape[0]) < 1.0 / factor, dtype=np.bool_)
    out = sample.subset(keep_event[inverse.reshape(-1)])
    return replace(out, source=f"{sample.source}, downscaled by {factor}")
