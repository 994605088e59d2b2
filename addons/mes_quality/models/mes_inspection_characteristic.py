import dataclasses
import json
import uuid

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..lib import sampling, spc

CHARACTERISTIC_TYPES = [('variable', 'Variable (measured)'), ('attribute', 'Attribute (defects)')]
SAMPLING_METHODS = [
    ('hundred_percent', '100 % inspection'),
    ('fixed', 'Fixed sample size'),
    ('zero_acceptance', 'Zero acceptance (c = 0)'),
    ('iso2859', 'ISO 2859-1 single sampling'),
]
INSPECTION_LEVELS = [(level, level) for level in sampling.LEVELS]
AQLS = [(aql, aql) for aql in sampling.AQL_SERIES]
DEFECT_CLASSES = ('critical', 'major', 'minor')
CHART_TYPES = [
    ('xbar_r', 'X-bar / R'),
    ('xbar_s', 'X-bar / S'),
    ('imr', 'Individuals / Moving range'),
    ('p', 'p (fraction defective)'),
    ('np', 'np (number defective)'),
    ('c', 'c (defects)'),
    ('u', 'u (defects per unit)'),
]
# the definition a plan's approval signs (SPC settings and baseline are not: they are
# managed on an approved plan)
CHARACTERISTIC_DEFINITION = (
    'sequence', 'name', 'characteristic_type', 'nominal', 'lower_limit', 'upper_limit',
    'uom_id', 'decimals', 'gauge_required', 'sampling_method', 'sample_size',
    'acceptance_number',
    'inspection_level', 'aql', 'aql_critical', 'aql_major', 'aql_minor',
)
# most subgroups a chart shows, and how far back a new point is checked against the rules
# (rule 7 needs the longest run: 15)
MAX_CHART_SUBGROUPS = 5000
RULE_WINDOW = 60
_SPC_FIELDS = {'chart_type', 'subgroup_size', 'run_length', 'spc_blocking',
               'rule_1', 'rule_2', 'rule_3', 'rule_4', 'rule_5', 'rule_6', 'rule_7', 'rule_8',
               'baseline_centre', 'baseline_sigma', 'baseline_points', 'baseline_frozen_by_id',
               'baseline_frozen_date'}


