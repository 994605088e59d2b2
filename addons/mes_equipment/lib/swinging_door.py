"""Swinging-door compression of one tag's values, with a guaranteed error bound.

A historian stores a value only when the straight line from the last stored value can no
longer pass within ``max_error`` of every value since: the "doors" are the range of slopes
from the last stored point that keep each value seen since within the bound; each new value
narrows them, and a value that cannot be reached through them closes the door. Plain Python,
no ORM: the collector keeps one per tag.

Guarantee (what ``tests/test_swinging_door_lib.py`` checks): the trend rebuilt by linear
interpolation between the stored points deviates by at most ``max_error`` from every value
the machine reported. Stored points are reported values, never invented ones. The classic
algorithm stores the value before the one that closes the door, which can exceed the bound
when the last value leaves the door it kept open; here a value is a candidate end only if the
line to it passes within the bound of everything before it (checked against the door when it
arrives), so the stored end always is such a candidate.

``max_interval`` (seconds) stores a value at least that often, so that a steady signal still
shows in the record and a trend never waits long for its last point.
"""
import math


class SwingingDoor:
    """``add(t, v)`` returns the points to store now (``[(t, v)]``, usually empty);
    ``flush()`` returns the last value seen when it is not stored yet (at a stop)."""

    def __init__(self, max_error, max_interval=None):
        if max_error < 0 or math.isnan(max_error):
            raise ValueError('max_error must be >= 0')
        self.max_error = float(max_error)
        self.max_interval = max_interval
        self.anchor = None  # the last stored point
        self.candidate = None  # the last value the line from the anchor may end at
        # the doors: the slopes from the anchor that pass within the bound of every value
        # after it (the candidate included)
        self.next_low = -math.inf
        self.next_high = math.inf

    def _restart(self, point):
        self.anchor = point
        self.candidate = None
        self.next_low = -math.inf
        self.next_high = math.inf

    def add(self, t, v):
        t, v = float(t), float(v)
        if self.anchor is None:
            self._restart((t, v))
            return [(t, v)]
        if t <= self.anchor[0] or (self.candidate and t <= self.candidate[0]):
            return []  # not after what we have: a repeated or late timestamp changes nothing
        stored = []
        if not self._fits(t, v):
            # the line to this value misses one seen before: store the last good end and
            # look at this value again from there
            stored.append(self.candidate)
            self._restart(self.candidate)
            if not self._fits(t, v):  # (cannot happen: nothing lies between them)
                raise AssertionError('swinging door: no line from %s to %s' % (
                    self.anchor, (t, v)))
        self._accept(t, v)
        if self.max_interval and t - self.anchor[0] >= self.max_interval:
            stored.append(self.candidate)
            self._restart(self.candidate)
        return stored

    def _fits(self, t, v):
        """The line from the anchor to (t, v) passes within the bound of every value after
        the anchor and before (t, v)."""
        slope = (v - self.anchor[1]) / (t - self.anchor[0])
        return self.next_low - 1e-12 <= slope <= self.next_high + 1e-12

    def _accept(self, t, v):
        """(t, v) is the new candidate end; its own bound narrows the doors for later ones."""
        dt = t - self.anchor[0]
        self.next_low = max(self.next_low, (v - self.max_error - self.anchor[1]) / dt)
        self.next_high = min(self.next_high, (v + self.max_error - self.anchor[1]) / dt)
        self.candidate = (t, v)

    def force(self, t, v):
        """Store (t, v) whatever the doors say (a limit crossing, a status change): returns
        the points to store now, the pending end first; the next line starts there."""
        t, v = float(t), float(v)
        if self.anchor is not None and (t <= self.anchor[0] or (
                self.candidate and t <= self.candidate[0])):
            return []
        stored = [self.candidate] if self.candidate is not None else []
        self._restart((t, v))
        return stored + [(t, v)]

    def flush(self):
        if self.candidate is None:
            return []
        point = self.candidate
        self._restart(point)
        return [point]


def rebuild(stored, t):
    """The value at ``t`` of the trend drawn through ``stored`` (sorted points)."""
    for (t0, v0), (t1, v1) in zip(stored, stored[1:]):
        if t0 <= t <= t1:
            return v0 if t1 == t0 else v0 + (v1 - v0) * (t - t0) / (t1 - t0)
    raise ValueError('%s is outside the stored trend' % t)
