"""Statistical process control: Shewhart charts, Nelson rules and process capability.

Plain Python + numpy, no ORM and no global mutable state: every function takes arrays (or
lists) and returns small immutable result objects, so it can be called from a model method,
a report or a background job alike. All bad input raises ``ValueError`` with a message that
names the offending argument.

Charts
------
``xbar_r`` (n = 2..10), ``xbar_s`` (n = 2..25), ``imr`` (individuals, moving range of span 2),
``p_chart``, ``np_chart``, ``c_chart``, ``u_chart``. Each returns a :class:`ControlChart` with
the main series and, for variables charts, the dispersion series (R, S or MR); every series
carries its plotted points, centre line, LCL, UCL and the one-sigma width of its zones.

Phase I / phase II
------------------
Phase I computes the limits from the data. For phase II pass the frozen phase-I parameters:
``xbar_r(new_subgroups, **baseline_from(phase1_chart))``. ``baseline_from`` returns
``{"centre": ..., "sigma": ...}`` for variables charts (centre line and within-subgroup
sigma) and ``{"centre": ...}`` for attributes charts (the main chart's centre line: p-bar,
n*p-bar, c-bar or u-bar). The same keywords take a standard (known) mean, sigma or
fraction. A variables chart given ``sigma`` rebuilds its spread statistic from it
(R-bar = d2*sigma, S-bar = c4*sigma, MR-bar = 1.128*sigma) and applies the same table
factors, so phase-II limits reproduce the phase-I ones (to rounding in the last bit).

Constants
---------
Factors for subgroup size n = 2..25 are the published values of Montgomery, *Introduction to
Statistical Quality Control*, Appendix VI (the classic table that ASTM E2587 also uses; the
standard's own text was not consulted), kept at their published precision (3 decimals, c4 4
decimals) so limits match textbook worked examples. The tests check every entry against
the factors' definitions. The published table carries a few rounding quirks that we keep
on purpose (e.g. D4 = 2.574 for n = 3 where the exact value is 2.5746). For
individuals, sigma = MR-bar / 1.128 and the I chart limits are x-bar +- 3*sigma, i.e.
E2 = 3/1.128 = 2.6596 (printed as 2.66); NIST e-Handbook 6.3.2.2 computes its example the
same way.

Nelson rules
------------
``nelson(points, centre, sigma)`` implements the eight tests of L. S. Nelson, "The Shewhart
Control Chart - Tests for Special Causes", J. Quality Technology 16(4), 1984. Conventions:

* Zones are measured from the centre line in units of the plotted statistic's sigma;
  "beyond k sigma" is strict (``x - centre > k*sigma``), "within 1 sigma" is the complement
  (``|x - centre| <= sigma``). A point exactly on the centre line is on neither side and
  breaks a rule-2 run.
* The flagged index is the point that completes a violation: the last point of a run
  (rules 2, 3, 4, 7, 8). Every further point that extends the run completes another
  violation and is flagged too (a 10-point run flags its 9th and 10th points under rule 2).
  For rules 5 and 6 the flagged point is itself beyond the zone and completes "2 of 3" /
  "4 of 5" on its side; windows are allowed to be short at the start of the series (two of
  the first two points beyond 2 sigma already violate rule 5).
* Rules 3 and 4 look at successive differences; an equal consecutive pair (a tie) is neither
  up nor down and breaks the run.
* Rule 2's run length is 9 (Nelson); pass ``run_length=8`` for the Western Electric / AIAG
  variant. Rule 8 counts points beyond 1 sigma on either side; it does not require both
  sides to be present.
* ``members=True`` also returns every point of the offending runs/windows (for rules 5
  and 6 only the points beyond the zone on the violating side).

Capability
----------
``capability(values, lsl, usl, sigma_within)`` gives Cp, Cpk (Cpu, Cpl), Pp, Ppk (Ppu, Ppl);
indices that need a missing limit are ``None``; a one-sided Cpk is Cpu or Cpl. Within
sigma defaults to MR-bar/1.128 of the values (individuals); for subgrouped data pass
``chart.sigma_within``. Overall sigma is the sample standard deviation (ddof = 1).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import NamedTuple

import numpy as np

__all__ = [
    "ALL_RULES",
    "CONSTANTS",
    "D2_INDIVIDUALS",
    "E2",
    "Capability",
    "ChartConstants",
    "ChartSeries",
    "ControlChart",
    "Histogram",
    "baseline_from",
    "c_chart",
    "capability",
    "constants",
    "histogram",
    "imr",
    "nelson",
    "np_chart",
    "p_chart",
    "sigma_within_from_mr",
    "sigma_within_from_r",
    "sigma_within_from_s",
    "u_chart",
    "xbar_r",
    "xbar_s",
]


class ChartConstants(NamedTuple):
    """Control chart factors for one subgroup size n."""

    A2: float
    A3: float
    B3: float
    B4: float
    D3: float
    D4: float
    d2: float
    d3: float
    c4: float


# Montgomery, Introduction to Statistical Quality Control, Appendix VI (= ASTM E2587 tables).
# n: A2, A3, B3, B4, D3, D4, d2, d3, c4
_TABLE = {
    2: (1.880, 2.659, 0.0, 3.267, 0.0, 3.267, 1.128, 0.853, 0.7979),
    3: (1.023, 1.954, 0.0, 2.568, 0.0, 2.574, 1.693, 0.888, 0.8862),
    4: (0.729, 1.628, 0.0, 2.266, 0.0, 2.282, 2.059, 0.880, 0.9213),
    5: (0.577, 1.427, 0.0, 2.089, 0.0, 2.114, 2.326, 0.864, 0.9400),
    6: (0.483, 1.287, 0.030, 1.970, 0.0, 2.004, 2.534, 0.848, 0.9515),
    7: (0.419, 1.182, 0.118, 1.882, 0.076, 1.924, 2.704, 0.833, 0.9594),
    8: (0.373, 1.099, 0.185, 1.815, 0.136, 1.864, 2.847, 0.820, 0.9650),
    9: (0.337, 1.032, 0.239, 1.761, 0.184, 1.816, 2.970, 0.808, 0.9693),
    10: (0.308, 0.975, 0.284, 1.716, 0.223, 1.777, 3.078, 0.797, 0.9727),
    11: (0.285, 0.927, 0.321, 1.679, 0.256, 1.744, 3.173, 0.787, 0.9754),
    12: (0.266, 0.886, 0.354, 1.646, 0.283, 1.717, 3.258, 0.778, 0.9776),
    13: (0.249, 0.850, 0.382, 1.618, 0.307, 1.693, 3.336, 0.770, 0.9794),
    14: (0.235, 0.817, 0.406, 1.594, 0.328, 1.672, 3.407, 0.763, 0.9810),
    15: (0.223, 0.789, 0.428, 1.572, 0.347, 1.653, 3.472, 0.756, 0.9823),
    16: (0.212, 0.763, 0.448, 1.552, 0.363, 1.637, 3.532, 0.750, 0.9835),
    17: (0.203, 0.739, 0.466, 1.534, 0.378, 1.622, 3.588, 0.744, 0.9845),
    18: (0.194, 0.718, 0.482, 1.518, 0.391, 1.608, 3.640, 0.739, 0.9854),
    19: (0.187, 0.698, 0.497, 1.503, 0.403, 1.597, 3.689, 0.734, 0.9862),
    20: (0.180, 0.680, 0.510, 1.490, 0.415, 1.585, 3.735, 0.729, 0.9869),
    21: (0.173, 0.663, 0.523, 1.477, 0.425, 1.575, 3.778, 0.724, 0.9876),
    22: (0.167, 0.647, 0.534, 1.466, 0.434, 1.566, 3.819, 0.720, 0.9882),
    23: (0.162, 0.633, 0.545, 1.455, 0.443, 1.557, 3.858, 0.716, 0.9887),
    24: (0.157, 0.619, 0.555, 1.445, 0.451, 1.548, 3.895, 0.712, 0.9892),
    25: (0.153, 0.606, 0.565, 1.435, 0.459, 1.541, 3.931, 0.708, 0.9896),
}

#: Read-only table of :class:`ChartConstants` keyed by subgroup size 2..25.
CONSTANTS: Mapping[int, ChartConstants] = MappingProxyType(
    {n: ChartConstants(*row) for n, row in _TABLE.items()}
)

#: d2 for a moving range of span 2 (individuals charts).
D2_INDIVIDUALS = 1.128
#: Individuals chart factor: limits are x-bar +- E2 * MR-bar (3/1.128 = 2.6596, "2.66").
E2 = 3.0 / D2_INDIVIDUALS

ALL_RULES = (1, 2, 3, 4, 5, 6, 7, 8)

XBAR_R_MAX_N = 10  # beyond 10 the range wastes information; use xbar_s
MAX_N = 25


def constants(n: int) -> ChartConstants:
    """Return the chart factors for subgroup size ``n`` (2..25)."""
    n = _as_int(n, "n")
    if n not in CONSTANTS:
        raise ValueError(f"subgroup size n must be between 2 and {MAX_N}, got {n}")
    return CONSTANTS[n]


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, eq=False)
class ChartSeries:
    """One plotted series of a chart.

    ``lcl``/``ucl``/``sigma`` are floats, or arrays aligned with ``points`` when the limits
    vary per point (p and u charts with unequal sizes). ``sigma`` is the one-sigma width of
    the zones used by the Nelson rules. ``offset`` is the index of the first point in the
    series of observations (1 for a moving-range series, whose first range ends at
    observation 1).
    """

    name: str
    points: np.ndarray
    centre: float
    lcl: float | np.ndarray
    ucl: float | np.ndarray
    sigma: float | np.ndarray
    offset: int = 0

    def nelson(
        self, rules: Iterable[int] = ALL_RULES, run_length: int = 9, *, members: bool = False
    ) -> dict:
        """Apply :func:`nelson` to this series with its own centre line and sigma."""
        return nelson(self.points, self.centre, self.sigma, rules, run_length, members=members)

    def beyond_limits(self) -> np.ndarray:
        """Indices of points strictly outside the (possibly floored) control limits."""
        return np.flatnonzero((self.points > self.ucl) | (self.points < self.lcl))

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "points": self.points.tolist(),
            "centre": self.centre,
            "lcl": _plain(self.lcl),
            "ucl": _plain(self.ucl),
            "sigma": _plain(self.sigma),
            "offset": self.offset,
        }


@dataclass(frozen=True, eq=False)
class ControlChart:
    """A control chart: main series, optional dispersion series and its parameters.

    ``subgroup_size`` is an int (or an array for p/u charts with unequal sizes);
    ``sigma_within`` is the within-subgroup process sigma of a variables chart (None for
    attributes charts).
    """

    kind: str
    main: ChartSeries
    dispersion: ChartSeries | None
    subgroup_size: int | np.ndarray
    sigma_within: float | None

    def nelson(
        self, rules: Iterable[int] = ALL_RULES, run_length: int = 9, *, members: bool = False
    ) -> dict:
        """Nelson rules on the main series (the dispersion series is left to the caller)."""
        return self.main.nelson(rules, run_length, members=members)

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "subgroup_size": _plain(self.subgroup_size),
            "sigma_within": self.sigma_within,
            "main": self.main.to_dict(),
            "dispersion": None if self.dispersion is None else self.dispersion.to_dict(),
        }


@dataclass(frozen=True)
class Capability:
    """Process capability figures; indices that need a missing limit are None."""

    n: int
    mean: float
    sigma_within: float
    sigma_overall: float
    lsl: float | None
    usl: float | None
    cp: float | None
    cpk: float | None
    cpu: float | None
    cpl: float | None
    pp: float | None
    ppk: float | None
    ppu: float | None
    ppl: float | None

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True, eq=False)
class Histogram:
    """Bin edges (len = bins + 1) and counts, spanning the data and the spec limits."""

    edges: np.ndarray
    counts: np.ndarray
    lsl: float | None
    usl: float | None

    def to_dict(self) -> dict:
        return {
            "edges": self.edges.tolist(),
            "counts": self.counts.tolist(),
            "lsl": self.lsl,
            "usl": self.usl,
        }


# --------------------------------------------------------------------------- validation


def _plain(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _as_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    return int(value)


def _as_float(value, name: str, *, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if positive and value <= 0.0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return value


def _opt_float(value, name: str, *, positive: bool = False) -> float | None:
    return None if value is None else _as_float(value, name, positive=positive)


def _to_array(data, name: str) -> np.ndarray:
    if data is None or isinstance(data, (str, bytes)):
        raise ValueError(f"{name} must be a sequence of numbers, got {data!r}")
    try:
        arr = np.asarray(data)
    except ValueError as exc:  # ragged nested lists
        raise ValueError(f"{name} has an irregular shape: {exc}") from None
    if arr.dtype == bool or not (
        np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)
    ):
        raise ValueError(f"{name} must contain real numbers, got dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False)
    if not np.isfinite(arr).all():
        bad = int(np.flatnonzero(~np.isfinite(arr.ravel()))[0])
        raise ValueError(f"{name} contains a non-finite value (NaN or inf) at flat index {bad}")
    return arr


def _as_1d(data, name: str, *, min_len: int = 1) -> np.ndarray:
    arr = _to_array(data, name)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if arr.size < min_len:
        raise ValueError(f"{name} needs at least {min_len} values, got {arr.size}")
    return arr


def _as_subgroups(subgroups, min_n: int, max_n: int, min_k: int) -> np.ndarray:
    if not isinstance(subgroups, np.ndarray):
        if subgroups is None or isinstance(subgroups, (str, bytes)):
            raise ValueError("subgroups must be a 2-D array or a list of equal-length lists")
        rows = list(subgroups)
        try:
            sizes = [len(row) for row in rows]
        except TypeError:
            raise ValueError(
                "subgroups must be a 2-D array or a list of equal-length lists"
            ) from None
        for i, size in enumerate(sizes):
            if size != sizes[0]:
                raise ValueError(
                    f"subgroups must all have the same size: subgroup 0 has {sizes[0]} "
                    f"values, subgroup {i} has {size}"
                )
        subgroups = rows
    arr = _to_array(subgroups, "subgroups")
    if arr.ndim != 2:
        raise ValueError(f"subgroups must be 2-D (k subgroups x n values), got shape {arr.shape}")
    k, n = arr.shape
    if not min_n <= n <= max_n:
        raise ValueError(f"subgroup size n must be between {min_n} and {max_n}, got {n}")
    if k < min_k:
        raise ValueError(f"need at least {min_k} subgroups, got {k}")
    return arr


def _as_counts(data, name: str, min_len: int) -> np.ndarray:
    arr = _as_1d(data, name, min_len=min_len)
    if (arr < 0).any():
        raise ValueError(f"{name} must be >= 0")
    if (arr != np.floor(arr)).any():
        raise ValueError(f"{name} must be whole numbers (counts)")
    return arr


def _as_sizes(sizes, k: int, name: str, *, whole: bool) -> np.ndarray:
    if np.ndim(sizes) == 0:
        arr = np.full(k, _as_float(sizes, name), dtype=np.float64)
    else:
        arr = _as_1d(sizes, name)
    if arr.size != k:
        raise ValueError(
            f"{name} must be a scalar or have one entry per point ({k}), got {arr.size}"
        )
    if (arr <= 0).any():
        raise ValueError(f"{name} must be > 0")
    if whole and (arr != np.floor(arr)).any():
        raise ValueError(f"{name} must be whole numbers")
    return arr


def _min_k(centre, sigma) -> int:
    # Estimating limits needs at least two subgroups; fully given limits can judge one.
    return 1 if centre is not None and sigma is not None else 2


def _collapse(values: np.ndarray):
    """Per-point values that happen to be constant are reported as one scalar."""
    return values[0].item() if (values == values[0]).all() else values


# --------------------------------------------------------------------------- sigma helpers


def sigma_within_from_r(rbar: float, n: int) -> float:
    """Within-subgroup sigma from the average range: R-bar / d2(n)."""
    return _as_float(rbar, "rbar") / constants(n).d2


def sigma_within_from_s(sbar: float, n: int) -> float:
    """Within-subgroup sigma from the average standard deviation: S-bar / c4(n)."""
    return _as_float(sbar, "sbar") / constants(n).c4


def sigma_within_from_mr(mrbar: float) -> float:
    """Within sigma from the average moving range of span 2: MR-bar / 1.128."""
    return _as_float(mrbar, "mrbar") / D2_INDIVIDUALS


# --------------------------------------------------------------------------- variables charts


def xbar_r(subgroups, *, centre: float | None = None, sigma: float | None = None) -> ControlChart:
    """X-bar and R chart for k subgroups of n = 2..10 (k x n array or equal-length lists).

    ``centre`` fixes the X-bar centre line; ``sigma`` fixes the within-subgroup sigma
    (R-bar = d2*sigma). Without them both are estimated from ``subgroups``.
    """
    arr = _as_subgroups(subgroups, 2, XBAR_R_MAX_N, _min_k(centre, sigma))
    n = arr.shape[1]
    f = CONSTANTS[n]
    means = arr.mean(axis=1)
    ranges = arr.max(axis=1) - arr.min(axis=1)
    cl = float(means.mean()) if centre is None else _as_float(centre, "centre")
    rbar = (
        float(ranges.mean()) if sigma is None else f.d2 * _as_float(sigma, "sigma", positive=True)
    )
    half = f.A2 * rbar
    main = ChartSeries("xbar", means, cl, cl - half, cl + half, half / 3.0)
    disp = ChartSeries("R", ranges, rbar, f.D3 * rbar, f.D4 * rbar, (f.D4 - 1.0) * rbar / 3.0)
    return ControlChart("xbar_r", main, disp, n, rbar / f.d2)


def xbar_s(subgroups, *, centre: float | None = None, sigma: float | None = None) -> ControlChart:
    """X-bar and S chart for k subgroups of n = 2..25 (meant for n > 10).

    ``centre`` fixes the X-bar centre line; ``sigma`` fixes the within-subgroup sigma
    (S-bar = c4*sigma). Subgroup S uses ddof = 1.
    """
    arr = _as_subgroups(subgroups, 2, MAX_N, _min_k(centre, sigma))
    n = arr.shape[1]
    f = CONSTANTS[n]
    means = arr.mean(axis=1)
    sds = arr.std(axis=1, ddof=1)
    cl = float(means.mean()) if centre is None else _as_float(centre, "centre")
    sbar = float(sds.mean()) if sigma is None else f.c4 * _as_float(sigma, "sigma", positive=True)
    half = f.A3 * sbar
    main = ChartSeries("xbar", means, cl, cl - half, cl + half, half / 3.0)
    disp = ChartSeries("S", sds, sbar, f.B3 * sbar, f.B4 * sbar, (f.B4 - 1.0) * sbar / 3.0)
    return ControlChart("xbar_s", main, disp, n, sbar / f.c4)


def imr(values, *, centre: float | None = None, sigma: float | None = None) -> ControlChart:
    """Individuals and moving-range chart (n = 1, moving range of span 2).

    sigma_within = MR-bar / 1.128; I limits = centre +- 3*sigma_within; MR chart
    UCL = D4(2) * MR-bar = 3.267 * MR-bar, LCL = 0. The MR series has ``offset`` 1.
    """
    x = _as_1d(values, "values", min_len=2)
    mr = np.abs(np.diff(x))
    cl = float(x.mean()) if centre is None else _as_float(centre, "centre")
    if sigma is None:
        mrbar = float(mr.mean())
        sw = mrbar / D2_INDIVIDUALS
    else:
        sw = _as_float(sigma, "sigma", positive=True)
        mrbar = D2_INDIVIDUALS * sw
    f = CONSTANTS[2]
    main = ChartSeries("I", x, cl, cl - 3.0 * sw, cl + 3.0 * sw, sw)
    disp = ChartSeries(
        "MR", mr, mrbar, f.D3 * mrbar, f.D4 * mrbar, (f.D4 - 1.0) * mrbar / 3.0, offset=1
    )
    return ControlChart("imr", main, disp, 1, sw)


# --------------------------------------------------------------------------- attributes charts


def _fraction(centre, name: str) -> float:
    p = _as_float(centre, name)
    if not 0.0 < p < 1.0:
        raise ValueError(f"{name} must be strictly between 0 and 1, got {p}")
    return p


def p_chart(defectives, sizes, *, centre: float | None = None) -> ControlChart:
    """Fraction-nonconforming chart. ``sizes`` is one n for all or one per point.

    p-bar = sum(D) / sum(n); limits p-bar +- 3*sqrt(p-bar(1-p-bar)/n_i), LCL floored at 0 and
    UCL capped at 1. Unequal sizes give per-point limit arrays. ``centre`` is a standard
    (or frozen) p-bar.
    """
    d = _as_counts(defectives, "defectives", 1 if centre is not None else 2)
    n = _as_sizes(sizes, d.size, "sizes", whole=True)
    if (d > n).any():
        raise ValueError("defectives cannot exceed the sample size")
    if centre is None:
        pbar = float(d.sum() / n.sum())
        if not 0.0 < pbar < 1.0:
            raise ValueError(
                f"p-bar is {pbar:g}: limits are degenerate when no (or every) unit is "
                "defective; collect more data or use a standard p"
            )
    else:
        pbar = _fraction(centre, "centre")
    s = np.sqrt(pbar * (1.0 - pbar) / n)
    main = ChartSeries(
        "p",
        d / n,
        pbar,
        _collapse(np.maximum(pbar - 3.0 * s, 0.0)),
        _collapse(np.minimum(pbar + 3.0 * s, 1.0)),
        _collapse(s),
    )
    return ControlChart("p", main, None, _collapse(n.astype(np.int64)), None)


def np_chart(defectives, n: int, *, centre: float | None = None) -> ControlChart:
    """Number-nonconforming chart for a constant sample size ``n``.

    Centre n*p-bar, limits n*p-bar +- 3*sqrt(n*p-bar*(1-p-bar)), LCL floored at 0, UCL capped
    at n. ``centre`` is a standard (or frozen) n*p-bar centre line.
    """
    size = _as_int(n, "n")
    if size < 1:
        raise ValueError(f"n must be >= 1, got {size}")
    d = _as_counts(defectives, "defectives", 1 if centre is not None else 2)
    if (d > size).any():
        raise ValueError("defectives cannot exceed the sample size n")
    if centre is None:
        pbar = float(d.sum() / (d.size * size))
        if not 0.0 < pbar < 1.0:
            raise ValueError(
                f"p-bar is {pbar:g}: limits are degenerate when no (or every) unit is "
                "defective; collect more data or use a standard centre"
            )
    else:
        pbar = _fraction(_as_float(centre, "centre") / size, "centre / n")
    cl = size * pbar
    s = math.sqrt(cl * (1.0 - pbar))
    main = ChartSeries("np", d, cl, max(cl - 3.0 * s, 0.0), min(cl + 3.0 * s, float(size)), s)
    return ControlChart("np", main, None, size, None)


def _positive_rate(centre, name: str) -> float:
    return _as_float(centre, name, positive=True)


def c_chart(counts, *, centre: float | None = None) -> ControlChart:
    """Nonconformities per inspection unit of constant size: c-bar +- 3*sqrt(c-bar), LCL >= 0."""
    c = _as_counts(counts, "counts", 1 if centre is not None else 2)
    if centre is None:
        cbar = float(c.mean())
        if cbar == 0.0:
            raise ValueError("c-bar is 0: limits are degenerate; collect more data")
    else:
        cbar = _positive_rate(centre, "centre")
    s = math.sqrt(cbar)
    main = ChartSeries("c", c, cbar, max(cbar - 3.0 * s, 0.0), cbar + 3.0 * s, s)
    return ControlChart("c", main, None, 1, None)


def u_chart(counts, sizes, *, centre: float | None = None) -> ControlChart:
    """Nonconformities per unit; ``sizes`` (inspection units, may be fractional) per point.

    u-bar = sum(c) / sum(n); limits u-bar +- 3*sqrt(u-bar/n_i), LCL floored at 0; unequal
    sizes give per-point limit arrays.
    """
    c = _as_counts(counts, "counts", 1 if centre is not None else 2)
    n = _as_sizes(sizes, c.size, "sizes", whole=False)
    if centre is None:
        ubar = float(c.sum() / n.sum())
        if ubar == 0.0:
            raise ValueError("u-bar is 0: limits are degenerate; collect more data")
    else:
        ubar = _positive_rate(centre, "centre")
    s = np.sqrt(ubar / n)
    main = ChartSeries(
        "u",
        c / n,
        ubar,
        _collapse(np.maximum(ubar - 3.0 * s, 0.0)),
        _collapse(ubar + 3.0 * s),
        _collapse(s),
    )
    return ControlChart("u", main, None, _collapse(n), None)


def baseline_from(chart: ControlChart) -> dict:
    """Frozen phase-I parameters to pass to the same chart function for phase II.

    ``xbar_r(phase2, **baseline_from(xbar_r(phase1)))``. Variables charts give
    ``centre`` and ``sigma`` (within); attributes charts give ``centre`` (the main chart's
    centre line).
    """
    if not isinstance(chart, ControlChart):
        raise ValueError(f"baseline_from needs a ControlChart, got {type(chart).__name__}")
    if chart.sigma_within is None:
        return {"centre": chart.main.centre}
    return {"centre": chart.main.centre, "sigma": chart.sigma_within}


# --------------------------------------------------------------------------- Nelson rules


def _run_lengths(flags: np.ndarray) -> np.ndarray:
    """Length of the run of True values ending at each index (0 where False)."""
    idx = np.arange(flags.size)
    last_false = np.maximum.accumulate(np.where(flags, -1, idx))
    return idx - last_false


def _window_counts(flags: np.ndarray, width: int) -> np.ndarray:
    """Number of True values in the window of ``width`` ending at each index (short at start)."""
    cs = np.cumsum(flags, dtype=np.int64)
    out = cs.copy()
    out[width:] -= cs[:-width]
    return out


def _cover(flagged: np.ndarray, width: int, size: int) -> np.ndarray:
    """Boolean mask of every index inside a window of ``width`` ending at a flagged index."""
    ends = np.flatnonzero(flagged)
    starts = np.maximum(ends - (width - 1), 0)
    delta = np.bincount(starts, minlength=size + 1)[: size + 1]
    delta -= np.bincount(ends + 1, minlength=size + 1)[: size + 1]
    return np.cumsum(delta[:size]) > 0


def _broadcast(value, name: str, size: int, *, positive: bool) -> float | np.ndarray:
    if np.ndim(value) == 0:
        return _as_float(value, name, positive=positive)
    arr = _as_1d(value, name)
    if arr.size != size:
        raise ValueError(
            f"{name} must be a scalar or match points in length ({size}), got {arr.size}"
        )
    if positive and (arr <= 0).any():
        raise ValueError(f"{name} must be > 0")
    return arr


def _check_rules(rules) -> tuple[int, ...]:
    if isinstance(rules, (str, bytes)) or not isinstance(rules, Iterable):
        raise ValueError(f"rules must be an iterable of rule numbers 1..8, got {rules!r}")
    out = []
    for rule in rules:
        rule = _as_int(rule, "rule")
        if rule not in ALL_RULES:
            raise ValueError(f"Nelson rules are numbered 1..8, got {rule}")
        if rule not in out:
            out.append(rule)
    return tuple(sorted(out))


def nelson(
    points,
    centre,
    sigma,
    rules: Iterable[int] = ALL_RULES,
    run_length: int = 9,
    *,
    members: bool = False,
) -> dict:
    """Nelson's eight tests for special causes, vectorised.

    ``centre`` and ``sigma`` (one-sigma width of the zones, > 0) are scalars or arrays
    aligned with ``points``. Returns ``{rule: indices}`` for each rule that fires, where
    ``indices`` (sorted ``np.intp`` array) are the points completing a violation (see the
    module docstring for the conventions). With ``members=True`` each value is a pair
    ``(indices, member_indices)``. Rules that do not fire are absent.

    1: one point beyond 3 sigma. 2: ``run_length`` (9) in a row on one side of the centre.
    3: 6 in a row steadily increasing or decreasing. 4: 14 in a row alternating up and down.
    5: 2 of 3 beyond 2 sigma, same side. 6: 4 of 5 beyond 1 sigma, same side.
    7: 15 in a row within 1 sigma (either side). 8: 8 in a row beyond 1 sigma (either side).
    """
    x = _as_1d(points, "points")
    size = x.size
    c = _broadcast(centre, "centre", size, positive=False)
    s = _broadcast(sigma, "sigma", size, positive=True)
    wanted = _check_rules(rules)
    run_length = _as_int(run_length, "run_length")
    if run_length < 2:
        raise ValueError(f"run_length must be >= 2, got {run_length}")

    d = x - c
    zone = {}

    def beyond(k: int) -> tuple[np.ndarray, np.ndarray]:
        # Cached: rules 6, 7 and 8 share the 1-sigma masks.
        if k not in zone:
            t = k * s
            zone[k] = (d > t, d < -t)
        return zone[k]

    # Successive differences, shared by rules 3 and 4; ties compare neither way.
    up = x[1:] > x[:-1] if 3 in wanted or 4 in wanted else None
    down = x[1:] < x[:-1] if 3 in wanted or 4 in wanted else None

    hits: dict = {}
    for rule in wanted:
        if rule == 1:
            hi, lo = beyond(3)
            flag = hi | lo
            cover = flag
        elif rule == 2:
            above, below = d > 0, d < 0
            flag = (_run_lengths(above) >= run_length) | (_run_lengths(below) >= run_length)
            cover = None if not members else _cover(flag, run_length, size)
        elif rule == 3:
            flag = np.zeros(size, dtype=bool)
            flag[1:] = (_run_lengths(up) >= 5) | (_run_lengths(down) >= 5)
            cover = None if not members else _cover(flag, 6, size)
        elif rule == 4:
            # A pair of successive differences alternates when one is up and the other down.
            alt = (up[1:] & down[:-1]) | (down[1:] & up[:-1])
            flag = np.zeros(size, dtype=bool)
            flag[2:] = _run_lengths(alt) >= 12
            cover = None if not members else _cover(flag, 14, size)
        elif rule in (5, 6):
            k, width, need = (2, 3, 2) if rule == 5 else (1, 5, 4)
            hi, lo = beyond(k)
            flag_hi = hi & (_window_counts(hi, width) >= need)
            flag_lo = lo & (_window_counts(lo, width) >= need)
            flag = flag_hi | flag_lo
            cover = None
            if members:
                cover = (_cover(flag_hi, width, size) & hi) | (_cover(flag_lo, width, size) & lo)
        elif rule == 7:
            hi, lo = beyond(1)
            flag = _run_lengths(~(hi | lo)) >= 15
            cover = None if not members else _cover(flag, 15, size)
        else:
            hi, lo = beyond(1)
            flag = _run_lengths(hi | lo) >= 8
            cover = None if not members else _cover(flag, 8, size)
        idx = np.flatnonzero(flag)
        if idx.size:
            hits[rule] = (idx, np.flatnonzero(cover)) if members else idx
    return hits


# --------------------------------------------------------------------------- capability


def capability(
    values,
    lsl: float | None = None,
    usl: float | None = None,
    sigma_within: float | None = None,
) -> Capability:
    """Cp, Cpk, Pp, Ppk of individual measurements against specification limits.

    Cp = (USL-LSL)/(6 sigma_within), Cpu = (USL-mean)/(3 sigma_within),
    Cpl = (mean-LSL)/(3 sigma_within), Cpk = min of those present; Pp/Ppk likewise with the
    overall sample standard deviation (ddof = 1). ``sigma_within`` defaults to
    MR-bar/1.128 of ``values`` in the given order.
    """
    x = _as_1d(values, "values", min_len=2)
    lo = _opt_float(lsl, "lsl")
    hi = _opt_float(usl, "usl")
    if lo is not None and hi is not None and lo >= hi:
        raise ValueError(f"lsl ({lo}) must be below usl ({hi})")
    mean = float(x.mean())
    sigma_overall = float(x.std(ddof=1))
    if sigma_within is None:
        sw = float(np.abs(np.diff(x)).mean()) / D2_INDIVIDUALS
    else:
        sw = _as_float(sigma_within, "sigma_within", positive=True)
    if sw == 0.0 or sigma_overall == 0.0:
        raise ValueError("values have no spread (sigma is 0): capability is undefined")
    cp, cpk, cpu, cpl = _indices(mean, sw, lo, hi)
    pp, ppk, ppu, ppl = _indices(mean, sigma_overall, lo, hi)
    return Capability(
        n=int(x.size),
        mean=mean,
        sigma_within=sw,
        sigma_overall=sigma_overall,
        lsl=lo,
        usl=hi,
        cp=cp,
        cpk=cpk,
        cpu=cpu,
        cpl=cpl,
        pp=pp,
        ppk=ppk,
        ppu=ppu,
        ppl=ppl,
    )


def _indices(mean: float, sigma: float, lsl: float | None, usl: float | None):
    upper = None if usl is None else (usl - mean) / (3.0 * sigma)
    lower = None if lsl is None else (mean - lsl) / (3.0 * sigma)
    both = None if usl is None or lsl is None else (usl - lsl) / (6.0 * sigma)
    present = [v for v in (upper, lower) if v is not None]
    k = min(present) if present else None
    return both, k, upper, lower


def histogram(values, bins=20, lsl: float | None = None, usl: float | None = None) -> Histogram:
    """Histogram whose range spans both the data and the given specification limits.

    ``bins`` is a number of equal-width bins, a numpy binning rule name (e.g. "auto"), or
    explicit increasing bin edges (then the range is the edges').
    """
    x = _as_1d(values, "values")
    lo = _opt_float(lsl, "lsl")
    hi = _opt_float(usl, "usl")
    if lo is not None and hi is not None and lo >= hi:
        raise ValueError(f"lsl ({lo}) must be below usl ({hi})")
    if isinstance(bins, str):
        spec = bins
    elif np.ndim(bins) == 0:
        spec = _as_int(bins, "bins")
        if spec < 1:
            raise ValueError(f"bins must be >= 1, got {spec}")
    else:
        spec = _as_1d(bins, "bins", min_len=2)
        if (np.diff(spec) <= 0).any():
            raise ValueError("bin edges must be strictly increasing")
    span = (
        min([float(x.min())] + ([lo] if lo is not None else [])),
        max([float(x.max())] + ([hi] if hi is not None else [])),
    )
    try:
        counts, edges = np.histogram(x, bins=spec, range=None if np.ndim(spec) else span)
    except ValueError as exc:  # unknown rule name
        raise ValueError(f"bad bins: {exc}") from None
    return Histogram(edges, counts, lo, hi)
