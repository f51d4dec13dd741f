"""Meson and B-meson spectra per proton on target, as histograms made from PYTHIA 8 runs.

A :class:`Spectra` holds, for every species, a 2-D histogram of the lab momentum in
(log10 p/GeV, log10 theta/rad) and the mean number per proton on target (POT).
:meth:`Spectra.sample` draws a histogram bin with probability proportional to its
content, then a point uniformly in (log10 p, log10 theta) inside that bin (the bins are
narrow, 0.04 dex in p and 0.05 dex in theta, so the within-bin shape does not matter at
the NA62 resolution), and an azimuth phi uniform in [0, 2 pi).

Shipped defaults (``load_default("mesons")`` and ``load_default("b")``) live in
``darkdump/data/spectra/`` and were made by ``darkdump spectra`` (command line, seed,
PYTHIA version and event count in the JSON beside each table). Use
:func:`from_run` / :func:`load_cached` for your own runs.

Feed-down. By default a meson counts whatever made it: string fragmentation or the
strong/electromagnetic decay of a heavier hadron (a pi0 from eta -> 3 pi0 or from
omega -> pi+ pi- pi0 is a real pi0 that decays to gamma A' just the same). Weak decays
of K0_S and hyperons are switched off in the generation
(:mod:`darkdump.production.pythia_gen`). ``feed_down=False`` keeps only mesons made
directly in the hadronisation, for comparisons with "direct" yields.

Multiplicities are per POT: (number per inelastic interaction) x (probability that the
proton interacts in the dump, 1 - exp(-19.6) for NA62). Only the primary interaction
is counted (no hadronic cascade), as in the NA62 analysis (PRL 133 (2024) 111802,
appendix A). For B mesons the number per POT is chi_bb, the b bbar pairs per POT
(:func:`chi_bb`), times the mean number of the species per b bbar event.

>>> import numpy as np
>>> from hepunits import GeV
>>> spectra = load_default("mesons")
>>> 1.0 < spectra.multiplicity("pi0") < 10.0
True
>>> p = spectra.sample("pi0", 1000, np.random.default_rng(1))
>>> p.shape, bool(np.all(np.linalg.norm(p, axis=1) < 400 * GeV))
((1000, 3), True)
"""

from __future__ import annotations

import io
import json
import math
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt
from hepunits import GeV

from darkdump.errors import DarkdumpInputError
from darkdump.kinematics import norm3
from darkdump.typing import FloatArray

if TYPE_CHECKING:
    from darkdump.experiments.schema import Experiment

__all__ = [
    "B_SPECIES",
    "LOG10_P_EDGES",
    "LOG10_THETA_EDGES",
    "MESONS",
    "Spectra",
    "cache_root",
    "check_beam_energy",
    "chi_bb",
    "chi_bb_for_experiment",
    "from_run",
    "histogram",
    "load",
    "load_cached",
    "load_default",
    "save",
    "shipped_for_beam",
    "store_run",
]

#: Light neutral mesons whose decays make dark photons (JHEP 09 (2023) 035, eq. 3.2).
MESONS: tuple[str, ...] = ("pi0", "eta", "etaprime", "rho", "omega", "phi")
#: B mesons for ALP production; each name includes the charge conjugate
#: ("B+" = B+ and B-, "B0" = B0 and B0bar, "Bs" = Bs and Bsbar).
B_SPECIES: tuple[str, ...] = ("B+", "B0", "Bs")

#: Bin edges in log10(p / GeV): 0.01 GeV .. 400 GeV (the beam), 115 bins of 0.04 dex.
LOG10_P_EDGES: FloatArray = np.linspace(-2.0, 2.6, 116)
#: Bin edges in log10(theta / rad): 1e-5 rad .. pi, 110 bins of about 0.05 dex.
LOG10_THETA_EDGES: FloatArray = np.linspace(-5.0, math.log10(math.pi), 111)

Kind = Literal["mesons", "b"]