class MesInspectionCharacteristic(models.Model):
    """One thing an inspection checks: a measured value against specification limits
    (variable) or defects counted by class (attribute), with its sampling plan and its SPC
    settings."""
    _name = 'mes.inspection.characteristic'
    _description = 'Inspection Characteristic'
    _inherit = ['mes.audited']
    _order = 'plan_id, sequence, id'
    _mes_audit_no_delete = False  # a draft plan's characteristics may go (audited)
    _mes_protected_fields = ('spc_key', 'baseline_centre', 'baseline_sigma', 'baseline_points',
                             'baseline_frozen_by_id', 'baseline_frozen_date')
    _mes_audit_fields = CHARACTERISTIC_DEFINITION + (
        'plan_id', 'chart_type', 'subgroup_size', 'run_length', 'spc_blocking', 'rule_1',
        'rule_2', 'rule_3', 'rule_4', 'rule_5', 'rule_6', 'rule_7', 'rule_8', 'baseline_centre',
        'baseline_sigma', 'baseline_points', 'baseline_frozen_by_id')

    plan_id = fields.Many2one('mes.inspection.plan', required=True, ondelete='cascade',
                              index=True)
    spc_key = fields.Char(string='SPC Key', required=True, readonly=True, copy=False, index=True,
                          default=lambda self: uuid.uuid4().hex,
                          help='Shared by every version of this characteristic: its SPC '
                               'history spans plan versions.')
    company_id = fields.Many2one(related='plan_id.company_id', store=True, index=True)
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True)
    characteristic_type = fields.Selection(CHARACTERISTIC_TYPES, string='Type', required=True,
                                           default='variable')
    nominal = fields.Float()
    lower_limit = fields.Float(string='LSL', help='Lower specification limit (empty: none).')
    upper_limit = fields.Float(string='USL', help='Upper specification limit (empty: none).')
    has_lower_limit = fields.Boolean(string='Has LSL', default=True)
    has_upper_limit = fields.Boolean(string='Has USL', default=True)
    uom_id = fields.Many2one('uom.uom', string='Unit')
    decimals = fields.Integer(default=3)
    gauge_required = fields.Boolean(
        help='Each result names the measuring gauge used (its code); with MES Equipment '
             'installed the gauge must be of the required class and usable (qualified, '
             'calibrated).')
    aql_critical = fields.Selection(AQLS, string='AQL critical')
    aql_major = fields.Selection(AQLS, string='AQL major')
    aql_minor = fields.Selection(AQLS, string='AQL minor')
    sampling_method = fields.Selection(SAMPLING_METHODS, required=True, default='iso2859')
    sample_size = fields.Integer(help='Fixed and zero-acceptance plans: the sample size n.')
    acceptance_number = fields.Integer(string='Acceptance number (Ac)',
                                       help='Fixed plans: accepted with at most this many '
                                            'nonconforming units.')
    inspection_level = fields.Selection(INSPECTION_LEVELS, default='II')
    aql = fields.Selection(AQLS, string='AQL', help='ISO 2859-1 plans of a variable: '
                                                    'out-of-specification units per 100.')
    # SPC
    chart_type = fields.Selection(CHART_TYPES, compute='_compute_chart_type', store=True,
                                  readonly=False)
    subgroup_size = fields.Integer(default=5, help='Points of one subgroup (1: individuals).')
    run_length = fields.Selection([('9', '9 (Nelson)'), ('8', '8 (Western Electric / AIAG)')],
                                  string='Run length (rule 2)', default='9', required=True)
    rule_1 = fields.Boolean('Rule 1: beyond 3 sigma', default=True)
    rule_2 = fields.Boolean('Rule 2: run on one side', default=True)
    rule_3 = fields.Boolean('Rule 3: 6 steadily rising or falling', default=True)
    rule_4 = fields.Boolean('Rule 4: 14 alternating', default=True)
    rule_5 = fields.Boolean('Rule 5: 2 of 3 beyond 2 sigma', default=True)
    rule_6 = fields.Boolean('Rule 6: 4 of 5 beyond 1 sigma', default=True)
    rule_7 = fields.Boolean('Rule 7: 15 within 1 sigma', default=True)
    rule_8 = fields.Boolean('Rule 8: 8 beyond 1 sigma', default=True)
    spc_blocking = fields.Boolean(string='SPC signals block',
                                  help='An SPC signal raises a blocking exception.')
    baseline_centre = fields.Float(readonly=True, copy=False)
    baseline_sigma = fields.Float(readonly=True, copy=False)
    baseline_points = fields.Integer(readonly=True, copy=False)
    baseline_frozen_by_id = fields.Many2one('res.users', readonly=True, copy=False)
    baseline_frozen_date = fields.Datetime(readonly=True, copy=False)

    _decimals_range = models.Constraint('CHECK (decimals >= 0 AND decimals <= 9)',
                                        'Decimals are 0 to 9.')
    _subgroup_range = models.Constraint('CHECK (subgroup_size >= 1 AND subgroup_size <= 25)',
                                        'A subgroup has 1 to 25 points.')

    @api.depends('characteristic_type', 'subgroup_size')
    def _compute_chart_type(self):
        for characteristic in self:
            if characteristic.characteristic_type == 'attribute':
                characteristic.chart_type = characteristic.chart_type or 'c'
            elif characteristic.subgroup_size <= 1:
                characteristic.chart_type = 'imr'
            elif characteristic.subgroup_size <= 10:
                characteristic.chart_type = 'xbar_r'
            else:
                characteristic.chart_type = 'xbar_s'

    # -- a draft plan's part ---------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        self.env['mes.inspection.plan'].browse(
            [vals['plan_id'] for vals in vals_list if vals.get('plan_id')])._mes_check_editable()
        return super().create(vals_list)

    def write(self, vals):
        if set(vals) - _SPC_FIELDS or 'plan_id' in vals:
            self.plan_id._mes_check_editable()
        if vals.get('plan_id'):
            self.env['mes.inspection.plan'].browse(vals['plan_id'])._mes_check_editable()
        if {'baseline_centre', 'baseline_sigma', 'baseline_points', 'baseline_frozen_by_id',
                'baseline_frozen_date', 'spc_key'} & set(vals) and not self.env.su:
            raise ValidationError(_('A control-limit baseline is frozen with "Freeze '
                                    'Baseline", never typed.'))
        return super().write(vals)

    def unlink(self):
        self.plan_id._mes_check_editable()
        return super().unlink()

    @api.constrains(*CHARACTERISTIC_DEFINITION, 'has_lower_limit', 'has_upper_limit')
    def _check_definition(self):
        for item in self:
            item._mes_definition_errors()

    def _mes_definition_errors(self):
        self.ensure_one()
        name = self.name
        if self.characteristic_type == 'variable':
            if not (self.has_lower_limit or self.has_upper_limit):
                raise ValidationError(_('%(name)s: a measured characteristic needs a lower or '
                                        'an upper specification limit.', name=name))
            if self.has_lower_limit and self.has_upper_limit and \
                    self.lower_limit >= self.upper_limit:
                raise ValidationError(_('%(name)s: the lower specification limit must be '
                                        'below the upper one.', name=name))
        elif not (self.aql_critical or self.aql_major or self.aql_minor) and \
                self.sampling_method == 'iso2859':
            raise ValidationError(_('%(name)s: give the AQL of at least one defect class.',
                                    name=name))
        if self.sampling_method in ('fixed', 'zero_acceptance') and self.sample_size < 1:
            raise ValidationError(_('%(name)s: give the sample size.', name=name))
        if self.sampling_method == 'fixed' and not 0 <= self.acceptance_number < self.sample_size:
            raise ValidationError(_('%(name)s: the acceptance number must be at least 0 and '
                                    'below the sample size.', name=name))
        if self.sampling_method == 'iso2859' and self.characteristic_type == 'variable' and \
                not self.aql:
            raise ValidationError(_('%(name)s: give the AQL for ISO 2859-1 sampling.',
                                    name=name))

    # -- sampling -------------------------------------------------------------------------
    def _mes_aqls(self):
        """(defect class, AQL) pairs this characteristic is judged on."""
        self.ensure_one()
        if self.characteristic_type == 'variable':
            return [('nonconforming', self.aql)] if self.aql else [('nonconforming', None)]
        if self.sampling_method != 'iso2859':
            # fixed, c = 0 and 100 % plans judge units with any defect
            return [('nonconforming', None)]
        return [(cls, self['aql_%s' % cls]) for cls in DEFECT_CLASSES if self['aql_%s' % cls]]

    def _mes_sampling_plans(self, lot_size, severity='normal'):
        """{defect class: sampling.Plan} for a lot of ``lot_size`` units."""
        self.ensure_one()
        plans = {}
        for cls, aql in self._mes_aqls():
            if self.sampling_method == 'hundred_percent':
                plans[cls] = sampling.hundred_percent_plan(lot_size)
            elif self.sampling_method == 'zero_acceptance':
                plans[cls] = sampling.zero_acceptance_plan(lot_size, self.sample_size)
            elif self.sampling_method == 'fixed':
                plans[cls] = sampling.fixed_plan(lot_size, self.sample_size,
                                                 self.acceptance_number)
            else:
                plans[cls] = sampling.single_plan(lot_size, self.inspection_level, aql, severity)
        return plans

    @api.model
    def _mes_encode_plans(self, plans):
        return json.dumps({cls: dataclasses.asdict(plan) for cls, plan in plans.items()},
                          sort_keys=True)

    # -- SPC ----------------------------------------------------------------------------------
    def _mes_spc_rules(self):
        self.ensure_one()
        return tuple(rule for rule in range(1, 9) if self['rule_%s' % rule])

    def _mes_spc_variable_rows(self, date_from=None, date_to=None, workcenter_id=None,
                               lot_id=None, limit=None, complete_subgroups=None, equipment=None):
        """Measurements of this characteristic (every version, its company) in their order:
        rows of (seq, value, measured_at, sample_no, lot name, operator name, work center
        name, equipment code). Read with SQL for speed (newest first through the index, then
        reversed).

        ``complete_subgroups``: a subgroup size; rows of an unfinished last subgroup are left
        out and the first row starts a subgroup (subgroups are consecutive numbers counted
        from the first measurement ever)."""
        self.ensure_one()
        self.check_access('read')
        where = ['m.characteristic_key = %s', 'm.company_id = %s']
        params = [self.spc_key, self.company_id.id]
        for clause, value in (('m.measured_at >= %s', date_from), ('m.measured_at <= %s', date_to),
                              ('m.workcenter_id = %s', workcenter_id), ('m.lot_id = %s', lot_id),
                              ('lower(m.equipment_code) = lower(%s)', equipment)):
            if value:
                where.append(clause)
                params.append(value)
        n = complete_subgroups or 1
        if n > 1:
            # the last complete subgroup ends at the highest number divisible by n
            where.append('m.seq <= (SELECT COALESCE(max(seq), 0) / %s * %s FROM '
                         'mes_spc_measurement WHERE characteristic_key = %s AND company_id = %s)')
            params += [n, n, self.spc_key, self.company_id.id]
        query = """
            SELECT m.seq, m.value, m.measured_at, m.sample_no, l.name, p.name, w.name,
                   m.equipment_code
              FROM mes_spc_measurement m
              LEFT JOIN stock_lot l ON l.id = m.lot_id
              LEFT JOIN res_users u ON u.id = m.operator_id
              LEFT JOIN res_partner p ON p.id = u.partner_id
              LEFT JOIN mrp_workcenter w ON w.id = m.workcenter_id
             WHERE {where}
             ORDER BY m.seq DESC
        """.format(where=' AND '.join(where))
        if limit:
            query += ' LIMIT %s'
            params.append(limit)
        self.env['mes.spc.measurement'].flush_model()
        self.env.cr.execute(query, params)
        rows = self.env.cr.fetchall()
        rows.reverse()
        if n > 1:
            # start on a subgroup boundary (numbers 1..n, n+1..2n, ...)
            while rows and (rows[0][0] - 1) % n:
                rows.pop(0)
        return rows

    def _mes_spc_attribute_rows(self, date_from=None, date_to=None, lot_id=None, limit=None):
        """Decided inspection lines of this characteristic: (defects, defective units,
        sample size, lot name, inspection name, date) per inspection, in time order."""
        self.ensure_one()
        domain = [('characteristic_id.spc_key', '=', self.spc_key),
                  ('inspection_id.state', '=', 'decided')]
        if date_from:
            domain.append(('inspection_id.decided_date', '>=', date_from))
        if date_to:
            domain.append(('inspection_id.decided_date', '<=', date_to))
        if lot_id:
            domain.append(('inspection_id.lot_id', '=', lot_id))
        lines = self.env['mes.inspection.line'].search(domain, order='id desc', limit=limit)
        rows = []
        for line in reversed(lines):
            results = line.result_ids
            defects = sum(results.mapped('defects_critical') + results.mapped('defects_major')
                          + results.mapped('defects_minor'))
            rows.append((defects, len(results.filtered('out_of_spec')), line.sample_size,
                         line.inspection_id.lot_id.name or '', line.inspection_id.name,
                         line.inspection_id.decided_date))
        return rows

    def _mes_spc_chart(self, values_or_rows):
        """The spc.ControlChart of this characteristic over the given data, with the frozen
        baseline's limits when there is one."""
        self.ensure_one()
        baseline = {}
        if self.baseline_frozen_date:
            baseline = {'centre': self.baseline_centre}
            if self.characteristic_type == 'variable':
                baseline['sigma'] = self.baseline_sigma
        kind = self.chart_type
        if self.characteristic_type == 'variable':
            values = values_or_rows
            if kind == 'imr' or self.subgroup_size <= 1:
                return spc.imr(values, **baseline)
            n = self.subgroup_size
            usable = len(values) - len(values) % n
            subgroups = [values[i:i + n] for i in range(0, usable, n)]
            chart = spc.xbar_s if kind == 'xbar_s' or n > 10 else spc.xbar_r
            return chart(subgroups, **baseline)
        defects = [row[0] for row in values_or_rows]
        defective = [row[1] for row in values_or_rows]
        sizes = [row[2] for row in values_or_rows]
        if kind == 'p':
            return spc.p_chart(defective, sizes, **baseline)
        if kind == 'np':
            return spc.np_chart(defective, sizes[0], **baseline)
        if kind == 'u':
            return spc.u_chart(defects, sizes, **baseline)
        return spc.c_chart(defects, **baseline)

    def mes_spc_chart(self, date_from=None, date_to=None, workcenter_id=None, lot_id=None,
                      max_subgroups=MAX_CHART_SUBGROUPS, equipment=None):
        """Everything the SPC chart view draws (JSON): the points with their lot, sample,
        operator and time, centre line, control and specification limits, the points each
        enabled rule flags, capability and a histogram.

        ``equipment``: the code of a gauge or machine (variables only).

        :returns: dict ``{'kind', 'points': [{'index', 'value', 'lot', 'sample', 'operator',
            'workcenter', 'equipment', 'time', 'rules'}], 'centre', 'lcl', 'ucl', 'lsl', 'usl',
            'dispersion', 'signals': {rule: [indices]}, 'capability', 'histogram',
            'baseline', 'message'}``
        """
        self.ensure_one()
        max_subgroups = min(max(int(max_subgroups or 1), 1), MAX_CHART_SUBGROUPS)
        lsl = self.lower_limit if self.has_lower_limit and \
            self.characteristic_type == 'variable' else None
        usl = self.upper_limit if self.has_upper_limit and \
            self.characteristic_type == 'variable' else None
        result = {'kind': self.chart_type, 'lsl': lsl, 'usl': usl, 'points': [],
                  'signals': {}, 'capability': None, 'histogram': None, 'dispersion': None,
                  'baseline': bool(self.baseline_frozen_date), 'message': False,
                  'name': self.name, 'run_length': int(self.run_length)}
        if self.characteristic_type == 'variable':
            n = 1 if self.chart_type == 'imr' else max(self.subgroup_size, 1)
            rows = self._mes_spc_variable_rows(date_from, date_to, workcenter_id, lot_id,
                                               limit=max_subgroups * n, complete_subgroups=n,
                                               equipment=(equipment or '').strip() or None)
            # a filter may leave a subgroup short: only whole ones are charted
            rows = rows[:len(rows) - len(rows) % n]
            values = [row[1] for row in rows]
        else:
            n = 1
            rows = self._mes_spc_attribute_rows(date_from, date_to, lot_id,
                                                limit=max_subgroups)
            values = rows
        try:
            chart = self._mes_spc_chart(values)
        except ValueError:
            if self.characteristic_type == 'attribute' and rows and not any(
                    row[0] or row[1] for row in rows):
                # nothing found at all (a c = 0 leak test): zero is the whole chart
                result.update(centre=0.0, lcl=0.0, ucl=0.0, points=[
                    {'index': index, 'value': 0.0, 'lot': row[3], 'sample': row[4],
                     'operator': '', 'workcenter': '', 'equipment': '', 'rules': [],
                     'time': fields.Datetime.to_string(row[5]) if row[5] else ''}
                    for index, row in enumerate(rows)])
                result['message'] = _('No defect in %(count)s inspections: there is no '
                                      'variation to set control limits on.', count=len(rows))
            else:
                result['message'] = _('Not enough data for a control chart yet.')
            return result
        signals = chart.nelson(self._mes_spc_rules(), int(self.run_length))
        flagged = {}
        for rule, indices in signals.items():
            for index in indices.tolist():
                flagged.setdefault(index, []).append(rule)
        main = chart.main.to_dict()
        points = []
        for index, value in enumerate(main['points']):
            first = rows[index * n] if self.characteristic_type == 'variable' else rows[index]
            if self.characteristic_type == 'variable':
                info = {'lot': first[4] or '', 'sample': first[3], 'operator': first[5] or '',
                        'workcenter': first[6] or '', 'equipment': first[7] or '',
                        'time': fields.Datetime.to_string(first[2])}
            else:
                info = {'lot': first[3], 'sample': first[4], 'operator': '', 'workcenter': '',
                        'equipment': '',
                        'time': fields.Datetime.to_string(first[5]) if first[5] else ''}
            points.append(dict(info, index=index, value=value,
                               rules=flagged.get(index, [])))
        result.update(points=points, centre=main['centre'], lcl=main['lcl'], ucl=main['ucl'],
                      sigma=main['sigma'],
                      signals={str(rule): indices.tolist() for rule, indices in signals.items()},
                      dispersion=chart.dispersion.to_dict() if chart.dispersion else None)
        if self.characteristic_type == 'variable' and len(values) >= 2:
            capability = spc.capability(values, lsl, usl, chart.sigma_within)
            result['capability'] = capability.to_dict()
            result['histogram'] = spc.histogram(values, 20, lsl, usl).to_dict()
        return result

    def action_freeze_baseline(self, date_from=None, date_to=None):
        """Freeze the control limits on a phase-I period (default: all data so far):
        centre line and within sigma, with who froze them and when (audited)."""
        if not self.env.user.has_group('mes_bridge.group_mes_quality_manager'):
            raise AccessError(_('Only a QA manager freezes control limits.'))
        for characteristic in self:
            characteristic.sudo().write({'baseline_centre': 0.0, 'baseline_sigma': 0.0,
                                         'baseline_frozen_date': False})
            if characteristic.characteristic_type == 'variable':
                n = 1 if characteristic.chart_type == 'imr' else characteristic.subgroup_size
                rows = characteristic._mes_spc_variable_rows(date_from, date_to,
                                                             complete_subgroups=n)
                data = [row[1] for row in rows]
                points = len(data) - len(data) % max(n, 1)
            else:
                data = characteristic._mes_spc_attribute_rows(date_from, date_to)
                points = len(data)
            try:
                chart = characteristic._mes_spc_chart(data)
            except ValueError as error:
                raise UserError(_('%(name)s: not enough data to freeze control limits (%(why)s).',
                                  name=characteristic.name, why=str(error))) from None
            baseline = spc.baseline_from(chart)
            characteristic.sudo().write({
                'baseline_centre': baseline['centre'], 'baseline_sigma': baseline.get('sigma', 0.0),
                'baseline_points': points, 'baseline_frozen_by_id': self.env.uid,
                'baseline_frozen_date': fields.Datetime.now()})
        return True

    def _mes_spc_check(self, measurements):
        """Check the rules after new measurements: a signal on a subgroup they complete
        raises an SPC exception naming the rules, points and lots (QA managers are notified).

        :returns: the exceptions raised (possibly empty)
        """
        self.ensure_one()
        Exception_ = self.env['mes.exception']
        if self.characteristic_type != 'variable' or not measurements:
            return Exception_
        n = 1 if self.chart_type == 'imr' else max(self.subgroup_size, 1)
        company = measurements[0].company_id
        window = (RULE_WINDOW + len(measurements) // n + 1) * n
        rows = self.sudo()._mes_spc_variable_rows(limit=window, complete_subgroups=n)
        if not rows or (len(rows) < 5 * n and not self.baseline_frozen_date):
            return Exception_  # too little history for limits of its own
        new_seqs = set(measurements.mapped('seq'))
        new_points = {index // n for index, row in enumerate(rows) if row[0] in new_seqs}
        if not new_points:
            return Exception_
        try:
            chart = self._mes_spc_chart([row[1] for row in rows])
        except ValueError:
            return Exception_
        fired = {}
        for rule, indices in chart.nelson(self._mes_spc_rules(), int(self.run_length)).items():
            for index in set(indices.tolist()) & new_points:
                fired.setdefault(index, []).append(rule)
        first_point = (rows[0][0] - 1) // n  # subgroups before the window
        raised = Exception_
        for index, rules in sorted(fired.items()):
            members = rows[index * n:(index + 1) * n]
            lots = sorted({row[4] for row in members if row[4]})
            measurement = self.env['mes.spc.measurement'].sudo().search(
                [('characteristic_key', '=', self.spc_key), ('company_id', '=', company.id),
                 ('seq', '=', members[-1][0])], limit=1)
            description = _(
                'SPC signal on %(name)s, point %(point)s: %(rules)s. Lots: %(lots)s.',
                name=self.name, point=first_point + index + 1,
                rules='; '.join(self._fields['rule_%s' % rule].get_description(
                    self.env)['string'] for rule in rules),
                lots=', '.join(lots) or '-')
            exception = Exception_._mes_raise(
                measurement.production_id or measurement.lot_id or None, 'spc', description,
                severity='critical' if self.spc_blocking else 'minor', source='quality',
                lot_id=measurement.lot_id.id or False, company_id=company.id)
            raised |= exception
            quality = self.env.ref('mes_bridge.group_mes_quality_manager').sudo() \
                .all_user_ids.filtered(lambda u: u.active and not u.share
                                       and company in u.company_ids)
            if quality:
                exception.sudo().message_notify(partner_ids=quality.partner_id.ids,
                                                subject=_('SPC signal'), body=description)
        return raised

    def action_open_spc_chart(self):
        """The SPC chart of this characteristic (client action mes_quality.spc_chart)."""
        self.ensure_one()
        action = self.env['ir.actions.actions']._for_xml_id('mes_quality.action_mes_spc_chart')
        action['context'] = {'active_id': self.id}
        return action
