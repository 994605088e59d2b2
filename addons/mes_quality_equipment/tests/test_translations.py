from odoo.addons.mes_bridge.tests.translation_case import TranslationCompleteness
from odoo.tests import TransactionCase, tagged


@tagged('post_install', '-at_install')
class TestTranslations(TranslationCompleteness, TransactionCase):
    translated_module = 'mes_quality_equipment'
