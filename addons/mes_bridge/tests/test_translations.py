from odoo.addons.mes_bridge.tests.translation_case import TranslationCompleteness
from odoo.tests import TransactionCase, tagged


@tagged('post_install', '-at_install')
class TestTranslations(TranslationCompleteness, TransactionCase):
    translated_module = 'mes_bridge'


@tagged('post_install', '-at_install')
class TestPart11Translations(TranslationCompleteness, TransactionCase):
    """mes_part11 has no translation tooling of its own (it knows nothing of ours): its
    catalogue is checked from here."""
    translated_module = 'mes_part11'
