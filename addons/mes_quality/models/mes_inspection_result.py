from odoo import _, api, fields, models
from odoo.addons.mes_bridge.lib import measurement
from odoo.exceptions import UserError

# what a correction (before the decision, with a reason) may change
_RESULT_VALUES = {'entered_value', 'defects_critical', 'defects_major', 'defects_minor'}


class MesInspectionResult(models.Model):
    """One sample of one characteristic: the value as typed (variables) or the defects found
    by class (attributes), flagged out of specification when it is. Recorded once, never
    deleted; corrected only after the inspection was unlocked for correction, with a reason
    (audited), and then decided again."""
    _name = 'mes.inspection.result'
    _description = 'Inspection Sample Result'
    _inherit = ['mes.audited']
    _order = 'line_id, sample_no'
    _mes_audit_fields = ('line_id', 'sample_no', 'entered_value', 'value', 'out_of_spec',
                         'defects_critical', 'defects_major', 'defects_minor', 'gauge_code')
    _mes_audit_reason_field = 'correction_reason'
    _mes_protected_fields = ('value', 'out_of_spec', 'gauge_code')

    line_id = fields.Many2one('mes.inspection.line', required=True, ondelete='restrict',
                              index=True)
    inspection_id = fields.Many2one(related='line_id.inspection_id', store=True, index=True)
    company_id = fields.Many2one(related='line_id.company_id', store=True, index=True)
    sample_no = fields.Integer(string='Sample', required=True)
    entered_value = fields.Char(string='Value as entered')
    value = fields.Float(readonly=True, digits=(16, 6))
    out_of_spec = fields.Boolean(string='Out of Specification', readonly=True)
    defects_critical = fields.Integer(string='Critical Defects')
    defects_major = fields.Integer(string='Major Defects')
    defects_minor = fields.Integer(string='Minor Defects')
    gauge_code = fields.Char(string='Gauge', readonly=True,
                             help='The measuring gauge used, as scanned.')
    correction_reason = fields.Char()

    _sample_unique = models.Constraint('UNIQUE (line_id, sample_no)',
                                       'Each sample is recorded once per characteristic.')
    _defects_positive = models.Constraint(
        'CHECK (defects_critical >= 0 AND defects_major >= 0 AND defects_minor >= 0)',
        'Defect counts cannot be negative.')

    @api.model_create_multi
    def create(self, vals_list):
        self.check_access('create')  # before any check that would tell what exists
        Line = self.env['mes.inspection.line']
        seen = {}
        for vals in vals_list:
            line = Line.browse(vals.get('line_id')).exists()
            if not line:
                raise UserError(_('Record results on a characteristic of an inspection.'))
            line.inspection_id.check_access('read')
            self._mes_check_open(line.inspection_id)
            sample_no = vals.get('sample_no')
            if not isinstance(sample_no, int) or not 1 <= sample_no <= line.sample_size:
                raise UserError(_('%(char)s takes samples 1 to %(n)s, not %(sample)s.',
                                  char=line.name, n=line.sample_size, sample=sample_no))
            if sample_no in line.result_ids.mapped('sample_no') or sample_no in seen.get(
                    line.id, set()):
                raise UserError(_('%(char)s: sample %(sample)s is already recorded; correct it '
                                  'with a reason instead.', char=line.name, sample=sample_no))
            seen.setdefault(line.id, set()).add(sample_no)
            vals.update(self._mes_judged(line, vals))
            self._mes_check_gauge(line, vals)
            vals.pop('correction_reason', None)
        results = super().create(vals_list)
        results._mes_feed_spc()
        return results

    def _mes_feed_spc(self):
        """Measured values go to their characteristic's SPC history, which is then checked
        against its run rules."""
        variables = self.filtered(lambda r: r.line_id.characteristic_type == 'variable')
        if not variables:
            return
        now = fields.Datetime.now()
        Measurement = self.env['mes.spc.measurement'].sudo()
        by_characteristic = {}
        for result in variables.sorted(lambda r: (r.line_id.id, r.sample_no)):
            inspection = result.inspection_id
            characteristic = result.line_id.characteristic_id
            by_characteristic.setdefault(characteristic, []).append({
                'characteristic_key': characteristic.spc_key,
                'characteristic_id': characteristic.id,
                'company_id': inspection.company_id.id,
                'value': result.value, 'measured_at': now, 'sample_no': result.sample_no,
                'lot_id': inspection.lot_id.id or False,
                'production_id': inspection.production_id.id or False,
                'workcenter_id': inspection.step_execution_id.workorder_id.workcenter_id.id
                or False,
                'operator_id': self.env.uid, 'inspection_result_id': result.id,
                'equipment_code': result.gauge_code or False,
            })
        for characteristic, vals_list in by_characteristic.items():
            characteristic._mes_spc_check(Measurement.create(vals_list))

    def write(self, vals):
        if set(vals) - _RESULT_VALUES - {'correction_reason'}:
            raise UserError(_('Only the value or the defects of a sample can be corrected.'))
        if set(vals) & _RESULT_VALUES:
            if not (vals.get('correction_reason') or '').strip():
                raise UserError(_('State why a recorded result is corrected.'))
            for result in self:
                self._mes_check_open(result.inspection_id)
                result.inspection_id.check_access('read')
                self._mes_check_unlocked(result.inspection_id)
                judged = dict(vals)
                super(MesInspectionResult, result).write(
                    dict(judged, **self._mes_judged(result.line_id, dict(
                        {key: result[key] for key in _RESULT_VALUES}, **judged))))
                # the SPC history follows the corrected value
                self.env['mes.spc.measurement'].sudo().search(
                    [('inspection_result_id', '=', result.id)]).write({'value': result.value})
            return True
        return super().write(vals)

    @api.model
    def _mes_check_unlocked(self, inspection):
        """A recorded result is corrected only on an inspection a QA manager unlocked for
        correction (its decision's signature invalidated, with the reason on record)."""
        unlocked = self.env['mes.signature'].sudo().search_count([
            ('res_model', '=', inspection._name), ('res_id', '=', inspection.id),
            ('state', '=', 'invalidated')], limit=1)
        if not unlocked:
            raise UserError(_('Recorded results cannot be edited. Decide the inspection, then '
                              'an authorised person can "Unlock for correction" it.'))

    @api.model
    def _mes_check_open(self, inspection):
        if inspection.state != 'pending':
            raise UserError(_('Inspection %(name)s is decided: its results are locked. An '
                              'authorised person can unlock it for correction.',
                              name=inspection.name))

    @api.model
    def _mes_check_gauge(self, line, vals):
        """A characteristic that needs a gauge gets its code with every result; a gauge that
        may not be used refuses the whole batch, and the refusal is kept as an exception."""
        code = (vals.get('gauge_code') or '').strip()
        vals['gauge_code'] = code or False
        if not line.characteristic_id.gauge_required:
            return
        if not code:
            raise UserError(_('%(char)s: scan the gauge used for the measurement.',
                              char=line.name))
        refusal = self._mes_gauge_refusal(line, code)
        if refusal:
            kind, message = refusal
            inspection = line.inspection_id
            self.env['mes.exception']._mes_raise_refusal(
                inspection.production_id or inspection.lot_id or None, kind, message,
                source='quality', scanned_code=code, product_id=inspection.product_id.id,
                lot_id=inspection.lot_id.id or False, company_id=inspection.company_id.id)

    @api.model
    def _mes_gauge_refusal(self, line, code):
        """Hook: (exception kind, message) when the gauge ``code`` may not measure ``line``;
        the mes_quality_equipment glue checks class, qualification and calibration."""
        return False

    @api.model
    def _mes_judged(self, line, vals):
        """The stored value and flag for what was entered, or a clear refusal."""
        characteristic = line.characteristic_id
        if characteristic.characteristic_type == 'attribute':
            counts = {}
            for cls in ('critical', 'major', 'minor'):
                count = vals.get('defects_%s' % cls) or 0
                if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                    raise UserError(_('%(char)s, sample %(sample)s: a defect count is a whole '
                                      'number of 0 or more.', char=line.name,
                                      sample=vals.get('sample_no', '')))
                counts['defects_%s' % cls] = count
            return dict(counts, out_of_spec=any(counts.values()), value=0.0)
        raw = vals.get('entered_value')
        try:
            number = measurement.parse_value(raw)
        except measurement.MeasurementError:
            raise UserError(_('%(char)s, sample %(sample)s: "%(raw)s" is not a number.',
                              char=line.name, sample=vals.get('sample_no', ''),
                              raw=raw if raw is not None else '')) from None
        # against the specification the inspection started with
        verdict = measurement.judge(
            number, line.lower_limit if line.has_lower_limit else None,
            line.upper_limit if line.has_upper_limit else None, line.decimals)
        return {'entered_value': str(raw).strip(), 'value': float(number),
                'out_of_spec': verdict != measurement.IN_LIMITS}
