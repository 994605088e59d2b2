import logging
import time

from odoo import api, fields, models

_logger = logging.getLogger(__name__)

LINK_KINDS = [
    ('production', 'Production'),
    ('byproduct', 'By-product'),
    ('unit', 'Unit-level scan'),
]

# Edges from Odoo's own consumed <-> produced move-line relation (the one its traceability
# report walks), one row per (component lot, produced lot, production), with the quantity of
# the component lot consumed in that production (product unit). Scrapped lines (destination
# of usage 'inventory') are not consumption. A produced lot fully unbuilt from that
# production no longer contains its components: its edges stay, inactive.
_REFRESH_SQL = """
    WITH consumed AS (
        SELECT cm.raw_material_production_id AS production_id, c.lot_id,
               SUM(c.quantity_product_uom) AS qty, MAX(c.date) AS date
          FROM stock_move_line c
          JOIN stock_move cm ON cm.id = c.move_id
          JOIN stock_location cl ON cl.id = c.location_dest_id
         WHERE cm.raw_material_production_id IN %(ids)s AND c.state = 'done'
           AND c.lot_id IS NOT NULL AND cl.usage != 'inventory'
      GROUP BY 1, 2
    ), produced AS (
        SELECT pm.production_id, p.lot_id, SUM(p.quantity_product_uom) AS qty
          FROM stock_move_line p
          JOIN stock_move pm ON pm.id = p.move_id
         WHERE pm.production_id IN %(ids)s AND p.state = 'done' AND p.lot_id IS NOT NULL
      GROUP BY 1, 2
    ), unbuilt AS (
        -- the unbuild's moves taking the finished product back apart
        SELECT u.mo_id AS production_id, l.lot_id, SUM(l.quantity_product_uom) AS qty
          FROM mrp_unbuild u
          JOIN mrp_production ump ON ump.id = u.mo_id
          JOIN stock_move um ON um.unbuild_id = u.id AND um.product_id = ump.product_id
          JOIN stock_move_line l ON l.move_id = um.id AND l.state = 'done'
         WHERE u.mo_id IN %(ids)s AND u.state = 'done' AND l.lot_id IS NOT NULL
      GROUP BY 1, 2
    ), pairs AS (
        SELECT DISTINCT pm.production_id, c.lot_id AS from_lot_id, p.lot_id AS to_lot_id,
               pm.product_id != mp.product_id AS is_byproduct
          FROM stock_move_line_consume_rel rel
          JOIN stock_move_line p ON p.id = rel.consume_line_id
          JOIN stock_move_line c ON c.id = rel.produce_line_id
          JOIN stock_move pm ON pm.id = p.move_id
          JOIN stock_move cm ON cm.id = c.move_id
          JOIN mrp_production mp ON mp.id = pm.production_id
         WHERE pm.production_id IN %(ids)s AND cm.raw_material_production_id = pm.production_id
           AND c.lot_id IS NOT NULL AND p.lot_id IS NOT NULL
           AND c.state = 'done' AND p.state = 'done'
    ), precise AS (
        -- components scanned per produced unit: their links replace the all-to-all ones
        SELECT production_id, lot_id FROM mes_step_execution
         WHERE production_id IN %(ids)s AND state = 'done' AND unit_lot_id IS NOT NULL
           AND lot_id IS NOT NULL
      GROUP BY 1, 2
    )
    INSERT INTO mes_lot_link (from_lot_id, to_lot_id, production_id, kind, qty, date,
                              company_id, active)
    SELECT pairs.from_lot_id, pairs.to_lot_id, pairs.production_id,
           CASE WHEN pairs.is_byproduct THEN 'byproduct' ELSE 'production' END,
           consumed.qty, consumed.date, mp.company_id,
           COALESCE(unbuilt.qty, 0) < produced.qty - 0.000001
      FROM pairs
      JOIN consumed ON consumed.production_id = pairs.production_id
                   AND consumed.lot_id = pairs.from_lot_id
      JOIN produced ON produced.production_id = pairs.production_id
                   AND produced.lot_id = pairs.to_lot_id
      JOIN mrp_production mp ON mp.id = pairs.production_id
 LEFT JOIN unbuilt ON unbuilt.production_id = pairs.production_id
                  AND unbuilt.lot_id = pairs.to_lot_id
     WHERE NOT EXISTS (SELECT 1 FROM precise
                        WHERE precise.production_id = pairs.production_id
                          AND precise.lot_id = pairs.from_lot_id)
    UNION ALL
    SELECT s.lot_id, s.unit_lot_id, s.production_id, 'unit', SUM(s.unit_qty), MAX(s.date_done),
           MAX(mp.company_id), TRUE
      FROM mes_step_execution s
      JOIN mrp_production mp ON mp.id = s.production_id
     WHERE s.production_id IN %(ids)s AND s.state = 'done' AND s.unit_lot_id IS NOT NULL
       AND s.lot_id IS NOT NULL AND mp.state = 'done'
  GROUP BY s.lot_id, s.unit_lot_id, s.production_id
"""


