"""Deliberately plain reference implementation of the SPC computations in ``spc.py``.

No numpy: lists, loops and the ``statistics`` module. It covers the I-MR and X-bar/R charts,
the eight Nelson rules and process capability, and returns the same structures as
``spc.ControlChart.to_dict()``, ``spc.nelson`` (lists instead of arrays) and
``spc.Capability.to_dict()``. It serves as the baseline of the benchmark and as the
independent implementation the tests compare ``spc.py`` with, so the rules are written
straight from their definitions (look back over the window ending at each point) rather
than with the run-length bookkeeping ``spc.py`` uses.

Conventions are those documented in ``spc.py``: strict "beyond k sigma", the point that
completes a violation is flagged, ties break rules 3 and 4, windows of rules 5 and 6 may be
short at the start of the series.
"""

from __future__ import annotations

import math
import statistics

# Montgomery, Introduction to Statistical Quality Control, Appendix VI; transcribed
# separately from spc.py so that a typo in one table shows up as a test failure.
# columns: A2, D3, D4, d2
CONSTANTS = {
    2: {"A2": 1.880, "D3": 0.0, "D4": 3.267, "d2": 1.128},
    3: {"A2": 1.023, "D3": 0.0, "D4": 2.574, "d2": 1.693},
    4: {"A2": 0.729, "D3": 0.0, "D4": 2.282, "d2": 2.059},
    5: {"A2": 0.577, "D3": 0.0, "D4": 2.114, "d2": 2.326},
    6: {"A2": 0.483, "D3": 0.0, "D4": 2.004, "d2": 2.534},
    7: {"A2": 0.419, "D3": 0.076, "D4": 1.924, "d2": 2.704},
    8: {"A2": 0.373, "D3": 0.136, "D4": 1.864, "d2": 2.847},
    9: {"A2": 0.337, "D3": 0.184, "D4": 1.816, "d2": 2.970},
    10: {"A2": 0.308, "D3": 0.223, "D4": 1.777, "d2": 3.078},
}

ALL_RULES = (1, 2, 3, 4, 5, 6, 7, 8)


def _check_values(values, name):
    out = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ValueError(f"{name} must contain real numbers, got {v!r}")
        v = float(v)
        if not math.isfinite(v):
            raise ValueError(f"{name} contains a non-finite value")
        out.append(v)
    return out


def _series(name, points, centre, lcl, ucl, sigma, offset=0):
    return {
        "name": name,
        "points": points,
        "centre": centre,
        "lcl": lcl,
        "ucl": ucl,
        "sigma": sigma,
        "offset": offset,
    }


def imr(values, centre=None, sigma=None):
    """Individuals and moving range chart, as a dict shaped like spc's ``to_dict()``."""
    x = _check_values(values, "values")
    if len(x) < 2:
        raise ValueError("values needs at least 2 values")
    mr = []
    for i in range(1, len(x)):
        mr.append(abs(x[i] - x[i - 1]))
    if centre is None:
        centre = statistics.fmean(x)
    if sigma is None:
        mrbar = statistics.fmean(mr)
        sw = mrbar / 1.128
    else:
        sw = float(sigma)
        mrbar = 1.128 * sw
    d3, d4 = CONSTANTS[2]["D3"], CONSTANTS[2]["D4"]
    return {
        "kind": "imr",
        "subgroup_size": 1,
        "sigma_within": sw,
        "main": _series("I", x, centre, centre - 3.0 * sw, centre + 3.0 * sw, sw),
        "dispersion": _series(
            "MR", mr, mrbar, d3 * mrbar, d4 * mrbar, (d4 - 1.0) * mrbar / 3.0, offset=1
        ),
    }


def xbar_r(subgroups, centre=None, sigma=None):
    """X-bar and R chart for equal subgroups of size 2..10."""
    groups = [_check_values(g, "subgroups") for g in subgroups]
    if len(groups) < 2 and (centre is None or sigma is None):
        raise ValueError("need at least 2 subgroups")
    n = len(groups[0])
    for g in groups:
        if len(g) != n:
            raise ValueError("subgroups must all have the same size")
    if n not in CONSTANTS:
        raise ValueError("subgroup size n must be between 2 and 10")
    f = CONSTANTS[n]
    means = [statistics.fmean(g) for g in groups]
    ranges = [max(g) - min(g) for g in groups]
    if centre is None:
        centre = statistics.fmean(means)
    if sigma is None:
        rbar = statistics.fmean(ranges)
    else:
        rbar = f["d2"] * float(sigma)
    half = f["A2"] * rbar
    return {
        "kind": "xbar_r",
        "subgroup_size": n,
        "sigma_within": rbar / f["d2"],
        "main": _series("xbar", means, centre, centre - half, centre + half, half / 3.0),
        "dispersion": _series(
            "R", ranges, rbar, f["D3"] * rbar, f["D4"] * rbar, (f["D4"] - 1.0) * rbar / 3.0
        ),
    }


