import json

from odoo import api, fields, models

from ..lib import events as event_lib


class MesEventType(models.Model):
    """An event type of the catalogue (``lib/events.py``), with the JSON schema of its
    messages; kept in step with the code at install and update."""
    _name = 'mes.event.type'
    _description = 'MES Event Type'
    _order = 'code'
    _rec_name = 'code'

    code = fields.Char(required=True, readonly=True, index=True)
    description = fields.Char(readonly=True, translate=True)
    schema_version = fields.Integer(readonly=True)
    json_schema = fields.Text(string='JSON Schema', readonly=True)
    active = fields.Boolean(default=True, readonly=True)

    _code_unique = models.Constraint('UNIQUE (code)', 'An event type is listed once.')

    @api.model
    def _mes_sync(self):
        """Bring the records in step with the catalogue (called at install and update)."""
        existing = {t.code: t for t in self.with_context(active_test=False).search([])}
        modules = set(self.env['ir.module.module'].sudo().search([
            ('state', 'in', ('installed', 'to install', 'to upgrade'))]).mapped('name'))
        for code, (version, description, _data) in event_lib.EVENT_TYPES.items():
            if event_lib.EVENT_TYPE_MODULES.get(code) not in modules:
                continue
            vals = {'description': description, 'schema_version': version, 'active': True,
                    'json_schema': json.dumps(event_lib.message_schema(code), indent=1)}
            if code in existing:
                existing.pop(code).write(vals)
            else:
                self.create(dict(vals, code=code))
        for gone in existing.values():
            gone.active = False
