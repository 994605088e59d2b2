from datetime import timedelta

from odoo import fields
from odoo.addons.mes_quality.tests.common import QualityCase
from odoo.exceptions import UserError
from odoo.tests import tagged


@tagged('post_install', '-at_install')
class TestGaugeInInspection(QualityCase):
    """A gauge is checked like equipment at an equipment step: registered, of the class the
    characteristic asks for, qualified and calibrated; a refusal keeps no result and is
    recorded as an exception."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Class = cls.env['mes.equipment.class']
        cls.caliper_class = Class.create({'name': 'Digital caliper (test)',
                                          'qualification_required': False})
        cls.scale_class = Class.create({'name': 'Scale (test)', 'qualification_required': False})
        today = fields.Date.today()
        cls.caliper = cls.env['maintenance.equipment'].create({
            'name': 'Caliper 12', 'mes_code': 'CAL-12',
            'mes_equipment_class_id': cls.caliper_class.id})
        cls.calibration = cls.env['mes.equipment.calibration'].create({
            'equipment_id': cls.caliper.id, 'date': today - timedelta(days=10),
            'date_due': today + timedelta(days=80), 'result': 'pass'})
        cls.scale = cls.env['maintenance.equipment'].create({
            'name': 'Scale 3', 'mes_code': 'SCL-3', 'mes_equipment_class_id': cls.scale_class.id})
        cls.plan = cls.make_plan(cls.stopper, [{
            'name': 'Stopper diameter', 'characteristic_type': 'variable', 'nominal': 6.5,
            'lower_limit': 6.4, 'upper_limit': 6.6, 'sampling_method': 'fixed',
            'sample_size': 2, 'gauge_required': True, 'gauge_class_id': cls.caliper_class.id}])

    def attempt(self, gauge, lot_name):
        _picking, lot = self.receive(self.stopper, lot_name, 100)
        inspection = self.inspection_of(lot)
        line = inspection.line_ids
        results = [{'line_id': line.id, 'sample_no': n, 'value': '6.50', 'gauge': gauge}
                   for n in (1, 2)]
        return inspection, inspection.with_user(self.inspector).mes_record_results(results)

    def setUp(self):
        super().setUp()
        # the refusal is recorded in a transaction of its own: in tests, on this test's
        # connection (as Odoo's HTTP tests do)
        self.registry_enter_test_mode()

    def refused(self, gauge, lot_name, message, kind):
        _picking, lot = self.receive(self.stopper, lot_name, 100)
        inspection = self.inspection_of(lot)
        line = inspection.line_ids
        before = self.env['mes.exception'].search_count([])
        try:
            inspection.with_user(self.inspector).mes_record_results(
                [{'line_id': line.id, 'sample_no': 1, 'value': '6.50', 'gauge': gauge}])
        except UserError as error:
            self.assertIn(message, str(error))
        else:
            self.fail('a %s gauge was accepted' % message)
        self.assertFalse(line.result_ids)
        # the refusal is kept as an exception on the lot
        exception = self.env['mes.exception'].search([], order='id desc', limit=1)
        self.assertEqual(self.env['mes.exception'].search_count([]), before + 1)
        self.assertEqual((exception.kind, exception.lot_id, exception.scanned_code),
                         (kind, lot, gauge))

    def test_usable_gauge_of_the_class_is_recorded(self):
        inspection, outcome = self.attempt('cal-12', 'STP-G-1')
        self.assertEqual(outcome['recorded'], 2)
        self.assertEqual(set(inspection.line_ids.result_ids.mapped('gauge_code')), {'cal-12'})

    def test_missing_unknown_wrong_class_or_overdue_gauges_are_refused(self):
        _picking, lot = self.receive(self.stopper, 'STP-G-2', 100)
        inspection = self.inspection_of(lot)
        with self.assertRaisesRegex(UserError, 'scan the gauge'):
            inspection.with_user(self.inspector).mes_record_results(
                [{'line_id': inspection.line_ids.id, 'sample_no': 1, 'value': '6.5'}])
        self.refused('NO-SUCH', 'STP-G-3', 'not registered', 'equipment_mismatch')
        self.refused('SCL-3', 'STP-G-4', 'must be measured with Digital caliper (test)',
                     'equipment_mismatch')
        self.calibration.date_due = fields.Date.today() - timedelta(days=1)
        self.refused('CAL-12', 'STP-G-5', 'overdue for calibration', 'equipment_unusable')

    def test_gauge_class_is_part_of_the_approved_plan(self):
        with self.assertRaisesRegex(UserError, 'cannot change'):
            self.plan.characteristic_ids.with_user(self.qa_manager).write(
                {'gauge_class_id': self.scale_class.id})
