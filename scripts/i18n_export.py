"""Run inside ``odoo shell`` (scripts/mes i18n): rewrite each addon's .pot and merge zh_CN.po."""
import os

from odoo.addons.mes_bridge.tools import translations

LANG = os.environ.get('MES_I18N_LANG', 'zh_CN')
for module in os.environ['MES_MODULES'].split(','):
    missing = translations.export(env, module, LANG)  # noqa: F821 (odoo shell provides env)
    print('[mes] %s: i18n/%s.pot and i18n/%s.po written, %d term(s) untranslated'
          % (module, module, LANG, len(missing)))
