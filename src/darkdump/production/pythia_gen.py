"""Meson and B-hadron spectra from PYTHIA 8 (PyPI ``pythia8mc``) for a fixed-target beam.

This module runs the generator; :mod:`darkdump.production.spectra` turns a run into
histograms and samples from them. Everything here happens at the edge of the
chain (command ``darkdump spectra``), never inside a physics loop.

Physics choices (all are parameters of :class:`GenerationSettings`):

* Beam: protons of ``beam_energy_GeV`` on a nucleon at rest (``Beams:frameType = 2``,
  ``eA`` = beam energy, ``eB = 0``), so the event record is in the lab frame with the
  beam along +z. 400 GeV for NA62 (JHEP 09 (2023) 035, sec. 2), sqrt(s) = 27.4 GeV,
  the "pp interactions at sqrt(s) = 28 GeV" of PRL 133 (2024) 111802, appendix A.
* Target nucleons: p-p and p-n events mixed in the proton fraction Z/A of the dump
  material, weighted by where the protons interact (:func:`target_proton_fraction`).
  The number of p-p events is ``round(n_events * proton_fraction)`` and the two
  samples use seeds ``seed`` and ``seed + 1``.
* Or, with ``nucleus = (Z, A)``, p-nucleus events with PYTHIA's Angantyr model (target
  PDG code ``100ZZZAAA0``; C. Bierlich et al., JHEP 10 (2018) 134): one sample of
  ``n_events`` inelastic p-A interactions, the first interaction of a beam proton in
  the dump. Nuclear effects (more soft mesons, fewer forward ones per collision) then
  come from the model instead of being neglected.
* ``kind = "mesons"``: ``SoftQCD:inelastic`` (non-diffractive plus single-, double-
  and central-diffractive), one inelastic interaction per event. The record keeps
  every pi0, eta, eta', rho0, omega and phi, with the PDG id of its mother, so that
  :mod:`.spectra` can count or drop feed-down from heavier resonances.
* ``kind = "b"``: ``HardQCD:hardbbbar`` (g g -> b bbar and q qbar -> b bbar at LO);
  every event has one b bbar pair; B+, B0, Bs and their antiparticles are kept.
* Decays: particles with c tau > ``tau0_max_mm`` (10 mm, PYTHIA's own default value of
  ``ParticleDecays:tau0Max``) are not decayed (``ParticleDecays:limitTau0 = on``). This
  keeps K0_S (c tau = 26.8 mm), Lambda, Sigma+-, Xi and Omega stable: at SPS momenta they
  fly metres, much longer than the 15 cm interaction length of the copper, so their weak
  decays are not prompt sources of pi0 at the production point. Strong and
  electromagnetic decays (eta -> 3 pi0, omega -> pi+ pi- pi0, K* -> K pi0 ...) happen.
* B0 and Bs mixing: PYTHIA represents an oscillation as a decay of the B0 into a B0bar
  copy with status code +-94 (PYTHIA 8 manual, "Particle Properties: status codes").
  Each B is counted once: copies with ``|status| == 94`` are dropped, i.e. the FIRST
  copy after hadronisation (or after the B** / B* decay that made it) is kept. Its
  momentum equals that of the last copy.

Validation (shipped tables, 1e6 events; tests/production/test_spectra_defaults.py):
per inelastic interaction PYTHIA 8.317 (default Monash tune, like the PYTHIA 8.2 of
NA62) gives pi0 4.71, eta 0.58, eta' 0.062, rho0 0.66, omega 0.66, phi 0.023. Against
the LEBC-EHS (NA27) pp data at 400 GeV/c (pi0 3.87, eta 0.30, rho0 0.385, omega 0.390,
phi 0.019) that is +22% (pi0), +90% (eta), +70% (rho0, omega) and +23% (phi): the
tune, fitted at LHC energies, overshoots soft multiplicities at sqrt(s) = 27 GeV (10.8
charged particles per event against about 9 measured). NA62 quotes a 20% uncertainty
on the meson yields (PRL appendix A); the larger eta, rho and omega excess is a known
limitation of the default tune, kept here for fidelity to the NA62 procedure.

Only the primary proton interaction is simulated (no hadronic cascade in the dump),
as in the NA62 analysis (PRL appendix A: "meson ... in pp interactions at sqrt(s) = 28
GeV ... evaluated with PYTHIA8.2").
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib import metadata
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from darkdump.errors import DarkdumpInputError
from darkdump.experiments.schema import Experiment

__all__ = [
    "B_PDG_IDS",
    "MESON_PDG_IDS",
    "GenerationSettings",
    "PythiaRun",
    "SpeciesRecord",
    "feynman_x",
    "feynman_x_density",
    "generate",
    "interaction_probabilities",
    "pythia_version",
    "target_nucleus",
    "target_proton_fraction",
]

#: Species name -> PDG id of the meson (antiparticles are their own or are added).
MESON_PDG_IDS: dict[str, int] = {
    "pi0": 111,
    "eta": 221,
    "etaprime": 331,
    "rho": 113,
    "omega": 223,
    "phi": 333,
}
#: Species name -> PDG id of the B meson; the charge conjugate (negative id) is included.
B_PDG_IDS: dict[str, int] = {"B+": 521, "B0": 511, "Bs": 531}

#: PYTHIA status code of a B0/Bs copy created by an oscillation (PYTHIA 8 manual).
_STATUS_OSCILLATED = 94
#: Atomic mass unit [GeV] (CODATA 2018), the mass given to a nucleus PYTHIA does not know.
_ATOMIC_MASS_UNIT_GEV = 0.9314941
#: PYTHIA's ``Random:seed`` accepts 0 .. 900 000 000.
_MAX_SEED = 899_999_999

Kind = Literal["mesons", "b"]
ProgressCallback = Callable[[int, int], None]


#: One-line message when PYTHIA is needed but not installed.
MISSING_PYTHIA = (
    "PYTHIA 8 (pythia8mc) is not installed; it is needed only to regenerate spectra: "
    "pip install 'darkdump[pythia]'"
)


def pythia_version() -> str:
    """Version of the installed ``pythia8mc`` wheel (e.g. ``"8.317.2"``).

    Raises
    ------
    DarkdumpInputError
        One line naming the ``pythia`` extra when the wheel is not installed.
    """
    try:
        return metadata.version("pythia8mc")
    except metadata.PackageNotFoundError:
        raise DarkdumpInputError(MISSING_PYTHIA) from None


def interaction_probabilities(experiment: Experiment) -> npt.NDArray[np.float64]:
    """Probability that a beam proton has its first inelastic interaction in each layer.

    Layer ``i`` of length ``L_i`` and interaction length ``lambda_i``, traversed in order:
    ``P_i = exp(-sum_{j<i} L_j/lambda_j) (1 - exp(-L_i/lambda_i))`` [dimensionless].

    >>> from darkdump.experiments import load
    >>> p = interaction_probabilities(load("na62-2021"))
    >>> [round(float(x), 4) for x in p]
    [0.9946, 0.0054]
    """
    depth = np.array(
        [layer.length_m / layer.interaction_length_m for layer in experiment.target.layers]
    )
    before = np.concatenate([[0.0], np.cumsum(depth)[:-1]])
    return np.asarray(np.exp(-before) * -np.expm1(-depth), dtype=np.float64)


def target_proton_fraction(experiment: Experiment) -> float:
    """Fraction of inelastic interactions on protons: Z/A weighted by where protons interact.

    >>> from darkdump.experiments import load
    >>> round(target_proton_fraction(load("na62-2021")), 4)
    0.4564
    """
    prob = interaction_probabilities(experiment)
    z_over_a = np.array(
        [layer.atomic_number / layer.mass_number for layer in experiment.target.layers]
    )
    return float(np.sum(prob * z_over_a) / np.sum(prob))


def target_nucleus(experiment: Experiment) -> tuple[int, int]:
    """``(Z, A)`` of the layer where most beam protons interact first (A rounded).

    >>> from darkdump.experiments import load
    >>> target_nucleus(load("na62-2021"))
    (29, 64)
    """
    layer = experiment.target.layers[int(np.argmax(interaction_probabilities(experiment)))]
    return int(layer.atomic_number), round(layer.mass_number)


@dataclass(frozen=True)
class GenerationSettings:
    """Everything that determines a PYTHIA run (and hence its cache key).

    Attributes
    ----------
    kind
        ``"mesons"`` (SoftQCD inelastic) or ``"b"`` (hard b bbar).
    n_events
        Number of events (p-p plus p-n) [dimensionless].
    seed
        PYTHIA seed of the p-p sample; the p-n sample uses ``seed + 1``.
    beam_energy_GeV
        Lab energy of the beam proton [GeV]; the target nucleon is at rest.
    proton_fraction
        Fraction of events on target protons (the rest are on neutrons) [dimensionless].
    tau0_max_mm
        Particles with c tau above this are not decayed [mm].
    extra_settings
        Further PYTHIA ``readString`` lines (advanced use; they enter the cache key).
    nucleus
        ``(Z, A)`` of a target nucleus: p-A events (Angantyr) instead of p-p and p-n;
        ``proton_fraction`` is then unused.
    """

    kind: Kind
    n_events: int
    seed: int
    beam_energy_GeV: float = 400.0
    proton_fraction: float = 0.4564
    tau0_max_mm: float = 10.0
    extra_settings: tuple[str, ...] = field(default_factory=tuple)
    nucleus: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("mesons", "b"):
            raise DarkdumpInputError(f"kind {self.kind!r}: allowed are 'mesons' and 'b'")
        if self.n_events < 1:
            raise DarkdumpInputError(f"events = {self.n_events}: must be at least 1")
        if not 0 <= self.seed < _MAX_SEED:
            raise DarkdumpInputError(f"seed = {self.seed}: must be in 0 .. {_MAX_SEED - 1}")
        if not (math.isfinite(self.beam_energy_GeV) and self.beam_energy_GeV > 20.0):
            raise DarkdumpInputError(
                f"beam energy = {self.beam_energy_GeV} GeV: must be a finite number above 20 GeV"
            )
        if not 0.0 <= self.proton_fraction <= 1.0:
            raise DarkdumpInputError(f"proton fraction = {self.proton_fraction}: must be in [0, 1]")
        if not self.tau0_max_mm > 0:
            raise DarkdumpInputError(f"tau0 max = {self.tau0_max_mm} mm: must be positive")
        if self.nucleus is not None:
            z, a = self.nucleus
            if not (1 <= z <= 118 and max(z, 2) <= a <= 300):
                raise DarkdumpInputError(
                    f"nucleus (Z, A) = {self.nucleus}: need 1 <= Z <= 118 and Z <= A <= 300"
                )

    @property
    def n_pp(self) -> int:
        """Number of p-p events (all events for a nucleus); the remaining are p-n."""
        if self.nucleus is not None:
            return self.n_events
        return round(self.n_events * self.proton_fraction)

    @property
    def nucleus_pdg(self) -> int | None:
        """PDG code ``100ZZZAAA0`` of the target nucleus, or ``None``."""
        if self.nucleus is None:
            return None
        z, a = self.nucleus
        return 1_000_000_000 + 10_000 * z + 10 * a

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (with the PYTHIA version, which changes the output).

        ``nucleus`` appears only when set, so that the cache keys of nucleon runs are
        those they always had.
        """
        data = asdict(self)
        data["extra_settings"] = list(self.extra_settings)
        if self.nucleus is None:
            del data["nucleus"]
        else:
            data["nucleus"] = list(self.nucleus)
        data["pythia8mc_version"] = pythia_version()
        return data

    def cache_key(self) -> str:
        """Short hash of the settings, the seed and the PYTHIA version."""
        text = json.dumps(self.as_dict(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def pythia_lines(self, beam_b: int, seed: int) -> list[str]:
        """Return the PYTHIA ``readString`` lines of one sample (target nucleon ``beam_b``)."""
        lines = [
            "Print:quiet = on",
            "Beams:frameType = 2",
            "Beams:idA = 2212",
            f"Beams:idB = {beam_b}",
            f"Beams:eA = {self.beam_energy_GeV!r}",
            "Beams:eB = 0.",
            "Random:setSeed = on",
            f"Random:seed = {seed}",
            "ParticleDecays:limitTau0 = on",
            f"ParticleDecays:tau0Max = {self.tau0_max_mm!r}",
        ]
        if self.nucleus is not None:
            lines += ["HeavyIon:showInit = off", "HeavyIon:SigFitPrint = off"]  # output only
        if self.kind == "mesons":
            lines.append("SoftQCD:inelastic = on")
        else:
            lines.append("HardQCD:hardbbbar = on")
        lines.extend(self.extra_settings)
        return lines


@dataclass(frozen=True)
class SpeciesRecord:
    """All generated particles of one species (structure of arrays).

    Attributes
    ----------
    momentum_GeV
        Lab momenta (px, py, pz), shape ``(n, 3)`` [GeV], float32.
    parent_id
        PDG id of the mother (0 if the particle comes from hadronisation, i.e. PYTHIA
        status 81-89), shape ``(n,)``.
    on_neutron
        True for particles from p-n events, shape ``(n,)``.
    """

    momentum_GeV: npt.NDArray[np.float32]
    parent_id: npt.NDArray[np.int32]
    on_neutron: npt.NDArray[np.bool_]


@dataclass(frozen=True)
class PythiaRun:
    """Result of :func:`generate`: per-species records plus the numbers of events.

    Attributes
    ----------
    settings
        The settings of the run.
    records
        Species name -> :class:`SpeciesRecord`.
    n_pp, n_pn
        Numbers of p-p and p-n events generated [dimensionless]; for a nucleus target
        ``n_pp`` counts the p-A events and ``n_pn`` is 0.
    sigma_gen_mb
        PYTHIA's estimate of the cross-section of the generated process, per sample
        (``{"pp": ..., "pn": ...}``, or ``{"pA": ...}``) [mb].
    """

    settings: GenerationSettings
    records: dict[str, SpeciesRecord]
    n_pp: int
    n_pn: int
    sigma_gen_mb: dict[str, float]

    @property
    def n_events(self) -> int:
        """Total number of events [dimensionless]."""
        return self.n_pp + self.n_pn


def feynman_x(
    momentum_GeV: npt.ArrayLike, beam_energy_GeV: float, mass_GeV: float = 0.13957039
) -> npt.NDArray[np.float64]:
    """Feynman x, ``x_F = 2 p_z* / sqrt(s)``, of lab momenta for a proton beam on a nucleon.

    The centre-of-mass frame of the beam proton (energy ``beam_energy_GeV``) and a
    nucleon at rest (proton mass for both) moves along +z with ``beta = p / (E + m)``.
    ``momentum_GeV`` has shape ``(n, 3)`` [GeV]; ``mass_GeV`` is the particles' mass
    (default the charged pion's) [GeV].

    The beam proton itself has ``p* = sqrt(s / 4 - m_p^2)``, so ``x_F = sqrt(1 - 4 m_p^2 / s)``:

    >>> import numpy as np
    >>> m_p = 0.93827208816
    >>> p_beam = (400.0**2 - m_p**2) ** 0.5
    >>> x = feynman_x(np.array([[0.0, 0.0, p_beam]]), 400.0, m_p)[0]
    >>> bool(abs(x - (1 - 4 * m_p**2 / (2 * m_p**2 + 2 * m_p * 400.0)) ** 0.5) < 1e-12)
    True
    """
    m_p = 0.93827208816
    p = np.asarray(momentum_GeV, dtype=np.float64).reshape(-1, 3)
    p_beam = math.sqrt(beam_energy_GeV**2 - m_p**2)
    beta = p_beam / (beam_energy_GeV + m_p)
    gamma = 1.0 / math.sqrt(1.0 - beta * beta)
    sqrt_s = math.sqrt(2.0 * m_p * m_p + 2.0 * m_p * beam_energy_GeV)
    energy = np.sqrt(np.einsum("ij,ij->i", p, p) + mass_GeV * mass_GeV)
    return np.asarray(2.0 * gamma * (p[:, 2] - beta * energy) / sqrt_s, dtype=np.float64)


def feynman_x_density(
    run: PythiaRun,
    species: str,
    x_points: npt.ArrayLike,
    half_width: float = 0.025,
    mass_GeV: float = 0.13957039,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """``dn/dx_F`` per generated event of one species in windows ``x +- half_width``.

    Returns the density and its Poisson error (from at least one count) at each of
    ``x_points``; ``mass_GeV`` as in :func:`feynman_x` (default the charged pion's) [GeV].
    This is how measured spectra such as NA49's are compared (validation only).
    """
    x_f = feynman_x(run.records[species].momentum_GeV, run.settings.beam_energy_GeV, mass_GeV)
    counts = np.array(
        [np.count_nonzero(np.abs(x_f - x) < half_width) for x in np.atleast_1d(x_points)],
        dtype=np.float64,
    )
    norm = run.n_events * 2.0 * half_width
    return counts / norm, np.sqrt(np.maximum(counts, 1.0)) / norm


def _species_ids(kind: Kind) -> dict[str, int]:
    return dict(MESON_PDG_IDS) if kind == "mesons" else dict(B_PDG_IDS)


#: Species to collect: name -> PDG id (the particle and its charge conjugate) or a tuple
#: of signed PDG ids (exactly those, e.g. ``(211,)`` for pi+ alone).
Species = dict[str, int | tuple[int, ...]]


def _extract(
    batch: Any, species: Species | dict[str, int], on_neutron: bool
) -> dict[str, tuple[npt.NDArray[np.float32], npt.NDArray[np.int32], npt.NDArray[np.bool_]]]:
    """Vectorised selection of the wanted species in one ``nextBatch`` awkward array."""
    import awkward as ak  # type: ignore[import-untyped]

    prt = batch["prt"]
    counts = ak.to_numpy(ak.num(prt, axis=1)).astype(np.int64)
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    flat = ak.flatten(prt, axis=1)
    pdg = ak.to_numpy(flat["id"]).astype(np.int32)
    status = ak.to_numpy(flat["status"]).astype(np.int32)
    mother1 = ak.to_numpy(flat["mother1"]).astype(np.int64)
    mom = flat["p"]
    px = ak.to_numpy(mom["px"])
    py = ak.to_numpy(mom["py"])
    pz = ak.to_numpy(mom["pz"])
    event = np.repeat(np.arange(counts.size), counts)
    abs_status = np.abs(status)
    # Mother's PDG id (0 when the particle is a hadronisation product, status 81-89).
    mother_global = offsets[event] + mother1
    from_decay = abs_status >= 90
    parent = np.where(from_decay, pdg[np.clip(mother_global, 0, pdg.size - 1)], 0)
    out = {}
    for name, pid in species.items():
        wanted = np.abs(pdg) == pid if isinstance(pid, int) else np.isin(pdg, pid)
        mask = wanted & (abs_status != _STATUS_OSCILLATED)
        momentum = np.stack([px[mask], py[mask], pz[mask]], axis=1).astype(np.float32)
        out[name] = (
            momentum,
            parent[mask].astype(np.int32),
            np.full(int(mask.sum()), on_neutron, dtype=bool),
        )
    return out


def _run_sample(
    settings: GenerationSettings,
    beam_b: int,
    seed: int,
    n_events: int,
    chunk: int,
    progress: ProgressCallback | None,
    done_before: int,
    species: Species | None = None,
) -> tuple[dict[str, list[Any]], float]:
    try:
        import pythia8mc
    except ImportError:
        raise DarkdumpInputError(MISSING_PYTHIA) from None

    if species is None:
        species = dict(_species_ids(settings.kind))
    parts: dict[str, list[Any]] = {name: [] for name in species}
    if n_events == 0:
        return parts, 0.0
    pythia = pythia8mc.Pythia("", False)
    if settings.nucleus is not None and not pythia.particleData.isParticle(beam_b):
        # PYTHIA's particle table holds a few nuclei (63Cu, 56Fe, 208Pb ...); define others
        # with the mass A u, all Angantyr needs (it builds the nucleus from Z and A).
        z, a = settings.nucleus
        pythia.readString(f"{beam_b}:all = A{a}Z{z} void 1 {3 * z} 0 {a * _ATOMIC_MASS_UNIT_GEV!r}")
    for line in settings.pythia_lines(beam_b, seed):
        if not pythia.readString(line):
            raise DarkdumpInputError(f"PYTHIA setting {line!r} was rejected")
    if not pythia.init():
        raise DarkdumpInputError(
            "PYTHIA failed to initialise with settings: "
            + "; ".join(settings.pythia_lines(beam_b, seed))
        )
    done = 0
    while done < n_events:
        want = min(chunk, n_events - done)
        batch = pythia.nextBatch(want, "skip")
        got = len(batch)
        if got == 0:
            raise RuntimeError("PYTHIA produced no event in a whole batch; check the settings")
        for name, arrays in _extract(batch, species, beam_b == 2112).items():
            parts[name].append(arrays)
        done += got
        if progress is not None:
            progress(done_before + done, settings.n_events)
    sigma = float(pythia.infoPython().sigmaGen())
    return parts, sigma


def generate(
    settings: GenerationSettings,
    progress: ProgressCallback | None = None,
    chunk: int = 2000,
    species: Species | None = None,
) -> PythiaRun:
    """Run PYTHIA for the p-p and the p-n samples and collect the wanted species.

    Parameters
    ----------
    settings
        What to generate (:class:`GenerationSettings`).
    progress
        Optional callback ``progress(done, total)`` called after every batch.
    chunk
        Events per ``Pythia.nextBatch`` call (memory vs overhead only; the output does
        not depend on it).
    species
        What to collect instead of the species of ``settings.kind``: name -> PDG id (with
        its charge conjugate) or a tuple of signed PDG ids, e.g. ``{"pi+": (211,)}`` to
        compare with charged-pion data (validation; the tables use the default).

    Returns
    -------
    PythiaRun
        Momenta in GeV (lab frame, beam along +z), parent ids and the event counts.
    """
    n_pp = settings.n_pp
    n_pn = settings.n_events - n_pp
    if species is None:
        species = dict(_species_ids(settings.kind))
    collected: dict[str, list[Any]] = {name: [] for name in species}
    sigma: dict[str, float] = {}
    samples: tuple[tuple[str, int, int, int, int], ...] = (
        ("pp", 2212, settings.seed, n_pp, 0),
        ("pn", 2112, settings.seed + 1, n_pn, n_pp),
    )
    if settings.nucleus_pdg is not None:
        samples = (("pA", settings.nucleus_pdg, settings.seed, settings.n_events, 0),)
    for label, beam_b, seed, n, before in samples:
        parts, sigma[label] = _run_sample(
            settings, beam_b, seed, n, chunk, progress, before, species
        )
        for name in species:
            collected[name].extend(parts[name])
    records = {}
    for name, parts_list in collected.items():
        if parts_list:
            momentum = np.concatenate([p[0] for p in parts_list]).reshape(-1, 3)
            parent = np.concatenate([p[1] for p in parts_list])
            neutron = np.concatenate([p[2] for p in parts_list])
        else:
            momentum = np.zeros((0, 3), dtype=np.float32)
            parent = np.zeros(0, dtype=np.int32)
            neutron = np.zeros(0, dtype=bool)
        records[name] = SpeciesRecord(momentum, parent, neutron)
    return PythiaRun(settings, records, n_pp, n_pn, sigma)
