from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class MesProcessRetention(models.Model):
    """A class of tags that keep their raw values for the same time (e.g. critical process
    parameters, utilities, diagnostics). After it, raw values are dropped partition by
    partition, except while a production that ran then is not released, and except the
    values of tags critical for the record, which are archived instead."""
    _name = 'mes.process.retention'
    _description = 'Process Data Retention Class'
    _order = 'raw_days desc, name'

    name = fields.Char(required=True, translate=True)
    raw_days = fields.Integer(string='Keep Raw Values (days)', required=True, default=400)
    tag_ids = fields.One2many('mes.opcua.tag', 'retention_id')
    active = fields.Boolean(default=True)

    @api.constrains('raw_days')
    def _check_raw_days(self):
        for retention in self:
            if retention.raw_days < 1:
                raise ValidationError(_('Retention class %(name)s: raw values are kept at '
                                        'least one day.', name=retention.name))
