"""The compiled production record (device history record): its content hash and what a
reviewer must look at (review by exception). Plain Python over the compiled content, no ORM:
the same rules run on any record, old versions included.

The content is a JSON-compatible dict of sections (see ``mes.production.record._mes_compile``):
``header``, ``master_record``, ``steps``, ``materials``, ``equipment``, ``process_data``,
``inspections``, ``exceptions``, ``nonconformances``, ``mass_balance``, ``signatures``,
``corrections``, ``audit``.
"""
import hashlib
import json
from datetime import datetime

# the kinds of flag, in the order a reviewer reads them
FLAG_KINDS = (
    'out_of_limit', 'deviation', 'manual_override', 'correction', 'late_entry',
    'backdated_entry', 'unreleased_material', 'equipment_status', 'process_gap',
    'process_excursion', 'spc_signal', 'mass_balance', 'inspection', 'concession',
)
# a recorded time this far before the moment it was written is back-dated
BACKDATE_TOLERANCE_S = 300


def canonical_json(content):
    """One byte sequence per content: sorted keys, no spacing, UTF-8 kept."""
    return json.dumps(content, sort_keys=True, separators=(',', ':'), ensure_ascii=False,
                      default=str)


def content_hash(content):
    return hashlib.sha256(canonical_json(content).encode('utf-8')).hexdigest()


def _seconds(value):
    return datetime.fromisoformat(value).timestamp() if value else None


def review_flags(content, late_entry_hours=12.0):
    """What deviates from the expected in ``content``: a list of ``{'kind', 'key', 'params'}``
    (``key`` names the flagged item stably across versions, so an acknowledgement can carry
    over when the item did not change), ordered by ``FLAG_KINDS`` then by position."""
    flags = []

    def flag(kind, key, **params):
        flags.append({'kind': kind, 'key': '%s:%s' % (kind, key), 'params': params})

    exception_steps = {e.get('step_id') for e in content.get('exceptions', []) if e.get('step_id')}
    previous_by_workorder = {}
    for step in content.get('steps', []):
        if step.get('out_of_limit') and step['id'] not in exception_steps:
            flag('out_of_limit', step['id'], step=step['name'], value=step.get('value'),
                 spec=step.get('spec'))
        done = _seconds(step.get('date_done'))
        previous = previous_by_workorder.get(step.get('workorder'))
        if done is not None:
            if previous is not None and done - previous > late_entry_hours * 3600:
                flag('late_entry', step['id'], step=step['name'],
                     hours=round((done - previous) / 3600.0, 1))
            previous_by_workorder[step.get('workorder')] = done
        written = _seconds(step.get('recorded_at'))
        if done is not None and written is not None and written - done > BACKDATE_TOLERANCE_S:
            flag('backdated_entry', step['id'], step=step['name'], date=step['date_done'],
                 recorded=step['recorded_at'])
    for exception in content.get('exceptions', []):
        kind = {'spc': 'spc_signal', 'manual_override': 'manual_override'}.get(
            exception.get('kind'), 'deviation')
        flag(kind, exception['name'], name=exception['name'],
             description=exception.get('description'), severity=exception.get('severity'),
             state=exception.get('state'), disposition=exception.get('disposition'))
    for entry in content.get('corrections', []):
        flag('correction', entry['seq'], record=entry.get('record'), user=entry.get('user'),
             date=entry.get('timestamp'), reason=entry.get('reason'))
    for material in content.get('materials', []):
        if material.get('lot') and material.get('state_at_use') not in (None, 'released'):
            flag('unreleased_material', '%s@%s' % (material['lot'], material.get('date')),
                 lot=material['lot'], product=material.get('product'),
                 state=material.get('state_at_use'))
    for equipment in content.get('equipment', []):
        if equipment.get('usable') is False:
            flag('equipment_status', '%s@%s' % (equipment.get('code'), equipment.get('date')),
                 equipment=equipment.get('code'), problem=equipment.get('problem'))
    for parameter in content.get('process_data', []):
        if parameter.get('gaps'):
            flag('process_gap', parameter['parameter'], parameter=parameter['parameter'],
                 count=parameter['gaps'], seconds=parameter.get('gap_seconds'))
        if parameter.get('excursions'):
            flag('process_excursion', parameter['parameter'], parameter=parameter['parameter'],
                 count=parameter['excursions'])
    balance = content.get('mass_balance') or {}
    for component in balance.get('components', []):
        if component.get('out_of_tolerance'):
            flag('mass_balance', component.get('product'), product=component.get('product'),
                 deviation=round(component.get('deviation_pct') or 0.0, 2))
    for inspection in content.get('inspections', []):
        if inspection.get('decision') == 'reject':
            flag('inspection', inspection['name'], name=inspection['name'],
                 lot=inspection.get('lot'))
    for nc in content.get('nonconformances', []):
        for line in nc.get('lines', []):
            if line.get('disposition') == 'use_as_is':
                flag('concession', '%s:%s' % (nc['name'], line.get('lot') or line.get('product')),
                     name=nc['name'], lot=line.get('lot'), justification=line.get('justification'))
    order = {kind: index for index, kind in enumerate(FLAG_KINDS)}
    return sorted(flags, key=lambda f: order[f['kind']])
