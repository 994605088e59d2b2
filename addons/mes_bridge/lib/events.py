"""Business events of the MES as other systems receive them: the catalogue of event types with
the JSON schema of each, the message envelope, webhook signatures, backoff and the topic /
routing-key templates. Plain Python (no ORM): the outbox model and the dispatcher use it, and so
can a consumer's tests.

A message is::

    {"id": "<uuid>", "type": "workorder.started", "schema_version": 1,
     "time": "2026-12-03T10:15:02.123456Z", "sequence": 4711,
     "company": {"id": 1, "name": "..."},
     "subject": {"model": "mrp.workorder", "id": 12, "name": "WO/00012"},
     "data": {...}}

``id`` is the consumer's dedupe key; ``subject`` is the ordering key (messages about one record
arrive in ``sequence`` order); ``data`` is described per type below.
"""
import hashlib
import hmac
import json
import re

# -- the catalogue ---------------------------------------------------------------------------
_STR = {'type': 'string'}
_STR_OR_NULL = {'type': ['string', 'null']}
_NUM = {'type': 'number'}
_NUM_OR_NULL = {'type': ['number', 'null']}
_INT = {'type': 'integer'}
_REF = {'type': ['object', 'null'], 'required': ['id', 'name'], 'additionalProperties': False,
        'properties': {'id': _INT, 'name': _STR}}
_LOTS = {'type': 'array', 'items': _STR}


def _data(required, **properties):
    return {'type': 'object', 'required': sorted(required), 'additionalProperties': False,
            'properties': properties}


_PRODUCTION = dict(name=_STR, product=_REF, product_code=_STR_OR_NULL, quantity=_NUM,
                   uom=_STR, lots=_LOTS, master_version=_INT, state=_STR)
_WORKORDER = dict(name=_STR, production=_REF, workcenter=_REF, product=_REF, state=_STR,
                  user=_REF)

EVENT_TYPES = {
    # type: (schema version, what it says, JSON schema of "data")
    'production.released': (1, 'A manufacturing order was released to the shop floor',
                            _data(_PRODUCTION, **_PRODUCTION)),
    'production.started': (1, 'Work on a manufacturing order started',
                           _data(_PRODUCTION, **_PRODUCTION)),
    'production.done': (1, 'A manufacturing order was done (its stock posted)',
                        _data(_PRODUCTION, **_PRODUCTION)),
    'workorder.started': (1, 'A work order started or resumed', _data(_WORKORDER, **_WORKORDER)),
    'workorder.paused': (1, 'A work order was paused', _data(
        list(_WORKORDER) + ['reason'], reason=_STR_OR_NULL, **_WORKORDER)),
    'workorder.done': (1, 'A work order was finished', _data(_WORKORDER, **_WORKORDER)),
    'step.recorded': (1, 'A shop-floor step was recorded', _data(
        ['name', 'type', 'workorder', 'production', 'result', 'value', 'out_of_limit', 'lot',
         'operator', 'device', 'recorded_offline_at'],
        name=_STR, type=_STR, workorder=_REF, production=_REF,
        result={'type': ['string', 'null'], 'enum': ['pass', 'fail', None]},
        value=_STR_OR_NULL, out_of_limit={'type': 'boolean'}, lot=_STR_OR_NULL,
        operator=_REF, device=_REF, recorded_offline_at=_STR_OR_NULL)),
    'exception.raised': (1, 'An exception was raised', _data(
        ['name', 'kind', 'severity', 'blocking', 'description', 'production', 'workorder',
         'lot'],
        name=_STR, kind=_STR, severity=_STR, blocking={'type': 'boolean'}, description=_STR,
        production=_REF, workorder=_REF, lot=_STR_OR_NULL)),
    'exception.dispositioned': (1, 'An exception was dispositioned (signed)', _data(
        ['name', 'kind', 'severity', 'disposition', 'note', 'dispositioned_by', 'production'],
        name=_STR, kind=_STR, severity=_STR, disposition=_STR, note=_STR_OR_NULL,
        dispositioned_by=_REF, production=_REF)),
    'lot.release_state_changed': (1, 'The release state of a lot changed', _data(
        ['name', 'product', 'product_code', 'old_state', 'new_state', 'reason'],
        name=_STR, product=_REF, product_code=_STR_OR_NULL, old_state=_STR_OR_NULL,
        new_state=_STR, reason=_STR_OR_NULL)),
    # a copy of every audit trail checkpoint in another system: with the public key, a
    # consumer can verify each one and hold the chain head it anchors (see mes_part11)
    'audit.checkpoint': (1, 'A checkpoint of the audit trail head was signed', _data(
        ['line', 'database', 'epoch', 'key', 'seq', 'hash', 'time', 'reason', 'reference',
         'signature', 'line_sha256'],
        line=_INT, database=_STR, epoch=_INT, key=_STR, seq=_INT, hash=_STR, time=_STR,
        reason=_STR, reference=_STR_OR_NULL, signature=_STR, line_sha256=_STR)),
}


