from odoo.addons.mes_bridge.tests.test_kiosk import KioskCase
from odoo.tests import tagged

from .test_production_inspection import InspectionStepCase


@tagged('post_install', '-at_install')
class TestKioskQualitySteps(InspectionStepCase, KioskCase):
    """Quality's step kinds on the kiosk, through the kiosk's own calls."""

    def test_in_process_inspection_step_on_the_kiosk(self):
        self.pair()
        token = self.sign_in()
        production, _lot, step = self.produce()
        assembly = step.workorder_id
        detail = self.api('workorder', token=token, workorder_id=assembly.id)
        shown = next(s for s in detail['steps'] if s['id'] == step.id)
        self.assertEqual((shown['type'], shown['offline'], shown['inspection']['name']),
                         ('inspection', False, False))
        started = self.act(token, 'record', assembly, step)
        self.assertFalse(started['accepted'])
        inspection = step.inspection_id
        self.assertIn(inspection.name, started['message'])
        self.assertEqual(inspection.production_id, production)
        shown = next(s for s in self.api('workorder', token=token, workorder_id=assembly.id)[
            'steps'] if s['id'] == step.id)
        self.assertEqual((shown['inspection']['name'], shown['inspection']['state']),
                         (inspection.name, 'pending'))
        # quality records and decides it; the operator completes the step on the kiosk
        self.record_all(inspection, value='6.10')
        self.assertTrue(self.decide(inspection)['signed'])
        done = self.act(token, 'record', assembly, step)
        self.assertTrue(done['accepted'], done['message'])
        self.assertEqual((step.state, step.result, step.device_id, step.operator_id),
                         ('done', 'pass', self.device, self.operator))
