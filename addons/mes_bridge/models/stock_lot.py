import json

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..lib import b2mml, genealogy

# Every link reachable from one lot, each once (UNION de-duplicates, so cycles through
# unbuilds end), optionally bounded by depth.
_WALK_SQL = """
    WITH RECURSIVE walk(from_lot_id, to_lot_id, production_id, qty, kind, depth) AS (
        SELECT from_lot_id, to_lot_id, production_id, qty, kind, 1
          FROM mes_lot_link WHERE active AND {start} = %(lot)s
           AND (company_id IS NULL OR company_id = ANY(%(companies)s))
      UNION
        SELECT e.from_lot_id, e.to_lot_id, e.production_id, e.qty, e.kind, {next_depth}
          FROM mes_lot_link e JOIN walk w ON e.{start} = w.{end}
         WHERE e.active {depth_clause}
           AND (e.company_id IS NULL OR e.company_id = ANY(%(companies)s))
    )
    SELECT DISTINCT from_lot_id, to_lot_id, production_id, qty, kind FROM walk
"""

LOT_RELEASE_STATES = [
    ('quarantine', 'Quarantine'),
    ('released', 'Released'),
    ('on_hold', 'On Hold'),
    ('rejected', 'Rejected'),
]
# Statuses an inspector may set on their own: taking material out of use is
# always allowed; putting it into use (or scrapping it) is a QA manager's call.
INSPECTOR_STATES = ('quarantine', 'on_hold')


