from odoo.addons.mes_bridge.tests.common import reachable
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged('post_install', '-at_install')
class TestEquipmentMenus(TransactionCase):

    def test_supervisors_see_equipment_menus_operators_do_not(self):
        supervisor = new_test_user(self.env, 'eq_menu_supervisor',
                                   groups='mes_bridge.group_mes_supervisor,maintenance.group_equipment_manager')
        operator = new_test_user(self.env, 'eq_menu_operator', groups='mes_bridge.group_mes_operator')
        equipment = self.env.ref('mes_equipment.menu_mes_equipment')
        self.assertTrue(reachable(equipment, supervisor))
        self.assertFalse(reachable(equipment, operator))
        # and the action behind it lists equipment for that supervisor
        self.env['maintenance.equipment'].with_user(supervisor).search([])
