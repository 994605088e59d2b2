from odoo.tests import HttpCase, tagged


@tagged('post_install', '-at_install')
class TestLoginLanguages(HttpCase):
    """A Chinese-speaking operator finds the login page, and then the MES, in Chinese."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env['res.lang']._activate_lang('zh_CN')
        cls.env['ir.module.module'].search(
            [('name', 'in', ('web', 'mes_bridge'))])._update_translations('zh_CN')

    def test_login_page_offers_the_installed_languages(self):
        page = self.url_open('/web/login').text
        self.assertIn('o_mes_login_languages', page)
        self.assertIn('hreflang="zh-CN"', page)
        self.assertIn('hreflang="en-US"', page)
        self.assertIn('>Log in</button>', page)

    def test_choosing_a_language_translates_the_login_page_and_sticks(self):
        chosen = self.url_open('/web/login?lang=zh_CN').text
        self.assertIn('登录', chosen)
        self.assertNotIn('>Log in</button>', chosen)
        # the choice is kept in the session for the next page load
        again = self.url_open('/web/login').text
        self.assertIn('登录', again)
        # an unknown or inactive language is ignored, not an error
        self.assertIn('登录', self.url_open('/web/login?lang=xx_XX').text)
        self.assertIn('>Log in</button>', self.url_open('/web/login?lang=en_US').text)

    def test_single_language_database_shows_no_switch(self):
        self.env['res.users'].with_context(active_test=False).search(
            [('lang', '!=', 'en_US')]).lang = 'en_US'
        self.env['res.lang'].search([('code', '!=', 'en_US')]).active = False
        self.assertNotIn('o_mes_login_languages', self.url_open('/web/login').text)

    def test_demo_operator_works_in_chinese(self):
        self.assertTrue(self.env['ir.module.module']._get('mes_bridge').demo,
                        'this check needs the demo data (make test installs it)')
        operator = self.env.ref('mes_bridge.user_operator')
        self.assertEqual(operator.lang, 'zh_CN')
        menu = self.env.ref('mes_bridge.menu_mes_shop_floor')
        self.assertEqual(menu.name, 'Shop Floor')
        self.assertEqual(menu.with_user(operator).with_context(lang=operator.lang).name, '车间')
