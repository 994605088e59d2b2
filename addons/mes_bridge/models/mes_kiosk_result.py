import json

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from .mes_kiosk_device import KioskOrigin, kiosk_origin

RESULT_STATES = [
    ('applied', 'Applied'),
    ('refused', 'Refused'),
]


class MesKioskResult(models.Model):
    """One action a kiosk sent (a step result, a start, a quantity...), keyed by the id the
    kiosk gave it: sent twice (a retry, an offline queue replayed again), it is applied once
    and the second time answers what the first did."""
    _name = 'mes.kiosk.result'
    _description = 'Kiosk Result'
    _order = 'received desc, id desc'

    client_id = fields.Char(required=True, readonly=True, index=True)
    device_id = fields.Many2one('mes.kiosk.device', required=True, readonly=True, index=True,
                                ondelete='restrict')
    company_id = fields.Many2one(related='device_id.company_id', store=True, index=True)
    session_id = fields.Many2one('mes.kiosk.session', readonly=True, ondelete='restrict')
    user_id = fields.Many2one('res.users', string='Operator', required=True, readonly=True,
                              ondelete='restrict')
    operation = fields.Char(required=True, readonly=True)
    workorder_id = fields.Many2one('mrp.workorder', readonly=True, index=True,
                                   ondelete='restrict')
    step_execution_id = fields.Many2one('mes.step.execution', readonly=True, index=True,
                                        ondelete='restrict')
    payload = fields.Text(readonly=True)
    client_time = fields.Datetime(string='Time on the Device (UTC)', readonly=True)
    client_sequence = fields.Integer(readonly=True)
    offline = fields.Boolean(string='Recorded Offline', readonly=True)
    received = fields.Datetime(string='Received (UTC)', required=True, readonly=True,
                               default=fields.Datetime.now)
    state = fields.Selection(RESULT_STATES, required=True, readonly=True)
    outcome = fields.Text(readonly=True)
    exception_id = fields.Many2one('mes.exception', readonly=True, ondelete='restrict')

    _client_id_unique = models.Constraint(
        'UNIQUE (device_id, client_id)', 'A kiosk result is received once.')

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise AccessError(_('Kiosk results are written by the kiosk.'))
        return super().create(vals_list)

    def write(self, vals):
        if self:
            raise AccessError(_('A kiosk result is kept as received.'))
        return super().write(vals)

    def unlink(self):
        if self:
            raise AccessError(_('A kiosk result is kept as received.'))
        return super().unlink()

    def _mes_outcome(self):
        self.ensure_one()
        return json.loads(self.outcome or '{}')

    # -- applying what a kiosk sends ---------------------------------------------------------
    @api.model
    def _mes_apply(self, device, session, item, offline=False):
        """Apply one kiosk action once: ``item`` is ``{'client_id', 'operation',
        'workorder_id', 'step_id', 'payload', 'client_time', 'sequence'}``. A client id seen
        before answers what it answered then. A refusal is returned in words, never raised;
        a result recorded offline that the server refuses on replay becomes an exception.

        Runs as the session's operator, with the device in the context (trusted, see
        ``KioskOrigin``).

        :returns: outcome dict (``accepted``, ``message``...)"""
        client_id = str(item.get('client_id') or '').strip()[:64]
        if not client_id:
            return {'accepted': False, 'message': _('The kiosk sent a result without its id.')}
        known = self.sudo().search([('device_id', '=', device.id), ('client_id', '=', client_id)],
                                   limit=1)
        if known:
            return dict(known._mes_outcome(), duplicate=True, result_id=known.id)
        operation = item.get('operation')
        if operation not in KIOSK_OPERATIONS:
            return {'accepted': False, 'message': _('Unknown kiosk action "%(operation)s".',
                                                    operation=operation)}
        client_time = _parse_client_time(item.get('client_time')) if offline else None
        user = session.user_id
        env = self.env(user=user.id, su=False, context=dict(
            self.env.context, allowed_company_ids=device.company_id.ids,
            mes_kiosk_origin=KioskOrigin(device.id, client_time)))
        workorder = env['mrp.workorder'].browse(int(item.get('workorder_id') or 0)).exists()
        step = env['mes.step.execution'].browse(int(item.get('step_id') or 0)).exists()
        payload = item.get('payload') or {}
        vals = {'client_id': client_id, 'device_id': device.id,
                'company_id': device.company_id.id, 'session_id': session.id,
                'user_id': user.id, 'operation': operation, 'workorder_id': workorder.id,
                'step_execution_id': step.id or False,
                'payload': json.dumps(payload, sort_keys=True, default=str)[:20000],
                'client_time': client_time or False, 'offline': offline,
                'client_sequence': int(item.get('sequence') or 0)}
        try:
            with self.env.cr.savepoint():
                if not workorder or workorder.workcenter_id not in device.workcenter_ids:
                    raise AccessError(_('This kiosk does not run that work order.'))
                if step and step.workorder_id != workorder:
                    raise AccessError(_('That step is not a step of %(wo)s.',
                                        wo=workorder.display_name))
                outcome = getattr(self, '_mes_kiosk_%s' % operation)(workorder, step, payload)
        except (UserError, AccessError, ValidationError) as error:
            message = error.args[0] if error.args else str(error)
            outcome = {'accepted': False, 'message': message}
            if offline:
                exception = self._mes_replay_refused(env, workorder, step, item, message,
                                                     client_time)
                outcome.update(exception_id=exception.id, message=_(
                    'Recorded offline at %(time)s, refused on arrival: %(message)s It is '
                    'recorded as exception %(ref)s.', time=fields.Datetime.to_string(
                        client_time) if client_time else '?', message=message,
                    ref=exception.name))
        result = self.sudo().create(dict(
            vals, state='applied' if outcome.get('accepted') else 'refused',
            outcome=json.dumps(outcome, default=str),
            exception_id=outcome.get('exception_id') or False))
        return dict(outcome, result_id=result.id)

    @api.model
    def _mes_replay_refused(self, env, workorder, step, item, message, client_time):
        """What the kiosk recorded offline and the server refuses now is not dropped: it
        becomes an exception on the work order with what was entered."""
        payload = item.get('payload') or {}
        entered = payload.get('value') or payload.get('code') or (
            {True: 'pass', False: 'fail'}.get(payload.get('passed')) if 'passed' in payload
            else '')
        origin = step or workorder or None
        description = _('Recorded offline on %(device)s at %(time)s (UTC), refused on arrival: '
                        '%(message)s', device=env['mes.kiosk.device'].sudo().browse(
                            kiosk_origin(env.context).device_id).name,
                        time=fields.Datetime.to_string(client_time) if client_time else '?',
                        message=message)
        return env['mes.exception']._mes_raise(
            origin if origin else None, 'offline_refused', description, severity='major',
            source='execution', measured_value=str(entered)[:200] or False)

    # one method per kiosk action; each runs as the operator, through the model methods
    # JSON-2 calls
    @api.model
    def _mes_kiosk_start(self, workorder, step, payload):
        workorder.button_start()
        return {'accepted': True}

    @api.model
    def _mes_kiosk_pause(self, workorder, step, payload):
        workorder.mes_pause(payload.get('loss_id'), payload.get('note'))
        return {'accepted': True}

    @api.model
    def _mes_kiosk_resume(self, workorder, step, payload):
        workorder.mes_resume()
        return {'accepted': True}

    @api.model
    def _mes_kiosk_record(self, workorder, step, payload):
        if not step:
            raise UserError(_('Which step? The kiosk sent none.'))
        return step.mes_record(
            value=payload.get('value'), passed=payload.get('passed'),
            code=payload.get('code'), login=payload.get('login'),
            password=payload.get('password'), comment=payload.get('comment'),
            unit=payload.get('unit'))

    @api.model
    def _mes_kiosk_andon(self, workorder, step, payload):
        reason = (payload.get('reason') or '').strip()
        if not reason:
            raise UserError(_('Say what is wrong.'))
        severity = payload.get('severity') or 'major'
        if severity not in ('minor', 'major', 'critical'):
            raise UserError(_('Unknown severity "%(severity)s".', severity=severity))
        photo = payload.get('photo')
        if photo and len(photo) > MAX_PHOTO_BASE64:
            raise UserError(_('The photo is too large (at most 5 MB).'))
        exception = workorder.env['mes.exception']._mes_raise(
            step or workorder, 'other', reason[:4000], severity=severity, source='manual')
        if photo:
            workorder.env['ir.attachment'].sudo().create({
                'name': _('Photo %(ref)s.jpg', ref=exception.name), 'datas': photo,
                'res_model': 'mes.exception', 'res_id': exception.id,
                'mimetype': 'image/jpeg'})
        return {'accepted': True, 'exception_id': exception.id,
                'blocking': bool(exception.blocking),
                'message': _('Raised %(ref)s.', ref=exception.name)}

    @api.model
    def _mes_kiosk_quantity(self, workorder, step, payload):
        produced = payload.get('produced')
        scrapped = payload.get('scrapped')
        production = workorder.production_id
        if produced is not None:
            produced = float(produced)
            if produced < 0 or produced > production.product_qty:
                raise UserError(_('The quantity produced is between 0 and %(qty)s.',
                                  qty=production.product_qty))
            workorder.qty_producing = produced
        if scrapped is not None:
            workorder.mes_report_scrap(float(scrapped))
        return {'accepted': True}

    @api.model
    def _mes_kiosk_finish(self, workorder, step, payload):
        workorder.button_finish()
        return {'accepted': True}


KIOSK_OPERATIONS = ('start', 'pause', 'resume', 'record', 'andon', 'quantity', 'finish')
# a phone-camera JPEG, base64 (4/3 of 5 MB)
MAX_PHOTO_BASE64 = 5 * 1024 * 1024 * 4 // 3


def _parse_client_time(value):
    """The device's clock for an offline result (UTC), kept as stated (a tablet's clock may
    drift: the server's time of arrival is recorded next to it)."""
    if not value:
        return None
    try:
        moment = fields.Datetime.to_datetime(str(value).replace('T', ' ').rstrip('Z')[:19])
    except ValueError:
        return None
    return moment
