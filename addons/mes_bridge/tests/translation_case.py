"""One check for every addon of ours: its zh_CN catalogue translates every term it has."""
import os

from odoo.addons.mes_bridge.tools import translations


class TranslationCompleteness:
    """Mixin for a post-install TransactionCase; set ``translated_module``."""

    translated_module = None
    translated_lang = 'zh_CN'
    # Odoo's runner collects only the methods a test class defines itself unless told:
    # without this, the checks below would silently never run
    allow_inherited_tests_method = True

    def test_every_term_has_a_zh_cn_translation(self):
        module, lang = self.translated_module, self.translated_lang
        self.assertTrue(os.path.exists(translations.pot_path(module)),
                        '%s has no i18n/%s.pot: run ./scripts/mes i18n' % (module, module))
        missing = translations.untranslated(self.env, module, lang)
        self.assertFalse(missing, '%d term(s) of %s have no %s translation (run ./scripts/mes i18n, '
                         'then translate i18n/%s.po): %s'
                         % (len(missing), module, lang, lang, missing[:20]))

    def test_pot_template_lists_every_term(self):
        """The .pot that translators receive is the addon's current catalogue."""
        import polib
        module = self.translated_module
        in_pot = {e.msgid for e in polib.pofile(translations.pot_path(module))}
        current = translations.catalogue_terms(self.env, module)
        self.assertFalse(sorted(current - in_pot), 'i18n/%s.pot is out of date: run '
                         './scripts/mes i18n' % module)

    def test_translations_keep_their_placeholders(self):
        wrong = translations.placeholder_mismatches(self.translated_module, self.translated_lang)
        self.assertFalse(wrong, 'translations with other placeholders than their source (they '
                         'would fail when shown): %s' % wrong[:10])

    def test_translations_are_loaded_in_the_database(self):
        """What the .po holds reaches the user interface (zh_CN active, terms loaded)."""
        lang = self.translated_lang
        self.env['res.lang']._activate_lang(lang)
        module = self.env['ir.module.module'].search([('name', '=', self.translated_module)])
        module._update_translations(lang, overwrite=True)
        data = self.env['ir.model.data'].search([
            ('module', '=', self.translated_module),
            ('model', 'in', ('ir.ui.menu', 'ir.model.fields'))])
        translated = translations.read_po(translations.po_path(self.translated_module, lang))
        self.assertTrue(module and data)
        checked = 0
        for item in data:
            record = self.env[item.model].browse(item.res_id)
            field = 'name' if item.model == 'ir.ui.menu' else 'field_description'
            source = record[field]
            if source in translated and translated[source]:
                self.assertEqual(record.with_context(lang=lang)[field], translated[source])
                checked += 1
        # menus and field labels of the addon show in Chinese (at least one of them)
        self.assertTrue(checked)
