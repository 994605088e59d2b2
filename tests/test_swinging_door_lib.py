"""Tests of swinging_door.py (mes_equipment): the trend rebuilt from the stored points never
deviates more than the configured error from what the machine reported. Plain Python."""
import math
import random

import pytest
from lib_loader import load

sd = load('swinging_door', 'mes_equipment')


def compress(points, max_error, max_interval=None):
    door = sd.SwingingDoor(max_error, max_interval)
    stored = []
    for t, v in points:
        stored += door.add(t, v)
    return stored + door.flush()


def worst_error(points, stored):
    return max(abs(sd.rebuild(stored, t) - v) for t, v in points)


def signals():
    rng = random.Random(20261203)
    walk, value = [], 230.0
    for i in range(5000):
        value += rng.gauss(0, 0.3)
        walk.append((i * 0.1, value))
    yield 'random walk', walk
    yield 'sine with noise', [(i * 0.1, 230 + 3 * math.sin(i / 70) + rng.gauss(0, 0.05))
                              for i in range(5000)]
    yield 'steps', [(i, 1.0 if (i // 50) % 2 else 0.0) for i in range(2000)]
    yield 'ramp', [(i * 0.5, 0.25 * i) for i in range(2000)]
    yield 'uneven times', sorted((rng.uniform(0, 1000), rng.gauss(50, 5)) for _i in range(3000))
    yield 'spikes', [(i, 100.0 + (40.0 if i % 97 == 0 else 0.0)) for i in range(3000)]


@pytest.mark.parametrize('name,points', list(signals()))
@pytest.mark.parametrize('max_error', [0.0, 0.05, 0.5, 2.0])
def test_the_rebuilt_trend_stays_within_the_error(name, points, max_error):
    stored = compress(points, max_error)
    assert worst_error(points, stored) <= max_error + 1e-9, name
    # stored points are values the machine reported, first and last included, in order
    assert set(stored) <= set(points)
    assert stored[0] == points[0] and stored[-1] == points[-1]
    assert [t for t, _v in stored] == sorted({t for t, _v in stored})


def test_it_compresses():
    ramp = [(i * 0.5, 0.25 * i) for i in range(2000)]
    assert len(compress(ramp, 0.01)) == 2  # a straight line: its two ends
    noisy = [(i * 0.1, 230 + 3 * math.sin(i / 70)) for i in range(5000)]
    stored = compress(noisy, 0.1)
    assert len(stored) < len(noisy) / 10
    assert len(compress(noisy, 0.0)) > len(noisy) / 2  # no error allowed: nearly all kept


def test_the_case_the_classic_algorithm_gets_wrong():
    # the classic algorithm stores the value before the one that closes the door; the line
    # to (2, -0.5) passes 1.25 away from (1, 1.0) with an error of 1
    points = [(0, 0.0), (1, 1.0), (2, -0.5), (3, 5.0)]
    stored = compress(points, 1.0)
    assert worst_error(points, stored) <= 1.0
    assert (1, 1.0) in stored


def test_max_interval_stores_a_steady_signal_regularly():
    steady = [(float(i), 7.0) for i in range(0, 601)]
    stored = compress(steady, 0.5, max_interval=60)
    assert [t for t, _v in stored] == [float(t) for t in range(0, 601, 60)]
    assert worst_error(steady, stored) == 0


def test_repeated_or_late_times_change_nothing_and_bad_errors_are_refused():
    door = sd.SwingingDoor(0.1)
    assert door.add(10, 1.0) == [(10.0, 1.0)]
    assert door.add(10, 5.0) == [] and door.add(9, 5.0) == []
    assert door.flush() == []
    with pytest.raises(ValueError):
        sd.SwingingDoor(-1)
    with pytest.raises(ValueError):
        sd.SwingingDoor(float('nan'))
