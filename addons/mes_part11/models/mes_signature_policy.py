from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class MesSignaturePolicy(models.Model):
    """Which signatures a kind of record needs, in which order and from whom."""
    _name = 'mes.signature.policy'
    _description = 'Signature Policy'
    _inherit = ['mes.audited']
    _mes_audit_fields = ('model_id', 'unlock_group_id', 'active')
    # configuration, not a GxP record: it may be removed (and that is audited)
    _mes_audit_no_delete = False

    name = fields.Char(required=True, translate=True)
    model_id = fields.Many2one('ir.model', string='Applies to', required=True, ondelete='cascade',
                               domain=[('transient', '=', False)])
    model = fields.Char(related='model_id.model', store=True, index=True)
    line_ids = fields.One2many('mes.signature.policy.line', 'policy_id', string='Signatures',
                               copy=True)
    unlock_group_id = fields.Many2one(
        'res.groups', string='May Unlock for Correction', required=True,
        help='Members may unlock a signed record for correction, with a reason; this '
             'invalidates its signatures.')
    active = fields.Boolean(default=True)

    _model_unique = models.Constraint('UNIQUE (model_id)',
                                      'A model has one signature policy.')

    @api.model
    def _mes_for_model(self, model_name):
        return self.search([('model', '=', model_name)], limit=1)

    @api.constrains('line_ids')
    def _check_lines(self):
        for policy in self:
            meanings = policy.line_ids.meaning_id
            if len(meanings) != len(policy.line_ids):
                raise ValidationError(_('Policy "%(policy)s" lists a meaning twice.',
                                        policy=policy.name))
