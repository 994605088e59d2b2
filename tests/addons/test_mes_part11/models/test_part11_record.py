from odoo import fields, models


class TestPart11Record(models.Model):
    """What a customer writes to make their own record type Part 11-grade: inherit the two
    mixins and name the audited and the signed fields. Nothing else (no views, no code)."""
    _name = 'test.part11.record'
    _description = 'Part 11 Test Record'
    _inherit = ['mes.audited', 'mes.signable']
    _mes_audit_fields = ('name', 'quantity', 'state', 'note', 'company_id', 'line_ids')
    _mes_signature_content = ('name', 'quantity', 'company_id', ('line_ids', ('name', 'value')))

    name = fields.Char(required=True)
    quantity = fields.Float()
    state = fields.Selection([('draft', 'Draft'), ('done', 'Done')], default='draft')
    note = fields.Text()
    company_id = fields.Many2one('res.company', required=True,
                                 default=lambda self: self.env.company)
    line_ids = fields.One2many('test.part11.line', 'record_id')
    signed_hook_calls = fields.Integer(default=0)
    completed = fields.Boolean()

    def _mes_on_signed(self, signature):
        self.sudo().signed_hook_calls += 1

    def _mes_on_signature_complete(self):
        self.sudo().write({'completed': True, 'state': 'done'})

    def _mes_on_unlock(self):
        self.sudo().write({'completed': False, 'state': 'draft'})
