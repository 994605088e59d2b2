from odoo import fields, models


class MesSignaturePolicyLine(models.Model):
    _name = 'mes.signature.policy.line'
    _description = 'Signature Policy Line'
    _order = 'policy_id, sequence, id'
    _inherit = ['mes.audited']
    _mes_audit_fields = ('policy_id', 'sequence', 'meaning_id', 'group_ids',
                         'signatures_required', 'requires_reason', 'segregated')
    _mes_audit_no_delete = False

    policy_id = fields.Many2one('mes.signature.policy', required=True, ondelete='cascade',
                                index=True)
    sequence = fields.Integer(default=10, help='Signatures are given in this order.')
    meaning_id = fields.Many2one('mes.signature.meaning', required=True,
                                 ondelete='restrict')
    group_ids = fields.Many2many('res.groups', string='Who May Sign', required=True,
                                 help='Members of any of these groups may give this signature.')
    signatures_required = fields.Integer(string='How Many', default=1, required=True)
    requires_reason = fields.Boolean(string='Reason Required')
    segregated = fields.Boolean(
        string='Segregation of Duties', default=True,
        help='The signer may not be a performer of the record nor have signed it with '
             'another meaning.')

    _signatures_required_positive = models.Constraint(
        'CHECK (signatures_required >= 1)', 'At least one signature is required per line.')
