import random
from datetime import timedelta

from odoo import api, fields, models
from odoo.addons.mes_part11.models.mes_audited import AuditReason


class MesQualityDemo(models.AbstractModel):
    """Quality history for the syringe line that XML cannot express: approved plans, a
    stopper supplier whose lots switched ISO 2859-1 to tightened inspection, an in-process
    bore with enough subgroups for a run-rule signal, and final inspections with a capable
    plunger force. Everything goes through the same methods users and JSON-2 call; called
    from demo data only."""
    _name = 'mes.quality.demo'
    _description = 'MES quality demo data loader'

    @api.model
    def _load_demo(self):
        ref = self.env.ref
        company = self.env.company
        inspector = ref('mes_bridge.user_inspector')
        qa = ref('mes_bridge.user_qa_manager')
        Plan = self.env['mes.inspection.plan']
        stopper = ref('mes_bridge.product_stopper')
        syringe = ref('mes_bridge.product_syringe_5ml')
        mm = self.env.ref('uom.product_uom_millimeter', raise_if_not_found=False)
        receiving = Plan.create({
            'name': 'Plunger stopper receiving inspection', 'inspection_type': 'receiving',
            'product_tmpl_id': stopper.product_tmpl_id.id, 'company_id': company.id,
            'characteristic_ids': [(0, 0, {
                'name': 'Visual and dimensional defects', 'characteristic_type': 'attribute',
                'sampling_method': 'iso2859', 'inspection_level': 'II',
                'aql_major': '0.65', 'aql_critical': '0.065', 'chart_type': 'np'})],
        })
        in_process = Plan.create({
            'name': 'Barrel moulding in-process inspection', 'inspection_type': 'in_process',
            'product_tmpl_id': syringe.product_tmpl_id.id, 'company_id': company.id,
            'characteristic_ids': [(0, 0, {
                'name': 'Barrel inner diameter', 'characteristic_type': 'variable',
                'nominal': 12.45, 'lower_limit': 12.40, 'upper_limit': 12.50, 'decimals': 3,
                'uom_id': mm.id if mm else False, 'sampling_method': 'fixed',
                'sample_size': 5, 'subgroup_size': 5, 'run_length': '8'})],
        })
        final = Plan.create({
            'name': 'Syringe final inspection', 'inspection_type': 'final',
            'product_tmpl_id': syringe.product_tmpl_id.id, 'company_id': company.id,
            'characteristic_ids': [
                (0, 0, {'name': 'Leak test (c = 0)', 'characteristic_type': 'attribute',
                        'sampling_method': 'zero_acceptance', 'sample_size': 32,
                        'aql_critical': '0.065', 'chart_type': 'c'}),
                (0, 0, {'name': 'Plunger glide force', 'characteristic_type': 'variable',
                        'nominal': 7.0, 'lower_limit': 4.0, 'upper_limit': 10.0,
                        'decimals': 2, 'sampling_method': 'fixed', 'sample_size': 5,
                        'subgroup_size': 5}),
            ],
        })
        for plan in receiving | in_process | final:
            outcome = plan.with_user(qa).mes_sign('approved', qa.login, qa.login,
                                                  'Demo plan verified against the DMR')
            assert outcome['signed'], outcome['message']

        rnd = random.Random(2026)
        supplier = ref('mes_quality.partner_stopper_supplier')
        # supplier history: two lots not accepted within five switch to tightened inspection
        for index, accepted in enumerate([True, True, False, True, False, True]):
            lot = self._lot(stopper, 'STP-W%02d' % (index + 1))
            inspection = self.env['mes.inspection']._mes_start(
                receiving, stopper, lot, 2000, partner_id=supplier.id, company_id=company.id)
            results = []
            for line in inspection.line_ids:
                for n in range(1, line.sample_size + 1):
                    major = 3 if not accepted and n in (4, 17, 40) else 0
                    results.append({'line_id': line.id, 'sample_no': n, 'defects_major': major})
            inspection.with_user(inspector).mes_record_results(results)
            self._decide(inspection, inspector)
        # in-process bore: in control, then a slow upward drift (a run above the centre)
        for index in range(30):
            drift = 0.0 if index < 22 else 0.003
            lot = self._lot(syringe, 'SYR-IP-%02d' % (index + 1))
            inspection = self.env['mes.inspection']._mes_start(
                in_process, syringe, lot, 500, company_id=company.id)
            line = inspection.line_ids
            inspection.with_user(inspector).mes_record_results([
                {'line_id': line.id, 'sample_no': n,
                 'value': '%.3f' % (12.45 + drift + rnd.gauss(0, 0.006))}
                for n in range(1, line.sample_size + 1)])
            self._decide(inspection, inspector)
        # final inspections: no leak, plunger force centred with Cpk well above 1.33
        for index in range(20):
            lot = self._lot(syringe, 'SYR-F-%02d' % (index + 1))
            inspection = self.env['mes.inspection']._mes_start(final, syringe, lot, 1000,
                                                               company_id=company.id)
            results = []
            for line in inspection.line_ids:
                for n in range(1, line.sample_size + 1):
                    if line.characteristic_type == 'variable':
                        results.append({'line_id': line.id, 'sample_no': n,
                                        'value': '%.2f' % rnd.gauss(7.0, 0.4)})
                    else:
                        results.append({'line_id': line.id, 'sample_no': n})
            inspection.with_user(inspector).mes_record_results(results)
            self._decide(inspection, inspector)
        # the stopper lot in stock waits for its receiving inspection (open in the queue)
        self.env['mes.inspection']._mes_start(
            receiving, stopper, ref('mes_bridge.lot_stopper_quarantine'), 1000,
            partner_id=supplier.id, company_id=company.id)
        nonconformance = self._demo_deviation_concession()
        self._demo_capa_in_verification(nonconformance)
        self._demo_change_request_v2()
        self._demo_production_records()

    @api.model
    def _demo_deviation_concession(self):
        """The melt-temperature deviation of the order in progress (mes_bridge demo) escalated
        to a nonconformance, its barrels accepted under a signed concession, the exception
        dispositioned against it and the nonconformance closed."""
        ref = self.env.ref
        supervisor = ref('mes_bridge.user_supervisor')
        qa = ref('mes_bridge.user_qa_manager')
        deviation = self.env['mes.exception'].search([
            ('kind', '=', 'out_of_limit'), ('severity', '=', 'critical'),
            ('production_id.product_id', '=', ref('mes_bridge.product_syringe_5ml').id)],
            order='id', limit=1)
        assert deviation, 'the mes_bridge demo raises the melt-temperature deviation'
        action = deviation.with_user(supervisor).action_escalate_nonconformance()
        nc = self.env['mes.nonconformance'].browse(action['res_id']).with_user(qa)
        production = deviation.production_id
        nc.write({
            'title': 'Barrel melt temperature above limit on %s' % production.name,
            'defect': 'Melt temperature 243.2 °C (limit 240.0 °C)',
            'line_ids': [(0, 0, {
                'product_id': production.product_id.id, 'quantity': production.product_qty,
                'disposition': 'use_as_is',
                'justification': 'Barrels moulded at up to 245 °C meet the dimensional and '
                                 'leak specifications (process validation PQ-MLD-07, worst '
                                 'case 245 °C); the excursion lasted under 4 minutes.'})],
        })
        outcome = nc.line_ids.mes_sign('approved', qa.login, qa.login, 'MRB: concession')
        assert outcome['signed'], outcome['message']
        outcome = deviation.with_user(qa).action_disposition(
            'use_as_is', 'Accepted under concession %s' % nc.name, qa.login, qa.login)
        assert outcome['signed'], outcome['message']
        outcome = nc.mes_sign('approved', qa.login, qa.login, 'Disposition carried out')
        assert outcome['signed'], outcome['message']
        return nc

    @api.model
    def _demo_capa_in_verification(self, nonconformance):
        """A CAPA on the deviation, root cause found, actions done, waiting for its
        effectiveness check."""
        ref = self.env.ref
        supervisor = ref('mes_bridge.user_supervisor')
        qa = ref('mes_bridge.user_qa_manager')
        today = fields.Date.context_today(self)
        action = nonconformance.with_user(qa).action_open_capa()
        capa = self.env['mes.capa'].browse(action['res_id']).with_user(qa)
        capa.write({
            'problem_statement': 'The barrel melt temperature exceeded its 240 °C limit on the '
                                 'moulding line without an alarm before the operator recorded '
                                 'it.',
            'rca_method': 'ishikawa',
            'cause_ids': [
                (0, 0, {'category': 'machine', 'is_root': True,
                        'description': 'Heater band thermocouple of zone 3 drifted +4 °C '
                                       '(found at calibration).'}),
                (0, 0, {'category': 'method',
                        'description': 'No high-temperature alarm set on the moulding '
                                       'machine.'}),
            ],
        })
        capa.action_next_stage()  # investigation
        capa.action_next_stage()  # action plan
        capa.write({'action_ids': [
            (0, 0, {'kind': 'correction', 'owner_id': supervisor.id,
                    'date_due': today - timedelta(days=5),
                    'description': 'Replace the zone 3 thermocouple and recalibrate.'}),
            (0, 0, {'kind': 'corrective', 'owner_id': supervisor.id,
                    'date_due': today - timedelta(days=2),
                    'description': 'Set a high-temperature alarm at 238 °C on every moulding '
                                   'machine.'}),
            (0, 0, {'kind': 'preventive', 'owner_id': qa.id,
                    'date_due': today - timedelta(days=1),
                    'description': 'Add the thermocouples to the calibration plan '
                                   '(6-monthly).'}),
        ]})
        capa.action_next_stage()  # implementation
        for capa_action in capa.action_ids:
            capa_action.with_user(capa_action.owner_id).mes_mark_done('Done as planned.')
        capa.write({'effectiveness_criterion': 'No melt-temperature excursion in the next 20 '
                                               'moulding runs.',
                    'effectiveness_due': today + timedelta(days=30)})
        capa.action_next_stage()  # effectiveness verification
        return capa

    @api.model
    def _demo_change_request_v2(self):
        """The change request for the syringe master record v2 (tighter glide force),
        reviewed by quality and waiting for the QA manager's approval."""
        ref = self.env.ref
        inspector = ref('mes_bridge.user_inspector')
        v2 = self.env['mrp.bom'].search([
            ('product_tmpl_id', '=', ref('mes_bridge.product_syringe_5ml').product_tmpl_id.id),
            ('mes_approval_state', '=', 'draft')], order='id desc', limit=1)
        assert v2, 'the mes_bridge demo drafts the v2 master record'
        request = self.env['mes.change.request'].create({
            'title': 'Syringe 5 mL master record v2: tighter plunger glide force',
            'change_type': 'bom', 'bom_id': v2.id,
            'reason': 'Customer feedback: plunger too stiff at the top of the range; the '
                      'glide force limit goes from 10.0 N to 9.5 N.',
            'risk_assessment': 'Low: the last 20 lots had a glide force Cpk of 2.2 against the '
                               'new limit; no design output changes.',
            'validation_needed': False, 'regulatory_notification': False,
            'implementation_plan': 'Approve v2, update the final inspection plan, train the '
                                   'inspectors, release v2 for new orders only.',
        })
        outcome = request.with_user(inspector).mes_sign(
            'reviewed', inspector.login, inspector.login, 'Impact and diff checked')
        assert outcome['signed'], outcome['message']
        return request

    @api.model
    def _demo_production_records(self):
        """The done syringe order reviewed, released and certified; the order with the
        melt-temperature deviation finished and waiting in the review queue with its flags."""
        ref = self.env.ref
        qa = ref('mes_bridge.user_qa_manager')
        inspector = ref('mes_bridge.user_inspector')
        syringe = ref('mes_bridge.product_syringe_5ml')
        syringe.product_tmpl_id.write({'mes_gtin': syringe.barcode or '04012345000023',
                                       'mes_basic_udi_di': '04012345SYR5MLLLQX'})
        Record = self.env['mes.production.record']
        done = self.env['mrp.production'].search(
            [('product_id', '=', syringe.id), ('state', '=', 'done'),
             ('mes_nc_line_id', '=', False)], order='id', limit=1)
        record = Record.sudo()._mes_compile(done).with_user(inspector)
        if record.flag_ids:
            record.flag_ids.mes_acknowledge('Reviewed against the batch documentation')
        outcome = record.with_user(qa).mes_release(qa.login, qa.login,
                                                   'Device history record complete')
        assert outcome['signed'], outcome['message']
        done.lot_producing_ids.with_user(inspector).mes_issue_certificate()
        self._demo_finish_deviation_order()

    @api.model
    def _demo_finish_deviation_order(self):
        ref = self.env.ref
        operator = ref('mes_bridge.user_operator')
        deviation = self.env['mes.exception'].search([('kind', '=', 'out_of_limit')],
                                                     order='id', limit=1)
        production = deviation.production_id
        Demo = self.env['mes.demo']
        for workorder in production.workorder_ids.sorted('sequence'):
            if workorder.state == 'done':
                continue
            if workorder.state != 'progress':
                Demo._run_workorder(workorder, operator, {})
            else:
                for step in workorder.mes_step_execution_ids.filtered(
                        lambda s: s.state == 'pending').sorted('sequence'):
                    self._demo_record(step, operator)
            workorder.with_user(operator).button_finish()
        production.action_generate_serial()
        production.button_mark_done()

    @api.model
    def _demo_record(self, step, operator):
        """One pending step of a started work order, in spec (a good needle lot this time)."""
        step = step.with_user(operator)
        if step.step_type == 'material':
            codes = {'bom_line_needle': 'NDL-2408-011', 'bom_line_plunger': 'PLR-2411-002',
                     'bom_line_stopper': 'STP-2410-020', 'bom_line_blister': 'BLS-2410-015',
                     'bom_line_resin': 'RES-2411-001'}
            line = next(k for k in codes if self.env.ref('mes_bridge.%s' % k) == step.bom_line_id)
            step.mes_record(code=codes[line])
        elif step.step_type == 'measurement':
            step.mes_record(value='%.*f' % (step.decimals, step.target))
        elif step.step_type == 'check':
            step.mes_record(passed=True)
        elif step.step_type == 'signature' and step.signature_meaning == 'performed':
            step.mes_record(login=operator.login, password=operator.login)
        elif step.step_type == 'signature':
            supervisor = self.env.ref('mes_bridge.user_supervisor')
            step.with_user(supervisor).mes_record(login=supervisor.login,
                                                  password=supervisor.login)
        elif step.step_type == 'equipment':
            step.mes_record(code=step.expected_equipment)
        else:
            step.mes_record()

    @api.model
    def _lot(self, product, name):
        lot = self.env['stock.lot'].create({'name': name, 'product_id': product.id})
        # inspection history is older than today's work
        lot.with_context(mes_audit_reason=AuditReason('Demo history')).write(
            {'mes_release_state': 'quarantine'})
        return lot

    @api.model
    def _decide(self, inspection, inspector):
        outcome = inspection.with_user(inspector).mes_decide(inspector.login, inspector.login)
        assert outcome['signed'], outcome['message']
        if inspection.decision == 'accept' and inspection.lot_id:
            inspection.lot_id.sudo().with_context(mes_audit_reason=AuditReason(
                'Released after inspection %s' % inspection.name)).write(
                {'mes_release_state': 'released'})
        return outcome