# A bounded walk: a cycle in the links (bad data) with a huge depth would keep a database
# process busy; real device genealogies are far shallower.
MAX_TRACE_DEPTH = 100

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
        if 'company_id' in vals:
            # giving a shared lot to one company decides for the others too
            self.filtered(lambda lot: not lot.company_id)._mes_check_shared_lot_companies()
        before = {}
        if 'mes_release_state' in vals:
            changing = self.filtered(lambda lot: lot.mes_release_state != vals['mes_release_state'])
            if changing:
                self._mes_check_release_right(vals['mes_release_state'])
                changing._mes_check_shared_lot_companies()
            before = {lot.id: lot.mes_release_state for lot in changing}
        result = super().write(vals)
        if before:
            reason = vals.get('mes_release_reason')
            self.env['mes.event']._mes_emit_many([
                ('lot.release_state_changed', lot, {
                    'name': lot.name,
                    'product': {'id': lot.product_id.id, 'name': lot.product_id.display_name},
                    'product_code': lot.product_id.default_code or None,
                    'old_state': before[lot.id] or None, 'new_state': lot.mes_release_state,
                    'reason': reason or None,
                }, lot.product_id, lot.company_id or None)
                for lot in self.sudo() if lot.id in before])
        return result

    # -- B2MML ----------------------------------------------------------------------------
    def _mes_b2mml_lot(self):
        """This lot as a B2MML MaterialLot (see ``lib/b2mml.py``): release state, quantity
        on hand, expiry and the lots it was made from."""
        self.ensure_one()
        lot = self.sudo()
        parents = self.env['mes.lot.link'].sudo().search(
            [('to_lot_id', '=', lot.id)], order='id').from_lot_id
        productions = self.env['mes.lot.link'].sudo().search(
            [('to_lot_id', '=', lot.id), ('production_id', '!=', False)]).production_id
        properties = [('ProductionOrder', name, 'string') for name in productions.mapped('name')]
        return {
            'id': lot.name, 'product_code': lot.product_id.default_code or lot.product_id.name,
            'description': lot.product_id.name, 'status': lot.mes_release_state,
            'created': lot.create_date, 'expiry': lot.expiration_date or None,
            'quantity': lot.product_qty, 'uom': lot.product_uom_id.name,
            'properties': properties,
            'parents': [(parent.name, parent.product_id.default_code or parent.product_id.name)
                        for parent in parents],
        }

    def _mes_b2mml_sync(self, event):
        """The SyncMaterialLot of a release-state change (``event``)."""
        data = json.loads(event.data or '{}')
        return b2mml.sync_material_lot(
            self.env['mes.b2mml.message']._mes_sender(), event.occurred, event.uuid,
            self._mes_b2mml_lot(), {'from': data.get('old_state'), 'to': data['new_state'],
                                    'reason': data.get('reason'), 'date': event.occurred})

    def _mes_check_shared_lot_companies(self):
        """A lot without a company is shared: its status decides for every company that holds
        or used it, so only someone who belongs to all of them may change it."""
        if self.env.su:
            return
        shared = self.filtered(lambda lot: not lot.company_id)
        if not shared:
            return
        self.env.flush_all()
        self.env.cr.execute("""
            SELECT DISTINCT company_id FROM stock_quant WHERE lot_id = ANY(%(ids)s)
             UNION
            SELECT DISTINCT company_id FROM stock_move_line WHERE lot_id = ANY(%(ids)s)
        """, {'ids': shared.ids})
        involved = {row[0] for row in self.env.cr.fetchall() if row[0]}
        outside = involved - set(self.env.user.company_ids.ids)
        if outside:
            raise AccessError(_('Lot %(lot)s is shared with companies you do not belong to: its '
                                'status can only be changed by someone who belongs to all of them.',
                                lot=', '.join(shared.mapped('name'))))

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

    # -- genealogy -----------------------------------------------------------------------
    def mes_trace(self, direction='backward', depth=None):
        """Backward (what went into this lot) or forward (where it went) trace to any depth.

        One public method for the UI, tests and JSON-2 clients.

        :returns: ``{'lot_id', 'direction', 'nodes': [{'lot_id', 'lot_name', 'product_id',
                  'product_name', 'qty', 'uom', 'production_id', 'production_name', 'level',
                  'release_state', 'on_hand': [...], 'delivered': [...]}], 'edges':
                  [{'from_lot_id', 'to_lot_id', 'production_id', 'qty', 'kind'}],
                  'lot_count', 'deliveries': [...]}``; ``on_hand`` and ``delivered`` (current
                  stock by location, deliveries by customer) are filled on forward traces.
        """
        self.ensure_one()
        self.check_access('read')
        if direction not in ('backward', 'forward'):
            raise UserError(_('Trace direction must be "backward" or "forward".'))
        # (bool is an int in Python: ``depth=true`` over JSON-2 is refused too)
        if depth is not None and (not isinstance(depth, int) or isinstance(depth, bool)
                                  or not 1 <= depth <= MAX_TRACE_DEPTH):
            raise UserError(_('Trace depth must be a whole number from 1 to %(max)s (leave it '
                              'empty for the whole genealogy).', max=MAX_TRACE_DEPTH))
        cr = self.env.cr
        # the SQL below reads links, quants and move lines as they are
        self.env['mes.lot.link'].flush_model()
        self.env.flush_all()
        start, end = ('from_lot_id', 'to_lot_id') if direction == 'forward' \
            else ('to_lot_id', 'from_lot_id')
        cr.execute(_WALK_SQL.format(
            start=start, end=end,
            next_depth='w.depth + 1' if depth else '1',
            depth_clause='AND w.depth < %(depth)s' if depth else ''),
            {'lot': self.id, 'depth': depth, 'companies': self.env.companies.ids})
        raw_edges = cr.fetchall()
        levels, walked = genealogy.levels(self.id, raw_edges, direction, depth)
        # lots the user may not read (other companies) are left out, with their links
        readable = set(self.search([('id', 'in', list(levels))]).ids) | {self.id}
        levels = {lot: level for lot, level in levels.items() if lot in readable}
        edges = [e for e in dict.fromkeys(walked) if e[0] in levels and e[1] in levels]
        nodes = self._mes_trace_nodes(levels, edges, direction)
        result = {
            'lot_id': self.id,
            'direction': direction,
            'nodes': nodes,
            'edges': [{'from_lot_id': e[0], 'to_lot_id': e[1], 'production_id': e[2],
                       'qty': e[3], 'kind': e[4]} for e in edges],
            'lot_count': len(nodes),
        }
        if direction == 'forward':
            result['deliveries'] = [d for node in nodes for d in node['delivered']]
        return result

    def _mes_trace_nodes(self, levels, edges, direction):
        cr = self.env.cr
        lot_ids = list(levels)
        lang = self.env.lang or 'en_US'
        cr.execute("""
            SELECT l.id, l.name, l.product_id, l.mes_release_state,
                   COALESCE(pt.name->>%(lang)s, pt.name->>'en_US'),
                   COALESCE(u.name->>%(lang)s, u.name->>'en_US'), pp.default_code
              FROM stock_lot l
              JOIN product_product pp ON pp.id = l.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
              JOIN uom_uom u ON u.id = pt.uom_id
             WHERE l.id = ANY(%(ids)s)
        """, {'ids': lot_ids, 'lang': lang})
        lots = {row[0]: row for row in cr.fetchall()}
        # quantity and production of each node: the link it was reached by
        reached = {}
        for edge in edges:
            node = edge[1] if direction == 'forward' else edge[0]
            entry = reached.setdefault(node, {'qty': 0.0, 'production_id': edge[2]})
            if direction == 'backward':
                entry['qty'] += edge[3] or 0.0
        production_ids = list({e[2] for e in edges if e[2]})
        productions = {}
        if production_ids:
            # raw SQL applies what record rules would: the user's companies only
            cr.execute('SELECT id, name FROM mrp_production WHERE id = ANY(%s) '
                       'AND company_id = ANY(%s)', [production_ids, self.env.companies.ids])
            productions = dict(cr.fetchall())
        on_hand, delivered, produced = {}, {}, {}
        if direction == 'forward':
            on_hand, delivered, produced = self._mes_lot_whereabouts(lot_ids)
        labels = dict(self._fields['mes_release_state']._description_selection(self.env))
        nodes = []
        for lot_id, level in sorted(levels.items(), key=lambda item: (item[1], item[0])):
            row = lots.get(lot_id)
            if not row:
                continue
            info = reached.get(lot_id, {})
            qty = info.get('qty') if direction == 'backward' else produced.get(lot_id)
            nodes.append({
                'lot_id': lot_id, 'lot_name': row[1], 'product_id': row[2],
                'product_name': ('[%s] %s' % (row[6], row[4])) if row[6] else row[4],
                'qty': qty if lot_id != self.id or direction == 'forward' else None,
                'uom': row[5], 'production_id': info.get('production_id') or False,
                'production_name': productions.get(info.get('production_id')) or False,
                'level': level, 'release_state': row[3],
                'release_state_label': labels.get(row[3], row[3]),
                'on_hand': on_hand.get(lot_id, []), 'delivered': delivered.get(lot_id, []),
            })
        return nodes

    def _mes_lot_whereabouts(self, lot_ids):
        """Stock on hand by location, deliveries by customer, produced quantity, per lot
        (of the user's companies: a lot without a company is shared, its stock is not)."""
        cr = self.env.cr
        companies = self.env.companies.ids
        cr.execute("""
            SELECT q.lot_id, q.location_id, loc.complete_name, SUM(q.quantity)
              FROM stock_quant q JOIN stock_location loc ON loc.id = q.location_id
             WHERE q.lot_id = ANY(%s) AND loc.usage IN ('internal', 'transit')
               AND q.company_id = ANY(%s)
          GROUP BY 1, 2, 3 HAVING SUM(q.quantity) > 0
        """, [lot_ids, companies])
        on_hand = {}
        for lot_id, location_id, location, qty in cr.fetchall():
            on_hand.setdefault(lot_id, []).append(
                {'location_id': location_id, 'location': location, 'qty': qty})
        cr.execute("""
            SELECT ml.lot_id, p.id, p.name, p.partner_id, partner.name,
                   SUM(ml.quantity_product_uom), MAX(ml.date)
              FROM stock_move_line ml
              JOIN stock_location dest ON dest.id = ml.location_dest_id
              JOIN stock_picking p ON p.id = ml.picking_id
         LEFT JOIN res_partner partner ON partner.id = p.partner_id
             WHERE ml.lot_id = ANY(%s) AND ml.state = 'done' AND dest.usage = 'customer'
               AND p.company_id = ANY(%s)
          GROUP BY 1, 2, 3, 4, 5
        """, [lot_ids, companies])
        delivered = {}
        for lot_id, picking_id, picking, partner_id, partner, qty, date in cr.fetchall():
            delivered.setdefault(lot_id, []).append({
                'lot_id': lot_id, 'picking_id': picking_id, 'picking': picking,
                'partner_id': partner_id, 'partner': partner, 'qty': qty,
                'date': fields.Datetime.to_string(date)})
        cr.execute("""
            SELECT ml.lot_id, SUM(ml.quantity_product_uom)
              FROM stock_move_line ml JOIN stock_move m ON m.id = ml.move_id
             WHERE ml.lot_id = ANY(%s) AND ml.state = 'done' AND m.production_id IS NOT NULL
               AND m.company_id = ANY(%s)
          GROUP BY 1
        """, [lot_ids, companies])
        return on_hand, delivered, dict(cr.fetchall())

    def action_mes_genealogy(self):
        self.ensure_one()
        return {
            'type': 'ir.actions.client',
            'tag': 'mes_genealogy',
            'name': _('Genealogy: %(lot)s', lot=self.display_name),
            'params': {'lot_id': self.id,
                       'direction': self.env.context.get('mes_trace_direction', 'backward')},
        }

    def action_mes_recall(self):
        self.ensure_one()
        return {
            'type': 'ir.actions.act_window',
            'name': _('Recall Simulation'),
            'res_model': 'mes.recall.wizard',
            'view_mode': 'form',
            'views': [(False, 'form')],
            'target': 'current',
            'context': {'default_lot_id': self.id},
        }

    def action_mes_set_release_state(self):
        """Buttons on the lot form pass the target status in the context."""
        state = self.env.context.get('mes_release_state')
        if state:
            self.write({'mes_release_state': state})
        return True
