from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..lib import b2mml, gs1, measurement
from .mes_kiosk_device import kiosk_origin
from .mes_operation_step import (
    CRITICALITIES,
    LIMIT_KINDS,
    SIGNATURE_MEANINGS,
    STEP_DEFINITION_FIELDS,
    STEP_TYPES,
    document_sha256,
)

# Result fields are written only by mes_record(), after its checks, as superuser: no
# access right or context key lets a user write them, and once done they never change.
_RESULT_FIELDS = {
    'state', 'result', 'value_entered', 'value', 'out_of_limit', 'lot_id', 'scanned_code',
    'unit_lot_id', 'unit_qty',
    'equipment_code', 'comment', 'operator_id', 'date_done', 'signed_by_id', 'signed_name',
    'signature_date', 'overridden', 'device_id', 'device_time',
}
# Refusals a supervisor may sign past, with a reason: material that is right but waiting for
# QA (quarantine) or past its expiry date (pending re-test), and an equivalent piece of
# equipment in place of the one named. A wrong or unknown material, a lot on hold, rejected
# or recalled, a wrong label or unusable equipment are never overridden.
OVERRIDABLE_REFUSALS = ('unreleased_lot', 'expired_lot', 'equipment_mismatch')
OVERRIDABLE_LOT_STATES = ('quarantine', 'released')


# Longest text a scan or a comment may carry (a GS1 DataMatrix holds at most ~2,300 chars)
MAX_CODE_LENGTH = 2500
MAX_COMMENT_LENGTH = 4000