_DIRTY = 'mes_genealogy_dirty'  # productions whose links wait for a rebuild

class MesLotLink(models.Model):
    """Lot genealogy edge: ``qty`` of ``from_lot`` went into ``to_lot`` in ``production``.

    Maintained in the transaction that makes Odoo's own consumed/produced move-line links
    (production done, done production edited, unbuild), backfilled in bulk at install, and
    walked with recursive SQL by ``stock.lot.mes_trace``.
    """
    _name = 'mes.lot.link'
    _mes_field_units = {'qty': "the component's unit (from_lot_id.product_id.uom_id)"}
    _description = 'Lot Genealogy Link'
    _order = 'id'
    _log_access = False

    from_lot_id = fields.Many2one('stock.lot', string='Component Lot', required=True,
                                  index=True, ondelete='cascade', readonly=True)
    to_lot_id = fields.Many2one('stock.lot', string='Produced Lot', required=True, index=True,
                                ondelete='cascade', readonly=True)
    production_id = fields.Many2one('mrp.production', string='Manufacturing Order',
                                    index=True, ondelete='cascade', readonly=True)
    kind = fields.Selection(LINK_KINDS, required=True, default='production', readonly=True)
    qty = fields.Float(string='Quantity Consumed', digits='Product Unit', readonly=True)
    date = fields.Datetime(readonly=True)
    company_id = fields.Many2one('res.company', index=True, readonly=True)
    active = fields.Boolean(default=True, readonly=True,
                            help='Inactive once the produced lot was fully unbuilt.')

    _trace_forward_index = models.Index('(from_lot_id, to_lot_id) WHERE active')
    _trace_backward_index = models.Index('(to_lot_id, from_lot_id) WHERE active')

    @api.model
    # -- the one way genealogy follows a change ----------------------------------------
    @api.model
    def _mes_mark_dirty(self, production_ids):
        """These productions' consumed or produced lines changed (done, edited, unbuilt):
        their links are rebuilt once, when the transaction commits or before anyone reads
        the links in it, however many changes came first (as the audit trail seals its
        entries)."""
        ids = {pid for pid in production_ids if pid}
        if not ids:
            return
        precommit = self.env.cr.precommit
        if _DIRTY not in precommit.data:
            precommit.add(self._mes_rebuild_dirty)
        precommit.data.setdefault(_DIRTY, set()).update(ids)

    def _mes_rebuild_dirty(self):
        ids = self.env.cr.precommit.data.pop(_DIRTY, None)
        if ids:
            self.sudo()._mes_refresh(ids)

    def flush_model(self, fnames=None):
        # whoever reads the links (search, trace, recall) sees this transaction's changes
        self._mes_rebuild_dirty()
        return super().flush_model(fnames)

    def _mes_refresh(self, production_ids, bulk=False):
        """Rebuild the links of these productions from Odoo's move lines (SQL, in place).

        ``bulk``: thousands of productions at once (install backfill). The planner's
        nested loops, right for one order, are quadratic there: hash joins are forced for
        that statement only.
        """
        production_ids = tuple(sorted({pid for pid in production_ids if pid}))
        if not production_ids:
            return
        self.env.flush_all()
        cr = self.env.cr
        cr.execute('DELETE FROM mes_lot_link WHERE production_id IN %s', [production_ids])
        if bulk:
            cr.execute('SET LOCAL enable_nestloop = off')
        try:
            cr.execute(_REFRESH_SQL, {'ids': production_ids})
        finally:
            if bulk:
                cr.execute('RESET enable_nestloop')
        self.invalidate_model()

    @api.model
    def _mes_backfill(self, batch_size=20000):
        """Build the links of every done production already in the database (install)."""
        cr = self.env.cr
        cr.execute("SELECT id FROM mrp_production WHERE state = 'done' ORDER BY id")
        ids = [row[0] for row in cr.fetchall()]
        start = time.monotonic()
        for index in range(0, len(ids), batch_size):
            self._mes_refresh(ids[index:index + batch_size], bulk=True)
        if ids:
            _logger.info('MES genealogy: links of %d done productions built in %.1f s',
                         len(ids), time.monotonic() - start)
        return len(ids)
