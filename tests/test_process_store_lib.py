"""``figures_of``: a production's figures from values no longer in the table (an archive),
with the definitions the SQL aggregates use (a value holds until the next one; an excursion
starts at a value outside the limits whose previous value was inside)."""
import datetime

from lib_loader import load

process_store = load('process_store', 'mes_equipment')

T0 = datetime.datetime(2026, 12, 1, 8, 0, 0)


def at(seconds):
    return T0 + datetime.timedelta(seconds=seconds)


def test_figures_inside_the_windows_with_holds_and_excursions():
    values = [(at(s), v) for s, v in [(-10, 250.0), (0, 240.0), (10, 220.0), (20, 235.0),
                                      (30, 236.0), (40, 225.0), (50, 260.0), (70, 225.0)]]
    windows = [(at(0), at(45))]
    (low, high, total, count, out, starts), runs = process_store.figures_of(
        values, windows, 200.0, 231.0)
    assert (low, high, count) == (220.0, 240.0, 5)
    assert total == 240.0 + 220.0 + 235.0 + 236.0 + 225.0
    # 240 held 10 s, 235 and 236 held 10 s each; 260 is after the window
    assert out == 30.0
    # 240 continues an excursion begun before the window (250 at -10 s): not one of its own
    assert starts == 1
    assert runs == [(at(20), at(40), 236.0)]


def test_no_limits_no_excursions_and_an_open_run_at_the_end():
    values = [(at(s), v) for s, v in [(0, 1.0), (5, None), (10, 3.0)]]
    (low, high, _total, count, out, starts), runs = process_store.figures_of(
        values, [(at(0), at(60))])
    assert (low, high, count, out, starts, runs) == (1.0, 3.0, 2, 0.0, 0, [])
    (_f, runs) = process_store.figures_of([(at(0), 10.0), (at(5), 50.0)], [(at(0), at(60))],
                                          0.0, 20.0)
    assert runs == [(at(5), None, 50.0)]
