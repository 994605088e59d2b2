"""The business events of quality, added to the MES event catalogue (mes_bridge
``lib/events.py``): consumers get them like the shop floor's, with a JSON schema each."""
from odoo.addons.mes_bridge.lib import events as event_lib

_STR = {'type': 'string'}
_STR_OR_NULL = {'type': ['string', 'null']}
_REF = event_lib.ref_schema()

_INSPECTION = dict(name=_STR, inspection_type=_STR, product=_REF, lot=_STR_OR_NULL,
                   decision={'type': 'string', 'enum': ['accept', 'reject']},
                   decided_by=_REF)
_STATE_CHANGE = dict(name=_STR, title=_STR, product=_REF, old_state=_STR_OR_NULL,
                     new_state=_STR)
_RECORD = dict(name=_STR, production=_REF, version={'type': 'integer'},
               lots={'type': 'array', 'items': _STR}, content_sha256=_STR_OR_NULL,
               state=_STR, by=_REF)

for event_type, description, properties in (
        ('inspection.decided', 'An inspection was decided (signed)', _INSPECTION),
        ('nonconformance.state_changed', 'A nonconformance moved to another state',
         _STATE_CHANGE),
        ('capa.stage_changed', 'A CAPA moved to another stage', _STATE_CHANGE),
        ('production_record.released', 'QA released a device history record and its lots',
         _RECORD),
        ('production_record.rejected', 'QA rejected a device history record', _RECORD)):
    event_lib.register('mes_quality', event_type, 1, description,
                       event_lib.data_schema(properties, **properties))