def _per_point(value, size):
    if isinstance(value, (list, tuple)):
        return [float(v) for v in value]
    return [float(value)] * size


def nelson(points, centre, sigma, rules=ALL_RULES, run_length=9, members=False):
    """Nelson rules 1..8: {rule: [flagged indices]} (or ([flagged], [members]))."""
    x = _check_values(points, "points")
    size = len(x)
    c = _per_point(centre, size)
    s = _per_point(sigma, size)
    for v in s:
        if not v > 0:
            raise ValueError("sigma must be > 0")
    d = [x[i] - c[i] for i in range(size)]

    def above(i, k):
        return d[i] > k * s[i]

    def below(i, k):
        return d[i] < -(k * s[i])

    def up(j):  # the step from point j-1 to point j rises
        return x[j] > x[j - 1]

    def down(j):
        return x[j] < x[j - 1]

    result = {}
    for rule in sorted(set(rules)):
        if rule not in ALL_RULES:
            raise ValueError("Nelson rules are numbered 1..8")
        flagged = []
        member_set = set()
        for i in range(size):
            if rule == 1:
                if above(i, 3) or below(i, 3):
                    flagged.append(i)
                    member_set.add(i)
            elif rule in (2, 3, 4, 7, 8):
                width = {2: run_length, 3: 6, 4: 14, 7: 15, 8: 8}[rule]
                if i < width - 1:
                    continue
                window = range(i - width + 1, i + 1)
                if rule == 2:
                    ok = all(d[j] > 0 for j in window) or all(d[j] < 0 for j in window)
                elif rule == 3:
                    steps = range(i - 4, i + 1)
                    ok = all(up(j) for j in steps) or all(down(j) for j in steps)
                elif rule == 4:
                    ok = True
                    for j in range(i - 11, i + 1):
                        if not ((up(j) and down(j - 1)) or (down(j) and up(j - 1))):
                            ok = False
                            break
                elif rule == 7:
                    ok = all(not above(j, 1) and not below(j, 1) for j in window)
                else:
                    ok = all(above(j, 1) or below(j, 1) for j in window)
                if ok:
                    flagged.append(i)
                    member_set.update(window)
            else:
                k, width, need = (2, 3, 2) if rule == 5 else (1, 5, 4)
                window = range(max(0, i - width + 1), i + 1)
                for side in (above, below):
                    if side(i, k) and sum(1 for j in window if side(j, k)) >= need:
                        flagged.append(i)
                        member_set.update(j for j in window if side(j, k))
                        break
        if flagged:
            result[rule] = (flagged, sorted(member_set)) if members else flagged
    return result


def capability(values, lsl=None, usl=None, sigma_within=None):
    """Cp, Cpk, Pp, Ppk as a dict shaped like spc's ``Capability.to_dict()``."""
    x = _check_values(values, "values")
    if len(x) < 2:
        raise ValueError("values needs at least 2 values")
    if lsl is not None and usl is not None and lsl >= usl:
        raise ValueError("lsl must be below usl")
    mean = statistics.fmean(x)
    sigma_overall = statistics.stdev(x)
    if sigma_within is None:
        total = 0.0
        for i in range(1, len(x)):
            total += abs(x[i] - x[i - 1])
        sigma_within = total / (len(x) - 1) / 1.128
    if sigma_within <= 0 or sigma_overall == 0:
        raise ValueError("sigma is 0: capability is undefined")
    out = {
        "n": len(x),
        "mean": mean,
        "sigma_within": sigma_within,
        "sigma_overall": sigma_overall,
        "lsl": lsl,
        "usl": usl,
    }
    for prefix, sig in (("c", sigma_within), ("p", sigma_overall)):
        upper = None if usl is None else (usl - mean) / (3.0 * sig)
        lower = None if lsl is None else (mean - lsl) / (3.0 * sig)
        both = None if usl is None or lsl is None else (usl - lsl) / (6.0 * sig)
        if upper is not None and lower is not None:
            k = min(upper, lower)
        elif upper is not None:
            k = upper
        else:
            k = lower
        out[prefix + "p"] = both
        out[prefix + "pk"] = k
        out[prefix + "pu"] = upper
        out[prefix + "pl"] = lower
    return out
