from odoo import _, api, fields, models
from odoo.addons.mes_part11.models.mes_audited import AuditReason
from odoo.exceptions import AccessError, UserError

from .mes_kiosk_device import kiosk_origin
from .mes_operation_step import CRITICALITIES

EXCEPTION_SOURCES = [
    ('execution', 'Execution'),
    ('material', 'Material Verification'),
    ('equipment', 'Equipment'),
    ('genealogy', 'Genealogy / Mass Balance'),
    ('manual', 'Manual Entry'),
]
EXCEPTION_KINDS = [
    ('out_of_limit', 'Out-of-limit value'),
    ('check_failed', 'Failed check'),
    ('wrong_product', 'Wrong material'),
    ('expired_lot', 'Expired lot'),
    ('unreleased_lot', 'Unreleased lot'),
    ('unknown_lot', 'Unknown lot'),
    ('equipment_mismatch', 'Wrong equipment'),
    ('mass_balance', 'Mass balance out of tolerance'),
    ('manual_override', 'Manual override'),
    ('offline_refused', 'Offline result refused'),
    ('other', 'Other'),
]
DISPOSITIONS = [
    ('use_as_is', 'Use as is'),
    ('rework', 'Rework'),
    ('scrap', 'Scrap'),
    ('return_to_supplier', 'Return to supplier'),
    ('no_impact', 'No product impact'),
]


