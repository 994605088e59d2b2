"""Tests of spc.py against published worked examples, hand computations, crafted Nelson-rule
series, theoretical false-alarm rates and the independent pure-Python spc_reference.py.

Sources of the data used below (raw data is inlined in this file):

* Montgomery, D. C., Introduction to Statistical Quality Control (Wiley), chapters 6 and 7:
  piston-ring inside diameters (Example 6.1 and its phase-II continuation), orange-juice
  cans (p chart, Example 7.1), printed circuit boards (c chart, Example 7.3), personal
  computers (u chart, Example 7.4) and dyed cloth (u chart with variable sizes, Example
  7.5); example numbers differ between editions. The numbers are the ones distributed with
  the R package qcc (data/pistonrings.txt, orangejuice.txt, circuit.txt, pcmanufact.txt,
  dyedcloth.txt), which reproduces the book's tables.
* NIST/SEMATECH e-Handbook of Statistical Methods, section 6.3.2.2 "Individuals Control
  Charts": flow-rate example, x-bar 50.81, MR-bar 1.8778, UCL 55.8041, LCL 45.8159.
* Control chart factors: Montgomery Appendix VI, checked here against their definitions
  (d2, d3 by numerical integration of the range distribution, c4 by the gamma function).
"""

from __future__ import annotations

import importlib.util
import json
import math
import statistics
import sys
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).resolve().parent
# the module under test is mes_quality's; the independent implementation lives with the tests
SOURCES = {"spc": HERE.parent / "addons" / "mes_quality" / "lib" / "spc.py",
           "spc_reference": HERE / "spc_reference.py"}


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, SOURCES[name])
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


spc = _load("spc")
ref = _load("spc_reference")

CENTRE, SIGMA = 0.0, 1.0  # crafted Nelson series are in sigma units around 0

# Montgomery Example 6.1 (qcc pistonrings, trial = TRUE): 25 subgroups of 5, inside
# diameter of forged piston rings (mm).
PISTON_PHASE1 = [
    [74.030, 74.002, 74.019, 73.992, 74.008],
    [73.995, 73.992, 74.001, 74.011, 74.004],
    [73.988, 74.024, 74.021, 74.005, 74.002],
    [74.002, 73.996, 73.993, 74.015, 74.009],
    [73.992, 74.007, 74.015, 73.989, 74.014],
    [74.009, 73.994, 73.997, 73.985, 73.993],
    [73.995, 74.006, 73.994, 74.000, 74.005],
    [73.985, 74.003, 73.993, 74.015, 73.988],
    [74.008, 73.995, 74.009, 74.005, 74.004],
    [73.998, 74.000, 73.990, 74.007, 73.995],
    [73.994, 73.998, 73.994, 73.995, 73.990],
    [74.004, 74.000, 74.007, 74.000, 73.996],
    [73.983, 74.002, 73.998, 73.997, 74.012],
    [74.006, 73.967, 73.994, 74.000, 73.984],
    [74.012, 74.014, 73.998, 73.999, 74.007],
    [74.000, 73.984, 74.005, 73.998, 73.996],
    [73.994, 74.012, 73.986, 74.005, 74.007],
    [74.006, 74.010, 74.018, 74.003, 74.000],
    [73.984, 74.002, 74.003, 74.005, 73.997],
    [74.000, 74.010, 74.013, 74.020, 74.003],
    [73.988, 74.001, 74.009, 74.005, 73.996],
    [74.004, 73.999, 73.990, 74.006, 74.009],
    [74.010, 73.989, 73.990, 74.009, 74.014],
    [74.015, 74.008, 73.993, 74.000, 74.010],
    [73.982, 73.984, 73.995, 74.017, 74.013],
]
# Samples 26..40 (qcc pistonrings, trial = FALSE): phase II, the mean drifts upward.
PISTON_PHASE2 = [
    [74.012, 74.015, 74.030, 73.986, 74.000],
    [73.995, 74.010, 73.990, 74.015, 74.001],
    [73.987, 73.999, 73.985, 74.000, 73.990],
    [74.008, 74.010, 74.003, 73.991, 74.006],
    [74.003, 74.000, 74.001, 73.986, 73.997],
    [73.994, 74.003, 74.015, 74.020, 74.004],
    [74.008, 74.002, 74.018, 73.995, 74.005],
    [74.001, 74.004, 73.990, 73.996, 73.998],
    [74.015, 74.000, 74.016, 74.025, 74.000],
    [74.030, 74.005, 74.000, 74.016, 74.012],
    [74.001, 73.990, 73.995, 74.010, 74.024],
    [74.015, 74.020, 74.024, 74.005, 74.019],
    [74.035, 74.010, 74.012, 74.015, 74.026],
    [74.017, 74.013, 74.036, 74.025, 74.026],
    [74.010, 74.005, 74.029, 74.000, 74.020],
]
# NIST/SEMATECH e-Handbook 6.3.2.2: flow rate of the first 10 batches of a new process.
NIST_FLOWRATE = [49.6, 47.6, 49.9, 51.3, 47.8, 51.2, 52.6, 52.4, 53.6, 52.1]
# Montgomery Example 7.1 (qcc orangejuice, trial = TRUE): nonconforming cans in 30 samples
# of n = 50.
ORANGE_JUICE = [12, 15, 8, 10, 4, 7, 16, 9, 14, 10, 5, 6, 17, 12, 22, 8, 10, 5, 13, 11, 20, 18]
ORANGE_JUICE += [24, 15, 9, 12, 7, 13, 9, 6]
# Montgomery Example 7.3 (qcc circuit, trial = TRUE): nonconformities in 26 samples of 100
# printed circuit boards.
CIRCUIT = [21, 24, 16, 12, 15, 5, 28, 20, 31, 25, 20, 24, 16, 19, 10, 17, 13, 22, 18, 39, 30]
CIRCUIT += [24, 16, 19, 17, 15]
# Montgomery Example 7.4 (qcc pcmanufact): nonconformities in 20 samples of 5 computers.
PC_MANUFACT = [10, 12, 8, 14, 10, 16, 11, 7, 10, 15, 9, 5, 7, 11, 12, 6, 8, 10, 7, 5]
# Montgomery Example 7.5 (qcc dyedcloth): nonconformities per roll and roll size in
# inspection units of 50 m^2.
DYED_CLOTH = [14, 12, 20, 11, 7, 10, 21, 16, 19, 23]
DYED_CLOTH_UNITS = [10, 8, 13, 10, 9.5, 10, 12, 10.5, 12, 12.5]

