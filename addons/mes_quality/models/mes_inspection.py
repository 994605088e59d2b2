from odoo import _, api, fields, models
from odoo.addons.mes_part11.models.mes_audited import AuditReason
from odoo.exceptions import UserError

from .mes_inspection_plan import INSPECTION_TYPES
from .mes_sampling_state import SEVERITIES

INSPECTION_STATES = [
    ('pending', 'To Inspect'),
    ('decided', 'Decided'),
]
DECISIONS = [
    ('accept', 'Accepted'),
    ('reject', 'Rejected'),
]
# set by the inspection's own methods only (create as superuser, decide by signing)
_FACTS = {'name', 'plan_id', 'inspection_type', 'product_id', 'lot_id', 'lot_qty',
          'company_id', 'partner_id', 'picking_id', 'production_id', 'step_execution_id',
          'sampling_state_id', 'severity', 'state', 'decision', 'decided_by_id', 'decided_date',
          'switching_recorded', 'exception_id'}


class MesInspection(models.Model):
    """The inspection of one lot against an approved plan: the sampling plan of each
    characteristic fixed when it is created, the results per sample, and a decision computed
    from them (never typed) and signed by the inspector."""
    _name = 'mes.inspection'
    _description = 'Quality Inspection'
    _inherit = ['mail.thread', 'mail.activity.mixin', 'mes.audited', 'mes.signable']
    _order = 'id desc'
    _check_company_auto = True
    _mes_protected_fields = tuple(sorted(_FACTS | {'exception_id'}))
    _mes_audit_fields = ('name', 'plan_id', 'product_id', 'lot_id', 'lot_qty', 'company_id',
                         'partner_id', 'severity', 'state', 'decision', 'decided_by_id',
                         'decided_date')
    _mes_signature_content = (
        'plan_id', 'product_id', 'lot_id', 'lot_qty', 'decision',
        ('line_ids', ('characteristic_id', 'sample_size', 'acceptance_number',
                      ('result_ids', ('sample_no', 'entered_value', 'value', 'out_of_spec',
                                      'defects_critical', 'defects_major',
                                      'defects_minor')))),
    )

    name = fields.Char(string='Reference', required=True, readonly=True, copy=False,
                       default=lambda self: _('New'))
    plan_id = fields.Many2one('mes.inspection.plan', required=True, readonly=True,
                              check_company=True, index=True)
    inspection_type = fields.Selection(INSPECTION_TYPES, string='Type', required=True,
                                       readonly=True)
    product_id = fields.Many2one('product.product', required=True, readonly=True, index=True)
    lot_id = fields.Many2one('stock.lot', readonly=True, index=True)
    lot_qty = fields.Float(string='Lot Size', readonly=True, digits='Product Unit')
    company_id = fields.Many2one('res.company', required=True, readonly=True, index=True)
    partner_id = fields.Many2one('res.partner', string='Supplier', readonly=True)
    picking_id = fields.Many2one('stock.picking', string='Receipt', readonly=True)
    production_id = fields.Many2one('mrp.production', string='Manufacturing Order',
                                    readonly=True, index=True)
    step_execution_id = fields.Many2one('mes.step.execution', string='Step', readonly=True,
                                        index=True)
    sampling_state_id = fields.Many2one('mes.sampling.state', readonly=True)
    severity = fields.Selection(SEVERITIES, readonly=True, default='normal',
                                help='The ISO 2859-1 severity the lot was inspected at.')
    line_ids = fields.One2many('mes.inspection.line', 'inspection_id', readonly=True)
    state = fields.Selection(INSPECTION_STATES, default='pending', required=True,
                             readonly=True, index=True, tracking=True)
    decision = fields.Selection(DECISIONS, readonly=True, tracking=True, copy=False)
    decided_by_id = fields.Many2one('res.users', readonly=True, copy=False)
    decided_date = fields.Datetime(readonly=True, copy=False)
    samples_missing = fields.Integer(compute='_compute_progress')
    proposed_decision = fields.Selection(DECISIONS, compute='_compute_progress',
                                         help='The decision the recorded results lead to.')
    exception_id = fields.Many2one('mes.exception', readonly=True, copy=False)
    switching_recorded = fields.Boolean(
        readonly=True, copy=False,
        help='This lot counted once in the ISO 2859-1 switching rules (original inspection '
             'only: a decision taken again after a correction does not count again).')

    @api.depends('line_ids.result_ids', 'line_ids.sample_size', 'line_ids.result_ids.out_of_spec',
                 'line_ids.result_ids.defects_critical', 'line_ids.result_ids.defects_major',
                 'line_ids.result_ids.defects_minor')
    def _compute_progress(self):
        for inspection in self:
            inspection.samples_missing = sum(line.sample_size - len(line.result_ids)
                                             for line in inspection.line_ids)
            inspection.proposed_decision = False if inspection.samples_missing else (
                'accept' if all(line._mes_accepted() for line in inspection.line_ids)
                else 'reject')

    # -- facts written by the inspection itself ---------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise UserError(_('Inspections are created by receipts, productions and '
                              'inspection steps.'))
        for vals in vals_list:
            if vals.get('name', _('New')) == _('New'):
                vals['name'] = self.env['ir.sequence'].next_by_code('mes.inspection') or '/'
        return super().create(vals_list)

    def write(self, vals):
        if _FACTS & set(vals) and not self.env.su:
            raise UserError(_('An inspection is decided by signing it; its facts cannot be '
                              'written.'))
        before = {i.id: i.state for i in self} if 'state' in vals else {}
        result = super().write(vals)
        self.env['mes.event']._mes_emit_state_changes(self, before, 'state',
                                                      {'decided': 'inspection.decided'})
        return result

    def _mes_event_data(self, _old_state=None):
        self.ensure_one()
        inspection = self.sudo()
        return {
            'name': inspection.name, 'inspection_type': inspection.inspection_type,
            'product': {'id': inspection.product_id.id,
                        'name': inspection.product_id.display_name},
            'lot': inspection.lot_id.name or None, 'decision': inspection.decision,
            'decided_by': {'id': inspection.decided_by_id.id,
                           'name': inspection.decided_by_id.name}
            if inspection.decided_by_id else None,
        }

    def _mes_event_product(self):
        return self.product_id

    @api.model
    def _mes_start(self, plan, product, lot, lot_qty, **facts):
        """Create the inspection of ``lot`` with each characteristic's sampling plan for the
        current switching severity (refused while inspection is discontinued)."""
        company = facts.get('company_id') and self.env['res.company'].browse(
            facts['company_id']) or plan.company_id
        partner = self.env['res.partner'].browse(facts.get('partner_id') or [])
        state = self.env['mes.sampling.state']._mes_for(plan, product, partner, company)
        state._mes_check_not_discontinued()
        lot_size = max(int(round(lot_qty or 0)), 1)
        lines = []
        for characteristic in plan.characteristic_ids:
            plans = characteristic._mes_sampling_plans(lot_size, state.severity)
            largest = max(plans.values(), key=lambda p: p.sample_size)
            lines.append((0, 0, {
                'characteristic_id': characteristic.id,
                'sample_size': largest.sample_size,
                'acceptance_number': largest.ac,
                'class_plans': characteristic._mes_encode_plans(plans),
                'code_letter': largest.code_letter or False,
                'lower_limit': characteristic.lower_limit,
                'upper_limit': characteristic.upper_limit,
                'has_lower_limit': characteristic.has_lower_limit,
                'has_upper_limit': characteristic.has_upper_limit,
                'decimals': characteristic.decimals,
            }))
        vals = dict(facts, plan_id=plan.id, inspection_type=plan.inspection_type,
                    product_id=product.id, lot_id=lot.id if lot else False, lot_qty=lot_qty,
                    company_id=company.id, sampling_state_id=state.id,
                    severity=state.severity, line_ids=lines)
        return self.sudo().create(vals).sudo(False)

    # -- recording -------------------------------------------------------------------------
    def mes_record_results(self, results):
        """Record several samples at once (the grid, the kiosk, JSON-2): a list of dicts
        ``{'line_id', 'sample_no', 'value'}`` (variables; the value as typed, and ``gauge``,
        the gauge's code, where the characteristic needs one) or
        ``{'line_id', 'sample_no', 'defects_critical', 'defects_major', 'defects_minor'}``.
        All or nothing: one bad entry refuses the whole batch with its reason.

        :returns: dict ``{'recorded', 'out_of_spec', 'samples_missing', 'proposed_decision'}``
        """
        self.ensure_one()
        self.check_access('read')
        if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
            raise UserError(_('Send the results as a list of samples.'))
        lines = {line.id: line for line in self.line_ids}
        vals_list = []
        for result in results:
            line = lines.get(result.get('line_id'))
            if not line:
                raise UserError(_('Characteristic %(line)s is not part of inspection %(name)s.',
                                  line=result.get('line_id'), name=self.name))
            vals = {'line_id': line.id, 'sample_no': result.get('sample_no'),
                    'gauge_code': result.get('gauge')}
            if line.characteristic_type == 'variable':
                vals['entered_value'] = result.get('value')
            else:
                for cls in ('critical', 'major', 'minor'):
                    vals['defects_%s' % cls] = result.get('defects_%s' % cls, 0)
            vals_list.append(vals)
        recorded = self.env['mes.inspection.result'].create(vals_list)
        self.invalidate_recordset(['samples_missing', 'proposed_decision'])
        return {'recorded': len(recorded), 'out_of_spec': len(recorded.filtered('out_of_spec')),
                'samples_missing': self.samples_missing,
                'proposed_decision': self.proposed_decision}

    # -- deciding ---------------------------------------------------------------------------
    def mes_decide(self, login, password, reason=None):
        """Compute the decision from the results and sign it as the inspector.

        :returns: dict ``{'signed', 'decision', 'message'}`` (wrong credentials answered,
            not raised, so the failed attempt stays counted)
        """
        self.ensure_one()
        self.check_access('read')
        self._mes_check_decidable()
        outcome = self.mes_sign('performed', login, password, reason)
        return dict(outcome, decision=self.decision)

    def _mes_check_decidable(self):
        self.ensure_one()
        if self.state != 'pending':
            raise UserError(_('Inspection %(name)s was already decided (%(decision)s).',
                              name=self.name, decision=dict(
                                  self._fields['decision']._description_selection(self.env)
                              ).get(self.decision, '')))
        if self.samples_missing:
            raise UserError(_('Inspection %(name)s needs %(count)s more sample result(s) '
                              'before it can be decided.', name=self.name,
                              count=self.samples_missing))

    def _mes_check_can_sign(self, meaning):
        if meaning == 'performed':
            self._mes_check_decidable()
        return super()._mes_check_can_sign(meaning)

    def _mes_create_signature(self, line, reason=None):
        # the decision is written first, so that the inspector's signature covers it
        if line.meaning_id.code == 'performed':
            # computed from the results as stored now (corrections included)
            self.invalidate_recordset(['samples_missing', 'proposed_decision'])
            self.line_ids.invalidate_recordset(['nonconforming', 'accepted'])
            self.sudo().write({'decision': self.proposed_decision, 'state': 'decided',
                               'decided_by_id': self.env.uid,
                               'decided_date': fields.Datetime.now()})
        return super()._mes_create_signature(line, reason)

    def _mes_on_signed(self, signature):
        """The inspector's signature moves the switching state; a rejection holds the lot."""
        if signature.meaning_id.code != 'performed':
            return super()._mes_on_signed(signature)
        inspection = self.sudo()
        decision = inspection.decision
        state = inspection.sampling_state_id
        if state and not inspection.switching_recorded and not state.discontinued:
            inspection.write({'switching_recorded': True})
            iso = inspection.line_ids.filtered(
                lambda line: line.characteristic_id.sampling_method == 'iso2859')
            if iso:
                accepted = decision == 'accept'
                state._mes_record_lot(accepted, iso[0]._mes_plan(), inspection.lot_id,
                                      accepted_at_tighter_aql=all(
                                          line._mes_accepted_at_tighter_aql() for line in iso)
                                      if accepted else None)
        if decision == 'reject':
            inspection._mes_on_rejected()
        return super()._mes_on_signed(signature)

    def _mes_on_rejected(self):
        self.ensure_one()
        if self.lot_id and self.lot_id.mes_release_state != 'rejected':
            self.lot_id.sudo().with_context(
                mes_audit_reason=AuditReason(_('Inspection %(name)s rejected the lot',
                                               name=self.name))
            ).write({'mes_release_state': 'on_hold'})
        if self.exception_id:
            return  # decided again after a correction: its exception is already raised
        failed = self.line_ids.filtered(lambda line: not line._mes_accepted())
        exception = self.env['mes.exception']._mes_raise(
            self.production_id or self.lot_id or None, 'inspection',
            _('Inspection %(name)s of lot %(lot)s rejected: %(what)s.', name=self.name,
              lot=self.lot_id.display_name or '-',
              what=', '.join(failed.mapped('characteristic_id.name'))),
            severity='critical', source='quality', product_id=self.product_id.id,
            lot_id=self.lot_id.id or False, company_id=self.company_id.id)
        self.sudo().write({'exception_id': exception.id})

    def _mes_on_unlock(self):
        """A correction reopens the inspection; its decision is taken again."""
        for inspection in self.sudo():
            if inspection.lot_id.mes_release_state == 'released':
                inspection.lot_id.with_context(mes_audit_reason=AuditReason(_(
                    'Inspection %(name)s unlocked for correction: the lot waits for its new '
                    'decision', name=inspection.name))).write({'mes_release_state': 'quarantine'})
        self.sudo().write({'state': 'pending', 'decision': False, 'decided_by_id': False,
                           'decided_date': False})
        return super()._mes_on_unlock()

    # -- UI -----------------------------------------------------------------------------------
    def action_decide(self):
        self.ensure_one()
        self._mes_check_decidable()
        return self._mes_sign_wizard_action(_('Decide Inspection'),
                                            {'default_meaning_id': self.env.ref(
                                                'mes_part11.meaning_performed').id})

    def action_open_nonconformance(self):
        """A rejected inspection becomes a nonconformance on its lot (held already)."""
        self.ensure_one()
        self.check_access('write')
        if self.decision != 'reject':
            raise UserError(_('Only a rejected inspection opens a nonconformance.'))
        existing = self.env['mes.nonconformance'].search([('inspection_id', '=', self.id)],
                                                         limit=1)
        nc = existing or self.env['mes.nonconformance']._mes_open_from(
            'inspection', _('Inspection %(name)s rejected lot %(lot)s', name=self.name,
                            lot=self.lot_id.display_name or '-'),
            [{'product_id': self.product_id.id, 'lot_id': self.lot_id.id or False,
              'quantity': self.lot_qty or 1.0,
              'location_id': self.picking_id.location_dest_id.id or False}],
            inspection_id=self.id, product_id=self.product_id.id,
            partner_id=self.partner_id.id or False, company_id=self.company_id.id,
            exception_id=self.exception_id.id or False,
            defect=', '.join(self.line_ids.filtered(lambda l: not l._mes_accepted()).mapped(
                'characteristic_id.name')))
        return {'type': 'ir.actions.act_window', 'res_model': 'mes.nonconformance',
                'res_id': nc.id, 'view_mode': 'form', 'views': [(False, 'form')]}