# --- b bbar normalisation -------------------------------------------------------------
#: sigma(p N -> b bbar X) per nucleon at E_beam = 400 GeV (sqrt(s) = 27.4 GeV) [nb]:
#: the value used for the SPS beam dump by SHiP (1.7 nb, with sigma_pN per nucleon
#: 10.7 mb in molybdenum giving chi_bb = 1.6e-7; SHiP, "Sensitivity of the SHiP
#: experiment to heavy neutral leptons", JHEP 04 (2019) 077, sec. 2.1, from the NLO
#: fixed-target compilation of Lourenco and Woehri, Phys. Rept. 433 (2006) 127).
#: PYTHIA's own LO cross-section (HardQCD:hardbbbar, default PDF) is 0.89 nb (pp) and
#: 0.93 nb (pn) at 400 GeV, so this normalisation amounts to an effective NLO K factor
#: of about 1.9 on PYTHIA; only the PYTHIA B momentum spectra and species fractions are
#: used. Change it with ``darkdump spectra --kind b --sigma-bb-nb X``.
SIGMA_BB_PER_NUCLEON_NB = 1.7
#: Nuclear interaction length in g/cm^2 (PDG, "Atomic and nuclear properties of
#: materials"): sigma_inel(pA) = A / (N_A lambda_I).
_LAMBDA_I_G_CM2 = {"Cu": 137.3, "Fe": 132.1, "W": 191.9, "Mo": 152.9, "Pb": 199.6}
_AVOGADRO = 6.02214076e23


def chi_bb(
    mass_number: float,
    material: str,
    sigma_bb_per_nucleon_nb: float = SIGMA_BB_PER_NUCLEON_NB,
    nuclear_exponent: float = 1.0,
) -> float:
    """Return the number of b bbar pairs per inelastic proton-nucleus interaction [1].

    ``chi_bb = A^alpha sigma_bb(pN) / sigma_inel(pA)`` with ``alpha = nuclear_exponent``
    (default 1): hard processes scale with the number of nucleons (alpha = 1 within errors
    for open heavy flavour, e.g. E789 and HERA-B),
    whereas the inelastic cross-section grows like about A^0.71 and is taken from the
    measured PDG nuclear interaction length, ``sigma_inel(pA) = A / (N_A lambda_I)``.

    Parameters
    ----------
    mass_number
        A of the nucleus [dimensionless].
    material
        Element symbol, for its PDG interaction length (Cu, Fe, W, Mo, Pb).
    sigma_bb_per_nucleon_nb
        sigma(pN -> b bbar X) per nucleon [nb].
    nuclear_exponent
        alpha of the A dependence [dimensionless].

    >>> round(chi_bb(63.546, "Cu") / 1e-7, 2)
    1.41
    >>> round(chi_bb(95.95, "Mo") / 1e-7, 2)   # SHiP quotes 1.6e-7 for its Mo target
    1.57
    """
    if material not in _LAMBDA_I_G_CM2:
        raise DarkdumpInputError(
            f"material {material!r}: no interaction length known; allowed: "
            + ", ".join(sorted(_LAMBDA_I_G_CM2))
        )
    sigma_inel_cm2 = mass_number / (_AVOGADRO * _LAMBDA_I_G_CM2[material])
    sigma_bb_cm2 = sigma_bb_per_nucleon_nb * 1e-33
    return float(mass_number**nuclear_exponent * sigma_bb_cm2 / sigma_inel_cm2)


def chi_bb_for_experiment(
    experiment: Experiment,
    sigma_bb_per_nucleon_nb: float = SIGMA_BB_PER_NUCLEON_NB,
    nuclear_exponent: float = 1.0,
) -> float:
    """:func:`chi_bb` averaged over the dump layers, weighted by where protons interact.

    >>> from darkdump.experiments import load
    >>> round(chi_bb_for_experiment(load("na62-2021")) / 1e-7, 3)
    1.405
    """
    from darkdump.production.pythia_gen import interaction_probabilities

    prob = interaction_probabilities(experiment)
    values = [
        chi_bb(layer.mass_number, layer.material, sigma_bb_per_nucleon_nb, nuclear_exponent)
        for layer in experiment.target.layers
    ]
    return float(np.dot(prob, values) / prob.sum())


