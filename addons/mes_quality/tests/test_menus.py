from odoo.addons.mes_bridge.tests.common import reachable
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged('post_install', '-at_install')
class TestQualityMenus(TransactionCase):

    def test_quality_reviewers_see_their_menus_operators_do_not(self):
        inspector = new_test_user(self.env, 'qa_menu_inspector',
                                  groups='mes_bridge.group_mes_quality_inspector')
        operator = new_test_user(self.env, 'qa_menu_operator', groups='mes_bridge.group_mes_operator')
        review = self.env.ref('mes_quality.menu_mes_review_by_exception')
        records = self.env.ref('mes_quality.menu_mes_quality_productions')
        self.assertTrue(reachable(review, inspector))
        self.assertTrue(reachable(records, inspector))
        self.assertFalse(reachable(review, operator))

    def test_review_queue_opens_open_exceptions_by_order(self):
        action = self.env.ref('mes_quality.action_mes_review_by_exception')
        self.assertEqual(action.res_model, 'mes.exception')
        inspector = new_test_user(self.env, 'qa_menu_inspector2',
                                  groups='mes_bridge.group_mes_quality_inspector')
        # the inspector can read the queue the action opens
        self.env['mes.exception'].with_user(inspector).search([('state', '=', 'open')])
