from odoo import _, api, fields, models
from odoo.exceptions import UserError


class PauseReason:
    """Why a work order is paused, as ``mes_pause`` says it (a context value JSON-2 cannot
    send: a client cannot name the reason of an event)."""
    __slots__ = ('text',)

    def __init__(self, text):
        self.text = text


class MrpWorkorder(models.Model):
    _inherit = 'mrp.workorder'

    mes_step_execution_ids = fields.One2many('mes.step.execution', 'workorder_id',
                                             string='Shop-floor Steps')
    mes_step_count = fields.Integer(string='Steps', compute='_compute_mes_progress')
    mes_step_done_count = fields.Integer(string='Steps Done', compute='_compute_mes_progress')
    mes_step_progress = fields.Float(string='Step Progress', compute='_compute_mes_progress')
    mes_next_step_id = fields.Many2one('mes.step.execution', string='Next Step',
                                       compute='_compute_mes_progress')
    mes_exception_ids = fields.One2many('mes.exception', 'workorder_id', string='Exceptions')
    mes_blocking_exception_count = fields.Integer(compute='_compute_mes_exceptions')
    # a pause with its reason; the downtime is recorded when the work resumes (an open
    # downtime line would block the whole work center in Odoo)
    mes_paused_since = fields.Datetime(string='Paused since', readonly=True, copy=False)
    mes_pause_loss_id = fields.Many2one('mrp.workcenter.productivity.loss',
                                        string='Pause reason', readonly=True, copy=False)
    mes_pause_note = fields.Char(string='Pause note', readonly=True, copy=False)
    mes_scrapped_qty = fields.Float(
        string='Reported Scrap', readonly=True, copy=False, digits='Product Unit',
        help='Units the shop floor reported scrapped at this work order (yield, OEE quality); '
             'the stock of the scrapped units is dispositioned as usual.')

    @api.depends('mes_step_execution_ids.state')
    def _compute_mes_progress(self):
        for workorder in self:
            workorder.update(workorder.mes_step_execution_ids._mes_progress_values())
            workorder.mes_next_step_id = workorder._mes_next_step()

    @api.depends('mes_exception_ids.blocking')
    def _compute_mes_exceptions(self):
        for workorder in self:
            workorder.mes_blocking_exception_count = len(
                workorder.mes_exception_ids.filtered('blocking'))

    @api.ondelete(at_uninstall=False)
    def _unlink_except_shop_floor_steps(self):
        # the database refuses it too (mes_step_execution.workorder_id ON DELETE RESTRICT)
        with_steps = self.filtered('mes_step_execution_ids')
        if with_steps:
            raise UserError(_('%(workorders)s carry shop-floor steps of a released order: they '
                              'are part of its production record and cannot be deleted.',
                              workorders=', '.join(with_steps.mapped('display_name'))))

    def _mes_next_step(self):
        self.ensure_one()
        return self.mes_step_execution_ids.filtered(lambda s: s.state == 'pending').sorted(
            lambda s: (s.sequence, s.id))[:1]

    def button_start(self, raise_on_invalid_state=False):
        for workorder in self:
            production = workorder.production_id
            if production._mes_release_required() and not production.mes_release_date:
                raise UserError(_(
                    'Manufacturing order %(mo)s has not been released to the shop floor: work '
                    'order %(wo)s cannot start.', mo=production.name, wo=workorder.name))
        result = super().button_start(raise_on_invalid_state=raise_on_invalid_state)
        self._mes_emit('workorder.started', self.filtered(lambda wo: wo.state == 'progress'))
        return result

    def button_pending(self):
        result = super().button_pending()
        reason = self.env.context.get('mes_pause_reason')
        self._mes_emit('workorder.paused', self, reason=reason.text if isinstance(
            reason, PauseReason) else None)
        return result

    def button_finish(self):
        self.filtered(lambda wo: wo.state not in ('done', 'cancel'))._mes_check_can_finish()
        running = self.filtered(lambda wo: wo.state != 'done')
        result = super().button_finish()
        self._mes_emit('workorder.done', running.filtered(lambda wo: wo.state == 'done'))
        return result

    # -- events --------------------------------------------------------------------------
    def _mes_emit(self, event_type, workorders, **extra):
        if workorders:
            self.env['mes.event']._mes_emit_many([
                (event_type, workorder, dict(workorder._mes_event_data(), **extra),
                 workorder._mes_event_product(), None) for workorder in workorders])

    def _mes_event_data(self):
        self.ensure_one()
        workorder = self.sudo()
        return {
            'name': workorder.name,
            'production': {'id': workorder.production_id.id,
                           'name': workorder.production_id.name},
            'workcenter': {'id': workorder.workcenter_id.id, 'name': workorder.workcenter_id.name},
            'product': {'id': workorder.product_id.id, 'name': workorder.product_id.display_name},
            'state': workorder.state,
            'user': {'id': self.env.user.id, 'name': self.env.user.name},
        }

    def _mes_event_product(self):
        return self.product_id

    def _mes_check_can_finish(self):
        problems = []
        for workorder in self:
            open_steps = workorder.mes_step_execution_ids.filtered(lambda s: s.state == 'pending')
            if open_steps:
                problems.append(_('%(wo)s has %(count)s open step(s), next: "%(step)s"',
                                  wo=workorder.display_name, count=len(open_steps),
                                  step=open_steps.sorted(lambda s: (s.sequence, s.id))[0].name))
            blocking = workorder.mes_exception_ids.filtered('blocking')
            if blocking:
                problems.append(_('%(wo)s has undispositioned blocking exception(s): %(refs)s',
                                  wo=workorder.display_name,
                                  refs=', '.join(blocking.mapped('name'))))
        if problems:
            raise UserError(_('Work cannot be finished:\n%(problems)s',
                              problems='\n'.join('- %s' % p for p in problems)))

    def action_mes_record_next_step(self):
        self.ensure_one()
        step = self._mes_next_step()
        if not step:
            raise UserError(_('All steps of %(wo)s are recorded.', wo=self.display_name))
        return step.action_open_record_wizard()

    # -- pause with a reason ---------------------------------------------------------------
    def mes_pause(self, loss_id, note=None):
        """Stop working on this work order for a reason (a productivity loss other than
        productive): the time stops now; the downtime, with its reason, is recorded on resume
        (OEE availability). JSON-2 and the kiosk call it."""
        self.ensure_one()
        loss = self.env['mrp.workcenter.productivity.loss'].browse(int(loss_id or 0)).exists()
        if not loss or loss.loss_type == 'productive':
            raise UserError(_('Choose why the work stops.'))
        if self.state != 'progress':
            raise UserError(_('%(wo)s is not in progress.', wo=self.display_name))
        self.with_context(mes_pause_reason=PauseReason(
            ' - '.join(filter(None, [loss.name, (note or '').strip()]))[:500])).button_pending()
        self.sudo().write({'mes_paused_since': fields.Datetime.now(), 'mes_pause_loss_id': loss.id,
                           'mes_pause_note': (note or '').strip()[:500] or False})
        return True

    def mes_resume(self):
        """Work again on a paused work order: the pause becomes a downtime line with its
        reason, then the time runs again."""
        self.ensure_one()
        if self.mes_paused_since:
            self.env['mrp.workcenter.productivity'].sudo().create({
                'workorder_id': self.id, 'workcenter_id': self.workcenter_id.id,
                'loss_id': self.mes_pause_loss_id.id, 'date_start': self.mes_paused_since,
                'date_end': fields.Datetime.now(), 'user_id': self.env.uid,
                'company_id': self.company_id.id, 'description': self.mes_pause_note})
            self.sudo().write({'mes_paused_since': False, 'mes_pause_loss_id': False,
                               'mes_pause_note': False})
        return self.button_start()

    def mes_report_scrap(self, quantity):
        """The shop floor reports ``quantity`` units scrapped at this work order: counted on
        it and noted on the order (who, how many). JSON-2 and the kiosk call it."""
        self.ensure_one()
        if not quantity or quantity <= 0:
            raise UserError(_('A scrapped quantity is more than 0.'))
        if self.state not in ('progress', 'ready', 'blocked'):
            raise UserError(_('%(wo)s is finished: report scrap on a running work order.',
                              wo=self.display_name))
        if self.mes_scrapped_qty + quantity > self.production_id.product_qty:
            raise UserError(_('More scrap than the order makes (%(qty)s).',
                              qty=self.production_id.product_qty))
        self.sudo().mes_scrapped_qty += quantity
        self.production_id.sudo().message_post(body=_(
            '%(user)s reported %(qty)s %(uom)s scrapped at %(wo)s.', user=self.env.user.name,
            qty=quantity, uom=self.production_id.product_uom_id.name, wo=self.name))
        return True

    # -- kiosk -----------------------------------------------------------------------------
    def _mes_kiosk_cards(self):
        """These work orders as a kiosk queue shows them, in one pass (whether the operator is
        working on each: one query, not Odoo's per-order time-line compute)."""
        working = set(self.env['mrp.workcenter.productivity'].search([
            ('workorder_id', 'in', self.ids), ('date_end', '=', False),
            ('user_id', '=', self.env.uid)]).workorder_id.ids)
        return [workorder._mes_kiosk_card(workorder.id in working) for workorder in self]

    def _mes_kiosk_card(self, working):
        """One work order in a kiosk queue."""
        self.ensure_one()
        production = self.production_id
        open_exceptions = self.mes_exception_ids.filtered(lambda e: e.state == 'open')
        return {
            'id': self.id, 'name': self.name, 'production': production.name,
            'product': production.product_id.display_name,
            'quantity': production.product_qty, 'uom': production.product_uom_id.name,
            'workcenter_id': self.workcenter_id.id, 'workcenter': self.workcenter_id.name,
            'state': self.state, 'working': working,
            'paused': self.mes_pause_loss_id.name or False,
            'scrapped': self.mes_scrapped_qty,
            'priority': production.priority,
            'due': fields.Datetime.to_string(production.date_deadline or self.date_start
                                             or production.date_start) or False,
            'components': production.components_availability_state or False,
            'components_label': production.components_availability or '',
            'steps': self.mes_step_count, 'steps_done': self.mes_step_done_count,
            'open_exceptions': len(open_exceptions),
            'blocked': bool(self.mes_blocking_exception_count),
            'released': bool(production.mes_release_date),
        }

    def _mes_kiosk_detail(self):
        """A work order as the kiosk runs it: its card, its steps, what blocks it, and a
        snapshot for checking scans while the server cannot be reached."""
        self.ensure_one()
        card = self._mes_kiosk_cards()[0]
        blocking = self.mes_exception_ids.filtered('blocking')
        card.update({
            'master_version': self.mes_step_execution_ids[:1].bom_version or False,
            'steps': [step._mes_kiosk_step() for step in self.mes_step_execution_ids.sorted(
                lambda s: (s.sequence, s.id))],
            'next_step_id': self._mes_next_step().id or False,
            'blocked_by': [{'name': e.name, 'description': e.description,
                            'unblocked_by': self.env._('a supervisor or QA dispositions it')}
                           for e in blocking],
            'snapshot_time': fields.Datetime.to_string(fields.Datetime.now()),
        })
        return card
