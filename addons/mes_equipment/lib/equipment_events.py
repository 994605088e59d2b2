"""Equipment's business events, added to the MES event catalogue (mes_bridge
``lib/events.py``)."""
from odoo.addons.mes_bridge.lib import events as event_lib

_STR = {'type': 'string'}
_STR_OR_NULL = {'type': ['string', 'null']}
_REF = event_lib.ref_schema()

_STATE = dict(equipment=_REF, code=_STR_OR_NULL, workcenter=_REF, state=_STR, since=_STR,
              reason=_STR_OR_NULL)
event_lib.register('mes_equipment', 'equipment.state_changed', 1,
                   'An equipment changed state (running, idle, down, setup, maintenance)',
                   event_lib.data_schema(_STATE, **_STATE))
