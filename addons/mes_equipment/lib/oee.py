"""OEE arithmetic (availability x performance x quality) from state periods and counts.

Plain Python, no ORM. Times are seconds; periods are (state, start, stop) with datetimes or
numbers, clipped to the window asked for.
"""
from collections import defaultdict

RUNNING = 'running'
# states that count against availability; planned stops ('maintenance' when planned,
# breaks) are removed from planned time by the caller through ``planned_stops``
DOWN_STATES = ('idle', 'down', 'setup', 'maintenance')


def _seconds(value):
    return value.total_seconds() if hasattr(value, 'total_seconds') else float(value)


def clip(periods, window_start, window_stop):
    """Periods cut to the window; each as (state, reason, seconds)."""
    clipped = []
    for period in periods:
        state, start, stop = period[0], period[1], period[2]
        reason = period[3] if len(period) > 3 else None
        start, stop = max(start, window_start), min(stop, window_stop)
        if stop > start:
            clipped.append((state, reason, _seconds(stop - start)))
    return clipped


def oee(periods, window_start, window_stop, ideal_cycle_time, total_count, good_count,
        planned_stops=0.0):
    """OEE of one equipment over a window.

    :param periods: iterable of (state, start, stop[, reason])
    :param ideal_cycle_time: seconds per unit at rated speed
    :param planned_stops: seconds of planned downtime inside the window (not a loss)
    :returns: dict availability, performance, quality, oee (0..1), run_time, planned_time,
              downtime_by_reason {reason: seconds}
    """
    planned_time = _seconds(window_stop - window_start) - planned_stops
    run_time = 0.0
    downtime = defaultdict(float)
    for state, reason, seconds in clip(periods, window_start, window_stop):
        if state == RUNNING:
            run_time += seconds
        elif state in DOWN_STATES:
            downtime[reason or state] += seconds
    availability = run_time / planned_time if planned_time > 0 else 0.0
    performance = (ideal_cycle_time * total_count / run_time) if run_time > 0 else 0.0
    quality = good_count / total_count if total_count else 0.0
    return {
        'availability': availability,
        'performance': performance,
        'quality': quality,
        'oee': availability * performance * quality,
        'run_time': run_time,
        'planned_time': planned_time,
        'downtime_by_reason': dict(sorted(downtime.items(), key=lambda item: -item[1])),
    }


def pareto(downtime_by_reason):
    """[(reason, seconds, cumulative share)] largest first."""
    total = sum(downtime_by_reason.values()) or 1.0
    running = 0.0
    rows = []
    for reason, seconds in sorted(downtime_by_reason.items(), key=lambda item: -item[1]):
        running += seconds
        rows.append((reason, seconds, running / total))
    return rows
