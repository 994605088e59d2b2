"""Lot genealogy arithmetic: levels of a trace and mass balance. Plain Python, no ORM.

An edge is ``(from_lot_id, to_lot_id, production_id, qty)``: ``qty`` of ``from_lot`` went into
``to_lot`` (or came out of it, for an unbuild) in ``production``.
"""
from collections import defaultdict, deque


def levels(root, edges, direction='forward', depth=None):
    """Breadth-first distance of every lot reachable from ``root``.

    :param edges: iterable of (from_lot_id, to_lot_id, ...) tuples
    :param direction: 'forward' follows from -> to (where did it go), 'backward' to -> from
    :returns: (dict lot_id -> level, list of edges actually walked within ``depth``)
    """
    adjacency = defaultdict(list)
    for edge in edges:
        source, target = (edge[0], edge[1]) if direction == 'forward' else (edge[1], edge[0])
        adjacency[source].append((target, edge))
    seen = {root: 0}
    walked = []
    queue = deque([root])
    while queue:
        lot = queue.popleft()
        level = seen[lot]
        if depth is not None and level >= depth:
            continue
        for target, edge in adjacency.get(lot, ()):
            walked.append(edge)
            if target not in seen:
                seen[target] = level + 1
                queue.append(target)
    return seen, walked


def mass_balance(expected, consumed, produced, planned_output, scrapped=0.0, tolerance=0.02):
    """Balance of one production and one component.

    :param expected: component quantity the BoM asks for the quantity actually produced
    :param consumed: component quantity consumed (all lots)
    :param produced: finished quantity produced
    :param planned_output: finished quantity planned
    :param scrapped: component quantity scrapped during the production
    :param tolerance: allowed relative deviation of consumption (0.02 = 2 %)
    :returns: dict with ``deviation`` (relative, consumed vs expected), ``yield_pct``
              (produced / planned) and ``out_of_tolerance``
    """
    deviation = 0.0
    if expected:
        deviation = (consumed + scrapped - expected) / expected
    elif consumed or scrapped:
        deviation = float('inf')
    yield_pct = 100.0 * produced / planned_output if planned_output else 0.0
    return {
        'expected': expected,
        'consumed': consumed,
        'scrapped': scrapped,
        'deviation': deviation,
        'yield_pct': yield_pct,
        'out_of_tolerance': abs(deviation) > tolerance + 1e-9,
    }