@dataclass(frozen=True)
class Spectra:
    """Momentum spectra and multiplicities per POT for a set of species.

    Attributes
    ----------
    kind
        ``"mesons"`` or ``"b"``.
    counts
        Species -> 2-D histogram, shape ``(len(LOG10_P_EDGES)-1, len(LOG10_THETA_EDGES)-1)``,
        of the number of generated particles in (log10 p/GeV, log10 theta/rad); entries
        outside the edges are put in the first/last bin.
    per_pot
        Species -> mean number per proton on target [dimensionless].
    metadata
        Provenance: command line, seed, PYTHIA version, events, feed-down choice, ...
    log10_p_edges, log10_theta_edges
        Bin edges (log10 of GeV and of rad).
    """

    kind: str
    counts: dict[str, npt.NDArray[np.int64]]
    per_pot: dict[str, float]
    metadata: dict[str, Any] = field(default_factory=dict)
    log10_p_edges: FloatArray = field(default_factory=lambda: LOG10_P_EDGES.copy())
    log10_theta_edges: FloatArray = field(default_factory=lambda: LOG10_THETA_EDGES.copy())

    @property
    def species(self) -> tuple[str, ...]:
        """Species names held (e.g. ``MESONS`` or ``B_SPECIES``)."""
        return tuple(self.counts)

    def _check(self, species: str) -> None:
        if species not in self.counts:
            raise DarkdumpInputError(
                f"species {species!r}: allowed for {self.kind} spectra are {', '.join(self.counts)}"
            )

    def multiplicity(self, species: str) -> float:
        """Mean number of ``species`` per proton on target [dimensionless]."""
        self._check(species)
        return float(self.per_pot[species])

    def sample(self, species: str, n: int, rng: np.random.Generator) -> FloatArray:
        """Draw ``n`` lab momenta of ``species`` from its histogram.

        Parameters
        ----------
        species
            Name, one of :attr:`species`.
        n
            Number of momenta.
        rng
            Random generator.

        Returns
        -------
        ndarray
            Shape ``(n, 3)`` [MeV]: (px, py, pz), beam along +z.
        """
        return self.sample_weighted(species, n, rng, hard_fraction=0.0)[0]

    def sample_weighted(
        self,
        species: str,
        n: int,
        rng: np.random.Generator,
        hard_fraction: float = 0.5,
        hard_powers: tuple[float, ...] = (3.0,),
        forward_fraction: float = 0.0,
        forward_theta_max: float = math.pi,
    ) -> tuple[FloatArray, FloatArray]:
        """Draw ``n`` momenta with importance sampling towards hard ones, and their weights.

        Histogram bins are drawn from the mixture

            (1 - f - g) P + f/K sum_k P p^k / <p^k> + g P 1(theta < theta_f) / P(theta < theta_f)

        (``f`` = ``hard_fraction``, ``k`` over the ``K`` = ``len(hard_powers)`` powers,
        ``p`` the bin-centre momentum; ``g`` = ``forward_fraction``, ``theta_f`` =
        ``forward_theta_max`` compared with the bin-centre angle) instead of the spectrum
        ``P`` itself; each momentum carries the weight ``P / mixture`` of its bin, whose
        mean is 1, so every weighted estimate stays unbiased while the hard tail (the
        short-lifetime edges) and the forward cone (what a distant detector sees: the
        long-lifetime edges) get more events. The natural part keeps every bin reachable.

        Returns
        -------
        momenta, weights
            Shapes ``(n, 3)`` [MeV] and ``(n,)`` [dimensionless].

        Examples
        --------
        >>> import numpy as np
        >>> table = load_default("mesons")
        >>> p, w = table.sample_weighted("pi0", 200_000, np.random.default_rng(2))
        >>> bool(abs(w.mean() - 1.0) < 0.02)
        True
        """
        self._check(species)
        hist = self.counts[species]
        total = int(hist.sum())
        if total == 0:
            raise DarkdumpInputError(f"species {species!r}: the spectrum is empty")
        if not (hard_fraction >= 0.0 and 0.0 <= forward_fraction < 1.0 - hard_fraction):
            raise DarkdumpInputError(
                f"hard_fraction {hard_fraction}, forward_fraction {forward_fraction}: "
                "each must be >= 0 and their sum below 1"
            )
        pe, te = self.log10_p_edges, self.log10_theta_edges
        natural = hist.astype(np.float64) / total
        proposal = (1.0 - hard_fraction - forward_fraction) * natural
        if hard_fraction > 0.0:
            p_centre = 10.0 ** (0.5 * (pe[:-1] + pe[1:]))
            for power in hard_powers:
                hard = natural * p_centre[:, None] ** power
                proposal = proposal + hard_fraction / len(hard_powers) * hard / hard.sum()
        if forward_fraction > 0.0:
            theta_centre = 10.0 ** (0.5 * (te[:-1] + te[1:]))
            forward = natural * (theta_centre < forward_theta_max)[None, :]
            if forward.sum() > 0.0:
                proposal = proposal + forward_fraction * forward / forward.sum()
            else:  # no parent inside the cone: the natural spectrum takes its share
                proposal = proposal + forward_fraction * natural
        flat = np.cumsum(proposal.ravel(), dtype=np.float64)
        flat /= flat[-1]
        index = np.minimum(np.searchsorted(flat, rng.random(n), side="right"), flat.size - 1)
        i_p, i_theta = np.unravel_index(index, hist.shape)
        weight = np.ones(n)
        if hard_fraction > 0.0 or forward_fraction > 0.0:
            weight = natural[i_p, i_theta] / proposal[i_p, i_theta]
        u = rng.random((n, 3))
        log_p = pe[i_p] + u[:, 0] * (pe[i_p + 1] - pe[i_p])
        log_theta = te[i_theta] + u[:, 1] * (te[i_theta + 1] - te[i_theta])
        p = 10.0**log_p * GeV
        theta = np.minimum(10.0**log_theta, math.pi)
        phi = 2.0 * math.pi * u[:, 2]
        sin_t = np.sin(theta)
        momenta = np.stack(
            [p * sin_t * np.cos(phi), p * sin_t * np.sin(phi), p * np.cos(theta)], axis=1
        )
        return momenta, weight


