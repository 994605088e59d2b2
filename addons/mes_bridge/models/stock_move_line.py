from odoo import _, api, models
from odoo.exceptions import UserError


class StockMoveLine(models.Model):
    _inherit = 'stock.move.line'

    def _mes_done_productions(self):
        """Done manufacturing orders whose consumed or produced lines these are."""
        moves = self.filtered(lambda ml: ml.state == 'done').move_id
        productions = moves.raw_material_production_id | moves.production_id
        return productions.filtered(lambda p: p.state == 'done')

    def _mes_check_scanned_lots(self, lot=None):
        """Once a component was verified by a scan on a released order, it is consumed from
        the scanned lots only: another lot cannot be slipped in by editing the move lines.
        ``lot``: the lot a write is about to set (checked before anything changes)."""
        for line in self:
            production = line.move_id.raw_material_production_id
            if not production or not production.mes_release_date or line.state == 'cancel':
                continue
            verified = production._mes_verified_lots().get(line.product_id)
            new_lot = line.lot_id if lot is None else lot
            if verified and new_lot not in verified:
                raise UserError(_(
                    '%(product)s of %(mo)s was verified by scanning lot(s) %(lots)s: lot '
                    '%(lot)s cannot be consumed instead. Scan it on the shop floor (it is then '
                    'verified) or record an exception.', product=line.product_id.display_name,
                    mo=production.name, lots=', '.join(verified.mapped('name')),
                    lot=new_lot.name or _('(none)')))

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        if not self.env.su:
            lines._mes_check_scanned_lots()
        lines._mes_refresh_genealogy()
        return lines

    def write(self, vals):
        # (the consumed/produced relation itself is linked at done, see _post_inventory)
        if not {'lot_id', 'quant_id', 'lot_name', 'quantity', 'state', 'location_dest_id',
                'move_id'} & set(vals):
            return super().write(vals)
        if not self.env.su and 'lot_id' in vals:
            self._mes_check_scanned_lots(self.env['stock.lot'].browse(vals['lot_id']))
        elif not self.env.su and vals.get('quant_id'):
            # Odoo takes the lot from the quant chosen
            self._mes_check_scanned_lots(self.env['stock.quant'].browse(vals['quant_id']).lot_id)
        before = self._mes_done_productions()
        result = super().write(vals)
        if not self.env.su and {'move_id', 'lot_name'} & set(vals):
            self._mes_check_scanned_lots()
        self._mes_refresh_genealogy(before)
        return result

    def unlink(self):
        productions = self._mes_done_productions()
        result = super().unlink()
        self.env['mes.lot.link']._mes_mark_dirty(productions.ids)
        return result

    def _mes_refresh_genealogy(self, extra=None):
        """An edited done production (lot or quantity changed) gets its links rebuilt."""
        productions = self._mes_done_productions() | (extra or self.env['mrp.production'])
        if productions:
            self.env['mes.lot.link']._mes_mark_dirty(productions.ids)
