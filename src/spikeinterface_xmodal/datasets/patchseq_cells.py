"""Synthetic Patch-seq cells: current-clamp sweeps from a conductance-based neuron model, by interneuron subclass.

Each cell is a single-compartment Hodgkin-Huxley-type model (Pospischil et al. 2008, "Minimal Hodgkin-Huxley
type models for different classes of cortical and thalamic neurons") with a fast sodium and a delayed-rectifier
potassium current (Traub kinetics), plus the currents that give each subclass its firing:

- ``Pvalb``: fast-spiking (sodium / potassium kinetics sped up: narrow spikes, high rates, no adaptation), leaky
  (low input resistance, high rheobase).
- ``Sst``: adapting (slow M-type potassium current), a hyperpolarisation-activated ``Ih`` (sag) and a small T-type
  calcium current (rebound).
- ``Vip``: irregular / bursting (T-type calcium current, large intrinsic current noise), high input resistance.
- ``Lamp5``: late spiking (slowly inactivating D-type potassium current, Golomb et al. 2007, delays the first spike
  by hundreds of ms near rheobase).

Every parameter varies from cell to cell (log-normal, seeded). The sweeps follow the Allen Institute's current-clamp
protocols: long squares (1 s, 20 pA steps from -90 pA), short squares (3 ms) and a ramp. Integration is vectorised
over all sweeps of all cells at once (exponential Euler for the gates, linearly implicit Euler for the voltage).
See ``docs/patchseq_features.md`` for what the model captures and what it does not.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

SUBCLASSES = ("Lamp5", "Pvalb", "Sst", "Vip")
PROTOCOLS = ("long_square", "short_square", "ramp")

#: Sampling rate of the generated sweeps (Hz), that of many Allen Institute recordings.
SAMPLING_RATE = 50_000.0

E_NA, E_K, E_CA, E_H = 50.0, -90.0, 120.0, -43.0  # reversal potentials (mV)

# subclass -> mean parameters. Densities in mS/cm2; capacitance_pf sets the membrane area (1 uF/cm2), hence the
# input resistance with g_leak; kinetics multiplies the Na / K rates (narrower spikes); noise_pa is the s.d. of an
# intrinsic current noise (Ornstein-Uhlenbeck, 5 ms); tau_m_ms is the M current's time constant.
SUBCLASS_PARAMETERS: dict[str, dict[str, float]] = {
    "Pvalb": dict(
        capacitance_pf=40.0, g_leak=0.2, e_leak=-72.0, g_na=60.0, g_k=14.0, v_t=-57.0, kinetics=2.6,
        g_m=0.0, tau_m_ms=200.0, g_t=0.0, g_h=0.0, g_d=0.0, noise_pa=4.0,
    ),
    "Sst": dict(
        capacitance_pf=70.0, g_leak=0.05, e_leak=-68.0, g_na=50.0, g_k=5.0, v_t=-58.0, kinetics=1.3,
        g_m=0.2, tau_m_ms=100.0, g_t=0.15, g_h=0.03, g_d=0.0, noise_pa=4.0,
    ),
    "Vip": dict(
        capacitance_pf=55.0, g_leak=0.055, e_leak=-68.0, g_na=50.0, g_k=5.0, v_t=-55.0, kinetics=1.2,
        g_m=0.15, tau_m_ms=200.0, g_t=0.35, g_h=0.01, g_d=0.0, noise_pa=14.0,
    ),
    "Lamp5": dict(
        capacitance_pf=70.0, g_leak=0.05, e_leak=-72.0, g_na=50.0, g_k=6.0, v_t=-57.0, kinetics=1.1,
        g_m=0.05, tau_m_ms=200.0, g_t=0.0, g_h=0.005, g_d=0.9, noise_pa=3.0,
    ),
}  # fmt: skip

#: Cell-to-cell variation: log-normal s.d. of each parameter (absolute s.d. in mV for the potentials).
PARAMETER_SD = dict(
    capacitance_pf=0.15, g_leak=0.15, g_na=0.1, g_k=0.1, kinetics=0.08, g_m=0.2, tau_m_ms=0.2,
    g_t=0.2, g_h=0.25, g_d=0.15, noise_pa=0.2, e_leak=2.0, v_t=1.5,
)  # fmt: skip
_ABSOLUTE_SD = ("e_leak", "v_t")

#: Protocol timing (s): baseline before the stimulus, stimulus, recording after it.
LONG_SQUARE_TIMING = (0.2, 1.0, 0.25)
SHORT_SQUARE_TIMING = (0.2, 0.003, 0.097)
RAMP_TIMING = (0.2, 1.0, 0.1)
LONG_SQUARE_AMPLITUDES_PA = tuple(range(-90, 0, 20)) + tuple(range(10, 400, 20))
SHORT_SQUARE_AMPLITUDES_PA = (500.0, 800.0, 1100.0, 1400.0)
RAMP_SLOPE_PA_PER_S = 500.0

#: Stimulus descriptions of the Allen Institute stimulus ontology, written into the NWB files.
STIMULUS_CODES = dict(long_square="C1LSCOARSE150112", short_square="C1SSCOARSE150112", ramp="C1RP25PR1S141203")


@dataclass
class SyntheticSweep:
    """One generated current-clamp sweep.

    Parameters
    ----------
    sweep_number : int
    protocol : str
        ``"long_square"``, ``"short_square"`` or ``"ramp"``.
    stimulus_pa : np.ndarray
        Injected current (pA), float32.
    voltage_mv : np.ndarray
        Membrane potential (mV), float32, including 0.05 mV recording noise.
    sampling_rate : float
        Hz.
    """

    sweep_number: int
    protocol: str
    stimulus_pa: np.ndarray
    voltage_mv: np.ndarray
    sampling_rate: float


@dataclass
class SyntheticCell:
    """A generated cell: its subclass, model parameters and sweeps.

    Parameters
    ----------
    cell_id : str
        E.g. ``"Pvalb_003"``; also the intracellular electrode's name in its NWB file.
    subclass : str
        One of ``SUBCLASSES``.
    parameters : dict of str to float
        The cell's model parameters (see ``SUBCLASS_PARAMETERS``).
    sweeps : list of SyntheticSweep
        Long squares, short squares, then the ramp, numbered from 0.
    """

    cell_id: str
    subclass: str
    parameters: dict[str, float]
    sweeps: list[SyntheticSweep] = field(default_factory=list)


_V_GRID = (-140.0, 80.0, 0.01)  # mV: range and step of the rate tables


def _efun(z: np.ndarray) -> np.ndarray:
    """z / (exp(z) - 1), finite at z = 0 (the Traub rate functions' removable singularity)."""
    z = np.where(np.abs(z) < 1e-6, 1e-6, z)
    return z / np.expm1(z)


def _traub_table(x: np.ndarray) -> np.ndarray:
    """Sodium / potassium gates against x = V - V_T: columns m_inf, h_inf, n_inf and their total rates (1/ms)."""
    alpha_m, beta_m = 1.28 * _efun(-(x - 13.0) / 4.0), 1.4 * _efun((x - 40.0) / 5.0)
    alpha_h, beta_h = 0.128 * np.exp(-(x - 17.0) / 18.0), 4.0 / (1.0 + np.exp(-(x - 40.0) / 5.0))
    alpha_n, beta_n = 0.16 * _efun(-(x - 15.0) / 5.0), 0.5 * np.exp(-(x - 10.0) / 40.0)
    totals = [alpha_m + beta_m, alpha_h + beta_h, alpha_n + beta_n]
    return np.stack([alpha_m / totals[0], alpha_h / totals[1], alpha_n / totals[2], *totals], axis=1)


def _slow_table(v: np.ndarray) -> np.ndarray:
    """Steady states against V of the slow gates: M (w), T inactivation (u), h (q), D (a, b); T activation (s)."""
    sigmoid = lambda half, slope: 1.0 / (1.0 + np.exp(-(v - half) / slope))  # noqa: E731
    return np.stack(
        [sigmoid(-35.0, 10.0), sigmoid(-81.0, -4.0), sigmoid(-82.0, -7.0), sigmoid(-50.0, 20.0),
         sigmoid(-70.0, -6.0), sigmoid(-57.0, 6.2)], axis=1,
    )  # fmt: skip


def _cell_parameters(subclass: str, rng: np.random.Generator) -> dict[str, float]:
    """The mean parameters of ``subclass`` with this cell's variation."""
    parameters = {}
    for name, mean in SUBCLASS_PARAMETERS[subclass].items():
        sd = PARAMETER_SD.get(name, 0.0)
        if name in _ABSOLUTE_SD:
            parameters[name] = float(mean + sd * rng.standard_normal())
        else:
            parameters[name] = float(mean * np.exp(sd * rng.standard_normal()))
    return parameters


def protocol_stimuli(sampling_rate: float) -> list[tuple[str, np.ndarray]]:
    """The injected currents of the generator's protocol set, sweep by sweep.

    Parameters
    ----------
    sampling_rate : float
        Hz.

    Returns
    -------
    list of (str, np.ndarray)
        (protocol, current in pA) per sweep in recording order: the long squares (``LONG_SQUARE_AMPLITUDES_PA``),
        the short squares (``SHORT_SQUARE_AMPLITUDES_PA``), then the ramp.
    """
    dt = 1.0 / sampling_rate

    def square(timing: tuple[float, float, float], amplitude: float) -> np.ndarray:
        before, duration, after = (round(t / dt) for t in timing)
        return np.concatenate([np.zeros(before), np.full(duration, amplitude), np.zeros(after)])

    stimuli = [("long_square", square(LONG_SQUARE_TIMING, a)) for a in LONG_SQUARE_AMPLITUDES_PA]
    stimuli += [("short_square", square(SHORT_SQUARE_TIMING, a)) for a in SHORT_SQUARE_AMPLITUDES_PA]
    before, duration, after = (round(t / dt) for t in RAMP_TIMING)
    ramp = np.arange(1, duration + 1) * dt * RAMP_SLOPE_PA_PER_S
    stimuli.append(("ramp", np.concatenate([np.zeros(before), ramp, np.zeros(after)])))
    return stimuli


class _Tables:
    """Rate tables on ``_V_GRID`` and lookups into them (nearest grid point)."""

    def __init__(self) -> None:
        self.low, high, self.step = _V_GRID
        grid = np.arange(self.low, high, self.step)
        self.traub, self.slow = _traub_table(grid), _slow_table(grid)

    def index(self, v: np.ndarray) -> np.ndarray:
        return np.clip(((v - self.low) / self.step).astype(np.intp), 0, len(self.slow) - 1)


_GATE_NAMES = ("m", "h", "n", "w", "u", "q", "a", "b")
# channels: K (n^4), M (w), D (a^3 b), Na (m^3 h), T (s^2 u), h (q); their reversal potentials
_REVERSALS = np.array([E_K, E_K, E_K, E_NA, E_CA, E_H])


def _open_fractions(gates: dict[str, np.ndarray], s: np.ndarray) -> np.ndarray:
    """Open fraction of each channel (columns as ``_REVERSALS``), shape (n_traces, 6)."""
    g = gates
    return np.stack([g["n"] ** 4, g["w"], g["a"] ** 3 * g["b"], g["m"] ** 3 * g["h"], s**2 * g["u"], g["q"]], axis=1)


def _steady_gates(tables: _Tables, v: np.ndarray, v_t: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Every gate at its steady state for membrane potential ``v``; also the T activation ``s``."""
    traub, slow = tables.traub[tables.index(v - v_t)], tables.slow[tables.index(v)]
    gates = dict(zip(_GATE_NAMES, [*traub[..., :3].T, *slow[..., :5].T], strict=True))
    return gates, slow[..., 5]


def _resting_potential(tables: _Tables, p: dict[str, np.ndarray], g_max: np.ndarray) -> np.ndarray:
    """The lowest potential in [-100, -40] mV where the steady-state membrane current changes sign (mV)."""
    grid = np.arange(-100.0, -40.0, 0.05)[:, None] + np.zeros_like(p["e_leak"])
    gates, s = _steady_gates(tables, grid.ravel(), np.repeat(p["v_t"][None], len(grid), 0).ravel())
    open_ = _open_fractions(gates, s).reshape(*grid.shape, -1)
    current = p["g_leak"] * (grid - p["e_leak"]) + np.sum(g_max * open_ * (grid[..., None] - _REVERSALS), axis=-1)
    crossing = np.argmax(current > 0, axis=0)
    return grid[crossing, np.arange(grid.shape[1])]


def simulate(
    parameters: dict[str, np.ndarray],
    current_pa: np.ndarray,
    sampling_rate: float = SAMPLING_RATE,
    seed: int = 0,
) -> np.ndarray:
    """Integrate the model for many traces at once, starting from rest.

    Parameters
    ----------
    parameters : dict of str to np.ndarray
        Each parameter of ``SUBCLASS_PARAMETERS``, one value per trace (shape (n_traces,)).
    current_pa : np.ndarray
        Injected current, shape (n_samples, n_traces), pA.
    sampling_rate : float, default: SAMPLING_RATE
        Hz; the integration step is one sample.
    seed : int, default: 0
        Seed of the intrinsic current noise.

    Returns
    -------
    np.ndarray
        Membrane potential (mV), shape (n_samples, n_traces), float32.
    """
    p = {name: np.asarray(value, dtype="float64") for name, value in parameters.items()}
    n_samples, n_traces = current_pa.shape
    dt = 1000.0 / sampling_rate  # ms
    tables = _Tables()
    g_max = np.stack([p["g_k"], p["g_m"], p["g_d"], p["g_na"], p["g_t"], p["g_h"]], axis=1)
    v = _resting_potential(tables, p, g_max)
    gates, _ = _steady_gates(tables, v, p["v_t"])
    fast = np.stack([gates[name] for name in "mhn"], axis=1)
    slow = np.stack([gates[name] for name in "wuqab"], axis=1)
    taus = np.stack([p["tau_m_ms"], *(np.full(n_traces, tau) for tau in (40.0, 80.0, 2.0, 150.0))], axis=1)
    slow_step = -np.expm1(-dt / taus)
    minus_dt_phi = -dt * p["kinetics"][:, None]
    rng = np.random.default_rng(seed)
    noise_decay = np.exp(-dt / 5.0)
    # the voltage step is linearly implicit: v <- (v + dt * (g_i E_i + I / C)) / (1 + dt * g_i), with the time
    # step folded into the conductances and the forcing (pA -> uA/cm2 with 1 uF/cm2: divide by C in pF)
    dt_over_c = dt / p["capacitance_pf"]
    forcing = current_pa * dt_over_c + dt * p["g_leak"] * p["e_leak"]
    leak_denominator = 1.0 + dt * p["g_leak"]
    dt_g_max = dt * g_max
    noise_scale = p["noise_pa"] * np.sqrt(1 - noise_decay**2) * dt_over_c
    noise = np.zeros(n_traces)
    # table rows: V (or V - V_T) on the grid, as a float index (fractional part dropped)
    to_row, first_row, last_row = 1.0 / tables.step, -tables.low / tables.step, len(tables.slow) - 1.0
    threshold_rows = p["v_t"] * to_row
    row, threshold_row = np.empty(n_traces), np.empty(n_traces)
    open_, conductance = np.empty((n_traces, 6)), np.empty((n_traces, 6))
    out = np.empty((n_samples, n_traces), dtype="float32")
    chunk = 5000
    for start in range(0, n_samples, chunk):
        kicks = rng.standard_normal((min(chunk, n_samples - start), n_traces)) * noise_scale
        for k in range(kicks.shape[0]):
            np.clip(v * to_row + first_row, 0.0, last_row, out=row)
            steady = tables.slow.take(row.astype(np.intp), axis=0)
            np.clip(row - threshold_rows, 0.0, last_row, out=threshold_row)
            traub = tables.traub.take(threshold_row.astype(np.intp), axis=0)
            fast -= (traub[:, :3] - fast) * np.expm1(minus_dt_phi * traub[:, 3:])
            slow += (steady[:, :5] - slow) * slow_step
            m, h, n = fast.T
            w, u, q, a, b = slow.T
            n2 = n * n
            np.multiply(n2, n2, out=open_[:, 0])
            open_[:, 1] = w
            np.multiply(a * a * a, b, out=open_[:, 2])
            np.multiply(m * m * m, h, out=open_[:, 3])
            s = steady[:, 5]
            np.multiply(s * s, u, out=open_[:, 4])
            open_[:, 5] = q
            np.multiply(dt_g_max, open_, out=conductance)
            noise = noise * noise_decay + kicks[k]
            v += conductance @ _REVERSALS + forcing[start + k] + noise
            v /= leak_denominator + conductance.sum(axis=1)
            out[start + k] = v
    return out


def generate_patchseq_cells(
    n_cells_per_subclass: int = 5,
    subclasses: tuple[str, ...] | list[str] = SUBCLASSES,
    seed: int = 0,
    sampling_rate: float = SAMPLING_RATE,
) -> list[SyntheticCell]:
    """Generate cells of each subclass with their long-square, short-square and ramp sweeps.

    All sweeps of all cells are integrated together (one vectorised simulation), so the cost depends little on
    the number of cells up to a few dozen.

    Parameters
    ----------
    n_cells_per_subclass : int, default: 5
        Cells generated for each subclass.
    subclasses : sequence of str, default: SUBCLASSES
        Any of ``"Lamp5"``, ``"Pvalb"``, ``"Sst"``, ``"Vip"``.
    seed : int, default: 0
        Seed of the cells' parameters and of the noise.
    sampling_rate : float, default: SAMPLING_RATE
        Hz; also the integration step. At least 20 kHz (spikes last a few tenths of a ms).

    Returns
    -------
    list of SyntheticCell
        Grouped by subclass, in the order of ``subclasses``.

    Examples
    --------
    >>> cells = generate_patchseq_cells(n_cells_per_subclass=2, seed=1)
    >>> cells[0].subclass, len(cells[0].sweeps)
    ('Lamp5', 30)
    """
    unknown = sorted(set(subclasses) - set(SUBCLASSES))
    if unknown:
        raise ValueError(f"Unknown subclasses {unknown}; the generator models {list(SUBCLASSES)}")
    if n_cells_per_subclass < 1:
        raise ValueError(f"n_cells_per_subclass must be at least 1, got {n_cells_per_subclass}")
    if sampling_rate < 20_000:
        raise ValueError(f"sampling_rate must be at least 20 kHz to resolve spikes, got {sampling_rate:g} Hz")
    rng = np.random.default_rng(seed)
    cells = [
        SyntheticCell(cell_id=f"{subclass}_{i:03d}", subclass=subclass, parameters=_cell_parameters(subclass, rng))
        for subclass in subclasses
        for i in range(n_cells_per_subclass)
    ]
    stimuli = protocol_stimuli(sampling_rate)
    n_samples = max(len(current) for _, current in stimuli)
    current = np.zeros((n_samples, len(cells) * len(stimuli)))
    for j, (_, stimulus) in enumerate(stimuli * len(cells)):
        current[: len(stimulus), j] = stimulus
    parameters = {
        name: np.repeat([cell.parameters[name] for cell in cells], len(stimuli)) for name in cells[0].parameters
    }
    voltage = simulate(parameters, current, sampling_rate, seed=int(rng.integers(2**31)))
    voltage += rng.normal(0.0, 0.05, size=voltage.shape).astype("float32")  # recording noise
    for c, cell in enumerate(cells):
        for s, (protocol, stimulus) in enumerate(stimuli):
            column = c * len(stimuli) + s
            cell.sweeps.append(
                SyntheticSweep(
                    sweep_number=s,
                    protocol=protocol,
                    stimulus_pa=stimulus.astype("float32"),
                    voltage_mv=voltage[: len(stimulus), column].copy(),
                    sampling_rate=sampling_rate,
                )
            )
    return cells
