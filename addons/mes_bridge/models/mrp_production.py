from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..lib import b2mml, genealogy

MES_STATES = [
    ('not_released', 'Not Released'),
    ('released', 'Released'),
    ('in_progress', 'In Progress'),
    ('done', 'Done'),
    ('cancel', 'Cancelled'),
]


# Written only by action_mes_release (as superuser, after its checks): a release cannot be
# faked by writing these through the ORM, JSON-2 or an import.
MES_RELEASE_FIELDS = frozenset({'mes_release_date', 'mes_released_by_id', 'mes_bom_version'})


class MrpProduction(models.Model):
    _name = 'mrp.production'
    _mes_protected_fields = tuple(MES_RELEASE_FIELDS)
    _inherit = ['mrp.production', 'mes.audited']
    _mes_audit_fields = ('mes_release_date', 'mes_released_by_id', 'mes_bom_version',
                         'mes_allow_short', 'bom_id', 'product_qty', 'qty_producing',
                         'lot_producing_ids')
    _mes_field_units = {'product_qty': 'product_uom_id', 'mes_yield': '%'}
    _mes_audit_no_delete = False  # drafts may go; released orders are kept (see below)

    mes_external_ref = fields.Char(
        string='ERP Order Reference', copy=False, index='btree_not_null', tracking=True,
        help='The number of this order in the planning system that sent it (B2MML '
             'OperationsRequest ID); unique per company.')
    mes_state = fields.Selection(MES_STATES, string='Shop Floor', compute='_compute_mes_state',
                                 store=True, index=True)
    mes_release_date = fields.Datetime(string='Released on', readonly=True, copy=False)
    mes_released_by_id = fields.Many2one('res.users', string='Released by', readonly=True,
                                         copy=False)
    mes_bom_version = fields.Integer(string='Master Version', readonly=True, copy=False,
                                     help='Version of the bill of materials the order was '
                                          'released with.')
    mes_allow_short = fields.Boolean(
        string='Release with missing components', copy=False,
        help='Release even though components are not all reserved (explicit planner decision).')
    mes_step_execution_ids = fields.One2many('mes.step.execution', 'production_id',
                                             string='Shop-floor Steps')
    mes_step_count = fields.Integer(string='Steps', compute='_compute_mes_progress')
    mes_step_done_count = fields.Integer(string='Steps Done', compute='_compute_mes_progress')
    mes_step_progress = fields.Float(string='Step Progress', compute='_compute_mes_progress')
    mes_exception_ids = fields.One2many('mes.exception', 'production_id', string='Exceptions')
    mes_open_exception_count = fields.Integer(string='Open Exceptions',
                                              compute='_compute_mes_exceptions')
    mes_blocking_exception_count = fields.Integer(string='Blocking Exceptions',
                                                  compute='_compute_mes_exceptions')
    mes_yield = fields.Float(string='Yield (%)', readonly=True, copy=False, digits=(16, 1),
                             help='Produced quantity against the quantity planned, at done.')
    mes_mass_balance_state = fields.Selection(
        [('ok', 'Within tolerance'), ('out', 'Out of tolerance')], string='Mass Balance',
        readonly=True, copy=False)

    @api.depends('state', 'mes_release_date', 'workorder_ids.state',
                 'mes_step_execution_ids.state')
    def _compute_mes_state(self):
        for production in self:
            if production.state == 'cancel':
                production.mes_state = 'cancel'
            elif not production.mes_release_date:
                production.mes_state = 'not_released'
            elif production.state == 'done':
                production.mes_state = 'done'
            elif any(wo.state in ('progress', 'done') for wo in production.workorder_ids) or \
                    any(s.state == 'done' for s in production.mes_step_execution_ids):
                production.mes_state = 'in_progress'
            else:
                production.mes_state = 'released'

    @api.depends('mes_step_execution_ids.state')
    def _compute_mes_progress(self):
        for production in self:
            production.update(production.mes_step_execution_ids._mes_progress_values())

    @api.depends('mes_exception_ids.state', 'mes_exception_ids.blocking')
    def _compute_mes_exceptions(self):
        for production in self:
            exceptions = production.mes_exception_ids
            production.mes_open_exception_count = len(exceptions.filtered(
                lambda e: e.state == 'open'))
            production.mes_blocking_exception_count = len(exceptions.filtered('blocking'))

    def _mes_release_required(self):
        self.ensure_one()
        return self.company_id.mes_release_required

    # -- release to the shop floor ------------------------------------------------------
    def _mes_release_problems(self):
        """Readiness problems of one order as translated sentences (empty when ready)."""
        self.ensure_one()
        problems = []
        if self.mes_release_date:
            problems.append(_('it is already released'))
            return problems
        if self.state not in ('draft', 'confirmed', 'progress'):
            problems.append(_('it is %(state)s', state=dict(
                self._fields['state']._description_selection(self.env))[self.state].lower()))
            return problems
        bom = self.bom_id
        if not bom:
            problems.append(_('it has no bill of materials'))
        elif bom.mes_approval_state != 'approved':
            problems.append(_('its bill of materials %(bom)s is not approved', bom=bom.display_name))
        if bom and not bom.operation_ids:
            problems.append(_('its bill of materials defines no operations'))
        elif self.state != 'draft':
            if not self.workorder_ids:
                problems.append(_('it has no work orders'))
            for workorder in self.workorder_ids:
                if not workorder.workcenter_id:
                    problems.append(_('work order %(wo)s has no work center', wo=workorder.name))
            if not self.mes_allow_short:
                short = self.move_raw_ids.filtered(
                    lambda m: m.state not in ('assigned', 'done', 'cancel')
                    and m.product_id.is_storable)
                for move in short:
                    problems.append(_(
                        'component %(product)s is not available (%(reserved)s of %(needed)s '
                        '%(uom)s reserved)', product=move.product_id.display_name,
                        reserved=move.quantity, needed=move.product_uom_qty,
                        uom=move.product_uom.name))
        return problems

    # -- integrity ----------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(MES_RELEASE_FIELDS & set(vals) for vals in vals_list):
            raise AccessError(_('A manufacturing order is released to the shop floor only by '
                                'its Release action.'))
        return super().create(vals_list)

    def write(self, vals):
        if MES_RELEASE_FIELDS & set(vals) and not self.env.su:
            raise AccessError(_('A manufacturing order is released to the shop floor only by '
                                'its Release action.'))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_released_to_shop_floor(self):
        released = self.filtered('mes_release_date')
        if released:
            raise UserError(_('%(orders)s were released to the shop floor: their production '
                              'record is kept. Cancel them instead.',
                              orders=', '.join(released.mapped('name'))))

    def action_mes_release(self):
        """Release orders to the shop floor: all of them, or none with every reason why."""
        if not self.env.user.has_group('mes_bridge.group_mes_supervisor'):
            raise AccessError(_('Only a MES Supervisor can release orders to the shop floor.'))
        if not self:
            raise UserError(_('Select the manufacturing orders to release.'))
        # Draft orders are confirmed first so their work orders and reservations exist;
        # any problem below rolls that back with the rest.
        drafts = self.filtered(lambda p: p.state == 'draft' and not p.mes_release_date)
        pre_problems = {p: p._mes_release_problems() for p in drafts}
        ready_drafts = drafts.filtered(lambda p: not pre_problems[p])
        if ready_drafts:
            ready_drafts.action_confirm()
        to_reserve = self.filtered(lambda p: p.state in ('confirmed', 'progress')
                                   and p.reservation_state != 'assigned')
        if to_reserve:
            to_reserve.action_assign()
        messages = []
        for production in self:
            problems = pre_problems.get(production) or production._mes_release_problems()
            if problems:
                messages.append('%s: %s' % (production.name, '; '.join(problems)))
        if messages:
            raise UserError(_('Nothing was released.\n%(problems)s',
                              problems='\n'.join(messages)))
        now = fields.Datetime.now()
        for production in self:
            vals_list = []
            for workorder in production.workorder_ids.sorted(lambda w: (w.sequence, w.id)):
                for step in workorder.operation_id.mes_step_ids:
                    vals = step._prepare_execution_vals(workorder)
                    vals['bom_version'] = production.bom_id.mes_version
                    vals_list.append(vals)
            # step records are never created by hand: only this snapshot makes them
            self.env['mes.step.execution'].sudo().create(vals_list)
            production.sudo().write({
                'mes_release_date': now,
                'mes_released_by_id': self.env.uid,
                'mes_bom_version': production.bom_id.mes_version,
            })
            production.message_post(body=_('Released to the shop floor with %(bom)s.',
                                           bom=production.bom_id.display_name))
        self.env['mes.event']._mes_emit_many([
            ('production.released', production, production._mes_event_data(),
             production.product_id, None) for production in self])
        return True

    # -- events --------------------------------------------------------------------------
    def _write_multi(self, vals_list):
        # the state is computed (work started, stock posted): its changes are seen here, on
        # every way they happen, and reported at commit
        changes = {}
        if any('state' in vals for vals in vals_list):
            self.env.cr.execute('SELECT id, state FROM mrp_production WHERE id IN %s',
                                [tuple(self.ids)])
            before = dict(self.env.cr.fetchall())
            changes = {record.id: vals['state'] for record, vals in zip(self, vals_list)
                       if 'state' in vals and before.get(record.id) != vals['state']}
        result = super()._write_multi(vals_list)
        # state reached -> (event, the states in which it still holds at commit)
        events = {'progress': ('production.started', ('progress', 'to_close', 'done')),
                  'done': ('production.done', ('done',))}
        for record in self:
            if changes.get(record.id) in events:
                event_type, still = events[changes[record.id]]
                self.env['mes.event']._mes_defer(event_type, record, 'state', still)
        return result

    def _mes_event_data(self):
        self.ensure_one()
        production = self.sudo()
        return {
            'name': production.name,
            'product': {'id': production.product_id.id,
                        'name': production.product_id.display_name},
            'product_code': production.product_id.default_code or None,
            'quantity': production.product_qty, 'uom': production.product_uom_id.name,
            'lots': production.lot_producing_ids.mapped('name'),
            'master_version': production.mes_bom_version or production.bom_id.mes_version or 0,
            'state': production.state,
        }

    def _mes_event_product(self):
        return self.product_id

    _mes_external_ref_unique = models.UniqueIndex(
        '(company_id, mes_external_ref) WHERE mes_external_ref IS NOT NULL',
        'An ERP order reference names one manufacturing order per company.')

    # -- B2MML ----------------------------------------------------------------------------
    def _mes_b2mml_sync(self, event):
        """The SyncOperationsPerformance of this done order (``event``: production.done)."""
        return b2mml.sync_operations_performance(
            self.env['mes.b2mml.message']._mes_sender(), event.occurred, event.uuid,
            self._mes_b2mml_performance())

    def _mes_b2mml_performance(self):
        """What this order did, as B2MML operations performance (see ``lib/b2mml.py``): one
        segment per work order with its step results, people, work center and equipment, the
        lots consumed there; the lots produced on the last."""
        self.ensure_one()
        production = self.sudo()

        def code(product):
            return product.default_code or product.name

        def materials(lines, use):
            return [{'use': use, 'product_code': code(line.product_id),
                     'lot': line.lot_id.name or None, 'quantity': line.quantity,
                     'uom': line.product_uom_id.name, 'description': line.product_id.name}
                    for line in lines if line.quantity]

        consumed = production.move_raw_ids.filtered(lambda m: m.state == 'done').move_line_ids
        finished = production.move_finished_ids.filtered(lambda m: m.state == 'done')
        produced = finished.filtered(lambda m: m.product_id == production.product_id)
        segments = []
        workorders = production.workorder_ids.sorted(lambda w: (w.sequence, w.id))
        for workorder in workorders:
            steps = workorder.mes_step_execution_ids.filtered(
                lambda s: s.state == 'done').sorted(lambda s: (s.sequence, s.id))
            people = (workorder.time_ids.user_id | steps.operator_id | steps.signed_by_id)
            equipment = [(workorder.workcenter_id.code or workorder.workcenter_id.name,
                          workorder.workcenter_id.name)]
            equipment += [(scanned, False) for scanned in dict.fromkeys(
                steps.filtered('equipment_code').mapped('equipment_code'))]
            lines = consumed.filtered(lambda ml, wo=workorder: ml.move_id.workorder_id == wo
                                      or ml.move_id.operation_id == wo.operation_id)
            consumed -= lines
            segments.append({
                'id': '%s/%s' % (production.name, workorder.id),
                'description': workorder.name,
                'process_segment_id': workorder.operation_id.name or workorder.name,
                'start': min(workorder.time_ids.mapped('date_start'), default=None)
                or workorder.date_start or None,
                'end': max(workorder.time_ids.filtered('date_end').mapped('date_end'),
                           default=None) or workorder.date_finished or None,
                'state': 'Completed' if workorder.state == 'done' else 'Aborted',
                'data': [step._mes_b2mml_segment_data() for step in steps],
                'personnel': [(user.login, user.name) for user in people],
                'equipment': equipment,
                'materials': materials(lines, 'Consumed'),
            })
        if not segments:
            segments.append({'id': production.name, 'process_segment_id': production.name,
                             'start': production.date_start, 'end': production.date_finished,
                             'state': 'Completed', 'data': [], 'personnel': [],
                             'equipment': [], 'materials': []})
        last = segments[-1]
        last['materials'] += materials(consumed, 'Consumed')
        last['materials'] += materials(produced.move_line_ids, 'Produced')
        last['materials'] += materials((finished - produced).move_line_ids,
                                       'By-product Produced')
        return {
            'id': production.name, 'description': production.product_id.display_name,
            'request_id': production.mes_external_ref or production.name,
            'definition_id': production.bom_id.code or (
                production.bom_id and production.bom_id.display_name) or None,
            'start': production.date_start, 'end': production.date_finished,
            'segments': segments,
        }

    # -- material verification is binding ----------------------------------------------
    def _mes_verified_lots(self):
        """{product: lots} that this order's done material steps verified by scanning."""
        self.ensure_one()
        verified = {}
        for step in self.sudo().mes_step_execution_ids:
            if step.step_type == 'material' and step.state == 'done' and step.lot_id:
                verified.setdefault(step.lot_id.product_id, self.env['stock.lot'])
                verified[step.lot_id.product_id] |= step.lot_id
        return verified

    def _mes_unverified_consumption(self):
        """Move lines consuming a lot of a scanned component that no scan verified."""
        self.ensure_one()
        verified = self._mes_verified_lots()
        return self.move_raw_ids.filtered(lambda m: m.state != 'cancel').move_line_ids.filtered(
            lambda ml: ml.product_id in verified and ml.quantity
            and ml.lot_id not in verified[ml.product_id])

    # -- done gate ----------------------------------------------------------------------
    def _mes_check_done_gate(self):
        problems = []
        for production in self:
            if production._mes_release_required() and not production.mes_release_date:
                problems.append(_('%(mo)s was never released to the shop floor',
                                  mo=production.name))
                continue
            for line in production._mes_unverified_consumption():
                problems.append(_('%(mo)s consumes lot %(lot)s of %(product)s, which no scan '
                                  'verified', mo=production.name,
                                  lot=line.lot_id.name or _('(none)'),
                                  product=line.product_id.display_name))
            open_steps = production.mes_step_execution_ids.filtered(lambda s: s.state == 'pending')
            if open_steps:
                problems.append(_('%(mo)s has %(count)s open step(s)', mo=production.name,
                                  count=len(open_steps)))
            blocking = production.mes_exception_ids.filtered('blocking')
            if blocking:
                problems.append(_('%(mo)s has undispositioned blocking exception(s): %(refs)s',
                                  mo=production.name, refs=', '.join(blocking.mapped('name'))))
        if problems:
            raise UserError(_('The manufacturing record is incomplete:\n%(problems)s',
                              problems='\n'.join('- %s' % p for p in problems)))

    def pre_button_mark_done(self):
        self._mes_check_done_gate()
        return super().pre_button_mark_done()

    def button_mark_done(self):
        # pre_button_mark_done can be skipped by callers; the gate cannot.
        self._mes_check_done_gate()
        return super().button_mark_done()

    # -- genealogy and mass balance ----------------------------------------------------
    def _post_inventory(self, cancel_backorder=False):
        result = super()._post_inventory(cancel_backorder=cancel_backorder)
        # Odoo has just linked consumed and produced move lines: the genealogy follows in
        # the same transaction, then the balance of what went in and came out.
        done = self.filtered(lambda p: p.state == 'done')
        self.env['mes.lot.link']._mes_mark_dirty(done.ids)
        done._mes_check_mass_balance()
        return result

    def mes_mass_balance(self):
        """Expected (BoM) vs consumed vs scrapped per component, and the yield.

        :returns: dict ``{'production_id', 'produced', 'planned', 'yield_pct', 'tolerance_pct',
                  'out_of_tolerance', 'components': [{'product_id', 'product', 'uom',
                  'expected', 'consumed', 'scrapped', 'deviation_pct', 'out_of_tolerance',
                  'lots': [{'lot_id', 'lot', 'qty'}]}]}``
        """
        self.ensure_one()
        tolerance = (self.company_id.mes_mass_balance_tolerance or 0.0) / 100.0
        finished = self.move_finished_ids.filtered(
            lambda m: m.product_id == self.product_id and m.state == 'done')
        # each move counts in its own unit: converted into the order's
        produced = sum(move.product_uom._compute_quantity(move.quantity, self.product_uom_id)
                       for move in finished)
        planned = self.product_qty
        factor = produced / self.bom_id.product_qty if self.bom_id and self.bom_id.product_qty \
            else 0.0
        bom_uom_factor = self.bom_id.product_uom_id._compute_quantity(
            1.0, self.product_uom_id) if self.bom_id else 1.0
        components = []
        for product in self.move_raw_ids.product_id:
            lines = self.bom_id.bom_line_ids.filtered(lambda l: l.product_id == product)
            expected = sum(l.product_uom_id._compute_quantity(l.product_qty, product.uom_id)
                           for l in lines) * factor / (bom_uom_factor or 1.0)
            moves = self.move_raw_ids.filtered(lambda m: m.product_id == product
                                               and m.state == 'done')
            consumed_lines = moves.move_line_ids.filtered(
                lambda ml: ml.location_dest_id.usage != 'inventory')
            consumed = sum(consumed_lines.mapped('quantity_product_uom'))
            scrapped = sum(
                scrap.product_uom_id._compute_quantity(scrap.scrap_qty, product.uom_id)
                for scrap in self.scrap_ids.filtered(
                    lambda s: s.product_id == product and s.state == 'done'))
            balance = genealogy.mass_balance(expected, consumed, produced, planned, scrapped,
                                             tolerance)
            by_lot = {}
            for line in consumed_lines.filtered('lot_id'):
                by_lot[line.lot_id] = by_lot.get(line.lot_id, 0.0) + line.quantity_product_uom
            components.append({
                'product_id': product.id, 'product': product.display_name,
                'uom': product.uom_id.name, 'expected': expected, 'consumed': consumed,
                'scrapped': scrapped, 'deviation_pct': 100.0 * balance['deviation'],
                'out_of_tolerance': balance['out_of_tolerance'],
                'lots': [{'lot_id': lot.id, 'lot': lot.name, 'qty': qty}
                         for lot, qty in by_lot.items()],
            })
        yield_pct = 100.0 * produced / planned if planned else 0.0
        return {
            'production_id': self.id, 'produced': produced, 'planned': planned,
            'yield_pct': yield_pct, 'tolerance_pct': tolerance * 100.0,
            'out_of_tolerance': any(c['out_of_tolerance'] for c in components),
            'components': components,
        }

    def _mes_check_mass_balance(self):
        for production in self.filtered('bom_id'):
            balance = production.mes_mass_balance()
            production.sudo().write({
                'mes_yield': balance['yield_pct'],
                'mes_mass_balance_state': 'out' if balance['out_of_tolerance'] else 'ok',
            })
            off = [c for c in balance['components'] if c['out_of_tolerance']]
            if off:
                production.env['mes.exception']._mes_raise(
                    production, 'mass_balance', source='genealogy', description=_(
                        'Mass balance of %(mo)s is out of tolerance (%(tol)s %%):\n%(lines)s',
                        mo=production.name, tol=balance['tolerance_pct'], lines='\n'.join(
                            production.env._('- %(product)s: expected %(expected).3f, consumed %(consumed).3f, '
                              'scrapped %(scrapped).3f %(uom)s (%(dev)+.1f %%)',
                              product=c['product'], expected=c['expected'],
                              consumed=c['consumed'], scrapped=c['scrapped'], uom=c['uom'],
                              dev=c['deviation_pct']) for c in off)))

    def action_mes_genealogy(self):
        self.ensure_one()
        lots = self.lot_producing_ids | self.move_finished_ids.move_line_ids.lot_id
        if not lots:
            raise UserError(_('%(mo)s has produced no lot yet.', mo=self.name))
        return lots[:1].with_context(mes_trace_direction='backward').action_mes_genealogy()

    # -- material consumption -------------------------------------------------------------
    def _mes_consume_lot(self, bom_line, product, lot, quantity=None):
        """Make Odoo's raw-material move consume the verified lot, so its own
        traceability (and the genealogy built on it) sees exactly what was scanned.

        Without ``quantity`` the lot covers the whole move; with it (a unit's share) the lot
        is added next to the lots other units were scanned with."""
        self.ensure_one()
        moves = self.move_raw_ids.filtered(
            lambda m: m.state not in ('done', 'cancel') and m.product_id == product
            and (not bom_line or m.bom_line_id == bom_line))
        move = moves[:1]
        if not move:
            return
        if quantity is None:
            quantity = move.product_uom_qty
            move.move_line_ids.filtered(lambda ml: ml.lot_id != lot).unlink()
        else:
            quantity = product.uom_id._compute_quantity(quantity, move.product_uom)
            # lines Odoo reserved itself (not scanned) give way to the scanned units
            scanned = self.mes_step_execution_ids.filtered(
                lambda s: s.state == 'done' and s.unit_lot_id).lot_id
            move.move_line_ids.filtered(lambda ml: ml.lot_id not in scanned | lot).unlink()
        line = move.move_line_ids.filtered(lambda ml: ml.lot_id == lot)[:1]
        if line:
            line.write({'quantity': quantity if not line.picked or quantity == move.product_uom_qty
                        else line.quantity + quantity, 'picked': True})
        else:
            quant = self.env['stock.quant'].search([
                ('lot_id', '=', lot.id), ('location_id', 'child_of', move.location_id.id),
                ('quantity', '>', 0)], limit=1)
            vals = move._prepare_move_line_vals()
            vals.update({'lot_id': lot.id, 'quantity': quantity, 'picked': True,
                         'location_id': (quant.location_id or move.location_id).id})
            self.env['stock.move.line'].create(vals)
        move.picked = True

    def action_view_mes_exceptions(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('mes_bridge.action_mes_exception')
        action['domain'] = [('production_id', '=', self.id)]
        action['context'] = {'default_production_id': self.id}
        return action
