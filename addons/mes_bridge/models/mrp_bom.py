from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from .mes_operation_step import STEP_DEFINITION_FIELDS, document_sha256

APPROVAL_STATES = [
    ('draft', 'Draft'),
    ('approved', 'Approved'),
    ('obsolete', 'Obsolete'),
]
# Fields that may still change on an approved or obsolete master record: its
# lifecycle, messaging and Odoo's own bookkeeping. Anything else needs a new version.
_LIFECYCLE_FIELDS = {
    'mes_version', 'mes_approval_state', 'mes_approved_by_id', 'mes_approved_date',
    'mes_root_bom_id', 'mes_previous_version_id',
}
_UNLOCKED_FIELDS = {
    'active', 'sequence', 'mes_approval_state', 'mes_approved_by_id', 'mes_approved_date',
    'message_follower_ids', 'message_ids', 'activity_ids', 'message_main_attachment_id',
}


class MrpBom(models.Model):
    _name = 'mrp.bom'
    _inherit = ['mrp.bom', 'mes.audited', 'mes.signable']
    _mes_audit_fields = (
        'product_tmpl_id', 'product_id', 'product_qty', 'product_uom_id', 'code', 'type',
        'company_id', 'active', 'sequence', 'mes_version', 'mes_approval_state',
        'mes_approved_by_id', 'mes_approved_date', 'mes_previous_version_id',
    )
    # By-products are signed too, when there are any (signatures given before they were
    # covered, content version 1, still verify against what they covered).
    _mes_byproduct_content = ('byproduct_ids', ('product_id', 'product_qty', 'product_uom_id',
                                                'operation_id', 'cost_share'))
    # 3: the steps' instruction documents (SHA-256), when there are any
    _mes_signature_content_version = 3
    _mes_protected_fields = tuple(_LIFECYCLE_FIELDS)
    # The master record a QA approval signs: header, components, operations and steps.
    _mes_signature_content = (
        'product_tmpl_id', 'product_id', 'product_qty', 'product_uom_id', 'code', 'type',
        'company_id', 'mes_version',
        ('bom_line_ids', ('product_id', 'product_qty', 'product_uom_id', 'operation_id')),
        ('operation_ids', ('name', 'workcenter_id', 'sequence', 'time_cycle_manual',
                           ('mes_step_ids', tuple(STEP_DEFINITION_FIELDS)))),
    )

    mes_version = fields.Integer(string='Version', default=1, copy=False, readonly=True,
                                 tracking=True)
    mes_approval_state = fields.Selection(
        APPROVAL_STATES, string='Approval', default='draft', required=True, copy=False,
        tracking=True, index=True,
        help='Only an approved master record can be released to the shop floor. An approved '
             'record is read-only: changes go into a new version.')
    mes_approved_by_id = fields.Many2one('res.users', string='Approved by', copy=False,
                                         readonly=True)
    mes_approved_date = fields.Datetime(string='Approved on', copy=False, readonly=True)
    mes_root_bom_id = fields.Many2one(
        'mrp.bom', string='First Version', copy=False, readonly=True, index=True,
        help='The first version of this master record; all versions share it.')
    mes_previous_version_id = fields.Many2one('mrp.bom', string='Previous Version', copy=False,
                                              readonly=True)
    mes_step_count = fields.Integer(string='Shop-floor Steps', compute='_compute_mes_step_count')

    def _compute_mes_step_count(self):
        for bom in self:
            bom.mes_step_count = len(bom.operation_ids.mes_step_ids)

    @api.model
    def _bom_find(self, products, picking_type=None, company_id=False, bom_type=False):
        # within a batch of orders (mes_batch_memo in the context: a B2MML schedule) Odoo
        # looks up the same products' BoMs for every order; nothing changes BoMs meanwhile
        memo = self.env.context.get('mes_batch_memo')
        if not isinstance(memo, dict):  # (a client's context cannot fill it: tuple keys)
            return super()._bom_find(products, picking_type=picking_type,
                                     company_id=company_id, bom_type=bom_type)
        key = ('mrp.bom', tuple(products.ids), picking_type.id if picking_type else False,
               company_id, bom_type, self.env.context.get('company_id'), self.env.uid,
               self.env.su, tuple(self.env.companies.ids))
        if key not in memo:
            found = super()._bom_find(products, picking_type=picking_type,
                                      company_id=company_id, bom_type=bom_type)
            memo[key] = [(product.ids, bom.id) for product, bom in found.items()]
        result = defaultdict(lambda: self.env['mrp.bom'])
        for product_ids, bom_id in memo[key]:
            result[self.env['product.product'].browse(product_ids)] = self.browse(bom_id)
        return result

    # a compute method returns nothing
    def _compute_display_name(self):  # pylint: disable=missing-return
        super()._compute_display_name()
        for bom in self:
            bom.display_name = _('%(name)s v%(version)s', name=bom.display_name,
                                 version=bom.mes_version)

    # -- locking ---------------------------------------------------------------------
    def _mes_check_editable(self):
        locked = self.filtered(lambda bom: bom.mes_approval_state != 'draft')
        if locked:
            labels = dict(self._fields['mes_approval_state']._description_selection(self.env))
            raise UserError(_(
                'Bill of materials %(bom)s is %(state)s and cannot be changed. '
                'Create a new version to make changes.',
                bom=locked[0].display_name,
                state=labels[locked[0].mes_approval_state].lower()))

    @api.model
    def _mes_check_editable_ids(self, vals_list, field='bom_id'):
        """Lock check for lines, operations... created with ``field`` in their values."""
        self.browse([vals[field] for vals in vals_list if vals.get(field)])._mes_check_editable()

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(_LIFECYCLE_FIELDS & set(vals) for vals in vals_list):
            raise UserError(_('A bill of materials is created as a draft: it is approved only '
                              'by signing it.'))
        return super().create(vals_list)

    def _mes_content(self, version=None):
        content = super()._mes_content(version)
        record = self.sudo().with_context(lang='en_US', active_test=False)
        if record.byproduct_ids and (version or self._mes_signature_content_version) >= 2:
            content.update(self._mes_signature_content_of(record, [self._mes_byproduct_content]))
        documents = record.operation_ids.mes_step_ids.filtered('instruction_pdf_sha256')
        if documents and (version or self._mes_signature_content_version) >= 3:
            content['mes_step_documents'] = [
                # the files as they are now (a file swapped behind the application voids
                # the approval)
                {'step': step.id, 'name': step.instruction_pdf_name or None,
                 'sha256': document_sha256(step)} for step in documents.sorted('id')]
        return content

    def write(self, vals):
        if set(vals) - _UNLOCKED_FIELDS:
            self._mes_check_editable()
        if _LIFECYCLE_FIELDS & set(vals) and not self.env.su:
            raise UserError(_('Use the Approve and New Version buttons to change the approval of a '
                              'bill of materials.'))
        return super().write(vals)

    def copy(self, default=None):
        # Copied scan steps still point at the original's components until re-pointed
        # below, so their consistency is checked once that is done.
        new_boms = super(MrpBom, self.with_context(mes_copying_steps=True)).copy(default)
        for old_bom, new_bom in zip(self, new_boms):
            line_map = dict(zip(old_bom.bom_line_ids, new_bom.bom_line_ids))
            old_steps = old_bom.operation_ids.mes_step_ids
            new_steps = new_bom.operation_ids.mes_step_ids
            for old_step, new_step in zip(old_steps, new_steps):
                if old_step.bom_line_id:
                    new_step.bom_line_id = line_map.get(old_step.bom_line_id)
        new_boms.operation_ids.mes_step_ids._check_definition()
        return new_boms.with_context(self.env.context)

    # -- lifecycle ---------------------------------------------------------------------
    def action_mes_approve(self):
        """Approve = sign with login and password (opens the signing dialog on the next
        signature the policy needs: a review first where the policy asks for one)."""
        self._mes_check_approvable()
        for bom in self:
            line = bom._mes_next_signature_line()
            if line:
                bom._mes_check_can_sign(line.meaning_id.code)
        return self.action_mes_sign()

    def _mes_check_approvable(self):
        for bom in self:
            if bom.mes_approval_state != 'draft':
                raise UserError(_('Only a draft bill of materials can be approved (%(bom)s).',
                                  bom=bom.display_name))
            bom._mes_check_consistency()

    def _mes_check_can_sign(self, meaning):
        self._mes_check_approvable()
        return super()._mes_check_can_sign(meaning)

    def _mes_on_signature_complete(self):
        """The approval signatures are complete: this version becomes the approved one."""
        # QA approves without needing write access to master data: the right was
        # checked when signing, the approver is recorded explicitly.
        lifecycle = self.sudo()
        for bom in lifecycle:
            root = bom.mes_root_bom_id or bom
            previous = lifecycle.search([
                '|', ('id', '=', root.id), ('mes_root_bom_id', '=', root.id),
                ('mes_approval_state', '=', 'approved'), ('id', '!=', bom.id),
            ])
            previous.write(
                {'mes_approval_state': 'obsolete', 'active': False})
            bom.write({
                'mes_approval_state': 'approved',
                'mes_approved_by_id': self.env.uid,
                'mes_approved_date': fields.Datetime.now(),
            })
            # the approved master record is anchored outside the database once this commits
            self.env['mes.audit.checkpoint'].sudo()._mes_request('master_approval',
                                                                 bom.display_name)
        return super()._mes_on_signature_complete()

    def _mes_on_unlock(self):
        """Corrections happen on a draft: the record goes back to draft for re-approval."""
        self.sudo().write({'mes_approval_state': 'draft', 'mes_approved_by_id': False,
                           'mes_approved_date': False, 'active': True})
        return super()._mes_on_unlock()

    def _mes_check_consistency(self):
        """A master record must make sense before it can be approved."""
        self.ensure_one()
        # without any context a caller may have passed (copy mode relaxes a check)
        self.operation_ids.mes_step_ids.with_context(mes_copying_steps=False)._check_definition()

    def action_mes_new_version(self):
        self.ensure_one()
        if self.mes_approval_state == 'draft':
            raise UserError(_('This bill of materials is still a draft: edit it directly.'))
        if not self.env.user.has_group('mrp.group_mrp_manager'):
            raise AccessError(_('Only a manufacturing administrator can create a new version.'))
        root = self.mes_root_bom_id or self
        family = self.with_context(active_test=False).search(
            ['|', ('id', '=', root.id), ('mes_root_bom_id', '=', root.id)])
        new_bom = self.copy({
            'active': True,
            'code': self.code,
        })
        new_bom.sudo().write({
            'mes_version': max(family.mapped('mes_version')) + 1,
            'mes_root_bom_id': root.id,
            'mes_previous_version_id': self.id,
        })
        return {
            'type': 'ir.actions.act_window',
            'res_model': 'mrp.bom',
            'res_id': new_bom.id,
            'view_mode': 'form',
            'target': 'current',
        }
