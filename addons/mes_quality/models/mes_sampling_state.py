import dataclasses
import json

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib import sampling

SEVERITIES = [
    ('normal', 'Normal'),
    ('tightened', 'Tightened'),
    ('reduced', 'Reduced'),
]


class MesSamplingState(models.Model):
    """Where ISO 2859-1 switching stands for one plan and product (and supplier, for
    receiving): the severity the next lot is inspected at, and what led there. Moved only by
    inspection decisions and signed QA decisions; every change is audited with its lot."""
    _name = 'mes.sampling.state'
    _description = 'Sampling Switching State'
    _inherit = ['mes.audited']
    _order = 'id desc'
    _mes_audit_fields = ('severity', 'switching_score', 'consecutive_accepted',
                         'not_accepted_on_tightened', 'discontinued', 'history')
    _mes_audit_reason_field = 'last_reason'
    _mes_protected_fields = ('severity', 'switching_score', 'consecutive_accepted',
                             'not_accepted_on_tightened', 'discontinued', 'history',
                             'last_lot_id', 'last_reason')

    plan_root_id = fields.Many2one('mes.inspection.plan', string='Inspection Plan',
                                   required=True, readonly=True, index=True)
    product_id = fields.Many2one('product.product', required=True, readonly=True, index=True)
    partner_id = fields.Many2one('res.partner', string='Supplier', readonly=True, index=True)
    company_id = fields.Many2one('res.company', required=True, readonly=True, index=True)
    severity = fields.Selection(SEVERITIES, required=True, default='normal', readonly=True)
    switching_score = fields.Integer(readonly=True)
    consecutive_accepted = fields.Integer(readonly=True)
    not_accepted_on_tightened = fields.Integer(readonly=True)
    discontinued = fields.Boolean(readonly=True, index=True)
    history = fields.Char(readonly=True, help='Recent decisions at this severity (JSON).')
    last_lot_id = fields.Many2one('stock.lot', readonly=True)
    last_reason = fields.Char(readonly=True)
    decision_ids = fields.One2many('mes.sampling.decision', 'state_id', readonly=True)

    _key_unique = models.Constraint(
        'UNIQUE NULLS NOT DISTINCT (plan_root_id, product_id, partner_id, company_id)',
        'One switching state per plan, product and supplier.')

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise UserError(_('Switching states are kept by inspections only.'))
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            raise UserError(_('Switching states are kept by inspections and signed QA '
                              'decisions only.'))
        return super().write(vals)

    @api.model
    def _mes_for(self, plan, product, partner, company):
        root = plan.root_plan_id or plan
        key = [('plan_root_id', '=', root.id), ('product_id', '=', product.id),
               ('partner_id', '=', partner.id or False), ('company_id', '=', company.id)]
        state = self.sudo().search(key, limit=1)
        if not state:
            state = self.sudo().create({'plan_root_id': root.id, 'product_id': product.id,
                                        'partner_id': partner.id or False,
                                        'company_id': company.id})
        return state

    # -- the pure state machine (lib/sampling.py) and back --------------------------------
    def _mes_as_switching(self):
        self.ensure_one()
        return sampling.SwitchingState(
            severity=self.severity, history=tuple(json.loads(self.history or '[]')),
            consecutive_accepted=self.consecutive_accepted,
            switching_score=self.switching_score,
            not_accepted_on_tightened=self.not_accepted_on_tightened,
            discontinued=self.discontinued)

    def _mes_store(self, switching, reason, lot=None):
        self.sudo().write({
            'severity': switching.severity, 'history': json.dumps(list(switching.history)),
            'consecutive_accepted': switching.consecutive_accepted,
            'switching_score': switching.switching_score,
            'not_accepted_on_tightened': switching.not_accepted_on_tightened,
            'discontinued': switching.discontinued,
            'last_lot_id': lot.id if lot else self.last_lot_id.id, 'last_reason': reason,
        })

    def _mes_record_lot(self, accepted, plan, lot, accepted_at_tighter_aql=None,
                        reduced_approved=False):
        """Move the switching state with one lot's decision (original inspection)."""
        self.ensure_one()
        before = self.severity
        # a lot sampled before the last switch (decided after it) still counts, in the order
        # decisions are taken, under the severity now in effect
        plan = dataclasses.replace(plan, severity=before) if plan.severity != before else plan
        switching, transition = sampling.next_state(
            self._mes_as_switching(), accepted, plan,
            accepted_at_tighter_aql=accepted_at_tighter_aql,
            reduced_approved=reduced_approved)
        labels = dict(self._fields['severity']._description_selection(self.env))
        reason = _('Lot %(lot)s %(outcome)s', lot=lot.display_name if lot else '-',
                   outcome=_('accepted') if accepted else _('not accepted'))
        if transition == 'discontinued':
            reason = _('%(reason)s: inspection discontinued after 5 lots not accepted on '
                       'tightened inspection', reason=reason)
        elif switching.severity != before:
            reason = _('%(reason)s: %(old)s to %(new)s inspection', reason=reason,
                       old=labels[before], new=labels[switching.severity])
        self._mes_store(switching, reason, lot)
        return transition

    def _mes_check_not_discontinued(self):
        for state in self.filtered('discontinued'):
            raise UserError(_(
                'Inspection of %(product)s%(supplier)s is discontinued (ISO 2859-1: 5 lots not '
                'accepted on tightened inspection): nothing is received or released until a QA '
                'manager resumes inspection with a signed decision.',
                product=state.product_id.display_name,
                supplier=_(' from %(partner)s', partner=state.partner_id.display_name)
                if state.partner_id else ''))

    def action_new_decision(self):
        """Open a new switching decision (reduce / resume) to sign."""
        self.ensure_one()
        return {
            'type': 'ir.actions.act_window',
            'res_model': 'mes.sampling.decision',
            'view_mode': 'form',
            'views': [(False, 'form')],
            'target': 'new',
            'context': {'default_state_id': self.id,
                        'default_decision_type': self.env.context.get('decision_type')},
        }
