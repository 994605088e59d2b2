from odoo import _, api, fields, models
from odoo.exceptions import AccessError

LOT_RELEASE_STATES = [
    ('quarantine', 'Quarantine'),
    ('released', 'Released'),
    ('on_hold', 'On Hold'),
    ('rejected', 'Rejected'),
]
# Statuses an inspector may set on their own: taking material out of use is
# always allowed; putting it into use (or scrapping it) is a QA manager's call.
INSPECTOR_STATES = ('quarantine', 'on_hold')


class StockLot(models.Model):
    _name = 'stock.lot'
    _inherit = ['stock.lot', 'mes.audited']
    _mes_audit_fields = ('name', 'product_id', 'company_id', 'mes_release_state',
                         'mes_release_reason', 'expiration_date')
    _mes_audit_reason_field = 'mes_release_reason'

    def _mes_audit_delete_refusal(self):
        return _('Lots are part of the GxP record and cannot be deleted; set an unusable lot '
                 'to Rejected instead.')

    # Existing lots found at install time are grandfathered as released; new
    # lots take their product's initial status (see create()).
    mes_release_state = fields.Selection(
        LOT_RELEASE_STATES, string='Release Status', default='released', required=True,
        index=True, tracking=True, copy=False,
        help='Quality status of the lot. Only released lots can be consumed on the shop floor.')
    mes_release_reason = fields.Char(string='Status Reason', tracking=True, copy=False)

    @api.model_create_multi
    def create(self, vals_list):
        products = self.env['product.product'].browse(
            [vals['product_id'] for vals in vals_list if vals.get('product_id')])
        defaults = {p.id: p.mes_lot_release_state for p in products}
        for vals in vals_list:
            if 'mes_release_state' in vals:
                self._mes_check_release_right(vals['mes_release_state'])
            elif vals.get('product_id'):
                vals['mes_release_state'] = defaults.get(vals['product_id']) or 'quarantine'
        return super().create(vals_list)

    def write(self, vals):
        if 'mes_release_state' in vals:
            changing = self.filtered(lambda lot: lot.mes_release_state != vals['mes_release_state'])
            if changing:
                self._mes_check_release_right(vals['mes_release_state'])
        return super().write(vals)

    @api.model
    def _mes_check_release_right(self, state):
        if self.env.su:
            return
        user = self.env.user
        if user.has_group('mes_bridge.group_mes_quality_manager'):
            return
        if state in INSPECTOR_STATES and user.has_group('mes_bridge.group_mes_quality_inspector'):
            return
        label = dict(self._fields['mes_release_state']._description_selection(self.env))[state]
        raise AccessError(_('Only quality can set a lot to "%(state)s".', state=label))

    def _mes_material_refusal(self, product):
        """Why this lot may not be consumed as ``product``; False when it may.

        Returns a (reason_code, message) pair with a translated message naming the lot.
        """
        self.ensure_one()
        if self.product_id != product:
            return ('wrong_product', _(
                'Lot %(lot)s is %(lot_product)s, but this step needs %(product)s.',
                lot=self.name, lot_product=self.product_id.display_name, product=product.display_name))
        if self.expiration_date and self.expiration_date <= fields.Datetime.now():
            return ('expired_lot', _(
                'Lot %(lot)s of %(product)s expired on %(date)s.',
                lot=self.name, product=product.display_name,
                date=fields.Datetime.to_string(self.expiration_date)))
        if self.mes_release_state != 'released':
            label = dict(self._fields['mes_release_state']._description_selection(self.env))[
                self.mes_release_state]
            return ('unreleased_lot', _(
                'Lot %(lot)s of %(product)s is not released for use (status: %(state)s).',
                lot=self.name, product=product.display_name, state=label))
        return False

    def action_mes_set_release_state(self):
        """Buttons on the lot form pass the target status in the context."""
        state = self.env.context.get('mes_release_state')
        if state:
            self.write({'mes_release_state': state})
        return True
