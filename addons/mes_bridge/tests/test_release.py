from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import MesCase


@tagged('post_install', '-at_install')
class TestRelease(MesCase):

    def test_release_snapshots_every_step_with_master_version(self):
        production = self.create_production()
        self.assertEqual(production.mes_state, 'not_released')
        production.with_user(self.supervisor).action_mes_release()
        self.assertEqual(production.mes_state, 'released')
        self.assertEqual(production.mes_released_by_id, self.supervisor)
        self.assertEqual(production.mes_bom_version, 1)
        molding, assembly = self.workorders(production)
        self.assertEqual(self.steps(molding).mapped('name'), [
            'Read the work instruction', 'Scan resin lot', 'Barrel temperature', 'Confirm mould'])
        self.assertEqual(len(self.steps(assembly)), 6)
        temperature = self.steps(molding)[2]
        self.assertEqual((temperature.lower_limit, temperature.upper_limit, temperature.criticality),
                         (220, 240, 'critical'))
        self.assertEqual(set(production.mes_step_execution_ids.mapped('bom_version')), {1})
        self.assertEqual(production.mes_step_progress, 0)

    def test_master_changes_never_reach_released_work(self):
        production = self.released_production()
        before = [(s.name, s.lower_limit, s.upper_limit) for s in production.mes_step_execution_ids]
        v2 = self.env['mrp.bom'].browse(self.bom.with_user(self.planner).action_mes_new_version()['res_id'])
        temperature = v2.operation_ids.mes_step_ids.filtered(lambda s: s.name == 'Barrel temperature')
        temperature.write({'lower_limit': 100, 'upper_limit': 300, 'name': 'Barrel temp (wide)'})
        v2.operation_ids.mes_step_ids.filtered(lambda s: s.step_type == 'instruction').unlink()
        self.approve(v2)
        production.invalidate_recordset()
        after = [(s.name, s.lower_limit, s.upper_limit) for s in production.mes_step_execution_ids]
        self.assertEqual(before, after)
        self.assertEqual(production.mes_bom_version, 1)
        # a new order takes version 2
        new_production = self.create_production(bom=v2)
        new_production.with_user(self.supervisor).action_mes_release()
        self.assertEqual(new_production.mes_bom_version, 2)
        self.assertIn('Barrel temp (wide)', new_production.mes_step_execution_ids.mapped('name'))
        self.assertNotIn('Read the work instruction', new_production.mes_step_execution_ids.mapped('name'))

    def test_only_approved_master_can_be_released(self):
        v2 = self.env['mrp.bom'].browse(self.bom.action_mes_new_version()['res_id'])
        production = self.create_production(bom=v2)
        with self.assertRaisesRegex(UserError, 'not approved'):
            production.with_user(self.supervisor).action_mes_release()
        self.assertFalse(production.mes_release_date)
        self.assertFalse(production.mes_step_execution_ids)

    def test_short_components_block_release_unless_explicitly_allowed(self):
        production = self.create_production(qty=2000)  # needs 100 kg resin, 50 in stock
        with self.assertRaisesRegex(UserError, 'PP Resin .* is not available'):
            production.with_user(self.supervisor).action_mes_release()
        self.assertFalse(production.mes_step_execution_ids)
        production.mes_allow_short = True
        production.with_user(self.supervisor).action_mes_release()
        self.assertEqual(production.mes_state, 'released')

    def test_draft_order_is_confirmed_on_release(self):
        production = self.env['mrp.production'].create({
            'product_id': self.syringe.id, 'product_qty': 10, 'bom_id': self.bom.id})
        self.assertEqual(production.state, 'draft')
        production.with_user(self.supervisor).action_mes_release()
        self.assertEqual(production.state, 'confirmed')
        self.assertEqual(len(production.mes_step_execution_ids), 10)

    def test_batch_release_is_all_or_nothing_with_every_reason(self):
        good = self.create_production()
        draft_bom = self.env['mrp.bom'].browse(self.bom.action_mes_new_version()['res_id'])
        bad = self.create_production(bom=draft_bom)
        with self.assertRaises(UserError) as caught:
            (good | bad).with_user(self.supervisor).action_mes_release()
        self.assertIn(bad.name, str(caught.exception))
        self.assertFalse(good.mes_release_date, 'a failed batch must release nothing')
        self.assertFalse(good.mes_step_execution_ids)
        good.with_user(self.supervisor).action_mes_release()
        with self.assertRaisesRegex(UserError, 'already released'):
            good.with_user(self.supervisor).action_mes_release()
        self.assertEqual(len(good.mes_step_execution_ids), 10, 'no duplicate snapshot')

    def test_work_order_cannot_start_before_release(self):
        production = self.create_production()
        with self.assertRaisesRegex(UserError, 'not been released'):
            self.workorders(production)[0].with_user(self.operator).button_start()
        self.assertEqual(self.workorders(production)[0].state, 'ready')

    def test_release_server_action_releases_selection(self):
        productions = self.create_production() | self.create_production()
        action = self.env.ref('mes_bridge.action_mes_release_productions')
        action.with_user(self.supervisor).with_context(
            active_model='mrp.production', active_ids=productions.ids).run()
        self.assertEqual(set(productions.mapped('mes_state')), {'released'})

    def test_operator_cannot_release(self):
        production = self.create_production()
        with self.assertRaises(AccessError):
            production.with_user(self.operator).action_mes_release()
        self.assertFalse(production.mes_release_date)
