from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib import sampling

DECISION_TYPES = [
    ('reduce', 'Switch to reduced inspection'),
    ('resume', 'Resume discontinued inspection'),
]


class MesSamplingDecision(models.Model):
    """A QA manager's signed decision on a switching state: allow reduced inspection (ISO
    2859-1 9.3.3: switching score, steady production and the responsible authority's
    approval) or resume a discontinued inspection (9.4, at tightened inspection)."""
    _name = 'mes.sampling.decision'
    _description = 'Sampling Switching Decision'
    _inherit = ['mes.audited', 'mes.signable']
    _order = 'id desc'
    _mes_protected_fields = ('applied',)
    _mes_audit_fields = ('state_id', 'decision_type', 'reason', 'production_steady', 'applied')
    _mes_signature_content = ('state_id', 'decision_type', 'reason', 'production_steady')

    state_id = fields.Many2one('mes.sampling.state', required=True, index=True,
                               ondelete='restrict')
    company_id = fields.Many2one(related='state_id.company_id', store=True, index=True)
    decision_type = fields.Selection(DECISION_TYPES, required=True)
    reason = fields.Text(required=True)
    production_steady = fields.Boolean(
        help='Production is at a steady rate (a condition of reduced inspection).')
    applied = fields.Boolean(readonly=True, copy=False)

    @api.model_create_multi
    def create(self, vals_list):
        decisions = super().create(vals_list)
        for decision in decisions:
            decision._mes_check_applicable()
        return decisions

    def write(self, vals):
        if 'applied' in vals and not self.env.su:
            raise UserError(_('A switching decision is applied by signing it.'))
        return super().write(vals)

    def _mes_check_applicable(self):
        self.ensure_one()
        state = self.state_id
        if self.applied:
            raise UserError(_('This decision was already applied.'))
        if self.decision_type == 'resume' and not state.discontinued:
            raise UserError(_('Inspection of %(product)s is not discontinued.',
                              product=state.product_id.display_name))
        if self.decision_type == 'reduce':
            if state.severity != 'normal' or state.discontinued:
                raise UserError(_('Reduced inspection follows normal inspection only.'))
            if state.switching_score < sampling.REDUCED_SWITCHING_SCORE:
                raise UserError(_('The switching score is %(score)s: reduced inspection needs '
                                  '%(needed)s or more.', score=state.switching_score,
                                  needed=sampling.REDUCED_SWITCHING_SCORE))
            if not self.production_steady:
                raise UserError(_('Reduced inspection needs production at a steady rate.'))

    def _mes_check_can_sign(self, meaning):
        self._mes_check_applicable()
        return super()._mes_check_can_sign(meaning)

    def _mes_on_signature_complete(self):
        for decision in self.sudo():
            state = decision.state_id
            switching = state._mes_as_switching()
            if decision.decision_type == 'resume':
                switching = sampling.resume_state(switching)
                reason = _('Inspection resumed at tightened inspection: %(reason)s',
                           reason=decision.reason)
            else:
                switching = sampling.reduce_state(switching)
                reason = _('Reduced inspection approved: %(reason)s', reason=decision.reason)
            state._mes_store(switching, reason)
            decision.write({'applied': True})
        return super()._mes_on_signature_complete()
