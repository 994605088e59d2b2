from odoo import _, api, fields, models
from odoo.addons.mes_part11.models.mes_audited import AuditReason
from odoo.exceptions import UserError

CHANGE_TYPES = [
    ('bom', 'Master record (BoM) version'),
    ('plan', 'Inspection plan version'),
    ('equipment', 'Equipment'),
    ('supplier', 'Supplier'),
    ('document', 'Document'),
]
CHANGE_STATES = [
    ('draft', 'Draft'),
    ('approved', 'Approved'),
    ('implemented', 'Implemented'),
    ('closed', 'Closed'),
    ('cancelled', 'Cancelled'),
]
_CR_FACTS = {'name', 'state', 'implemented_by_id', 'implemented_date', 'review_note',
             'cancel_reason'}


class MesChangeRequest(models.Model):
    """Change control (ISO 13485 4.1.4, 7.3.9): what changes and why, its risk and impact
    (open orders, lots and stock affected: computed), the difference between the old and the
    new version side by side, approval by the signature policy (several approvers in order,
    segregation of duties), implementation and an effectiveness review. With the company's
    "change control" setting on, a new master record or inspection plan version is approved
    only when an approved request names it."""
    _name = 'mes.change.request'
    _description = 'Change Request'
    _inherit = ['mail.thread', 'mail.activity.mixin', 'mes.audited', 'mes.signable']
    _order = 'id desc'
    _check_company_auto = True
    _mes_protected_fields = tuple(sorted(_CR_FACTS))
    _mes_audit_fields = ('name', 'title', 'change_type', 'bom_id', 'plan_id', 'partner_id',
                         'subject', 'reason', 'risk_assessment', 'validation_needed',
                         'regulatory_notification', 'implementation_plan', 'state',
                         'implemented_by_id', 'review_note', 'cancel_reason', 'company_id')
    _mes_signature_content = ('title', 'change_type', 'bom_id', 'plan_id', 'partner_id',
                              'subject', 'reason', 'risk_assessment', 'validation_needed',
                              'regulatory_notification', 'implementation_plan')

    name = fields.Char(string='Reference', required=True, readonly=True, copy=False,
                       default=lambda self: _('New'))
    title = fields.Char(required=True, tracking=True)
    company_id = fields.Many2one('res.company', required=True, readonly=True, index=True,
                                 default=lambda self: self.env.company)
    change_type = fields.Selection(CHANGE_TYPES, required=True, default='bom')
    bom_id = fields.Many2one('mrp.bom', string='New Master Record Version', check_company=True)
    plan_id = fields.Many2one('mes.inspection.plan', string='New Plan Version',
                              check_company=True)
    partner_id = fields.Many2one('res.partner', string='Supplier')
    subject = fields.Char(help='The equipment, document or other item that changes.')
    reason = fields.Text(required=True)
    risk_assessment = fields.Text()
    validation_needed = fields.Boolean()
    regulatory_notification = fields.Boolean(string='Regulatory Notification Needed')
    implementation_plan = fields.Text()
    state = fields.Selection(CHANGE_STATES, required=True, default='draft', readonly=True,
                             tracking=True, index=True)
    open_order_count = fields.Integer(string='Open Orders Affected',
                                      compute='_compute_impact')
    lot_count = fields.Integer(string='Lots in Stock Affected', compute='_compute_impact')
    stock_qty = fields.Float(string='Stock Affected', compute='_compute_impact',
                             digits='Product Unit')
    diff_text = fields.Text(string='Old and New Version', compute='_compute_diff')
    implemented_by_id = fields.Many2one('res.users', readonly=True)
    implemented_date = fields.Datetime(readonly=True)
    review_note = fields.Text(string='Effectiveness Review', readonly=True)
    cancel_reason = fields.Text(readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get('name', _('New')) == _('New'):
                vals['name'] = self.env['ir.sequence'].sudo().next_by_code(
                    'mes.change.request') or '/'
        return super().create(vals_list)

    def write(self, vals):
        if _CR_FACTS & set(vals) and not self.env.su:
            raise UserError(_('A change request moves on by its approval signatures, its '
                              'implementation and its review.'))
        if set(vals) & set(self._mes_signature_content) and self.filtered(
                lambda r: r.state != 'draft'):
            raise UserError(_('An approved change request cannot change: raise a new one.'))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(_('A change request is part of the quality record: cancel it.'))

    # -- impact (computed, not typed) -----------------------------------------------------
    def _mes_product_templates(self):
        self.ensure_one()
        if self.change_type == 'bom' and self.bom_id:
            return self.bom_id.product_tmpl_id
        if self.change_type == 'plan' and self.plan_id:
            return self.plan_id.product_tmpl_id or self.env['product.template'].search(
                [('categ_id', 'child_of', self.plan_id.product_categ_id.id)])
        return self.env['product.template']

    @api.depends('change_type', 'bom_id', 'plan_id')
    def _compute_impact(self):
        for request in self:
            templates = request.sudo()._mes_product_templates()
            products = templates.product_variant_ids
            request.open_order_count = self.env['mrp.production'].sudo().search_count([
                ('product_id', 'in', products.ids),
                ('state', 'in', ('confirmed', 'progress', 'to_close')),
                ('company_id', '=', request.company_id.id)]) if products else 0
            quants = self.env['stock.quant'].sudo().search([
                ('product_id', 'in', products.ids), ('location_id.usage', '=', 'internal'),
                ('company_id', '=', request.company_id.id)]) if products else \
                self.env['stock.quant']
            request.lot_count = len(quants.lot_id)
            request.stock_qty = sum(quants.mapped('quantity'))

    # -- the difference, side by side ---------------------------------------------------------
    @api.depends('change_type', 'bom_id', 'plan_id')
    def _compute_diff(self):
        for request in self:
            new = request.bom_id if request.change_type == 'bom' else request.plan_id \
                if request.change_type == 'plan' else None
            old = (new.mes_previous_version_id if request.change_type == 'bom'
                   else new.previous_version_id) if new else None
            request.diff_text = '\n'.join(request._mes_diff_lines(old, new)) if new else False

    def _mes_diff_lines(self, old, new):
        """One line per difference: ``<what>: <old> -> <new>``."""
        lines = []
        left = self._mes_describe(old.sudo()) if old else {}
        right = self._mes_describe(new.sudo())
        for key in sorted(set(left) | set(right)):
            if left.get(key) != right.get(key):
                lines.append('%s: %s -> %s' % (key, left.get(key, _('(none)')),
                                               right.get(key, _('(none)'))))
        return lines or [_('No difference from the previous version.')]

    def _mes_describe(self, record):
        """{label: value} of what a version defines (components, quantities, operations,
        steps and limits; characteristics, limits and sampling)."""
        facts = {}
        if record._name == 'mrp.bom':
            facts[_('Quantity')] = '%g %s' % (record.product_qty, record.product_uom_id.name)
            for line in record.bom_line_ids:
                facts[_('Component %(product)s', product=line.product_id.display_name)] = \
                    '%g %s' % (line.product_qty, line.product_uom_id.name)
            for operation in record.operation_ids:
                key = _('Operation %(name)s', name=operation.name)
                facts[key] = operation.workcenter_id.name
                for step in operation.mes_step_ids:
                    limits = ''
                    if step.step_type == 'measurement':
                        limits = ' [%s .. %s %s]' % (step.lower_limit, step.upper_limit,
                                                    step.uom_id.name or '')
                    facts['%s / %s' % (key, step.name)] = '%s%s' % (step.step_type, limits)
        else:
            for characteristic in record.characteristic_ids:
                key = _('Characteristic %(name)s', name=characteristic.name)
                spec = '%s .. %s' % (
                    characteristic.lower_limit if characteristic.has_lower_limit else '-',
                    characteristic.upper_limit if characteristic.has_upper_limit else '-') \
                    if characteristic.characteristic_type == 'variable' else ''
                facts[key] = spec
                facts['%s / %s' % (key, _('sampling'))] = ' '.join(str(part) for part in (
                    characteristic.sampling_method, characteristic.inspection_level or '',
                    characteristic.aql or characteristic.aql_major or '',
                    characteristic.sample_size or '') if part)
        return facts

    # -- approval, implementation, review ------------------------------------------------------
    def _mes_check_can_sign(self, meaning):
        self.ensure_one()
        if self.state != 'draft':
            raise UserError(_('%(cr)s is no longer open for approval.', cr=self.name))
        if self.change_type == 'bom' and not self.bom_id or \
                self.change_type == 'plan' and not self.plan_id:
            raise UserError(_('Name the new version this request approves.'))
        return super()._mes_check_can_sign(meaning)

    def _mes_on_signature_complete(self):
        self.sudo().write({'state': 'approved'})
        return super()._mes_on_signature_complete()

    def action_implement_wizard(self):
        return self.env['mes.quality.note']._mes_open(self, 'cr_implement',
                                                      _('Implementation'))

    def action_review_wizard(self):
        return self.env['mes.quality.note']._mes_open(self, 'cr_review',
                                                      _('Effectiveness Review'))

    def action_cancel_wizard(self):
        return self.env['mes.quality.note']._mes_open(self, 'cr_cancel',
                                                      _('Cancel Change Request'))

    def mes_implement(self, note=None):
        self.ensure_one()
        self.check_access('write')
        if self.state != 'approved':
            raise UserError(_('Only an approved change is implemented.'))
        self.sudo().with_context(mes_audit_reason=AuditReason(
            (note or '').strip() or _('Implemented'))).write({
                'state': 'implemented', 'implemented_by_id': self.env.uid,
                'implemented_date': fields.Datetime.now()})
        return True

    def mes_review(self, note):
        self.ensure_one()
        self.check_access('write')
        if not self.env.user.has_group('mes_bridge.group_mes_quality_manager'):
            raise UserError(_('The effectiveness of a change is reviewed by a QA manager.'))
        if self.state != 'implemented':
            raise UserError(_('A change is reviewed once implemented.'))
        if not (note or '').strip():
            raise UserError(_('Record the effectiveness review.'))
        self.sudo().write({'state': 'closed', 'review_note': note.strip()})
        return True

    def mes_cancel(self, reason):
        self.ensure_one()
        self.check_access('write')
        if not (reason or '').strip():
            raise UserError(_('State why the change request is cancelled.'))
        if self.state in ('closed', 'cancelled'):
            raise UserError(_('%(cr)s is already closed or cancelled.', cr=self.name))
        self.sudo().with_context(mes_audit_reason=AuditReason(reason.strip())).write(
            {'state': 'cancelled', 'cancel_reason': reason.strip()})
        return True

    @api.model
    def _mes_check_authorised(self, record):
        """With change control on, a new version is approved only when an approved change
        request names it (the first version of a record is not a change)."""
        company = record.company_id or self.env.company
        if not company.mes_change_control_required:
            return
        previous = record.mes_previous_version_id if record._name == 'mrp.bom' \
            else record.previous_version_id
        if not previous:
            return
        field = 'bom_id' if record._name == 'mrp.bom' else 'plan_id'
        if not self.sudo().search_count([(field, '=', record.id),
                                         ('state', 'in', ('approved', 'implemented', 'closed'))],
                                        limit=1):
            raise UserError(_('%(record)s changes a master record under change control: it is '
                              'approved only with an approved change request that names it.',
                              record=record.display_name))
