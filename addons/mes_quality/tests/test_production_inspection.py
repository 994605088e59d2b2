from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import QualityCase

FORCE = {'name': 'Plunger force', 'characteristic_type': 'variable', 'nominal': 6.0,
         'lower_limit': 4.0, 'upper_limit': 8.0, 'decimals': 2, 'sampling_method': 'fixed',
         'sample_size': 3, 'acceptance_number': 0, 'subgroup_size': 3}
LEAK = {'name': 'Leak test', 'characteristic_type': 'attribute',
        'sampling_method': 'zero_acceptance', 'sample_size': 5, 'aql_critical': '0.065'}


class InspectionStepCase(QualityCase):
    """A master record version with an in-process inspection step at the end of assembly."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.syringe.tracking = 'lot'
        cls.in_process = cls.make_plan(cls.syringe, [FORCE], inspection_type='in_process')
        cls.final = cls.make_plan(cls.syringe, [LEAK], inspection_type='final')
        # a new master record version with an inspection step at the end of assembly
        action = cls.bom.with_user(cls.planner).action_mes_new_version()
        cls.bom_v2 = cls.env['mrp.bom'].browse(action['res_id'])
        assembly = cls.bom_v2.operation_ids.sorted('sequence')[-1]
        cls.env['mes.operation.step'].with_user(cls.planner).create({
            'operation_id': assembly.id, 'sequence': 7, 'name': 'In-process force check',
            'step_type': 'inspection', 'inspection_plan_id': cls.in_process.id})
        cls.approve(cls.bom_v2)

    def produce(self):
        production = self.create_production(bom=self.bom_v2)
        lot = self.env['stock.lot'].create({'name': 'SYR-%s' % production.id,
                                            'product_id': self.syringe.id})
        production.lot_producing_ids = lot
        production.with_user(self.supervisor).action_mes_release()
        molding, assembly = self.workorders(production)
        self.run_molding(molding)
        self.run_assembly(assembly)
        return production, lot, self.steps(assembly)[-1]


@tagged('post_install', '-at_install')
class TestProductionInspections(InspectionStepCase):
    """In-process inspection as a routing step of guided execution, and the final inspection
    of the lot a done order produced."""

    def test_inspection_step_needs_a_decided_inspection(self):
        production, lot, step = self.produce()
        self.assertEqual(step.step_type, 'inspection')
        outcome = self.record(step)
        self.assertFalse(outcome['accepted'])
        inspection = step.inspection_id
        self.assertTrue(inspection)
        self.assertEqual((inspection.inspection_type, inspection.production_id,
                          inspection.lot_id, inspection.step_execution_id),
                         ('in_process', production, lot, step))
        self.assertIn(inspection.name, outcome['message'])
        # the order cannot be completed around it
        with self.assertRaisesRegex(UserError, 'open step'):
            production.button_mark_done()
        # a second call does not start a second inspection
        self.record(step)
        self.assertEqual(self.env['mes.inspection'].search_count(
            [('step_execution_id', '=', step.id)]), 1)
        self.record_all(inspection, value='6.10')
        self.assertTrue(self.decide(inspection)['signed'])
        outcome = self.record(step)
        self.assertTrue(outcome['accepted'], outcome['message'])
        self.assertEqual((step.state, step.result), ('done', 'pass'))
        # its values joined the characteristic's SPC history, with the order and lot
        measurements = self.env['mes.spc.measurement'].search(
            [('characteristic_key', '=', self.in_process.characteristic_ids.spc_key)])
        self.assertEqual(len(measurements), 3)
        self.assertEqual(set(measurements.mapped('production_id')), {production})

    def test_done_order_lot_waits_for_final_inspection(self):
        production, lot, step = self.produce()
        self.record(step)
        self.record_all(step.inspection_id, value='6.00')
        self.decide(step.inspection_id)
        self.record(step)
        production.button_mark_done()
        self.assertEqual(production.state, 'done')
        final = self.env['mes.inspection'].search([('lot_id', '=', lot.id),
                                                   ('inspection_type', '=', 'final')])
        self.assertEqual(len(final), 1)
        self.assertEqual(lot.mes_release_state, 'quarantine')
        self.assertEqual(final.line_ids.sample_size, 5)
        # c = 0: one leak rejects the lot
        self.record_all(final, defects={3: {'defects_critical': 1}})
        self.assertTrue(self.decide(final)['signed'])
        self.assertEqual((final.decision, lot.mes_release_state), ('reject', 'on_hold'))
        self.assertEqual(final.exception_id.production_id, production)

    def test_inspection_step_definition_is_checked(self):
        draft = self.env['mrp.bom'].browse(
            self.bom_v2.with_user(self.planner).action_mes_new_version()['res_id'])
        operation = draft.operation_ids[0]
        Step = self.env['mes.operation.step'].with_user(self.planner)
        with self.assertRaisesRegex(UserError, 'needs an in-process inspection plan'):
            Step.create({'operation_id': operation.id, 'name': 'No plan',
                         'step_type': 'inspection'})
        with self.assertRaisesRegex(UserError, 'not an in-process plan'):
            Step.create({'operation_id': operation.id, 'name': 'Final plan in process',
                         'step_type': 'inspection', 'inspection_plan_id': self.final.id})

    def test_products_without_a_plan_are_not_inspected(self):
        _picking, lot = self.receive(self.needle, 'NDL-Q-1', 10)
        self.assertFalse(self.inspection_of(lot))
