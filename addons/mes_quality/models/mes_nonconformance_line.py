from odoo import _, api, fields, models
from odoo.addons.mes_part11.models.mes_audited import AuditReason
from odoo.exceptions import UserError

DISPOSITIONS = [
    ('use_as_is', 'Use as is (concession)'),
    ('rework', 'Rework'),
    ('regrade', 'Regrade to another product'),
    ('scrap', 'Scrap'),
    ('return', 'Return to supplier'),
]
DISPOSITION_STATES = [
    ('draft', 'To Disposition'),
    ('approved', 'Approved, to carry out'),
    ('done', 'Carried out'),
]
_LINE_FACTS = {'disposition_state', 'scrap_id', 'return_picking_id', 'production_id'}
_DEFINITION = {'nonconformance_id', 'product_id', 'lot_id', 'quantity', 'location_id',
               'disposition', 'justification', 'regrade_product_id'}


class MesNonconformanceLine(models.Model):
    """An affected lot (or quantity) of a nonconformance and its MRB disposition, signed under
    its policy and carried out through Odoo's own documents: a scrap order, a return picking
    to the supplier, a rework (or regrade) manufacturing order; a concession releases the lot
    with its justification and authoriser on record."""
    _name = 'mes.nonconformance.line'
    _description = 'Nonconformance Line'
    _inherit = ['mes.audited', 'mes.signable']
    _order = 'nonconformance_id, id'
    _check_company_auto = True
    _mes_protected_fields = tuple(sorted(_LINE_FACTS))
    _mes_audit_fields = ('nonconformance_id', 'product_id', 'lot_id', 'quantity', 'location_id',
                         'disposition', 'justification', 'regrade_product_id',
                         'disposition_state', 'scrap_id', 'return_picking_id', 'production_id')
    _mes_signature_content = ('nonconformance_id', 'product_id', 'lot_id', 'quantity',
                              'location_id', 'disposition', 'justification',
                              'regrade_product_id')

    nonconformance_id = fields.Many2one('mes.nonconformance', required=True, index=True,
                                        ondelete='restrict')
    company_id = fields.Many2one(related='nonconformance_id.company_id', store=True, index=True)
    product_id = fields.Many2one('product.product', required=True, check_company=True)
    lot_id = fields.Many2one('stock.lot', check_company=True,
                             domain="[('product_id', '=', product_id)]")
    quantity = fields.Float(required=True, digits='Product Unit')
    uom_id = fields.Many2one(related='product_id.uom_id')
    location_id = fields.Many2one('stock.location', check_company=True,
                                  domain=[('usage', '=', 'internal')])
    disposition = fields.Selection(DISPOSITIONS)
    justification = fields.Text(help='Why the disposition is acceptable (required for a '
                                     'concession).')
    regrade_product_id = fields.Many2one('product.product', string='Regrade to',
                                         check_company=True)
    disposition_state = fields.Selection(DISPOSITION_STATES, required=True, default='draft',
                                         readonly=True, index=True)
    scrap_id = fields.Many2one('stock.scrap', readonly=True)
    return_picking_id = fields.Many2one('stock.picking', string='Return', readonly=True)
    production_id = fields.Many2one('mrp.production', string='Rework Order', readonly=True,
                                    index='btree_not_null')

    _quantity_positive = models.Constraint('CHECK (quantity > 0)',
                                           'An affected quantity is more than zero.')

    @api.depends('nonconformance_id.name', 'lot_id.name', 'product_id')
    def _compute_display_name(self):
        for line in self:
            line.display_name = '%s: %s' % (line.nonconformance_id.name or '',
                                            line.lot_id.name or line.product_id.display_name or '')

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(_LINE_FACTS & set(vals) for vals in vals_list):
            raise UserError(_('A disposition is carried out by signing it.'))
        lines = super().create(vals_list)
        for line in lines:
            if line.nonconformance_id.state in ('closed', 'cancelled'):
                raise UserError(_('%(nc)s is closed or cancelled.',
                                  nc=line.nonconformance_id.name))
        if not self.env.context.get('mes_nc_opening'):
            lines.nonconformance_id._mes_contain()
        return lines

    def write(self, vals):
        if _LINE_FACTS & set(vals) and not self.env.su:
            raise UserError(_('A disposition is carried out by signing it.'))
        if _DEFINITION & set(vals):
            decided = self.filtered(lambda l: l.disposition_state != 'draft')
            if decided:
                raise UserError(_('The disposition of %(lot)s is signed: it cannot change.',
                                  lot=decided[0].lot_id.name or decided[0].product_id.name))
        return super().write(vals)

    # -- signing the disposition ---------------------------------------------------------------
    def _mes_check_can_sign(self, meaning):
        self._mes_check_disposition()
        return super()._mes_check_can_sign(meaning)

    def _mes_check_disposition(self):
        self.ensure_one()
        nc = self.nonconformance_id
        if nc.state in ('closed', 'cancelled'):
            raise UserError(_('%(nc)s is closed or cancelled.', nc=nc.name))
        if self.disposition_state != 'draft':
            raise UserError(_('This line is already dispositioned.'))
        if not self.disposition:
            raise UserError(_('Choose the disposition of %(what)s before signing it.',
                              what=self.lot_id.name or self.product_id.display_name))
        if self.disposition == 'use_as_is' and not (self.justification or '').strip():
            raise UserError(_('A concession (use as is) needs its justification.'))
        if self.disposition == 'regrade' and (not self.regrade_product_id
                                              or self.regrade_product_id == self.product_id):
            raise UserError(_('Choose the product the lot is regraded to.'))
        if self.disposition in ('scrap', 'return', 'rework', 'regrade') and not self.location_id:
            raise UserError(_('Give the location of %(what)s: the stock document takes it '
                              'from there.', what=self.lot_id.name or self.product_id.name))
        if self.disposition == 'return' and not nc.partner_id:
            raise UserError(_('A return to supplier needs the supplier on %(nc)s.', nc=nc.name))

    def _mes_on_signature_complete(self):
        for line in self.sudo():
            line.write({'disposition_state': 'approved'})
            if line.nonconformance_id.state == 'open':
                line.nonconformance_id.write({'state': 'disposition'})
            line._mes_carry_out()
        return super()._mes_on_signature_complete()

    # -- carrying it out with Odoo's documents ---------------------------------------------------
    def _mes_reason(self, text):
        return AuditReason(text)

    def _mes_carry_out(self):
        self.ensure_one()
        getattr(self, '_mes_carry_out_%s' % self.disposition)()

    def _mes_carry_out_use_as_is(self):
        """A concession: the lot is released with the NC, its justification and signer on
        record (the release gate accepts a signed concession over a rejected inspection).
        A lot made here whose production record is not released yet goes back to quarantine
        instead: the record's review and QA release signature release it."""
        lot = self.lot_id
        if lot and lot.mes_release_state != 'released':
            state = 'quarantine' if lot._mes_record_release_problem() else 'released'
            if lot.mes_release_state != state:
                lot.with_context(mes_audit_reason=self._mes_reason(_(
                    'Concession on %(nc)s: %(why)s', nc=self.nonconformance_id.name,
                    why=self.justification))).write({'mes_release_state': state})
        self.write({'disposition_state': 'done'})

    def _mes_carry_out_scrap(self):
        scrap = self.env['stock.scrap'].create({
            'product_id': self.product_id.id, 'lot_id': self.lot_id.id or False,
            'scrap_qty': self.quantity, 'product_uom_id': self.product_id.uom_id.id,
            'location_id': self.location_id.id, 'company_id': self.company_id.id,
            'origin': self.nonconformance_id.name,
        })
        scrap.action_validate()
        if scrap.state != 'done':
            raise UserError(_('Scrapping %(qty)s %(product)s from %(location)s failed: not '
                              'enough on hand.', qty=self.quantity,
                              product=self.product_id.display_name,
                              location=self.location_id.display_name))
        if self.lot_id:
            self.lot_id.with_context(mes_audit_reason=self._mes_reason(_(
                'Scrapped on %(nc)s', nc=self.nonconformance_id.name))).write(
                {'mes_release_state': 'rejected'})
        self.write({'scrap_id': scrap.id, 'disposition_state': 'done'})

    def _mes_carry_out_return(self):
        warehouse = self.env['stock.warehouse'].search(
            [('company_id', '=', self.company_id.id)], limit=1)
        picking_type = warehouse.out_type_id
        supplier_location = self.env.ref('stock.stock_location_suppliers')
        picking = self.env['stock.picking'].create({
            'picking_type_id': picking_type.id, 'partner_id': self.nonconformance_id.partner_id.id,
            'location_id': self.location_id.id, 'location_dest_id': supplier_location.id,
            'origin': self.nonconformance_id.name, 'company_id': self.company_id.id,
            'move_ids': [(0, 0, {
                'product_id': self.product_id.id, 'product_uom_qty': self.quantity,
                'product_uom': self.product_id.uom_id.id, 'location_id': self.location_id.id,
                'location_dest_id': supplier_location.id,
            })],
        })
        picking.action_confirm()
        picking.action_assign()
        if self.lot_id:
            picking.move_line_ids.filtered(lambda l: l.lot_id != self.lot_id).unlink()
            if not picking.move_line_ids:
                self.env['stock.move.line'].create({
                    'move_id': picking.move_ids.id, 'picking_id': picking.id,
                    'product_id': self.product_id.id, 'lot_id': self.lot_id.id,
                    'quantity': self.quantity, 'product_uom_id': self.product_id.uom_id.id,
                    'location_id': self.location_id.id,
                    'location_dest_id': supplier_location.id})
            self.lot_id.with_context(mes_audit_reason=self._mes_reason(_(
                'Returned to the supplier on %(nc)s', nc=self.nonconformance_id.name))).write(
                {'mes_release_state': 'rejected'})
        # carried out when the return is shipped (stock.picking._action_done)
        self.write({'return_picking_id': picking.id})

    def _mes_carry_out_rework(self, product=None):
        """A rework (or regrade) order: consumes the lot and produces it again (or as the
        regrade product); the lot waits in quarantine for re-inspection afterwards."""
        product = product or self.product_id
        production = self.env['mrp.production'].create({
            'product_id': product.id, 'product_qty': self.quantity,
            'product_uom_id': product.uom_id.id, 'company_id': self.company_id.id,
            'origin': self.nonconformance_id.name, 'mes_nc_line_id': self.id,
            'location_src_id': self.location_id.id, 'location_dest_id': self.location_id.id,
            'move_raw_ids': [(0, 0, {
                'product_id': self.product_id.id, 'product_uom_qty': self.quantity,
                'product_uom': self.product_id.uom_id.id,
                'location_id': self.location_id.id,
                'location_dest_id': self.product_id.property_stock_production.id,
            })],
        })
        production.action_confirm()
        if self.lot_id and product == self.product_id:
            production.lot_producing_ids = self.lot_id
        self.write({'production_id': production.id})

    def _mes_carry_out_regrade(self):
        self._mes_carry_out_rework(self.regrade_product_id)

    def _mes_done_by_document(self):
        """The stock document of these lines is done: the disposition is carried out."""
        for line in self.filtered(lambda l: l.disposition_state == 'approved'):
            if line.disposition in ('rework', 'regrade') and line.lot_id:
                lot = line.production_id.lot_producing_ids[:1] or line.lot_id
                lot.sudo().with_context(mes_audit_reason=line._mes_reason(_(
                    'Reworked on %(mo)s for %(nc)s: re-inspection before release',
                    mo=line.production_id.name, nc=line.nonconformance_id.name))).write(
                    {'mes_release_state': 'quarantine'})
            line.sudo().write({'disposition_state': 'done'})
