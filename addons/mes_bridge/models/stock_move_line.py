from odoo import api, models


class StockMoveLine(models.Model):
    _inherit = 'stock.move.line'

    def _mes_done_productions(self):
        """Done manufacturing orders whose consumed or produced lines these are."""
        moves = self.filtered(lambda ml: ml.state == 'done').move_id
        productions = moves.raw_material_production_id | moves.production_id
        return productions.filtered(lambda p: p.state == 'done')

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines._mes_refresh_genealogy()
        return lines

    def write(self, vals):
        # (the consumed/produced relation itself is linked at done, see _post_inventory)
        if not {'lot_id', 'quantity', 'state', 'location_dest_id', 'move_id'} & set(vals):
            return super().write(vals)
        before = self._mes_done_productions()
        result = super().write(vals)
        self._mes_refresh_genealogy(before)
        return result

    def unlink(self):
        productions = self._mes_done_productions()
        result = super().unlink()
        self.env['mes.lot.link'].sudo()._mes_refresh(productions.ids)
        return result

    def _mes_refresh_genealogy(self, extra=None):
        """An edited done production (lot or quantity changed) gets its links rebuilt."""
        productions = self._mes_done_productions() | (extra or self.env['mrp.production'])
        if productions:
            self.env['mes.lot.link'].sudo()._mes_refresh(productions.ids)