# A hand-made in-control series (sigma units): both sides of the centre line, a point
# beyond 1 sigma at least every 6 points, short monotone stretches, ties that stop
# alternation. It must fire no rule at all.
HAND_IN_CONTROL = [
    0.5, -0.3, 0.8, 1.2, -0.6, 0.1, -1.4, 0.4, 0.4, -0.2,
    0.9, -0.7, 1.6, 0.3, -0.5, -0.5, 0.2, -1.1, 0.6, 0.0,
    -0.4, 1.3, 0.7, -0.9, -0.2, 0.5, -1.7, 0.1, 0.3, -0.6,
]  # fmt: skip


def assert_close(a, b, path="", tol=1e-9):
    """Deep comparison of nested dicts/lists/numbers with a 1e-9 tolerance."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), f"{path}: keys differ"
        for key in a:
            assert_close(a[key], b[key], f"{path}.{key}", tol)
    elif isinstance(a, (list, tuple)):
        assert isinstance(b, (list, tuple)) and len(a) == len(b), f"{path}: lengths differ"
        for i, (x, y) in enumerate(zip(a, b)):
            assert_close(x, y, f"{path}[{i}]", tol)
    elif isinstance(a, float) or isinstance(b, float):
        assert math.isclose(a, b, rel_tol=tol, abs_tol=tol), f"{path}: {a} != {b}"
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


def as_lists(hits: dict) -> dict:
    """spc.nelson output with arrays turned into lists, for comparison with the reference."""
    out = {}
    for rule, value in hits.items():
        if isinstance(value, tuple):
            out[rule] = (value[0].tolist(), value[1].tolist())
        else:
            out[rule] = value.tolist()
    return out


# --------------------------------------------------------------------------- constants


def _theory(n: int) -> dict:
    """Chart factors from their definitions: d2 = E[R], d3 = sd(R) for n standard normals
    (Tippett's integrals, trapezoid rule), c4 from the gamma function."""
    x = np.linspace(-8.0, 8.0, 801)
    h = x[1] - x[0]
    cdf = 0.5 * (1.0 + np.array([math.erf(v / math.sqrt(2.0)) for v in x]))
    d2 = float(np.trapezoid(1.0 - cdf**n - (1.0 - cdf) ** n, dx=h))
    fx, fy = cdf[:, None], cdf[None, :]
    g = 1.0 - fy**n - (1.0 - fx) ** n + np.clip(fy - fx, 0.0, None) ** n
    weight = np.triu(np.ones_like(g), 1) + 0.5 * np.eye(x.size)  # region x <= y
    d3 = math.sqrt(2.0 * float(np.sum(g * weight)) * h * h - d2 * d2)
    c4 = math.sqrt(2.0 / (n - 1)) * math.exp(math.lgamma(n / 2) - math.lgamma((n - 1) / 2))
    spread_s = math.sqrt(1.0 - c4 * c4) / c4
    return {
        "A2": 3.0 / (d2 * math.sqrt(n)),
        "A3": 3.0 / (c4 * math.sqrt(n)),
        "B3": max(0.0, 1.0 - 3.0 * spread_s),
        "B4": 1.0 + 3.0 * spread_s,
        "D3": max(0.0, 1.0 - 3.0 * d3 / d2),
        "D4": 1.0 + 3.0 * d3 / d2,
        "d2": d2,
        "d3": d3,
        "c4": c4,
    }


# Published values that differ from the exact ones by more than half a unit of their last
# digit: the classic tables derived them from already rounded d2 and d3.
TABLE_QUIRKS = {(3, "D4"), (18, "D4"), (19, "d3"), (24, "D3")}


def test_constants_table_matches_definitions():
    assert sorted(spc.CONSTANTS) == list(range(2, 26))
    for n, row in spc.CONSTANTS.items():
        exact = _theory(n)
        for name, published in row._asdict().items():
            half_unit = 0.00005 if name == "c4" else 0.0005
            slack = 0.0003 if (n, name) in TABLE_QUIRKS else 0.0001
            assert abs(published - exact[name]) <= half_unit + slack, (n, name, exact[name])


def test_reference_table_is_an_identical_transcription():
    for n, row in ref.CONSTANTS.items():
        for name, value in row.items():
            assert getattr(spc.CONSTANTS[n], name) == value, (n, name)


def test_constants_accessor_and_individuals_factor():
    assert spc.constants(5).A2 == 0.577
    assert spc.constants(5).d2 == 2.326
    assert spc.E2 == pytest.approx(2.66, abs=0.001)
    assert spc.E2 == 3.0 / 1.128
    with pytest.raises(TypeError):
        spc.CONSTANTS[5] = None  # read-only


# --------------------------------------------------------------------------- variables charts


def test_xbar_r_montgomery_piston_rings():
    # Montgomery Example 6.1: x-double-bar = 74.001, R-bar = 0.023, X-bar limits
    # 73.988 / 74.014, R chart LCL 0. The book's R chart UCL 0.049 is D4 times the rounded
    # R-bar (2.114 * 0.023 = 0.0486); from the unrounded R-bar 0.02276 it is 0.04811.
    chart = spc.xbar_r(PISTON_PHASE1)
    assert chart.kind == "xbar_r" and chart.subgroup_size == 5
    assert chart.main.centre == pytest.approx(74.001176, abs=1e-9)
    assert chart.dispersion.centre == pytest.approx(0.02276, abs=1e-12)
    assert round(chart.main.centre, 3) == 74.001
    assert round(chart.dispersion.centre, 3) == 0.023
    assert round(chart.main.lcl, 3) == 73.988
    assert round(chart.main.ucl, 3) == 74.014
    assert chart.main.ucl == pytest.approx(74.001176 + 0.577 * 0.02276, abs=1e-12)
    assert chart.dispersion.lcl == 0.0
    assert chart.dispersion.ucl == pytest.approx(2.114 * 0.02276, abs=1e-12)
    assert round(2.114 * round(chart.dispersion.centre, 3), 3) == 0.049
    assert chart.sigma_within == pytest.approx(0.02276 / 2.326)
    # Plotted points: subgroup 1 mean 74.0102 and range 0.038 (74.030 - 73.992).
    assert chart.main.points[0] == pytest.approx(74.0102)
    assert chart.dispersion.points[0] == pytest.approx(0.038)
    # The book judges the phase-I process in control: nothing plots outside the limits.
    assert chart.main.beyond_limits().size == 0
    assert chart.dispersion.beyond_limits().size == 0
    # Zones of the X-bar chart are thirds of the control band.
    assert chart.main.sigma == pytest.approx((chart.main.ucl - chart.main.centre) / 3)


def test_xbar_r_phase_two_with_frozen_baseline():
    # Montgomery Example 6.1 continued: samples 26..40 against the phase-I limits; the
    # upward shift shows as samples 37, 38 and 39 above the UCL (phase-II indices 11..13).
    phase1 = spc.xbar_r(PISTON_PHASE1)
    baseline = spc.baseline_from(phase1)
    assert set(baseline) == {"centre", "sigma"}
    phase2 = spc.xbar_r(PISTON_PHASE2, **baseline)
    assert phase2.main.centre == phase1.main.centre
    for attr in ("lcl", "ucl", "sigma"):
        assert getattr(phase2.main, attr) == pytest.approx(getattr(phase1.main, attr), abs=1e-12)
        assert getattr(phase2.dispersion, attr) == pytest.approx(
            getattr(phase1.dispersion, attr), abs=1e-12
        )
    assert phase2.main.beyond_limits().tolist() == [11, 12, 13]
    assert phase2.dispersion.beyond_limits().size == 0
    hits = phase2.nelson()
    assert hits[1].tolist() == [11, 12, 13]
    # Phase II can judge a single new subgroup against frozen limits.
    single = spc.xbar_r(PISTON_PHASE2[-1:], **baseline)
    assert single.main.points.tolist() == pytest.approx([74.0128])


def test_xbar_r_centre_or_sigma_alone():
    data = np.array(PISTON_PHASE1)
    target = spc.xbar_r(data, centre=74.0)
    assert target.main.centre == 74.0
    assert target.dispersion.centre == pytest.approx(0.02276)
    known = spc.xbar_r(data, sigma=0.01)
    assert known.main.centre == pytest.approx(74.001176)
    assert known.dispersion.centre == pytest.approx(2.326 * 0.01)
    assert known.main.ucl == pytest.approx(74.001176 + 0.577 * 2.326 * 0.01)
    assert known.dispersion.ucl == pytest.approx(2.114 * 2.326 * 0.01)


def test_xbar_s_piston_rings_hand_computation():
    # Same data on an X-bar/S chart (Montgomery Example 6.3 uses it the same way): limits
    # x-double-bar +- A3 * S-bar and B3/B4 * S-bar with A3 = 1.427, B3 = 0, B4 = 2.089.
    sbar = statistics.fmean(statistics.stdev(g) for g in PISTON_PHASE1)
    chart = spc.xbar_s(PISTON_PHASE1)
    assert chart.dispersion.centre == pytest.approx(sbar, abs=1e-12)
    assert sbar == pytest.approx(0.00924, abs=5e-6)
    assert chart.main.lcl == pytest.approx(74.001176 - 1.427 * sbar, abs=1e-12)
    assert chart.main.ucl == pytest.approx(74.001176 + 1.427 * sbar, abs=1e-12)
    assert round(chart.main.lcl, 3) == 73.988 and round(chart.main.ucl, 3) == 74.014
    assert chart.dispersion.lcl == 0.0
    assert chart.dispersion.ucl == pytest.approx(2.089 * sbar, abs=1e-12)
    assert chart.sigma_within == pytest.approx(sbar / 0.94)
    assert chart.main.beyond_limits().size == 0


def test_xbar_s_large_subgroups():
    rng = np.random.default_rng(7)
    data = rng.normal(10.0, 2.0, size=(30, 20))
    chart = spc.xbar_s(data)
    f = spc.constants(20)
    sbar = data.std(axis=1, ddof=1).mean()
    assert chart.subgroup_size == 20
    assert chart.main.ucl == pytest.approx(data.mean() + f.A3 * sbar)
    assert chart.dispersion.lcl == pytest.approx(f.B3 * sbar)
    assert chart.dispersion.ucl == pytest.approx(f.B4 * sbar)
    assert chart.sigma_within == pytest.approx(2.0, rel=0.1)
    again = spc.xbar_s(data, **spc.baseline_from(chart))
    assert again.main.ucl == pytest.approx(chart.main.ucl, abs=1e-12)
    assert again.dispersion.ucl == pytest.approx(chart.dispersion.ucl, abs=1e-12)


def test_imr_nist_flowrate():
    # NIST/SEMATECH e-Handbook 6.3.2.2: x-bar 50.81, MR-bar 1.8778,
    # UCL = 50.81 + 3 * 1.8778/1.128 = 55.8041, LCL = 45.8159; the process is in control.
    chart = spc.imr(NIST_FLOWRATE)
    assert chart.main.centre == pytest.approx(50.81, abs=1e-12)
    assert round(chart.dispersion.centre, 4) == 1.8778
    assert round(chart.main.ucl, 4) == 55.8041
    assert round(chart.main.lcl, 4) == 45.8159
    assert chart.dispersion.points.tolist() == pytest.approx(
        [2.0, 2.3, 1.4, 3.5, 3.4, 1.4, 0.2, 1.2, 1.5]
    )
    assert chart.dispersion.offset == 1
    assert chart.dispersion.lcl == 0.0
    assert chart.dispersion.ucl == pytest.approx(3.267 * 16.9 / 9)
    assert chart.sigma_within == pytest.approx(16.9 / 9 / 1.128)
    assert chart.main.beyond_limits().size == 0
    assert chart.dispersion.beyond_limits().size == 0
    assert chart.nelson() == {}


def test_imr_phase_two_and_standard_values():
    phase1 = spc.imr(NIST_FLOWRATE)
    phase2 = spc.imr([50.0, 56.0, 51.0], **spc.baseline_from(phase1))
    assert phase2.main.ucl == pytest.approx(phase1.main.ucl, abs=1e-12)
    assert phase2.dispersion.ucl == pytest.approx(phase1.dispersion.ucl, abs=1e-12)
    assert phase2.main.beyond_limits().tolist() == [1]
    known = spc.imr([1.0, 2.0], centre=0.0, sigma=2.0)
    assert (known.main.lcl, known.main.ucl) == (-6.0, 6.0)
    assert known.dispersion.centre == pytest.approx(2.256)


def test_chart_to_dict_is_json_ready():
    for chart in (
        spc.xbar_r(PISTON_PHASE1),
        spc.imr(NIST_FLOWRATE),
        spc.u_chart(DYED_CLOTH, DYED_CLOTH_UNITS),
        spc.p_chart(ORANGE_JUICE, 50),
    ):
        text = json.dumps(chart.to_dict())
        assert json.loads(text)["kind"] == chart.kind
    assert spc.capability(NIST_FLOWRATE, 45, 56).to_dict()["n"] == 10
    assert json.dumps(spc.histogram(NIST_FLOWRATE, 5).to_dict())


# --------------------------------------------------------------------------- attributes charts


def test_p_chart_montgomery_orange_juice():
    # Montgomery Example 7.1: p-bar = 347/1500 = 0.2313, UCL 0.4102, LCL 0.0524; samples 15
    # and 23 plot above the UCL.
    chart = spc.p_chart(ORANGE_JUICE, 50)
    assert chart.main.centre == pytest.approx(347 / 1500, abs=1e-15)
    assert round(chart.main.centre, 4) == 0.2313
    assert round(chart.main.ucl, 4) == 0.4102
    assert round(chart.main.lcl, 4) == 0.0524
    assert chart.subgroup_size == 50
    assert chart.main.beyond_limits().tolist() == [14, 22]
    assert chart.nelson(rules=[1])[1].tolist() == [14, 22]
    # Per-point sizes that happen to be equal give the same scalar limits.
    same = spc.p_chart(ORANGE_JUICE, [50] * len(ORANGE_JUICE))
    assert same.main.ucl == chart.main.ucl and same.main.lcl == chart.main.lcl


def test_np_chart_montgomery_orange_juice():
    # Same data as an np chart: centre 50 * 0.2313 = 11.57, limits 50 * (0.0524, 0.4102).
    chart = spc.np_chart(ORANGE_JUICE, 50)
    pbar = 347 / 1500
    assert chart.main.centre == pytest.approx(50 * pbar)
    assert chart.main.ucl == pytest.approx(50 * pbar + 3 * math.sqrt(50 * pbar * (1 - pbar)))
    assert round(chart.main.ucl, 2) == 20.51
    assert round(chart.main.lcl, 2) == 2.62
    assert chart.main.beyond_limits().tolist() == [14, 22]
    frozen = spc.np_chart([3, 30], 50, **spc.baseline_from(chart))
    assert frozen.main.ucl == pytest.approx(chart.main.ucl)
    assert frozen.main.beyond_limits().tolist() == [1]


def test_p_chart_variable_sizes_and_floor():
    defectives = [2, 10, 0, 7]
    sizes = [20, 100, 10, 50]
    chart = spc.p_chart(defectives, sizes)
    pbar = 19 / 180
    assert chart.main.centre == pytest.approx(pbar)
    sigma = [math.sqrt(pbar * (1 - pbar) / n) for n in sizes]
    assert chart.main.sigma.tolist() == pytest.approx(sigma)
    assert chart.main.ucl.tolist() == pytest.approx([pbar + 3 * s for s in sigma])
    assert chart.main.lcl.tolist() == pytest.approx([max(0.0, pbar - 3 * s) for s in sigma])
    assert chart.main.lcl.tolist()[0] == 0.0  # floored
    assert chart.subgroup_size.tolist() == sizes
    assert chart.main.points.tolist() == pytest.approx([0.1, 0.1, 0.0, 0.14])


def test_c_chart_montgomery_circuit_boards():
    # Montgomery Example 7.3: c-bar = 516/26 = 19.85, UCL 33.22, LCL 6.48; samples 6 and 20
    # plot outside the limits. The book's UCL comes from the rounded c-bar
    # (19.85 + 3*sqrt(19.85) = 33.216); the unrounded c-bar gives 33.211.
    chart = spc.c_chart(CIRCUIT)
    assert chart.main.centre == pytest.approx(516 / 26)
    assert round(chart.main.centre, 2) == 19.85
    assert round(19.85 + 3 * math.sqrt(19.85), 2) == 33.22
    assert chart.main.ucl == pytest.approx(516 / 26 + 3 * math.sqrt(516 / 26), abs=1e-12)
    assert round(chart.main.ucl, 2) == 33.21
    assert round(chart.main.lcl, 2) == 6.48
    assert chart.main.beyond_limits().tolist() == [5, 19]
    assert chart.main.sigma == pytest.approx(math.sqrt(516 / 26))
    low = spc.c_chart([0, 1, 2, 1])
    assert low.main.lcl == 0.0  # floored
    frozen = spc.c_chart([40], **spc.baseline_from(chart))
    assert frozen.main.beyond_limits().tolist() == [0]


def test_u_chart_montgomery_personal_computers():
    # Montgomery Example 7.4: u-bar = 193/100 = 1.93, UCL 3.79, LCL 0.07.
    chart = spc.u_chart(PC_MANUFACT, 5)
    assert chart.main.centre == pytest.approx(1.93)
    assert round(chart.main.ucl, 2) == 3.79
    assert round(chart.main.lcl, 2) == 0.07
    assert chart.main.beyond_limits().size == 0


def test_u_chart_variable_sizes_dyed_cloth():
    # Montgomery Example 7.5: u-bar = 153/107.5 = 1.42; limits 1.42 +- 3*sqrt(1.42/n_i),
    # e.g. n = 10 -> 0.29 / 2.55, n = 8 -> 0.16 / 2.69, n = 13 -> 0.43 / 2.42 (computed from
    # the unrounded u-bar).
    chart = spc.u_chart(DYED_CLOTH, DYED_CLOTH_UNITS)
    ubar = 153 / 107.5
    assert chart.main.centre == pytest.approx(ubar)
    assert round(chart.main.centre, 2) == 1.42
    lcl = np.round(chart.main.lcl, 2).tolist()
    ucl = np.round(chart.main.ucl, 2).tolist()
    assert (lcl[0], ucl[0]) == (0.29, 2.56)
    assert (lcl[1], ucl[1]) == (0.16, 2.69)
    assert (lcl[2], ucl[2]) == (0.43, 2.42)
    for i, n in enumerate(DYED_CLOTH_UNITS):
        assert chart.main.ucl[i] == pytest.approx(ubar + 3 * math.sqrt(ubar / n))
        assert chart.main.points[i] == pytest.approx(DYED_CLOTH[i] / n)
    assert chart.main.beyond_limits().size == 0
    # Nelson zones follow the per-point sigma.
    assert chart.main.sigma.tolist() == pytest.approx(
        [math.sqrt(ubar / n) for n in DYED_CLOTH_UNITS]
    )


# --------------------------------------------------------------------------- Nelson rules

# Each crafted series (sigma units, centre 0) fires exactly one rule, at one index.
CRAFTED = {
    # 1: one point beyond 3 sigma.
    1: ([0.5, -0.3, 0.8, 1.2, -0.6, 0.1, -1.4, 0.4, 0.4, -0.2, 3.5, -0.7, 0.3, -0.5], 10),
    # 2: nine in a row above the centre line (indices 3..11).
    2: ([-0.5, 1.2, -0.4, 0.3, 0.8, 0.2, 0.6, 0.4, 0.9, 0.1, 0.5, 0.7, -0.6, 1.3, -0.2], 11),
    # 3: six in a row steadily increasing (indices 3..8).
    3: ([0.4, -0.3, 1.1, -1.2, -0.7, -0.3, 0.1, 0.5, 0.9, -0.4, 0.6, -1.3, 0.2], 8),
    # 4: fourteen in a row alternating (indices 2..15); the tie at 15/16 stops it.
    4: (
        [0.3, 0.8, 0.5, -0.5, 1.2, -0.3, 0.6, -1.1, 0.4, -0.2, 0.7, -0.6, 1.3, -0.4, 0.3]
        + [-0.8, -0.8],
        15,
    ),
    # 5: two of three beyond 2 sigma on the same side (indices 2 and 4).
    5: ([0.3, -0.4, 2.3, 0.5, 2.5, -0.2, 0.6, -1.2, 0.1], 4),
    # 6: four of five beyond 1 sigma on the same side (indices 2, 3, 5, 6).
    6: ([0.2, -0.5, 1.4, 1.2, 0.3, 1.6, 1.1, -0.4, 0.5, -1.2, 0.3], 6),
    # 7: fifteen in a row within 1 sigma (indices 1..15).
    7: (
        [1.5, 0.2, -0.3, 0.5, -0.6, 0.1, 0.4, -0.2, 0.7, -0.5, 0.3, 0.3, -0.1, 0.6, -0.4]
        + [0.2, -1.5],
        15,
    ),
    # 8: eight in a row beyond 1 sigma, either side (indices 1..8).
    8: ([0.3, 1.5, -1.3, 1.2, -1.6, 1.4, -1.2, 1.8, -1.5, 0.2, -0.4], 8),
}


@pytest.mark.parametrize("rule", sorted(CRAFTED))
def test_crafted_series_fires_exactly_one_rule(rule):
    series, index = CRAFTED[rule]
    hits = spc.nelson(series, CENTRE, SIGMA)
    assert as_lists(hits) == {rule: [index]}
    assert ref.nelson(series, CENTRE, SIGMA) == {rule: [index]}


def test_hand_made_in_control_series_fires_nothing():
    assert spc.nelson(HAND_IN_CONTROL, CENTRE, SIGMA) == {}
    assert ref.nelson(HAND_IN_CONTROL, CENTRE, SIGMA) == {}
    assert spc.nelson(HAND_IN_CONTROL, CENTRE, SIGMA, run_length=8) == {}


def test_rule_2_run_length_variants_and_members():
    series, index = CRAFTED[2]
    eight = series[:3] + [-0.2] + series[4:]  # leaves 8 in a row above (indices 4..11)
    assert spc.nelson(eight, CENTRE, SIGMA) == {}
    assert as_lists(spc.nelson(eight, CENTRE, SIGMA, run_length=8)) == {2: [11]}
    hits = spc.nelson(series, CENTRE, SIGMA, members=True)
    flagged, members = hits[2]
    assert flagged.tolist() == [index]
    assert members.tolist() == list(range(3, 12))
    # A longer run flags every point that extends it.
    longer = [0.5] * 11 + [-0.5]
    assert spc.nelson(longer, CENTRE, SIGMA, rules=[2])[2].tolist() == [8, 9, 10]


def test_point_on_centre_line_breaks_rule_2():
    series = [0.5] * 4 + [0.0] + [0.5] * 5 + [-0.5]
    assert spc.nelson(series, CENTRE, SIGMA, rules=[2]) == {}
    assert ref.nelson(series, CENTRE, SIGMA, rules=[2]) == {}


def test_ties_break_trends_and_alternation():
    rising = [-1.2, -0.7, -0.3, 0.1, 0.5, 0.9]
    assert as_lists(spc.nelson(rising, CENTRE, SIGMA, rules=[3])) == {3: [5]}
    falling = rising[::-1]
    assert as_lists(spc.nelson(falling, CENTRE, SIGMA, rules=[3])) == {3: [5]}
    with_tie = [-1.2, -0.7, -0.3, -0.3, 0.1, 0.5, 0.9]
    assert spc.nelson(with_tie, CENTRE, SIGMA, rules=[3]) == {}
    assert ref.nelson(with_tie, CENTRE, SIGMA, rules=[3]) == {}
    zigzag = [0.5, -0.5] * 7  # 14 alternating points
    assert as_lists(spc.nelson(zigzag, CENTRE, SIGMA, rules=[4])) == {4: [13]}
    broken = zigzag[:7] + [zigzag[6]] + zigzag[7:]  # a tie in the middle
    assert spc.nelson(broken, CENTRE, SIGMA, rules=[4]) == {}
    assert ref.nelson(broken, CENTRE, SIGMA, rules=[4]) == {}


def test_zone_boundaries_are_strict():
    # Exactly 3 sigma is not beyond 3 sigma; exactly 1 sigma counts as within 1 sigma.
    assert spc.nelson([3.0, -3.0, 0.2], CENTRE, SIGMA, rules=[1]) == {}
    assert as_lists(spc.nelson([3.0001, 0.2], CENTRE, SIGMA, rules=[1])) == {1: [0]}
    assert as_lists(spc.nelson([1.0, -1.0] * 7 + [0.0], CENTRE, SIGMA, rules=[7])) == {7: [14]}
    assert spc.nelson([1.0, -1.0] * 4, CENTRE, SIGMA, rules=[8]) == {}


def test_rules_5_and_6_flag_the_completing_point_and_short_windows():
    # The first two points beyond 2 sigma already make "2 of 3".
    assert as_lists(spc.nelson([2.5, 2.2, 0.0, 0.1], CENTRE, SIGMA, rules=[5])) == {5: [1]}
    # The point after a completed window is not flagged unless it is itself beyond.
    hits = spc.nelson([0.1, 2.5, 2.2, 0.0, -0.3], CENTRE, SIGMA, rules=[5], members=True)
    assert hits[5][0].tolist() == [2] and hits[5][1].tolist() == [1, 2]
    # Opposite sides never combine.
    assert spc.nelson([2.5, -2.5, 0.3, 2.5, -2.5, 0.3], CENTRE, SIGMA, rules=[5, 6]) == {}
    series, _ = CRAFTED[6]
    flagged, members = spc.nelson(series, CENTRE, SIGMA, rules=[6], members=True)[6]
    assert flagged.tolist() == [6] and members.tolist() == [2, 3, 5, 6]


def test_nelson_with_per_point_sigma_and_centre():
    points = [0.5, 0.5, 0.5]
    hits = spc.nelson(points, [0.0, 0.0, 0.0], [1.0, 0.1, 1.0], rules=[1])
    assert as_lists(hits) == {1: [1]}
    assert ref.nelson(points, [0.0, 0.0, 0.0], [1.0, 0.1, 1.0], rules=[1]) == {1: [1]}


def test_rule_subset_selection():
    series, index = CRAFTED[1]
    assert spc.nelson(series, CENTRE, SIGMA, rules=(2, 3)) == {}
    assert as_lists(spc.nelson(series, CENTRE, SIGMA, rules=[1, 1])) == {1: [index]}


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_seeded_in_control_series_flags_only_true_violations(seed):
    # A 60-point in-control normal series: whatever fires must be a genuine pattern under
    # the rule's literal definition (the reference scans every window) and nothing else.
    x = np.random.default_rng(seed).normal(0.0, 1.0, 60)
    chart = spc.imr(x, centre=0.0, sigma=1.0)
    hits = as_lists(chart.nelson(members=True))
    assert hits == ref.nelson(x.tolist(), 0.0, 1.0, members=True)
    for rule, (flagged, _) in hits.items():
        for i in flagged:
            assert _violates(x.tolist(), i, rule), (rule, i)


def _violates(x, i, rule):
    """Independent restatement of each rule at point i (sigma units, centre 0)."""
    if rule == 1:
        return abs(x[i]) > 3
    if rule == 2:
        w = x[i - 8 : i + 1] if i >= 8 else []
        return bool(w) and (all(v > 0 for v in w) or all(v < 0 for v in w))
    if rule == 3:
        w = x[i - 5 : i + 1] if i >= 5 else []
        return bool(w) and (w == sorted(set(w)) or w == sorted(set(w), reverse=True))
    if rule == 4:
        if i < 13:
            return False
        d = [x[j] - x[j - 1] for j in range(i - 12, i + 1)]
        return all(a * b < 0 for a, b in zip(d, d[1:]))
    if rule in (5, 6):
        k, width, need = (2, 3, 2) if rule == 5 else (1, 5, 4)
        w = x[max(0, i - width + 1) : i + 1]
        return (x[i] > k and sum(v > k for v in w) >= need) or (
            x[i] < -k and sum(v < -k for v in w) >= need
        )
    width = 15 if rule == 7 else 8
    w = x[i - width + 1 : i + 1] if i >= width - 1 else []
    if rule == 7:
        return bool(w) and all(abs(v) <= 1 for v in w)
    return bool(w) and all(abs(v) > 1 for v in w)


def test_false_alarm_rates_match_theory():
    # For an in-control normal process with known centre and sigma, the chance that a
    # given point completes a violation is fixed by the rule's definition:
    q1, q2, q3 = 0.15865525393145707, 0.022750131948179195, 0.0013498980316301035
    expected = {
        1: 2 * q3,
        2: 2 * 0.5**9,
        3: 2 / math.factorial(6),
        4: 2 * 199360981 / math.factorial(14),  # zigzag (Euler) number E14
        5: 2 * q2 * (1 - (1 - q2) ** 2),
        6: 2 * q1 * (4 * q1**3 * (1 - q1) + q1**4),
        7: (1 - 2 * q1) ** 15,
        8: (2 * q1) ** 8,
    }
    size = 1_000_000
    x = np.random.default_rng(2024).normal(0.0, 1.0, size)
    hits = spc.nelson(x, 0.0, 1.0)
    for rule, rate in expected.items():
        observed = hits[rule].size / size
        tolerance = 0.35 if rule == 8 else 0.12  # rule 8 expects only ~100 hits
        assert observed == pytest.approx(rate, rel=tolerance), (rule, observed, rate)


# --------------------------------------------------------------------------- capability


SMALL = [9.8, 10.1, 10.0, 9.9, 10.2, 10.0, 9.7, 10.3]  # mean 10.0, s = 0.2 exactly


def test_capability_hand_computation_two_sided():
    # mean = 80/8 = 10.0; sum of squared deviations 0.28 -> s = sqrt(0.28/7) = 0.2;
    # moving ranges 0.3 0.1 0.1 0.3 0.2 0.3 0.6 -> MR-bar = 1.9/7, sigma_within = MR-bar/1.128.
    cap = spc.capability(SMALL, lsl=9.4, usl=11.0)
    sw = 1.9 / 7 / 1.128
    assert cap.n == 8
    assert cap.mean == pytest.approx(10.0)
    assert cap.sigma_overall == pytest.approx(0.2)
    assert cap.sigma_within == pytest.approx(sw)
    assert cap.cp == pytest.approx(1.6 / (6 * sw))
    assert cap.cpu == pytest.approx(1.0 / (3 * sw))
    assert cap.cpl == pytest.approx(0.6 / (3 * sw))
    assert cap.cpk == pytest.approx(0.6 / (3 * sw))
    assert round(cap.cpk, 4) == 0.8312
    assert cap.pp == pytest.approx(1.6 / 1.2)
    assert cap.ppu == pytest.approx(1.0 / 0.6)
    assert cap.ppl == pytest.approx(1.0)
    assert cap.ppk == pytest.approx(1.0)


def test_capability_one_sided_and_without_limits():
    upper = spc.capability(SMALL, usl=11.0)
    assert upper.cp is None and upper.pp is None and upper.cpl is None
    assert upper.cpk == upper.cpu and upper.ppk == upper.ppu
    assert upper.ppk == pytest.approx(1.0 / 0.6)
    lower = spc.capability(SMALL, lsl=9.4)
    assert lower.cp is None and lower.cpu is None
    assert lower.cpk == lower.cpl and lower.ppk == pytest.approx(1.0)
    bare = spc.capability(SMALL)
    assert bare.cp is bare.cpk is bare.pp is bare.ppk is None
    assert bare.sigma_overall == pytest.approx(0.2)


def test_capability_with_sigma_from_subgroups():
    # Montgomery Example 6.1 continued: specifications 74.000 +- 0.05 mm and
    # sigma-hat = R-bar/d2. The book rounds sigma-hat to 0.0099 and reports PCR = 1.68;
    # with the unrounded R-bar 0.02276 it is 0.10 / (6 * 0.02276/2.326) = 1.703.
    chart = spc.xbar_r(PISTON_PHASE1)
    values = np.ravel(PISTON_PHASE1)
    cap = spc.capability(values, lsl=73.95, usl=74.05, sigma_within=chart.sigma_within)
    assert cap.sigma_within == pytest.approx(spc.sigma_within_from_r(0.02276, 5))
    assert cap.cp == pytest.approx(0.10 / (6 * 0.02276 / 2.326))
    assert round(0.10 / (6 * round(0.023 / 2.326, 4)), 2) == 1.68
    assert cap.cpk == pytest.approx(
        min(74.05 - 74.001176, 74.001176 - 73.95) / (3 * cap.sigma_within)
    )
    assert cap.n == 125
    assert cap.sigma_overall == pytest.approx(statistics.stdev(values.tolist()))


def test_sigma_within_helpers():
    assert spc.sigma_within_from_r(0.023, 5) == pytest.approx(0.023 / 2.326)
    assert spc.sigma_within_from_s(0.0094, 5) == pytest.approx(0.0094 / 0.94)
    assert spc.sigma_within_from_s(1.0, 25) == pytest.approx(1 / 0.9896)
    assert spc.sigma_within_from_mr(1.8778) == pytest.approx(1.8778 / 1.128)
    with pytest.raises(ValueError, match="between 2 and 25"):
        spc.sigma_within_from_r(1.0, 26)


def test_histogram_spans_data_and_spec_limits():
    hist = spc.histogram([1, 2, 2, 3, 3, 3, 4], bins=4, lsl=0, usl=8)
    assert hist.edges.tolist() == [0.0, 2.0, 4.0, 6.0, 8.0]
    assert hist.counts.tolist() == [1, 5, 1, 0]
    assert (hist.lsl, hist.usl) == (0.0, 8.0)
    inside = spc.histogram([1, 2, 2, 3, 3, 3, 4], bins=3)
    assert inside.edges.tolist() == [1.0, 2.0, 3.0, 4.0]
    assert inside.counts.tolist() == [1, 2, 4]
    explicit = spc.histogram([1, 2, 5], bins=[0, 3, 6])
    assert explicit.counts.tolist() == [2, 1]
    auto = spc.histogram(NIST_FLOWRATE, bins="auto", lsl=45, usl=56)
    assert auto.edges[0] == 45.0 and auto.edges[-1] == 56.0 and auto.counts.sum() == 10


# --------------------------------------------------------------------------- bad input

BAD_CALLS = [
    (lambda: spc.xbar_r([[1, 2, 3], [1, 2]]), "same size"),
    (lambda: spc.xbar_r([[1.0] * 11, [2.0] * 11]), "between 2 and 10"),
    (lambda: spc.xbar_r([[1.0], [2.0]]), "between 2 and 10"),
    (lambda: spc.xbar_s(np.ones((3, 26))), "between 2 and 25"),
    (lambda: spc.xbar_r([[1, 2, 3]]), "at least 2 subgroups"),
    (lambda: spc.xbar_r([[1, 2], [3, float("nan")]]), "non-finite"),
    (lambda: spc.xbar_r([[1, 2], [3, float("inf")]]), "non-finite"),
    (lambda: spc.xbar_r([1, 2, 3]), "equal-length lists"),
    (lambda: spc.xbar_r(np.ones(6)), "2-D"),
    (lambda: spc.xbar_r([["a", "b"], ["c", "d"]]), "real numbers"),
    (lambda: spc.xbar_r(None), "2-D array"),
    (lambda: spc.xbar_r(PISTON_PHASE1, sigma=0.0), "sigma must be > 0"),
    (lambda: spc.xbar_r(PISTON_PHASE1, centre=float("nan")), "centre must be finite"),
    (lambda: spc.imr([1.0]), "at least 2"),
    (lambda: spc.imr([]), "at least 2"),
    (lambda: spc.imr([[1.0, 2.0], [3.0, 4.0]]), "one-dimensional"),
    (lambda: spc.imr([1.0, None, 2.0]), "real numbers"),
    (lambda: spc.imr([True, False, True]), "real numbers"),
    (lambda: spc.imr("123"), "sequence of numbers"),
    (lambda: spc.p_chart([1, 60], 50), "exceed"),
    (lambda: spc.p_chart([1, -1], 50), ">= 0"),
    (lambda: spc.p_chart([1.5, 2], 50), "whole numbers"),
    (lambda: spc.p_chart([1, 2], [50, 50, 50]), "one entry per point"),
    (lambda: spc.p_chart([1, 2], 0), "sizes must be > 0"),
    (lambda: spc.p_chart([0, 0, 0], 50), "degenerate"),
    (lambda: spc.p_chart([1, 2], 50, centre=1.5), "between 0 and 1"),
    (lambda: spc.p_chart([3], 50), "at least 2"),
    (lambda: spc.np_chart([1, 2], 0), "n must be >= 1"),
    (lambda: spc.np_chart([1, 2], 2.5), "integer"),
    (lambda: spc.c_chart([0, 0]), "degenerate"),
    (lambda: spc.c_chart([1, 2], centre=-1), "centre must be > 0"),
    (lambda: spc.u_chart([1, 2], [1.0, -2.0]), "sizes must be > 0"),
    (lambda: spc.nelson([1, 2, 3], 0, 1, rules=[9]), "1..8"),
    (lambda: spc.nelson([1, 2, 3], 0, 1, rules=5), "iterable"),
    (lambda: spc.nelson([1, 2, 3], 0, 1, run_length=1), "run_length"),
    (lambda: spc.nelson([1, 2, 3], 0, 0), "sigma must be > 0"),
    (lambda: spc.nelson([1, 2, 3], 0, [1, 1]), "match points"),
    (lambda: spc.nelson([1, 2, 3], float("inf"), 1), "finite"),
    (lambda: spc.nelson([], 0, 1), "at least 1"),
    (lambda: spc.capability([1.0, 2.0, 3.0], lsl=5, usl=4), "below usl"),
    (lambda: spc.capability([2.0, 2.0, 2.0], lsl=1, usl=3), "no spread"),
    (lambda: spc.capability([1.0, 2.0], sigma_within=0), "sigma_within must be > 0"),
    (lambda: spc.capability([1.0], lsl=0, usl=2), "at least 2"),
    (lambda: spc.capability([1.0, 2.0], lsl="low"), "real number"),
    (lambda: spc.histogram([1.0, 2.0], bins=0), "bins must be >= 1"),
    (lambda: spc.histogram([1.0, 2.0], bins=[0, 2, 1]), "strictly increasing"),
    (lambda: spc.histogram([1.0, 2.0], bins="nonsense"), "bad bins"),
    (lambda: spc.constants(1), "between 2 and 25"),
    (lambda: spc.baseline_from({"centre": 1}), "ControlChart"),
]


@pytest.mark.parametrize("call, message", BAD_CALLS)
def test_bad_input_raises_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --------------------------------------------------------------------------- vs reference


def _process(seed: int, size: int) -> np.ndarray:
    """Normal data with a shift, a trend and an oscillation so that most rules fire."""
    rng = np.random.default_rng(seed)
    x = rng.normal(10.0, 0.5, size)
    if size >= 60:
        third = size // 3
        x[third : third + 20] += 1.0  # sustained shift: rules 2, 5, 6
        x[2 * third : 2 * third + 8] = 10.0 + 0.1 * np.arange(8)  # trend: rule 3
        x[-16:] = 10.0 + 0.4 * np.resize([1.0, -1.0], 16)  # oscillation: rules 4, 7
    return x


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("size", [2, 3, 17, 250, 5000])
def test_imr_matches_reference(seed, size):
    x = _process(seed, size)
    chart = spc.imr(x)
    expected = ref.imr(x.tolist())
    assert_close(chart.to_dict(), expected)
    main = expected["main"]
    for run_length in (9, 8):
        got = as_lists(chart.nelson(run_length=run_length, members=True))
        want = ref.nelson(
            main["points"], main["centre"], main["sigma"], run_length=run_length, members=True
        )
        assert got == want
    if size == 5000:
        assert len(chart.nelson()) >= 6  # the comparison is not vacuous
    frozen = spc.imr(x, centre=10.0, sigma=0.5)
    assert_close(frozen.to_dict(), ref.imr(x.tolist(), centre=10.0, sigma=0.5))


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("n", [2, 3, 4, 5, 6, 7, 8, 9, 10])
@pytest.mark.parametrize("k", [2, 25, 400])
def test_xbar_r_matches_reference(seed, n, k):
    data = _process(seed, n * k).reshape(k, n)
    chart = spc.xbar_r(data)
    expected = ref.xbar_r(data.tolist())
    assert_close(chart.to_dict(), expected)
    main = expected["main"]
    got = as_lists(chart.nelson(members=True))
    assert got == ref.nelson(main["points"], main["centre"], main["sigma"], members=True)
    phase2 = spc.xbar_r(data, **spc.baseline_from(chart))
    assert_close(phase2.to_dict(), ref.xbar_r(data.tolist(), **spc.baseline_from(chart)))


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("step", [0.1, 0.5, 1.0])
def test_nelson_matches_reference_on_tied_discrete_data(seed, step):
    # Values on a coarse grid produce ties (rules 3, 4), points on the centre line (rule 2)
    # and points exactly on the zone boundaries (rules 1, 5-8).
    x = np.round(np.random.default_rng(seed).normal(0.0, 1.2, 3000) / step) * step
    for run_length in (9, 8):
        got = as_lists(spc.nelson(x, 0.0, 1.0, run_length=run_length, members=True))
        want = ref.nelson(x.tolist(), 0.0, 1.0, run_length=run_length, members=True)
        assert got == want


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("size", [2, 10, 1000, 20000])
@pytest.mark.parametrize("limits", [(9.0, 11.5), (None, 11.0), (8.5, None), (None, None)], ids=str)
def test_capability_matches_reference(seed, size, limits):
    x = _process(seed, size)
    lsl, usl = limits
    assert_close(spc.capability(x, lsl, usl).to_dict(), ref.capability(x.tolist(), lsl, usl))
    assert_close(
        spc.capability(x, lsl, usl, sigma_within=0.45).to_dict(),
        ref.capability(x.tolist(), lsl, usl, sigma_within=0.45),
    )