# the addon each type belongs to (the catalogue of a database lists its installed addons' only)
EVENT_TYPE_MODULES = dict.fromkeys(EVENT_TYPES, 'mes_bridge')


def register(module, event_type, version, description, data_schema):
    """Other addons add their event types (inspection decided, equipment state...) when they
    are imported."""
    EVENT_TYPES[event_type] = (version, description, data_schema)
    EVENT_TYPE_MODULES[event_type] = module


def ref_schema():
    """``{"id": .., "name": ..}`` or null, for other addons' data schemas."""
    return _REF


def data_schema(required, **properties):
    return _data(required, **properties)


def message_schema(event_type):
    """The JSON schema (2020-12) of a whole message of ``event_type``."""
    version, description, data_schema = EVENT_TYPES[event_type]
    return {
        '$schema': 'https://json-schema.org/draft/2020-12/schema',
        '$id': 'urn:mes-odoo:event:%s:%d' % (event_type, version),
        'title': event_type, 'description': description, 'type': 'object',
        'required': ['id', 'type', 'schema_version', 'time', 'sequence', 'company', 'subject',
                     'data'],
        'additionalProperties': False,
        'properties': {
            'id': {'type': 'string', 'format': 'uuid'},
            'type': {'const': event_type},
            'schema_version': {'const': version},
            'time': {'type': 'string', 'format': 'date-time'},
            'sequence': {'type': 'integer'},
            'company': _REF,
            'subject': {'type': 'object', 'required': ['model', 'id', 'name'],
                        'additionalProperties': False,
                        'properties': {'model': _STR, 'id': _INT, 'name': _STR}},
            'data': data_schema,
        },
    }


def canonical(message):
    """The exact bytes sent (and signed): compact JSON, keys sorted, UTF-8."""
    return json.dumps(message, sort_keys=True, separators=(',', ':'),
                      ensure_ascii=False).encode()


# -- webhooks --------------------------------------------------------------------------------
SIGNATURE_HEADER = 'X-MES-Signature'


def signature(key, timestamp, body):
    """``t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` (the scheme Stripe made common:
    the timestamp inside the signed text lets a receiver refuse replays of old messages)."""
    mac = hmac.new(key, b'%d.' % int(timestamp) + body, hashlib.sha256).hexdigest()
    return 't=%d,v1=%s' % (int(timestamp), mac)


def verify_signature(key, header, body, now=None, tolerance=300):
    """What a receiver does: True when ``header`` signs ``body`` with ``key`` (and, given
    ``now``, was made less than ``tolerance`` seconds ago)."""
    try:
        parts = dict(item.split('=', 1) for item in header.split(','))
        timestamp = int(parts['t'])
    except (ValueError, KeyError, AttributeError):
        return False
    if now is not None and abs(now - timestamp) > tolerance:
        return False
    expected = signature(key, timestamp, body).split('v1=', 1)[1]
    return hmac.compare_digest(expected, parts.get('v1', ''))


# -- retries ---------------------------------------------------------------------------------
def backoff_seconds(attempts, base=2.0, cap=3600.0):
    """Seconds to wait after the ``attempts``-th failed attempt: 2, 4, 8... up to an hour."""
    return min(cap, base * (2 ** max(0, attempts - 1)))


# -- topics and routing keys -----------------------------------------------------------------
_PLACEHOLDER = re.compile(r'\{(\w+)\}')
TEMPLATE_FIELDS = ('type', 'company', 'model', 'id', 'category')


def render_template(template, message):
    """``mes/{company}/{type}/{model}/{id}`` with the message's values; MQTT / AMQP special
    characters in values are replaced so that a value cannot add a level or a wildcard."""
    values = {
        'type': message['type'], 'category': message['type'].split('.', 1)[0],
        'company': message['company']['id'] if message.get('company') else 0,
        'model': message['subject']['model'], 'id': message['subject']['id'],
    }

    def value(match):
        name = match.group(1)
        if name not in values:
            raise ValueError('unknown placeholder {%s} (use %s)' % (
                name, ', '.join('{%s}' % f for f in TEMPLATE_FIELDS)))
        return re.sub(r'[/#+*\s]', '_', str(values[name]))

    return _PLACEHOLDER.sub(value, template)


def check_template(template):
    """Raise ValueError naming an unknown placeholder."""
    render_template(template, {'type': 'x.y', 'company': {'id': 1, 'name': 'c'},
                               'subject': {'model': 'm', 'id': 1, 'name': 'n'}})