# --- building histograms from a run ---------------------------------------------------


def histogram(momentum_GeV: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """2-D histogram in (log10 p/GeV, log10 theta/rad) with :data:`LOG10_P_EDGES` etc.

    Entries outside the edges go to the first or last bin, so that the total equals the
    number of particles.
    """
    mom = np.asarray(momentum_GeV, dtype=np.float64).reshape(-1, 3)
    p = norm3(mom)
    pt = np.hypot(mom[:, 0], mom[:, 1])
    theta = np.arctan2(pt, mom[:, 2])
    with np.errstate(divide="ignore"):
        log_p = np.log10(p)
        log_t = np.log10(theta)
    n_p = LOG10_P_EDGES.size - 1
    n_t = LOG10_THETA_EDGES.size - 1
    i_p = np.clip(np.searchsorted(LOG10_P_EDGES, log_p, side="right") - 1, 0, n_p - 1)
    i_t = np.clip(np.searchsorted(LOG10_THETA_EDGES, log_t, side="right") - 1, 0, n_t - 1)
    counts = np.bincount(i_p * n_t + i_t, minlength=n_p * n_t).reshape(n_p, n_t)
    return counts.astype(np.int64)


def from_run(
    run: Any,
    interaction_probability: float = 1.0,
    feed_down: bool = True,
    chi_bb_value: float | None = None,
    metadata: dict[str, Any] | None = None,
) -> Spectra:
    """Histogram a :class:`darkdump.production.pythia_gen.PythiaRun`.

    Parameters
    ----------
    run
        The PYTHIA run.
    interaction_probability
        Probability that a POT interacts in the dump [dimensionless].
    feed_down
        Count mesons from strong/EM decays of heavier hadrons (default), or only those
        from hadronisation.
    chi_bb_value
        b bbar pairs per inelastic interaction (kind "b"; default: :func:`chi_bb` for
        copper with :data:`SIGMA_BB_PER_NUCLEON_NB`) [dimensionless].
    metadata
        Extra provenance to store.
    """
    kind = run.settings.kind
    meta: dict[str, Any] = {
        "kind": kind,
        "settings": run.settings.as_dict(),
        "n_events": run.n_events,
        "n_pp": run.n_pp,
        "n_pn": run.n_pn,
        "sigma_gen_mb": run.sigma_gen_mb,
        "feed_down": feed_down,
        "interaction_probability": interaction_probability,
    }
    counts: dict[str, npt.NDArray[np.int64]] = {}
    per_interaction: dict[str, float] = {}
    for name, rec in run.records.items():
        keep = np.ones(rec.parent_id.size, dtype=bool) if feed_down else rec.parent_id == 0
        counts[name] = histogram(rec.momentum_GeV[keep])
        per_interaction[name] = float(keep.sum()) / run.n_events
    meta["per_event"] = per_interaction
    if kind == "b":
        chi = chi_bb(63.546, "Cu") if chi_bb_value is None else chi_bb_value
        meta["chi_bb"] = chi
        scale = chi * interaction_probability
    else:
        scale = interaction_probability
    per_pot = {name: value * scale for name, value in per_interaction.items()}
    meta["per_pot"] = per_pot
    if metadata:
        meta.update(metadata)
    return Spectra(kind=kind, counts=counts, per_pot=per_pot, metadata=meta)


# --- files ----------------------------------------------------------------------------


def save(spectra: Spectra, directory: str | Path, stem: str | None = None) -> tuple[Path, Path]:
    """Write ``<stem>.npz`` (histograms) and ``<stem>.json`` (metadata) atomically.

    Returns the two paths. ``stem`` defaults to the kind.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    stem = stem or spectra.kind
    arrays: dict[str, Any] = {f"counts/{k}": v for k, v in spectra.counts.items()}
    arrays["log10_p_edges"] = spectra.log10_p_edges
    arrays["log10_theta_edges"] = spectra.log10_theta_edges
    meta = dict(spectra.metadata)
    meta.update(kind=spectra.kind, per_pot=spectra.per_pot, species=list(spectra.counts))
    npz_path = directory / f"{stem}.npz"
    json_path = directory / f"{stem}.json"
    _atomic_write(npz_path, lambda f: np.savez_compressed(f, **arrays))
    text = json.dumps(meta, indent=2, sort_keys=True) + "\n"
    _atomic_write(json_path, lambda f: f.write(text.encode()))
    return npz_path, json_path


def _atomic_write(path: Path, writer: Any) -> None:
    """Write ``path`` atomically, ``writer`` filling an open binary file."""
    from darkdump.results.io import atomic_write_file

    def write(tmp: Path) -> None:
        with tmp.open("wb") as handle:
            writer(handle)

    atomic_write_file(path, write)


def load(npz_path: str | Path, json_path: str | Path) -> Spectra:
    """Read a table written by :func:`save`."""
    try:
        meta = json.loads(Path(json_path).read_text(encoding="utf-8"))
        with np.load(npz_path) as data:
            counts = {k: np.asarray(data[f"counts/{k}"], dtype=np.int64) for k in meta["species"]}
            p_edges = np.asarray(data["log10_p_edges"], dtype=np.float64)
            t_edges = np.asarray(data["log10_theta_edges"], dtype=np.float64)
    except (OSError, KeyError, ValueError) as exc:
        raise DarkdumpInputError(f"spectra file {str(npz_path)!r}: cannot read ({exc})") from None
    per_pot = {k: float(v) for k, v in meta["per_pot"].items()}
    return Spectra(meta["kind"], counts, per_pot, meta, p_edges, t_edges)


_DEFAULT_CACHE: dict[str, Spectra] = {}


def check_beam_energy(table: Spectra, experiment: Any) -> None:
    """Check that a shipped table serves the beam energy it was generated for (one-line error)."""
    made_for = (table.metadata.get("settings") or {}).get("beam_energy_GeV")
    energy = float(experiment.beam.energy_GeV)
    if made_for is not None and not math.isclose(float(made_for), energy, rel_tol=1e-6):
        raise DarkdumpInputError(
            f"beam.energy_GeV = {energy:g}: the shipped {table.kind} spectra are for "
            f"{float(made_for):g} GeV protons; there are none for this beam yet "
            "(darkdump spectra EXPERIMENT --export DIR generates them with PYTHIA)"
        )


def shipped_for_beam(kind: Kind, energy_GeV: float, nucleus: int | None = None) -> Spectra:
    """Return the shipped table of ``kind`` generated for ``energy_GeV`` protons (cached).

    Tables are ``<kind>.npz`` (the 400 GeV default) and ``<kind>_<E>GeV.npz`` for other
    beams (70 GeV for NuCal), on the dump's nucleons; ``<kind>_pA*.npz`` hold p-nucleus
    collisions (PYTHIA Angantyr), chosen by giving the atomic number ``nucleus`` of the
    target. One-line error naming what is shipped otherwise.
    """
    if kind not in ("mesons", "b"):
        raise DarkdumpInputError(f"spectra kind {kind!r}: allowed are 'mesons' and 'b'")
    base = resources.files("darkdump.data").joinpath("spectra")
    found: dict[str, tuple[float, int | None]] = {}
    for entry in base.iterdir():
        name = entry.name
        if not (name.endswith(".json") and (name == f"{kind}.json" or name.startswith(f"{kind}_"))):
            continue
        meta = json.loads(entry.read_text(encoding="utf-8"))
        target = meta["settings"].get("nucleus")
        found[name.removesuffix(".json")] = (
            float(meta["settings"]["beam_energy_GeV"]),
            None if target is None else int(target[0]),
        )
    for stem, (made_for, z) in sorted(found.items()):
        if z == nucleus and math.isclose(made_for, float(energy_GeV), rel_tol=1e-6):
            if stem not in _DEFAULT_CACHE:
                with (
                    resources.as_file(base.joinpath(f"{stem}.npz")) as npz,
                    resources.as_file(base.joinpath(f"{stem}.json")) as js,
                ):
                    _DEFAULT_CACHE[stem] = load(npz, js)
            return _DEFAULT_CACHE[stem]
    if nucleus is not None:
        shipped = ", ".join(
            f"Z = {z} at {e:g} GeV" for e, z in sorted(set(found.values()), key=str) if z
        )
        raise DarkdumpInputError(
            f"no shipped p-nucleus {kind} spectra for Z = {nucleus} at {energy_GeV:g} GeV "
            f"(shipped: {shipped or 'none'}; darkdump spectra EXPERIMENT --target nucleus "
            "--export DIR generates them with PYTHIA Angantyr)"
        )
    energies = ", ".join(f"{e:g}" for e in sorted({e for e, z in found.values() if z is None}))
    raise DarkdumpInputError(
        f"beam.energy_GeV = {energy_GeV:g}: darkdump ships {kind} spectra for {energies} GeV "
        "protons only (darkdump spectra EXPERIMENT --export DIR generates others with PYTHIA)"
    )


def load_default(kind: Kind) -> Spectra:
    """Return the spectra shipped with darkdump (``"mesons"`` or ``"b"``), cached in memory.

    The JSON beside each table records the ``darkdump spectra`` command line, seed,
    PYTHIA version and number of events that produced it.
    """
    if kind not in ("mesons", "b"):
        raise DarkdumpInputError(f"spectra kind {kind!r}: allowed are 'mesons' and 'b'")
    if kind not in _DEFAULT_CACHE:
        base = resources.files("darkdump.data").joinpath("spectra")
        with (
            resources.as_file(base.joinpath(f"{kind}.npz")) as npz,
            resources.as_file(base.joinpath(f"{kind}.json")) as js,
        ):
            _DEFAULT_CACHE[kind] = load(npz, js)
    return _DEFAULT_CACHE[kind]


# --- on-disk cache of raw PYTHIA runs ---------------------------------------------------


def cache_root() -> Path:
    """Cache directory: ``$DARKDUMP_CACHE`` or ``~/.cache/darkdump``."""
    env = os.environ.get("DARKDUMP_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "darkdump"


def _run_dir(settings: Any, root: Path | None = None) -> Path:
    root = cache_root() if root is None else Path(root)
    return root / "spectra" / f"{settings.kind}-{settings.cache_key()}"


def store_run(run: Any, root: Path | None = None) -> Path:
    """Write a raw PYTHIA run to the cache (atomically: a finished directory or nothing)."""
    final = _run_dir(run.settings, root)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}."))
    try:
        arrays: dict[str, Any] = {}
        for name, rec in run.records.items():
            arrays[f"{name}/momentum_GeV"] = rec.momentum_GeV
            arrays[f"{name}/parent_id"] = rec.parent_id
            arrays[f"{name}/on_neutron"] = rec.on_neutron
        np.savez(tmp / "run.npz", **arrays)
        meta = {
            "settings": run.settings.as_dict(),
            "n_pp": run.n_pp,
            "n_pn": run.n_pn,
            "sigma_gen_mb": run.sigma_gen_mb,
            "species": list(run.records),
        }
        (tmp / "run.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
        if final.exists():  # another process finished the same run first
            shutil.rmtree(tmp)
        else:
            tmp.rename(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def load_cached(settings: Any, root: Path | None = None) -> Any | None:
    """Return the cached raw run for ``settings`` (a ``PythiaRun``), or None if not cached."""
    from darkdump.production.pythia_gen import PythiaRun, SpeciesRecord

    directory = _run_dir(settings, root)
    if not (directory / "run.json").is_file():
        return None
    try:
        meta = json.loads((directory / "run.json").read_text(encoding="utf-8"))
        records = {}
        raw = (directory / "run.npz").read_bytes()
        with np.load(io.BytesIO(raw), allow_pickle=False) as data:
            for name in meta["species"]:
                records[name] = SpeciesRecord(
                    np.asarray(data[f"{name}/momentum_GeV"]),
                    np.asarray(data[f"{name}/parent_id"]),
                    np.asarray(data[f"{name}/on_neutron"]),
                )
        return PythiaRun(settings, records, meta["n_pp"], meta["n_pn"], meta["sigma_gen_mb"])
    except Exception:  # a damaged cache entry (truncated zip, bad JSON): regenerate it
        return None
