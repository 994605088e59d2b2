from odoo import fields, models

SIX_M = [
    ('man', 'Man (people)'),
    ('machine', 'Machine'),
    ('method', 'Method'),
    ('material', 'Material'),
    ('measurement', 'Measurement'),
    ('environment', 'Environment (Mother Nature)'),
]


class MesCapaCause(models.Model):
    """A cause found in the investigation (a why of the 5 whys, or a bone of the Ishikawa
    diagram under its 6M category); root causes are marked."""
    _name = 'mes.capa.cause'
    _description = 'CAPA Cause'
    _inherit = ['mes.audited']
    _order = 'capa_id, sequence, id'
    _mes_audit_fields = ('capa_id', 'category', 'description', 'is_root')
    _mes_audit_no_delete = False

    capa_id = fields.Many2one('mes.capa', required=True, ondelete='cascade', index=True)
    company_id = fields.Many2one(related='capa_id.company_id', store=True)
    sequence = fields.Integer(default=10)
    category = fields.Selection(SIX_M, string='6M Category')
    description = fields.Text(required=True)
    is_root = fields.Boolean(string='Root Cause')

    def write(self, vals):
        self.capa_id._mes_check_open_for_edit()
        return super().write(vals)

    def unlink(self):
        self.capa_id._mes_check_open_for_edit()
        return super().unlink()