class MesStepExecution(models.Model):
    _name = 'mes.step.execution'
    # the data dictionary's units (mes.integration.catalogue)
    _mes_field_units = dict.fromkeys(('value', 'target', 'lower_limit', 'upper_limit'),
                                     "the step's unit (uom_id)")
    _mes_protected_fields = tuple(sorted(_RESULT_FIELDS))
    _description = 'Step Execution'
    _inherit = ['mes.audited', 'mes.signable']
    _mes_audit_fields = tuple(
        ['workorder_id', 'operation_step_id', 'bom_version'] + STEP_DEFINITION_FIELDS
        + ['instruction_pdf', 'instruction_pdf_name'] + sorted(_RESULT_FIELDS))
    # What a signature step's signature covers: the step as released and its outcome.
    _mes_signature_content = tuple(
        ['workorder_id', 'production_id', 'operation_step_id', 'bom_version']
        + STEP_DEFINITION_FIELDS + ['state', 'result', 'operator_id', 'date_done', 'comment'])
    # 2: the instruction document (its SHA-256), on steps that carry one
    _mes_signature_content_version = 2
    _order = 'workorder_id, sequence, id'

    workorder_id = fields.Many2one('mrp.workorder', string='Work Order', required=True,
                                   ondelete='restrict', index=True, readonly=True)
    production_id = fields.Many2one(related='workorder_id.production_id', store=True, index=True)
    company_id = fields.Many2one(related='workorder_id.company_id', store=True, index=True)
    operation_step_id = fields.Many2one('mes.operation.step', string='Master Step',
                                        ondelete='set null', readonly=True)
    bom_version = fields.Integer(string='Master Version', readonly=True)
    # -- snapshot of the master step -----------------------------------------------
    sequence = fields.Integer(readonly=True)
    name = fields.Char(string='Step', required=True, readonly=True)
    step_type = fields.Selection(STEP_TYPES, string='Type', required=True, readonly=True)
    instructions = fields.Html(readonly=True, sanitize=True)
    instruction_pdf = fields.Binary(string='Instruction Document', attachment=True,
                                    readonly=True)
    instruction_pdf_name = fields.Char(string='Document File Name', readonly=True)
    instruction_pdf_sha256 = fields.Char(
        string='Document SHA-256', compute='_compute_instruction_pdf_sha256', store=True)
    criticality = fields.Selection(CRITICALITIES, readonly=True)
    limit_kind = fields.Selection(LIMIT_KINDS, string='Specification', readonly=True)
    target = fields.Float(digits=(16, 6), readonly=True)
    lower_limit = fields.Float(digits=(16, 6), readonly=True)
    upper_limit = fields.Float(digits=(16, 6), readonly=True)
    uom_id = fields.Many2one('uom.uom', string='Unit', readonly=True)
    decimals = fields.Integer(readonly=True)
    bom_line_id = fields.Many2one('mrp.bom.line', string='BoM Line', readonly=True)
    product_id = fields.Many2one('product.product', string='Component', readonly=True)
    expected_equipment = fields.Char(string='Equipment', readonly=True)
    signature_meaning = fields.Selection(SIGNATURE_MEANINGS, readonly=True)
    specification = fields.Char(string='Limits', compute='_compute_specification')
    # -- what happened on the shop floor ---------------------------------------------
    state = fields.Selection([('pending', 'To Do'), ('done', 'Done')], default='pending',
                             required=True, readonly=True, index=True)
    result = fields.Selection([('pass', 'Pass'), ('fail', 'Fail')], readonly=True)
    value_entered = fields.Char(string='Entered', readonly=True,
                                help='The value exactly as the operator entered it.')
    value = fields.Float(digits=(16, 6), readonly=True)
    out_of_limit = fields.Boolean(readonly=True)
    lot_id = fields.Many2one('stock.lot', readonly=True, index=True)
    scanned_code = fields.Char(readonly=True)
    equipment_code = fields.Char(string='Equipment Scanned', readonly=True)
    unit_lot_id = fields.Many2one(
        'stock.lot', string='Produced Unit', readonly=True, index=True,
        help='The produced serial this component lot went into, when scanned per unit: the '
             'genealogy then links exactly this unit to this lot.')
    unit_qty = fields.Float(string='Quantity in Unit', readonly=True, digits='Product Unit')
    comment = fields.Text(readonly=True)
    operator_id = fields.Many2one('res.users', readonly=True)
    date_done = fields.Datetime(string='Done on (UTC)', readonly=True)
    signed_by_id = fields.Many2one('res.users', string='Signed by', readonly=True)
    signed_name = fields.Char(string='Signer Name', readonly=True)
    signature_date = fields.Datetime(readonly=True)
    overridden = fields.Boolean(
        string='Supervisor Override', readonly=True,
        help='Recorded past a refused scan by a supervisor\'s signature, with a manual '
             'override exception for QA.')
    device_id = fields.Many2one('mes.kiosk.device', string='Kiosk Device', readonly=True,
                                index=True, ondelete='restrict',
                                help='The paired tablet the step was recorded on.')
    device_time = fields.Datetime(
        string='Time on the Device (UTC)', readonly=True,
        help='When the kiosk recorded it while offline; "Done on" is when it reached the '
             'server.')
    exception_ids = fields.One2many('mes.exception', 'step_execution_id', string='Exceptions')
    is_current = fields.Boolean(compute='_compute_is_current',
                                help='The next step the operator has to do.')

    @api.depends('instruction_pdf')
    def _compute_instruction_pdf_sha256(self):
        for step in self:
            step.instruction_pdf_sha256 = document_sha256(step)

    @api.depends('limit_kind', 'lower_limit', 'upper_limit', 'uom_id', 'decimals', 'step_type')
    def _compute_specification(self):
        for step in self:
            if step.step_type != 'measurement':
                step.specification = False
                continue
            fmt = '%%.%df' % max(step.decimals, 0)
            unit = (' ' + step.uom_id.name) if step.uom_id else ''
            low, high = fmt % step.lower_limit, fmt % step.upper_limit
            step.specification = {
                'range': '%s – %s%s' % (low, high, unit),
                'min': '≥ %s%s' % (low, unit),
                'max': '≤ %s%s' % (high, unit),
            }.get(step.limit_kind, '')

    @api.depends('state', 'workorder_id.mes_step_execution_ids.state')
    def _compute_is_current(self):
        for step in self:
            step.is_current = step == step.workorder_id._mes_next_step()

    # -- integrity -------------------------------------------------------------------
    def write(self, vals):
        if _RESULT_FIELDS & set(vals) and not (self.env.su and self.env.context.get('mes_recording')):
            raise UserError(_('Step results are recorded on the shop floor and cannot be edited.'))
        recorded = self.filtered(lambda s: s.state != 'done') if vals.get('state') == 'done' \
            else self.browse()
        result = super().write(vals)
        if recorded:
            # every recording (the dialog, the kiosk, JSON-2, an override) comes through here
            self.env['mes.event']._mes_emit_many([
                ('step.recorded', step, step._mes_event_data(), step.product_id or None, None)
                for step in recorded])
        return result

    def _mes_event_data(self):
        self.ensure_one()
        step = self.sudo()

        def ref(record, name=None):
            return {'id': record.id, 'name': name or record.display_name} if record else None
        return {
            'name': step.name, 'type': step.step_type,
            'workorder': ref(step.workorder_id, step.workorder_id.name),
            'production': ref(step.production_id, step.production_id.name),
            'result': step.result or None,
            'value': step.value_entered or step.scanned_code or step.equipment_code or None,
            'out_of_limit': bool(step.out_of_limit), 'lot': step.lot_id.name or None,
            'operator': ref(step.operator_id, step.operator_id.name),
            'device': ref(step.device_id, step.device_id.name),
            'recorded_offline_at': step.device_time.strftime('%Y-%m-%dT%H:%M:%SZ')
            if step.device_time else None,
        }

    def _mes_b2mml_segment_data(self):
        """This recorded step as B2MML SegmentData: its value, and the verdict and limits as
        child data."""
        self.ensure_one()
        step = self.sudo()
        value, data_type, uom = None, 'string', None
        if step.step_type == 'measurement':
            value, data_type, uom = step.value_entered, 'decimal', step.uom_id.name or None
        elif step.step_type == 'material':
            value = step.lot_id.name or step.scanned_code
        elif step.step_type == 'equipment':
            value = step.equipment_code
        elif step.step_type == 'signature':
            value = step.signed_name
        elif step.step_type == 'check':
            value = step.result
        children = []
        if step.result:
            children.append(('Result', step.result, 'string'))
        if step.step_type == 'measurement' and step.limit_kind in ('range', 'min'):
            children.append(('LowLimit', b2mml.number_text(step.lower_limit), 'decimal'))
        if step.step_type == 'measurement' and step.limit_kind in ('range', 'max'):
            children.append(('HighLimit', b2mml.number_text(step.upper_limit), 'decimal'))
        if step.overridden:
            children.append(('Overridden', 'true', 'boolean'))
        if step.date_done:
            children.append(('RecordedAt', step.date_done.strftime('%Y-%m-%dT%H:%M:%SZ'),
                             'dateTime'))
        return {'id': step.name, 'description': step.step_type, 'value': value or None,
                'data_type': data_type, 'uom': uom, 'children': children}

    def unlink(self):
        if any(step.state == 'done' for step in self):
            raise UserError(_('A recorded step is part of the production record and cannot be '
                              'deleted.'))
        return super().unlink()

    # -- signatures ------------------------------------------------------------------
    def _mes_check_sign_entry(self):
        raise UserError(_('A signature step is signed when it is recorded, in its turn on a '
                          'started work order.'))

    def _mes_signature_lines(self):
        """A signature step takes the one signature its master step asks for; an overridden
        step the supervisor's override signature."""
        lines = super()._mes_signature_lines()
        meaning = 'override' if self.overridden else self.signature_meaning
        return lines.filtered(lambda l: l.meaning_id.code == meaning)

    def _mes_content(self, version=None):
        content = super()._mes_content(version)
        if self.instruction_pdf_sha256 and (
                version or self._mes_signature_content_version) >= 2:
            # the file as it is now, not the digest taken when it was stored: a file
            # swapped behind the application voids the signature
            content['instruction_pdf_sha256'] = document_sha256(self.sudo())
        if self.overridden:
            # what the supervisor signed past: only overridden steps carry it, so the
            # signatures of signature steps keep the content they were given on
            record = self.sudo()
            content.update({fname: self._mes_plain(record, fname) for fname in (
                'overridden', 'lot_id', 'scanned_code', 'equipment_code', 'unit_lot_id')})
        return content

    def _mes_performers(self):
        """Who recorded any other step of this order, in any of its work orders: they cannot
        verify, review or approve its record."""
        others = self.sudo().production_id.mes_step_execution_ids - self
        return others.filtered(lambda s: s.state == 'done').operator_id

    def _mes_steps_covered(self, meaning):
        """The steps a segregated signature of this step vouches for: everything before it
        (earlier work orders, earlier steps of its own) for a verification; the order's whole
        record for a review or an approval."""
        others = self.sudo().production_id.mes_step_execution_ids - self
        if meaning in ('reviewed', 'approved'):
            return others
        own = (self.workorder_id.sequence, self.workorder_id.id, self.sequence, self.id)
        return others.filtered(
            lambda s: (s.workorder_id.sequence, s.workorder_id.id, s.sequence, s.id) < own)

    # -- recording -------------------------------------------------------------------
    @api.model
    def _mes_clean_input(self, code, comment):
        """What a scanner or a keyboard can send, bounded: a code is one label (GS1 group
        separators allowed, other control characters are not), a comment a few paragraphs.
        Both end up in the production record and its sealed audit trail."""
        if code is not None and code is not False:
            code = str(code)
            if len(code) > MAX_CODE_LENGTH or any(
                    ord(c) < 32 and c != '\x1d' or ord(c) == 127 for c in code):
                raise UserError(_('The scanned code is not a label this step can read (too long '
                                  'or with control characters). Scan it again.'))
        if comment and len(str(comment)) > MAX_COMMENT_LENGTH:
            raise UserError(_('The comment is too long (at most %(max)s characters).',
                              max=MAX_COMMENT_LENGTH))
        return code, comment

    def _check_can_record(self):
        self.ensure_one()
        if not self.env.user.has_group('mes_bridge.group_mes_operator'):
            raise AccessError(_('Only MES operators can record shop-floor steps.'))
        workorder = self.workorder_id
        if self.state != 'pending':
            raise UserError(_('Step "%(step)s" is already recorded.', step=self.name))
        if workorder.state != 'progress':
            raise UserError(_('Start work order %(wo)s before recording its steps.',
                              wo=workorder.display_name))
        next_step = workorder._mes_next_step()
        if next_step != self:
            raise UserError(_(
                'Steps must be done in order: do "%(next)s" before "%(step)s".',
                next=next_step.name, step=self.name))

    def mes_record(self, value=None, passed=None, code=None, login=None, password=None,
                   comment=None, unit=None):
        """Record the outcome of this step. The one entry point for UI, kiosk and JSON-2.

        :param value: measured value as entered (text or number) for measurement steps
        :param passed: True/False for pass/fail checks
        :param code: scanned lot / GS1 / equipment code for material and equipment steps
        :param login, password: re-authentication for signature steps
        :param unit: for a material step, the produced serial this lot goes into (unit-level
                     genealogy); only that unit's share is consumed from the lot
        :returns: dict ``{'accepted', 'step_id', 'result', 'out_of_limit', 'exception_id',
                  'message', 'next_step_id'}``. A refused scan is not an error: the refusal is
                  recorded as an exception and returned with ``accepted: False``.
        """
        self.ensure_one()
        self.check_access('read')  # results are written as superuser: the caller must see it
        self._check_can_record()
        code, comment = self._mes_clean_input(code, comment)
        handler = getattr(self, '_mes_record_%s' % self.step_type)
        outcome = handler(value=value, passed=passed, code=code, login=login, password=password,
                          unit=unit)
        exception = outcome.pop('exception', self.env['mes.exception'])
        accepted = outcome.pop('accepted', True)
        signature_line = outcome.pop('signature_line', None)
        if accepted:
            vals = dict(outcome, state='done', operator_id=self.env.uid,
                        date_done=fields.Datetime.now(), comment=(comment or '').strip() or False,
                        **self._mes_origin_vals())
            self.sudo().with_context(mes_recording=True).write(vals)
            if signature_line:
                # signed after the outcome is written, so the signature covers it
                self._mes_create_signature(signature_line, comment)
        return self._mes_outcome(accepted, exception, outcome.get('message'))

    def _mes_origin_vals(self):
        """The kiosk device (and the device's clock, for a result recorded offline) a result
        came from, when the kiosk controller says so."""
        origin = kiosk_origin(self.env.context)
        if not origin:
            return {}
        return {'device_id': origin.device_id, 'device_time': origin.client_time or False}

    def _mes_outcome(self, accepted, exception, message=None):
        return {
            'accepted': accepted,
            'step_id': self.id,
            'state': self.state,
            'result': self.result or False,
            'out_of_limit': self.out_of_limit,
            'exception_id': exception.id or False,
            'blocking': bool(exception.blocking),
            'message': message or (exception.description if exception else ''),
            'next_step_id': self.workorder_id._mes_next_step().id or False,
        }

    # -- supervisor override -----------------------------------------------------------
    def mes_override(self, code, reason, login=None, password=None, unit=None):
        """A supervisor records this material or equipment step past a refused scan (a lot
        in quarantine or past its expiry date, an equivalent piece of equipment), signing with
        a reason. The step is done with the scanned lot or equipment, marked overridden, and
        a manual override exception goes to QA: the production record flags it for review.

        :returns: dict as ``mes_record``; a wrong password returns ``accepted: False``
        """
        self.ensure_one()
        self.check_access('read')
        self._check_can_record()
        if not self.env.user.has_group('mes_bridge.group_mes_supervisor'):
            raise AccessError(_('Only a supervisor can override a refused scan.'))
        if self.step_type not in ('material', 'equipment'):
            raise UserError(_('Only a refused material or equipment scan can be overridden; '
                              'record "%(step)s" as usual.', step=self.name))
        code, reason = self._mes_clean_input(code, reason)
        code, reason = (code or '').strip(), (reason or '').strip()
        if not code:
            raise UserError(_('Scan the lot or equipment the override is for.'))
        if not reason:
            raise UserError(_('State why the refused scan is overridden.'))
        kind, refusal, vals = self._mes_override_target(code, unit)
        line = self._mes_override_line()
        ok, message = self.env['res.users']._mes_check_signing_credentials(login, password)
        if not ok:
            # refused, not raised: the failed attempt stays counted
            return self._mes_outcome(False, self.env['mes.exception'], message)
        lot = self.env['stock.lot'].browse(vals.get('lot_id'))
        exception = self._mes_raise_exception(
            'manual_override', _('%(user)s overrode a refused scan (%(refusal)s) Reason: '
                                 '%(reason)s', user=self.env.user.name, refusal=refusal,
                                 reason=reason),
            source='material' if self.step_type == 'material' else 'equipment',
            scanned_code=code, lot_id=lot.id, product_id=self.product_id.id or False)
        if lot:
            production = self.workorder_id.production_id.sudo()
            production._mes_consume_lot(self.bom_line_id, self.product_id, lot,
                                        quantity=vals.get('unit_qty') or None)
        self.sudo().with_context(mes_recording=True).write(dict(
            vals, state='done', result='pass', overridden=True, operator_id=self.env.uid,
            date_done=fields.Datetime.now(), comment=reason, **self._mes_origin_vals()))
        # signed after the outcome is written, so the signature covers it
        self._mes_create_signature(line, reason)
        return self._mes_outcome(True, exception, _('Recorded by override: %(refusal)s',
                                                    refusal=refusal))

    def _mes_override_target(self, code, unit=None):
        """What ``code`` would be refused for, when a supervisor may sign past it.

        :returns: (refusal kind, refusal message, step values to record)"""
        if self.step_type == 'equipment':
            refusal = self._mes_equipment_refusal(code)
            # the equipment itself must be usable: only its being another one is signed past
            unusable = refusal and refusal[0] == 'equipment_mismatch' \
                and self._mes_equipment_unusable(code)
            self._mes_check_overridable(refusal, unusable and unusable[1])
            return refusal[0], refusal[1], {'equipment_code': code}
        lot, refusal = self._mes_material_scan(code)
        forbidden = False
        if lot and lot.mes_release_state not in OVERRIDABLE_LOT_STATES:
            labels = dict(lot._fields['mes_release_state']._description_selection(self.env))
            forbidden = _('Lot %(lot)s of %(product)s is %(state)s.', lot=lot.name,
                          product=self.product_id.display_name,
                          state=labels[lot.mes_release_state])
        # raises unless refused for what a supervisor may sign past (so: a lot)
        self._mes_check_overridable(refusal, forbidden)
        vals = {'scanned_code': code, 'lot_id': lot.id}
        if unit:
            vals.update(unit_lot_id=self._mes_resolve_unit(unit).id,
                        unit_qty=self._mes_component_qty_per_unit())
        return refusal[0], refusal[1], vals

    def _mes_check_overridable(self, refusal, forbidden=False):
        if not refusal:
            raise UserError(_('This scan is not refused: record the step as usual.'))
        if refusal[0] not in OVERRIDABLE_REFUSALS or forbidden:
            raise UserError(_('%(refusal)s A supervisor cannot override this.',
                              refusal=forbidden or refusal[1]))

    def _mes_override_line(self):
        """The signature policy line a supervisor overrides with (step policy, meaning
        "override"), after its group check."""
        line = self._mes_signature_policy().line_ids.filtered(
            lambda l: l.meaning_id.code == 'override')[:1]
        if not line:
            raise UserError(_('No override signature is set up for shop-floor steps: ask an '
                              'MES administrator.'))
        if not (line.group_ids & self.env.user.all_group_ids):
            raise AccessError(_('You may not sign an override: this needs %(groups)s.',
                                groups=', '.join(line.group_ids.mapped('name'))))
        return line

    def _mes_raise_exception(self, kind, description, severity=None, source='execution', **extra):
        return self.env['mes.exception']._mes_raise(
            self, kind, description, severity=severity or self.criticality or 'major',
            source=source, **extra)

    def _mes_record_instruction(self, **kw):
        return {'result': 'pass'}

    def _mes_record_measurement(self, value=None, **kw):
        raw = '' if value is None or value is False else str(value)
        try:
            number = measurement.parse_value(raw)
        except measurement.MeasurementError:
            raise UserError(_('"%(value)s" is not a number: enter the value measured for '
                              '"%(step)s".', value=raw, step=self.name)) from None
        lower = self.lower_limit if self.limit_kind in ('range', 'min') else None
        upper = self.upper_limit if self.limit_kind in ('range', 'max') else None
        verdict = measurement.judge(number, lower, upper, self.decimals)
        vals = {
            'value_entered': raw,
            'value': float(measurement.round_value(number, self.decimals)),
            'out_of_limit': verdict != measurement.IN_LIMITS,
            'result': 'pass' if verdict == measurement.IN_LIMITS else 'fail',
        }
        if verdict != measurement.IN_LIMITS:
            vals['exception'] = self._mes_raise_exception('out_of_limit', _(
                '%(step)s: %(value)s %(uom)s is %(direction)s the specification %(spec)s.',
                step=self.name, value=raw, uom=self.uom_id.name or '', spec=self.specification,
                direction=_('below') if verdict == measurement.BELOW_LIMIT else _('above')),
                measured_value=raw)
        return vals

    def _mes_record_check(self, passed=None, **kw):
        if passed is None:
            raise UserError(_('Record whether check "%(step)s" passed or failed.', step=self.name))
        vals = {'result': 'pass' if passed else 'fail'}
        if not passed:
            vals['exception'] = self._mes_raise_exception(
                'check_failed', _('Check failed: %(step)s.', step=self.name))
        return vals

    def _mes_resolve_lot(self, code):
        """Find the lot an operator scanned: a plain lot number or a GS1 label."""
        product = self.product_id
        lot_name = code
        parsed = {}
        if gs1.looks_like_gs1(code):
            try:
                parsed = gs1.parse(code)
            except gs1.GS1Error as err:
                # the reason is a term of lib/gs1.py (this addon), translated here
                reason = self.env._(err.template, **err.params)
                raise UserError(_('The label "%(code)s" could not be read (%(reason)s). Scan it '
                                  'again or type the lot number.', code=code,
                                  reason=reason)) from None
            lot_name = parsed.get('lot') or parsed.get('serial')
            if not lot_name:
                raise UserError(_('The label "%(code)s" carries no lot or serial number.',
                                  code=code))
        Lot = self.env['stock.lot']
        domain = [('name', '=', lot_name), ('company_id', 'in', [self.company_id.id, False])]
        lot = Lot.search(domain + [('product_id', '=', product.id)], limit=1) \
            or Lot.search(domain, limit=1)
        return lot, lot_name, parsed

    def _mes_material_scan(self, code):
        """The lot a scanned material code names and why it is refused, if it is.

        :returns: (lot or empty, (reason_code, message) or False)"""
        product = self.product_id
        Lot = self.env['stock.lot']
        if product.tracking == 'none':
            if code not in (product.barcode, product.default_code):
                return Lot, ('wrong_product', _('"%(code)s" is not %(product)s.', code=code,
                                                product=product.display_name))
            return Lot, False
        lot, lot_name, parsed = self._mes_resolve_lot(code)
        if not lot:
            return lot, ('unknown_lot', _('Lot %(lot)s is not known for %(product)s.',
                                          lot=lot_name, product=product.display_name))
        if parsed.get('gtin') and product.barcode and not gs1.gtin_matches(parsed['gtin'],
                                                                           product.barcode):
            return lot, ('wrong_product', _(
                'Lot %(lot)s: the label GTIN %(gtin)s is not the GTIN of %(product)s.',
                lot=lot.name, gtin=parsed['gtin'], product=product.display_name))
        return lot, lot._mes_material_refusal(product)

    def _mes_record_material(self, code=None, unit=None, **kw):
        code = (code or '').strip()
        if not code:
            raise UserError(_('Scan the lot of %(product)s.', product=self.product_id.display_name))
        product = self.product_id
        lot, refusal = self._mes_material_scan(code)
        if refusal:
            return self._mes_refuse_material(refusal[0], refusal[1], code, lot or None)
        if not lot:
            return {'result': 'pass', 'scanned_code': code}
        # the scan is verified: Odoo's moves follow it (as superuser, past the binding check
        # that keeps anyone else from changing consumed lots)
        production = self.workorder_id.production_id.sudo()
        if unit:
            unit_lot = self._mes_resolve_unit(unit)
            per_unit = self._mes_component_qty_per_unit()
            production._mes_consume_lot(self.bom_line_id, product, lot, quantity=per_unit)
            return {'result': 'pass', 'scanned_code': code, 'lot_id': lot.id,
                    'unit_lot_id': unit_lot.id, 'unit_qty': per_unit}
        production._mes_consume_lot(self.bom_line_id, product, lot)
        return {'result': 'pass', 'scanned_code': code, 'lot_id': lot.id}

    def _mes_resolve_unit(self, unit):
        production = self.workorder_id.production_id
        unit_lot = self.env['stock.lot'].search([
            ('name', '=', (unit or '').strip()), ('product_id', '=', production.product_id.id),
            ('company_id', 'in', [production.company_id.id, False])], limit=1)
        if not unit_lot:
            raise UserError(_('"%(unit)s" is not a serial or lot of %(product)s: generate the '
                              'serial numbers of %(mo)s first.', unit=unit,
                              product=production.product_id.display_name, mo=production.name))
        return unit_lot

    def _mes_component_qty_per_unit(self):
        production = self.workorder_id.production_id
        moves = production.move_raw_ids.filtered(
            lambda m: m.product_id == self.product_id and m.state != 'cancel'
            and (not self.bom_line_id or m.bom_line_id == self.bom_line_id))
        total = sum(m.product_uom._compute_quantity(m.product_uom_qty, self.product_id.uom_id)
                    for m in moves)
        return total / production.product_qty if production.product_qty else total

    def _mes_refuse_material(self, kind, message, code, lot=None):
        exception = self._mes_raise_exception(
            kind, message, source='material', product_id=self.product_id.id,
            lot_id=lot.id if lot else False, scanned_code=code)
        return {'accepted': False, 'exception': exception, 'message': message}

    def _mes_record_equipment(self, code=None, **kw):
        code = (code or '').strip()
        if not code:
            raise UserError(_('Scan the equipment for step "%(step)s".', step=self.name))
        refusal = self._mes_equipment_refusal(code)
        if refusal:
            kind, message = refusal
            exception = self._mes_raise_exception(kind, message, source='equipment',
                                                  scanned_code=code)
            return {'accepted': False, 'exception': exception, 'message': message}
        return {'result': 'pass', 'equipment_code': code}

    def _mes_equipment_refusal(self, code):
        """Why the equipment scanned may not be used for this step; False when it may."""
        if self.expected_equipment and code.lower() != self.expected_equipment.strip().lower():
            return ('equipment_mismatch', _(
                'Equipment "%(code)s" is not the equipment this step requires (%(expected)s).',
                code=code, expected=self.expected_equipment))
        return self._mes_equipment_unusable(code)

    def _mes_equipment_unusable(self, code):
        """Hook for the state of the equipment itself; mes_equipment adds qualification and
        calibration. Returns a (reason_code, message) pair or False."""
        return False

    def _mes_record_signature(self, login=None, password=None, **kw):
        line = self._mes_check_can_sign(self.signature_meaning)
        if line.segregated:
            open_steps = self._mes_steps_covered(self.signature_meaning).filtered(
                lambda s: s.state == 'pending')
            if open_steps:
                raise UserError(_(
                    '"%(step)s" signs for the record as "%(meaning)s", but %(count)s step(s) '
                    'it covers are still open (%(steps)s).', step=self.name,
                    meaning=line.meaning_id.name, count=len(open_steps),
                    steps=', '.join(open_steps[:5].mapped(
                        lambda s: '%s / %s' % (s.workorder_id.name, s.name)))))
        ok, message = self.env['res.users']._mes_check_signing_credentials(login, password)
        if not ok:
            # refused, not raised: the failed attempt stays counted
            return {'accepted': False, 'message': message}
        user = self.env.user
        return {
            'signature_line': line,
            'result': 'pass',
            'signed_by_id': user.id,
            'signed_name': user.name,
            'signature_date': fields.Datetime.now(),
        }

    def _mes_progress_values(self):
        """Counts and percentage of done steps, for orders and work orders."""
        done = self.filtered(lambda s: s.state == 'done')
        return {
            'mes_step_count': len(self),
            'mes_step_done_count': len(done),
            'mes_step_progress': 100.0 * len(done) / len(self) if self else 0.0,
        }

    def action_open_record_wizard(self):
        self.ensure_one()
        return {
            'type': 'ir.actions.act_window',
            'name': self.name,
            'res_model': 'mes.step.record',
            'view_mode': 'form',
            # complete, because it may be chained after a notification, where the web
            # client does not fill in the views itself
            'views': [(False, 'form')],
            'target': 'new',
            'context': {'default_step_execution_id': self.id},
        }

    # -- kiosk -----------------------------------------------------------------------------
    def _mes_kiosk_step(self):
        """One step as the kiosk shows and, offline, checks it. Other addons add their step
        kinds' data (``super()`` then update)."""
        self.ensure_one()
        data = {
            'id': self.id, 'sequence': self.sequence, 'name': self.name,
            'type': self.step_type, 'instructions': self.instructions or '',
            # opened on the kiosk (and kept by it for offline use); the digest tells a
            # tablet whether the copy it holds is this one
            'document': {'name': self.instruction_pdf_name or _('Instruction document'),
                         'url': '/mes/kiosk/document/%s' % self.id,
                         'sha256': self.instruction_pdf_sha256}
            if self.instruction_pdf_sha256 else False,
            'criticality': self.criticality or False, 'state': self.state,
            'result': self.result or False,
            'value': self.value_entered or self.lot_id.name or self.equipment_code
            or self.scanned_code or False,
            'limit_kind': self.limit_kind or False, 'target': self.target,
            'lower': self.lower_limit, 'upper': self.upper_limit, 'decimals': self.decimals,
            'uom': self.uom_id.name or '', 'specification': self.specification or '',
            'operator': self.operator_id.name or False,
            'signature_meaning': self.signature_meaning or False,
            # what a result may be queued for while offline (never a signature)
            'offline': self.step_type in ('instruction', 'measurement', 'check', 'material',
                                          'equipment'),
        }
        if self.step_type == 'material':
            data['material'] = self._mes_kiosk_material_snapshot()
        if self.step_type == 'equipment':
            data['equipment'] = {'expected': self.expected_equipment or False,
                                 'unusable': self._mes_kiosk_unusable_equipment()}
        return data

    def _mes_kiosk_material_snapshot(self):
        """The product a material step takes and its lots in stock with their release state
        and expiry, to check a scan against while offline."""
        product = self.product_id
        quants = self.env['stock.quant'].search([
            ('product_id', '=', product.id), ('quantity', '>', 0),
            ('location_id.usage', '=', 'internal'),
            ('company_id', 'in', [self.company_id.id, False])], limit=500)
        lots = quants.lot_id
        return {
            'product_id': product.id, 'product': product.display_name,
            'tracking': product.tracking, 'codes': [c for c in (product.barcode,
                                                                 product.default_code) if c],
            'lots': [{'name': lot.name, 'state': lot.mes_release_state,
                      'expiry': fields.Datetime.to_string(lot.expiration_date)
                      if lot.expiration_date else False} for lot in lots],
        }

    def _mes_kiosk_unusable_equipment(self):
        """Equipment codes the kiosk refuses offline, with why; mes_equipment fills it."""
        return {}
