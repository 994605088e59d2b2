from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from .mes_inspection_characteristic import CHARACTERISTIC_DEFINITION

INSPECTION_TYPES = [
    ('receiving', 'Receiving'),
    ('in_process', 'In-process'),
    ('final', 'Final'),
]
PLAN_STATES = [
    ('draft', 'Draft'),
    ('approved', 'Approved'),
    ('obsolete', 'Obsolete'),
]
# what may still change on an approved plan: its lifecycle and messaging (the rest needs a
# new version)
_PLAN_UNLOCKED = {
    'active', 'approval_state', 'approved_by_id', 'approved_date',
    'message_follower_ids', 'message_ids', 'activity_ids', 'message_main_attachment_id',
}
_PLAN_LIFECYCLE = {'version', 'approval_state', 'approved_by_id', 'approved_date',
                   'root_plan_id', 'previous_version_id'}


class MesInspectionPlan(models.Model):
    """What to inspect on a product (or a product category) at receiving, in process or at
    final inspection, and how to sample it. Versioned and approved like a master record:
    only the approved version is used, an approved one is locked, a change is a new version."""
    _name = 'mes.inspection.plan'
    _description = 'Inspection Plan'
    _inherit = ['mail.thread', 'mes.audited', 'mes.signable']
    _order = 'name, version desc'
    _check_company_auto = True
    # a draft may be deleted (audited); approved and obsolete ones are kept (see _unlink_...)
    _mes_audit_no_delete = False
    _mes_protected_fields = tuple(sorted(_PLAN_LIFECYCLE))
    _mes_audit_fields = ('name', 'inspection_type', 'product_tmpl_id', 'product_categ_id',
                         'company_id', 'version', 'approval_state', 'approved_by_id',
                         'approved_date', 'active', 'note')
    _mes_signature_content = (
        'name', 'inspection_type', 'product_tmpl_id', 'product_categ_id', 'company_id',
        'version', ('characteristic_ids', tuple(CHARACTERISTIC_DEFINITION)),
    )

    name = fields.Char(required=True, tracking=True)
    inspection_type = fields.Selection(INSPECTION_TYPES, string='Type', required=True,
                                       default='receiving', tracking=True)
    product_tmpl_id = fields.Many2one('product.template', string='Product', index=True,
                                      check_company=True, tracking=True)
    product_categ_id = fields.Many2one(
        'product.category', string='Product Category', index=True, tracking=True,
        help='The plan applies to every product of this category (and its subcategories) '
             'that has no plan of its own.')
    company_id = fields.Many2one('res.company', required=True, index=True,
                                 default=lambda self: self.env.company)
    characteristic_ids = fields.One2many('mes.inspection.characteristic', 'plan_id',
                                         string='Characteristics', copy=True)
    note = fields.Html(string='Instructions')
    version = fields.Integer(default=1, copy=False, readonly=True, tracking=True)
    approval_state = fields.Selection(PLAN_STATES, string='Approval', default='draft',
                                      required=True, copy=False, readonly=True, index=True,
                                      tracking=True)
    approved_by_id = fields.Many2one('res.users', copy=False, readonly=True)
    approved_date = fields.Datetime(string='Approved on', copy=False, readonly=True)
    root_plan_id = fields.Many2one('mes.inspection.plan', string='First Version', copy=False,
                                   readonly=True, index=True)
    previous_version_id = fields.Many2one('mes.inspection.plan', copy=False, readonly=True)
    active = fields.Boolean(default=True)

    @api.constrains('product_tmpl_id', 'product_categ_id')
    def _check_scope(self):
        for plan in self:
            if bool(plan.product_tmpl_id) == bool(plan.product_categ_id):
                raise ValidationError(_('Inspection plan "%(plan)s" applies to a product or to '
                                        'a product category: choose exactly one.',
                                        plan=plan.name))

    # a compute method returns nothing
    def _compute_display_name(self):  # pylint: disable=missing-return
        for plan in self:
            plan.display_name = _('%(name)s v%(version)s', name=plan.name or '',
                                  version=plan.version)

    # -- locking ------------------------------------------------------------------------
    def _mes_check_editable(self):
        locked = self.filtered(lambda plan: plan.approval_state != 'draft')
        if locked:
            raise UserError(_('Inspection plan %(plan)s is approved or obsolete and cannot '
                              'change: create a new version.', plan=locked[0].display_name))

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(_PLAN_LIFECYCLE & set(vals) for vals in vals_list):
            raise UserError(_('An inspection plan is created as a draft: it is approved only '
                              'by signing it.'))
        plans = super().create(vals_list)
        plans._check_scope()  # also when neither field is given
        return plans

    def write(self, vals):
        if set(vals) - _PLAN_UNLOCKED:
            self._mes_check_editable()
        if _PLAN_LIFECYCLE & set(vals) and not self.env.su:
            raise UserError(_('Use Approve and New Version to change the approval of an '
                              'inspection plan.'))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_unused_drafts(self):
        if self.filtered(lambda plan: plan.approval_state != 'draft'):
            raise UserError(_('An approved or obsolete inspection plan is part of the quality '
                              'record and cannot be deleted.'))

    # -- lifecycle ----------------------------------------------------------------------
    def action_approve(self):
        """Approve = sign (login and password) as the policy asks (QA, not the author)."""
        for plan in self:
            plan._mes_check_approvable()
        return self.action_mes_sign()

    def _mes_check_approvable(self):
        self.ensure_one()
        if self.approval_state != 'draft':
            raise UserError(_('Only a draft inspection plan can be approved (%(plan)s).',
                              plan=self.display_name))
        if not self.characteristic_ids:
            raise UserError(_('Inspection plan %(plan)s has no characteristic to inspect.',
                              plan=self.display_name))
        self.characteristic_ids._check_definition()

    def _mes_check_can_sign(self, meaning):
        self._mes_check_approvable()
        self.env['mes.change.request']._mes_check_authorised(self)
        return super()._mes_check_can_sign(meaning)

    def _mes_on_signature_complete(self):
        lifecycle = self.sudo()
        for plan in lifecycle:
            root = plan.root_plan_id or plan
            lifecycle.with_context(active_test=False).search([
                '|', ('id', '=', root.id), ('root_plan_id', '=', root.id),
                ('approval_state', '=', 'approved'), ('id', '!=', plan.id),
            ]).write({'approval_state': 'obsolete', 'active': False})
            plan.write({'approval_state': 'approved', 'approved_by_id': self.env.uid,
                        'approved_date': fields.Datetime.now()})
        return super()._mes_on_signature_complete()

    def _mes_on_unlock(self):
        # a plan that inspections or routing steps already use changes only through a new
        # version: corrected in place, it would rewrite what they relied on (the unlock is
        # rolled back with this refusal)
        for plan in self:
            used = self.env['mes.inspection'].sudo().search_count(
                [('plan_id', '=', plan.id)], limit=1) or self.env['mes.operation.step'] \
                .sudo().search_count([('inspection_plan_id', '=', plan.id)], limit=1)
            if used:
                raise UserError(_('Inspection plan %(plan)s is in use: create a new version '
                                  'instead of unlocking it.', plan=plan.display_name))
        self.sudo().write({'approval_state': 'draft', 'approved_by_id': False,
                           'approved_date': False, 'active': True})
        return super()._mes_on_unlock()

    def action_new_version(self):
        self.ensure_one()
        if self.approval_state == 'draft':
            raise UserError(_('This inspection plan is still a draft: edit it directly.'))
        if not self.env.user.has_group('mes_bridge.group_mes_quality_manager'):
            raise AccessError(_('Only a QA manager can create a new version of an inspection '
                                'plan.'))
        root = self.root_plan_id or self
        family = self.with_context(active_test=False).search(
            ['|', ('id', '=', root.id), ('root_plan_id', '=', root.id)])
        new_plan = self.copy({'active': True})
        new_plan.sudo().write({'version': max(family.mapped('version')) + 1,
                               'root_plan_id': root.id, 'previous_version_id': self.id})
        # each characteristic of the new version continues the SPC history (and frozen
        # limits) of the one it was copied from
        for old, new in zip(self.characteristic_ids, new_plan.characteristic_ids):
            new.sudo().write({name: old[name] for name in (
                'spc_key', 'baseline_centre', 'baseline_sigma', 'baseline_points',
                'baseline_frozen_by_id', 'baseline_frozen_date')})
        return {'type': 'ir.actions.act_window', 'res_model': self._name,
                'res_id': new_plan.id, 'view_mode': 'form', 'target': 'current'}

    # -- use ------------------------------------------------------------------------------
    @api.model
    def _mes_plan_for(self, product, inspection_type, company):
        """The approved plan of this type for ``product``: its own, else its category's
        (nearest category first). Empty when there is none."""
        domain = [('approval_state', '=', 'approved'), ('inspection_type', '=', inspection_type),
                  ('company_id', '=', company.id)]
        Plan = self.sudo()
        plan = Plan.search(domain + [('product_tmpl_id', '=', product.product_tmpl_id.id)],
                           limit=1)
        category = product.categ_id
        while not plan and category:
            plan = Plan.search(domain + [('product_categ_id', '=', category.id)], limit=1)
            category = category.parent_id
        return plan.sudo(False)
