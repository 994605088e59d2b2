from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import PASSWORDS, MesCase


@tagged('post_install', '-at_install')
class TestExecution(MesCase):

    def setUp(self):
        super().setUp()
        self.production = self.released_production()
        self.molding, self.assembly = self.workorders(self.production)

    def test_steps_need_a_started_work_order_and_strict_order(self):
        first, scan, temperature, mould = self.steps(self.molding)
        with self.assertRaisesRegex(UserError, 'Start work order'):
            self.record(first)
        self.molding.with_user(self.operator).button_start()
        with self.assertRaisesRegex(UserError, 'in order: do "Read the work instruction"'):
            self.record(temperature, value='230')
        self.assertEqual(temperature.state, 'pending')
        self.assertFalse(temperature.value_entered)
        result = self.record(first)
        self.assertEqual(result['next_step_id'], scan.id)
        self.assertEqual(first.operator_id, self.operator)
        self.assertTrue(first.date_done)
        with self.assertRaisesRegex(UserError, 'already recorded'):
            self.record(first)

    def test_measurement_in_limits_is_stored_as_entered(self):
        self.molding.with_user(self.operator).button_start()
        first, scan, temperature, mould = self.steps(self.molding)
        self.record(first)
        self.record(scan, code='RES-001')
        result = self.record(temperature, value='231,46')
        self.assertTrue(result['accepted'])
        self.assertEqual(temperature.value_entered, '231,46')
        self.assertAlmostEqual(temperature.value, 231.5)
        self.assertEqual(temperature.result, 'pass')
        self.assertFalse(temperature.out_of_limit)
        self.assertFalse(self.production.mes_exception_ids)
        self.assertEqual(self.production.mes_state, 'in_progress')

    def test_malformed_value_is_refused_and_nothing_is_written(self):
        self.molding.with_user(self.operator).button_start()
        first, scan, temperature, mould = self.steps(self.molding)
        self.record(first)
        self.record(scan, code='RES-001')
        for bad in ('23O', '', '1,000.5', None):
            with self.assertRaisesRegex(UserError, 'is not a number'):
                self.record(temperature, value=bad)
        self.assertEqual(temperature.state, 'pending')
        self.assertFalse(temperature.value_entered)
        self.assertFalse(self.production.mes_exception_ids)

    def test_critical_out_of_limit_blocks_until_supervisor_dispositions(self):
        self.run_molding(self.molding, temperature='251.0')
        temperature = self.steps(self.molding)[2]
        self.assertEqual(temperature.state, 'done', 'the value is recorded, not lost')
        self.assertTrue(temperature.out_of_limit)
        self.assertEqual(temperature.result, 'fail')
        exception = self.production.mes_exception_ids
        self.assertEqual(len(exception), 1)
        self.assertEqual((exception.kind, exception.severity, exception.blocking, exception.state),
                         ('out_of_limit', 'critical', True, 'open'))
        self.assertIn('above', exception.description)
        self.assertEqual(exception.measured_value, '251.0')
        self.assertEqual(exception.workorder_id, self.molding)
        # blocked: the work order cannot finish
        with self.assertRaisesRegex(UserError, exception.name):
            self.molding.with_user(self.operator).button_finish()
        self.assertEqual(self.molding.state, 'progress')
        # an operator cannot disposition; a supervisor must sign with a justification
        with self.assertRaises(AccessError):
            exception.with_user(self.operator).action_disposition(
                'use_as_is', 'fine', 'mes_operator', PASSWORDS['operator'])
        outcome = exception.with_user(self.supervisor).action_disposition(
            'use_as_is', 'Thermocouple drift, verified', 'mes_supervisor', 'wrong')
        self.assertFalse(outcome['signed'])
        self.assertIn('Wrong login or password', outcome['message'])
        with self.assertRaisesRegex(UserError, 'justification'):
            exception.with_user(self.supervisor).action_disposition(
                'use_as_is', '  ', 'mes_supervisor', PASSWORDS['supervisor'])
        self.assertEqual(exception.state, 'open')
        exception.with_user(self.supervisor).action_disposition(
            'use_as_is', 'Thermocouple drift, verified with reference probe',
            'mes_supervisor', PASSWORDS['supervisor'])
        self.assertEqual((exception.state, exception.blocking, exception.dispositioned_by_id),
                         ('dispositioned', False, self.supervisor))
        self.molding.with_user(self.operator).button_finish()
        self.assertEqual(self.molding.state, 'done')

    def test_disposition_wizard(self):
        self.run_molding(self.molding, temperature='100')
        exception = self.production.mes_exception_ids
        action = exception.with_user(self.supervisor).action_open_disposition_wizard()
        wizard = self.env['mes.exception.disposition'].with_user(self.supervisor).with_context(
            action['context']).create({'disposition': 'scrap', 'note': 'Short shots'})
        # as the dialog's button does: the credentials travel in its context only
        wizard.with_context(mes_login='mes_supervisor',
                            mes_password=PASSWORDS['supervisor']).action_confirm()
        self.assertEqual(exception.disposition, 'scrap')

    def test_major_out_of_limit_and_failed_check_are_flagged_but_not_blocking(self):
        self.run_molding(self.molding)
        self.molding.with_user(self.operator).button_finish()
        self.assembly.with_user(self.operator).button_start()
        s = self.steps(self.assembly)
        self.record(s[0], code='STP-001')
        self.record(s[1], code='NDL-001')
        self.record(s[2], code='LBL-001')
        force = self.record(s[3], value='12.5')
        self.assertTrue(force['out_of_limit'])
        self.assertFalse(force['blocking'])
        with self.assertRaisesRegex(UserError, 'passed or failed'):
            self.record(s[4])
        self.record(s[4], passed=False)
        self.assertEqual(s[4].result, 'fail')
        kinds = sorted(self.production.mes_exception_ids.mapped('kind'))
        self.assertEqual(kinds, ['check_failed', 'out_of_limit'])
        self.assertFalse(any(self.production.mes_exception_ids.mapped('blocking')))

    def test_work_order_cannot_finish_with_open_steps(self):
        self.molding.with_user(self.operator).button_start()
        self.record(self.steps(self.molding)[0])
        with self.assertRaisesRegex(UserError, '3 open step'):
            self.molding.with_user(self.operator).button_finish()
        self.assertEqual(self.molding.state, 'progress')

    def test_equipment_check(self):
        self.molding.with_user(self.operator).button_start()
        first, scan, temperature, mould = self.steps(self.molding)
        self.record(first)
        self.record(scan, code='RES-001')
        self.record(temperature, value='230')
        result = self.record(mould, code='MOULD-99')
        self.assertFalse(result['accepted'])
        self.assertIn('MOULD-99', result['message'])
        self.assertEqual(mould.state, 'pending')
        self.assertEqual(self.production.mes_exception_ids.kind, 'equipment_mismatch')
        self.assertTrue(self.record(mould, code='mould-07')['accepted'])
        self.assertEqual(mould.equipment_code, 'mould-07')

    def test_signature_step_reauthenticates_the_operator(self):
        self.run_molding(self.molding)
        self.molding.with_user(self.operator).button_finish()
        self.assembly.with_user(self.operator).button_start()
        s = self.steps(self.assembly)
        for step, kw in zip(s[:5], [{'code': 'STP-001'}, {'code': 'NDL-001'}, {'code': 'LBL-001'},
                                    {'value': '5'}, {'passed': True}]):
            self.record(step, **kw)
        signature = s[5]
        refused = self.record(signature, login='mes_operator', password='not-my-password')
        self.assertFalse(refused['accepted'])
        self.assertIn('Wrong login or password', refused['message'])
        # both components are checked: someone else's valid login and password do not sign
        refused = self.record(signature, login='mes_supervisor', password=PASSWORDS['supervisor'])
        self.assertFalse(refused['accepted'])
        self.assertEqual(signature.state, 'pending')
        self.assertEqual(self.operator.mes_sign_failures, 2)
        self.record(signature, login='mes_operator', password=PASSWORDS['operator'])
        self.assertEqual(self.operator.mes_sign_failures, 0, 'a good signature resets the count')
        self.assertEqual((signature.signed_by_id, signature.signed_name, signature.signature_meaning),
                         (self.operator, 'Olga Operator', 'performed'))

    def test_recorded_results_cannot_be_edited_or_deleted(self):
        self.run_molding(self.molding)
        temperature = self.steps(self.molding)[2]
        with self.assertRaises(UserError):
            temperature.with_user(self.operator).write({'value_entered': '230'})
        with self.assertRaises(UserError):
            temperature.write({'result': 'fail'})
        with self.assertRaises(UserError):
            temperature.unlink()
        exception = self.env['mes.exception'].create({
            'description': 'Manual note', 'production_id': self.production.id})
        with self.assertRaises(UserError):
            exception.unlink()
        with self.assertRaises(UserError):
            exception.with_user(self.supervisor).write({'description': 'rewritten'})

    def test_done_gate(self):
        # open steps block marking the order done
        with self.assertRaisesRegex(UserError, 'open step'):
            self.production.button_mark_done()
        self.run_molding(self.molding, temperature='300')
        exception = self.production.mes_exception_ids
        # the record is complete but a blocking exception is not dispositioned
        self.assembly.invalidate_recordset()
        self.run_assembly(self.assembly)
        with self.assertRaisesRegex(UserError, exception.name):
            self.production.button_mark_done()
        self.assertNotEqual(self.production.state, 'done')
        exception.with_user(self.supervisor).action_disposition(
            'rework', 'Re-moulded and re-measured', 'mes_supervisor', PASSWORDS['supervisor'])
        self.production.button_mark_done()
        self.assertEqual(self.production.state, 'done')
        self.assertEqual(self.production.mes_state, 'done')
        self.assertEqual(self.production.mes_step_progress, 100)

    def test_unreleased_order_cannot_be_marked_done(self):
        production = self.create_production()
        with self.assertRaisesRegex(UserError, 'never released'):
            production.button_mark_done()
        self.company.mes_release_required = False
        production.button_mark_done()
        self.assertEqual(production.state, 'done')

    def test_guided_wizard_walks_to_the_next_step(self):
        self.molding.with_user(self.operator).button_start()
        action = self.molding.with_user(self.operator).action_mes_record_next_step()
        Wizard = self.env['mes.step.record'].with_user(self.operator)
        wizard = Wizard.with_context(action['context']).create({})
        self.assertEqual(wizard.step_execution_id, self.steps(self.molding)[0])
        action = wizard.action_record()
        self.assertEqual(action['res_model'], 'mes.step.record')
        wizard = Wizard.with_context(action['context']).create({'code': 'NDL-001'})
        refused = wizard.action_record()
        self.assertEqual(refused['tag'], 'display_notification')
        self.assertIn('NDL-001', refused['params']['message'])