class MesException(models.Model):
    _name = 'mes.exception'
    _description = 'Manufacturing Exception'
    _inherit = ['mail.thread', 'mail.activity.mixin', 'mes.audited', 'mes.signable']
    _order = 'date desc, id desc'
    _mes_protected_fields = ('raised_by_id', 'source', 'date', 'state', 'disposition',
                             'disposition_note', 'dispositioned_by_id', 'disposition_date',
                             'step_execution_id', 'scanned_code', 'measured_value', 'device_id')
    _mes_audit_fields = (
        'name', 'company_id', 'date', 'raised_by_id', 'source', 'kind', 'severity', 'description',
        'production_id', 'workorder_id', 'step_execution_id', 'product_id', 'lot_id',
        'scanned_code', 'measured_value', 'state', 'disposition', 'disposition_note',
        'dispositioned_by_id', 'disposition_date', 'device_id',
    )
    # A disposition signature covers the facts and the decision.
    _mes_signature_content = (
        'name', 'company_id', 'date', 'raised_by_id', 'source', 'kind', 'severity',
        'description', 'production_id', 'workorder_id', 'step_execution_id', 'product_id',
        'lot_id', 'scanned_code', 'measured_value', 'state', 'disposition', 'disposition_note',
        'dispositioned_by_id', 'disposition_date',
    )

    name = fields.Char(string='Reference', required=True, readonly=True, copy=False,
                       default=lambda self: _('New'))
    company_id = fields.Many2one('res.company', required=True, index=True, readonly=True,
                                 default=lambda self: self.env.company)
    date = fields.Datetime(string='Raised on', required=True, readonly=True,
                           default=fields.Datetime.now)
    raised_by_id = fields.Many2one('res.users', string='Raised by', readonly=True,
                                   default=lambda self: self.env.user)
    source = fields.Selection(EXCEPTION_SOURCES, required=True, readonly=True, default='manual')
    kind = fields.Selection(EXCEPTION_KINDS, required=True, readonly=True, default='other')
    severity = fields.Selection(CRITICALITIES, required=True, default='major', tracking=True)
    blocking = fields.Boolean(
        compute='_compute_blocking', store=True, index=True,
        help='A blocking exception stops the work order and the manufacturing order from '
             'finishing until it is dispositioned.')
    description = fields.Text(required=True, readonly=True)
    production_id = fields.Many2one('mrp.production', string='Manufacturing Order', index=True,
                                    readonly=True, ondelete='restrict')
    workorder_id = fields.Many2one('mrp.workorder', string='Work Order', index=True,
                                   readonly=True, ondelete='restrict')
    step_execution_id = fields.Many2one('mes.step.execution', string='Step', index=True,
                                        readonly=True, ondelete='restrict')
    product_id = fields.Many2one('product.product', string='Material', readonly=True)
    lot_id = fields.Many2one('stock.lot', readonly=True, index=True)
    scanned_code = fields.Char(readonly=True)
    measured_value = fields.Char(string='Value entered', readonly=True)
    state = fields.Selection([
        ('open', 'Open'),
        ('dispositioned', 'Dispositioned'),
    ], default='open', required=True, readonly=True, tracking=True, index=True)
    disposition = fields.Selection(DISPOSITIONS, readonly=True, tracking=True)
    disposition_note = fields.Text(string='Justification', readonly=True)
    dispositioned_by_id = fields.Many2one('res.users', string='Dispositioned by', readonly=True)
    disposition_date = fields.Datetime(string='Dispositioned on', readonly=True)
    device_id = fields.Many2one('mes.kiosk.device', string='Kiosk Device', readonly=True,
                                ondelete='restrict',
                                help='The paired tablet the exception was raised on.')

    @api.depends('severity', 'state')
    def _compute_blocking(self):
        for exception in self:
            exception.blocking = exception.severity == 'critical' and exception.state == 'open'

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            self._mes_check_created_facts(vals_list)
        for vals in vals_list:
            if vals.get('name', _('New')) == _('New'):
                vals['name'] = self.env['ir.sequence'].next_by_code('mes.exception') or _('New')
            workorder = self.env['mrp.workorder'].browse(vals.get('workorder_id'))
            if workorder and not vals.get('production_id'):
                vals['production_id'] = workorder.production_id.id
            production = self.env['mrp.production'].browse(vals.get('production_id'))
            if production and not vals.get('company_id'):
                vals['company_id'] = production.company_id.id
        exceptions = super().create(vals_list)
        self.env['mes.event']._mes_emit_many([
            ('exception.raised', exception, exception._mes_event_data(),
             exception.product_id or None, None) for exception in exceptions])
        exceptions._mes_notify_supervisors()
        self.env['mes.kiosk.device']._mes_notify_workorders(exceptions.sudo().workorder_id)
        return exceptions

    # -- the one constructor ------------------------------------------------------------
    @api.model
    def _mes_raise(self, origin, kind, description, severity='major', source='execution',
                   **facts):
        """Raise an exception from ``origin`` (a step execution, work order, manufacturing
        order, lot, or nothing): the one way code records one. Order, work order, step, lot
        and company are taken from the origin; ``facts`` adds or overrides fields
        (``scanned_code``, ``measured_value``, ``product_id``, ``company_id``...).

        Created as superuser: the caller has done its own checks, and the person on the shop
        floor may not read every company's sequence.

        :returns: the exception (in the caller's environment)
        """
        vals = self._mes_raise_vals(origin, kind, description, severity, source, facts)
        return self.sudo().create(vals).sudo(False)

    @api.model
    def _mes_raise_refusal(self, origin, kind, message, severity='major', source='execution',
                           **facts):
        """Refuse what the caller was doing with ``message`` (a UserError that rolls its
        transaction back) and record the refusal as an exception all the same, in a
        transaction of its own: the user sees why, QA finds it in the review queue."""
        vals = self._mes_raise_vals(origin, kind, message, severity, source, facts)
        # the reference comes from a database sequence now (never rolled back)
        vals['name'] = self.env['ir.sequence'].sudo().next_by_code('mes.exception')
        self.env.flush_all()
        with self.env.registry.cursor() as cr:
            self.with_env(self.env(cr=cr, su=True)).create(vals)
        raise UserError(_('%(message)s It is recorded as exception %(ref)s.',
                          message=message, ref=vals['name']))

    @api.model
    def _mes_raise_vals(self, origin, kind, description, severity, source, facts):
        vals = dict(self._mes_origin_facts(origin), kind=kind, description=description,
                    severity=severity, source=source)
        vals.update(facts)
        vals.setdefault('company_id', self.env.company.id)
        vals['raised_by_id'] = self.env.uid
        origin = kiosk_origin(self.env.context)
        if origin:
            vals['device_id'] = origin.device_id
        return vals

    @api.model
    def _mes_origin_facts(self, origin):
        if not origin:
            return {}
        origin = origin.sudo()
        if origin._name == 'mes.step.execution':
            return {'step_execution_id': origin.id, 'workorder_id': origin.workorder_id.id,
                    'production_id': origin.production_id.id,
                    'company_id': origin.company_id.id}
        if origin._name == 'mrp.workorder':
            return {'workorder_id': origin.id, 'production_id': origin.production_id.id,
                    'company_id': origin.company_id.id}
        if origin._name == 'mrp.production':
            return {'production_id': origin.id, 'company_id': origin.company_id.id}
        if origin._name == 'stock.lot':
            return {'lot_id': origin.id, 'product_id': origin.product_id.id,
                    'company_id': (origin.company_id or self.env.company).id}
        raise ValueError('an exception cannot be raised from %s' % origin._name)

    @api.model
    def _mes_check_created_facts(self, vals_list):
        """Who raised an exception, when, and its disposition are recorded by the system: a
        caller cannot raise one in someone else's name, back-date it or create it closed."""
        for vals in vals_list:
            if vals.get('raised_by_id') not in (None, self.env.uid):
                raise AccessError(_('An exception is raised in your own name.'))
            # what only the system detects (a step, a scan, a reading, the block) is not
            # stated by hand: a hand-made exception is a manual one
            if 'blocking' in vals or any(vals.get(f) for f in (
                    'step_execution_id', 'scanned_code', 'measured_value', 'device_id')) or \
                    vals.get('source', 'manual') != 'manual':
                raise AccessError(_('An exception raised by hand is a manual one: the system '
                                    'records what it detects itself.'))
            if vals.get('date') or vals.get('name') not in (None, False, _('New'), 'New'):
                raise AccessError(_('The reference and time of an exception are given by the '
                                    'system.'))
            if vals.get('state', 'open') != 'open' or any(
                    vals.get(f) for f in ('disposition', 'disposition_note',
                                          'dispositioned_by_id', 'disposition_date')):
                raise AccessError(_('An exception is raised open; it is closed only by a signed '
                                    'disposition.'))

    # -- severity: raised freely, lowered only with a signature ------------------------
    def _mes_lowers_severity(self, severity):
        order = [key for key, _label in CRITICALITIES]
        return any(order.index(severity) < order.index(e.severity) for e in self
                   if e.severity in order and severity in order)

    def action_mes_reclassify(self, severity, reason, login, password):
        """Change the severity of open exceptions. Lowering it (which may lift a block)
        needs a MES Supervisor or QA Manager, a reason and their login and password; the
        reason goes into the audit trail.

        :returns: dict ``{'reclassified': bool, 'message'}`` (a wrong password is returned, so
                  that the failed attempt stays counted)
        """
        self._mes_check_disposition_right()
        self.check_access('write')
        if severity not in dict(CRITICALITIES):
            raise UserError(_('Choose a severity.'))
        if any(e.state != 'open' for e in self):
            raise UserError(_('The severity of a dispositioned exception cannot change.'))
        if not (reason or '').strip():
            raise UserError(_('State why the severity changes.'))
        if self.env.user in self.sudo().raised_by_id:
            raise AccessError(_('Segregation of duties: you raised this exception and may not '
                                'lower its severity.'))
        ok, message = self.env['res.users']._mes_check_signing_credentials(login, password)
        if not ok:
            return {'reclassified': False, 'message': message}
        self.sudo().with_context(mes_audit_reason=AuditReason(reason.strip())).write(
            {'severity': severity})
        return {'reclassified': True,
                'message': _('%(count)s exception(s) reclassified.', count=len(self))}

    def _mes_notify_supervisors(self):
        """Blocking exceptions need a person: schedule an activity for the supervisors."""
        group = self.env.ref('mes_bridge.group_mes_supervisor', raise_if_not_found=False)
        if not group:
            return
        supervisor = group.sudo().user_ids.filtered(lambda u: u.active and not u.share)[:1]
        for exception in self.filtered('blocking'):
            if supervisor:
                exception.sudo().activity_schedule(
                    'mail.mail_activity_data_todo', user_id=supervisor.id,
                    summary=_('Disposition blocking exception %(ref)s', ref=exception.name))

    def write(self, vals):
        protected = {'name', 'source', 'kind', 'description', 'production_id', 'workorder_id',
                     'step_execution_id', 'product_id', 'lot_id', 'scanned_code',
                     'measured_value', 'date', 'raised_by_id', 'company_id', 'blocking'}
        if protected & set(vals) and not self.env.su:
            raise UserError(_('The facts of an exception cannot be changed once recorded.'))
        if {'state', 'disposition', 'disposition_note', 'dispositioned_by_id',
                'disposition_date'} & set(vals) and not self.env.su:
            raise UserError(_('Use the Disposition action to close an exception.'))
        if 'severity' in vals and any(e.state != 'open' for e in self):
            raise UserError(_('The severity of a dispositioned exception cannot change.'))
        if 'severity' in vals and not self.env.su and self._mes_lowers_severity(vals['severity']):
            raise UserError(_('Lowering the severity of an exception needs a reason and your '
                              'signature: use Reclassify.'))
        closing = self.filtered(lambda e: e.state == 'open') \
            if vals.get('state') not in (None, 'open') else self.browse()
        result = super().write(vals)
        if closing:
            self.env['mes.event']._mes_emit_many([
                ('exception.dispositioned', exception, exception._mes_event_data(),
                 exception.product_id or None, None) for exception in closing])
        if {'state', 'severity'} & set(vals):
            # a blocked work order unblocks live on its kiosk
            self.env['mes.kiosk.device']._mes_notify_workorders(self.sudo().workorder_id)
        return result

    def _mes_event_data(self):
        self.ensure_one()
        exception = self.sudo()

        def ref(record, name):
            return {'id': record.id, 'name': name} if record else None
        data = {
            'name': exception.name, 'kind': exception.kind, 'severity': exception.severity,
            'production': ref(exception.production_id, exception.production_id.name),
        }
        if exception.state == 'open':
            data.update({
                'blocking': bool(exception.blocking), 'description': exception.description or '',
                'workorder': ref(exception.workorder_id, exception.workorder_id.name),
                'lot': exception.lot_id.name or None})
        else:
            data.update({
                'disposition': exception.disposition or '',
                'note': exception.disposition_note or None,
                'dispositioned_by': ref(exception.dispositioned_by_id,
                                        exception.dispositioned_by_id.name)})
        return data

    # never deleted, by anyone: no super() on purpose
    def unlink(self):  # pylint: disable=method-required-super
        raise UserError(_('Exceptions are part of the production record and cannot be deleted.'))

    def _mes_check_disposition_right(self):
        user = self.env.user
        if not (user.has_group('mes_bridge.group_mes_supervisor')
                or user.has_group('mes_bridge.group_mes_quality_manager')):
            raise AccessError(_('Only a MES Supervisor or a QA Manager can disposition an '
                                'exception.'))

    def action_disposition(self, disposition, note, login, password):
        """Close exceptions with a signed disposition (meaning "approved", reason = the
        justification), re-authenticating the signer.

        :returns: dict ``{'signed': bool, 'message', 'signature_ids'}``; a wrong password is
                  returned, not raised, so that the failed attempt stays counted.
        """
        self._mes_check_disposition_right()
        self.check_access('write')  # written as superuser below: the caller's own rights first
        if disposition not in dict(DISPOSITIONS):
            raise UserError(_('Choose a disposition.'))
        if not (note or '').strip():
            raise UserError(_('A justification is required to disposition an exception.'))
        if any(e.state != 'open' for e in self):
            raise UserError(_('Exception %(ref)s is already dispositioned.',
                              ref=self.filtered(lambda e: e.state != 'open')[0].name))
        lines = {exception: exception._mes_check_can_sign('approved') for exception in self}
        ok, message = self.env['res.users']._mes_check_signing_credentials(login, password)
        if not ok:
            return {'signed': False, 'message': message, 'signature_ids': []}
        self.sudo().write({
            'state': 'dispositioned',
            'disposition': disposition,
            'disposition_note': note.strip(),
            'dispositioned_by_id': self.env.uid,
            'disposition_date': fields.Datetime.now(),
        })
        signatures = self.env['mes.signature']
        for exception, line in lines.items():
            signatures |= exception._mes_create_signature(line, note)
        self.activity_ids.sudo().action_feedback(feedback=_('Dispositioned'))
        return {'signed': True, 'signature_ids': signatures.ids,
                'message': _('%(count)s exception(s) dispositioned and signed.',
                             count=len(self))}

    def _mes_check_sign_entry(self):
        raise UserError(_('An exception is signed with its disposition: use Disposition.'))

    def _mes_performers(self):
        """Whoever raised the exception may not disposition it."""
        return self.sudo().raised_by_id

    def _mes_on_unlock(self):
        """A disposition unlocked for correction is open again, to be dispositioned anew."""
        self.sudo().write({'state': 'open', 'disposition': False, 'disposition_note': False,
                           'dispositioned_by_id': False, 'disposition_date': False})
        self._mes_notify_supervisors()
        return super()._mes_on_unlock()

    def action_open_reclassify_wizard(self):
        self._mes_check_disposition_right()
        return {
            'type': 'ir.actions.act_window',
            'name': _('Reclassify'),
            'res_model': 'mes.exception.reclassify',
            'view_mode': 'form',
            'views': [(False, 'form')],
            'target': 'new',
            'context': {'default_exception_ids': self.ids, 'default_severity': self[:1].severity},
        }

    def action_open_disposition_wizard(self):
        self._mes_check_disposition_right()
        return {
            'type': 'ir.actions.act_window',
            'name': _('Disposition'),
            'res_model': 'mes.exception.disposition',
            'view_mode': 'form',
            'views': [(False, 'form')],
            'target': 'new',
            'context': {'default_exception_ids': self.ids},
        }
