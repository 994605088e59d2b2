"""Translation catalogues of our addons: what must be translated, and what the .po files hold.

Used by the translation tests of each addon (a term without a zh_CN translation fails them) and
by ``scripts/mes i18n``, which rewrites ``i18n/<addon>.pot`` and merges ``i18n/zh_CN.po``.
Demo records are data, not user interface: their texts are left out, as in Odoo's own
catalogues (exported from databases without demo data).
"""
import ast
import io
import os
import re

import polib
from lxml import etree

from odoo.modules import get_module_path
from odoo.tools.translate import PoFileWriter, TranslationModuleReader

PLACEHOLDER = re.compile(r'%\([a-zA-Z_]\w*\)[sdfr]|%[sdfr]|\{[a-zA-Z_]\w*\}|\{\}')


def _manifest(module):
    with open(os.path.join(get_module_path(module), '__manifest__.py'), encoding='utf-8') as f:
        return ast.literal_eval(f.read())


def demo_xmlids(module):
    """``module.name`` of every record that the addon's demo files define."""
    path = get_module_path(module)
    xmlids = set()
    for demo_file in _manifest(module).get('demo', []):
        if not demo_file.endswith('.xml'):
            continue
        tree = etree.parse(os.path.join(path, demo_file))
        for node in tree.xpath('//record[@id] | //template[@id] | //menuitem[@id]'):
            xmlid = node.get('id')
            xmlids.add(xmlid if '.' in xmlid else '%s.%s' % (module, xmlid))
    return xmlids


def catalogue_rows(env, module):
    """The rows (Odoo's reader format) of every translatable term of ``module``, demo excluded."""
    demo = demo_xmlids(module)
    # records made for a demo record's parents (inherits) get '<xmlid>_<parent table>'
    demo_prefixes = tuple('%s_' % xmlid for xmlid in demo)
    rows = []
    for row in TranslationModuleReader(env.cr, modules=[module]):
        row_module, ttype, _name, res_id, _source, _value, _comments = row
        if row_module != module:
            continue
        if ttype in ('model', 'model_terms') and (
                res_id in demo or str(res_id).startswith(demo_prefixes)):
            continue
        rows.append(row)
    return rows


def catalogue_terms(env, module):
    return {row[4] for row in catalogue_rows(env, module)}


def po_path(module, lang):
    return os.path.join(get_module_path(module), 'i18n', '%s.po' % lang)


def pot_path(module):
    return os.path.join(get_module_path(module), 'i18n', '%s.pot' % module)


def read_po(path):
    """``{msgid: msgstr}`` of the translated, non-fuzzy entries of a .po file."""
    if not os.path.exists(path):
        return {}
    return {e.msgid: e.msgstr for e in polib.pofile(path)
            if e.msgstr and not e.obsolete and 'fuzzy' not in e.flags}


def untranslated(env, module, lang):
    """Terms of the addon that ``i18n/<lang>.po`` does not translate."""
    translations = read_po(po_path(module, lang))
    return sorted(catalogue_terms(env, module) - set(translations))


def placeholder_mismatches(module, lang):
    """Translations whose placeholders differ from their source (they would fail at run time)."""
    wrong = []
    for source, translation in read_po(po_path(module, lang)).items():
        if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(translation)):
            wrong.append((source, translation))
    return wrong


def _write(path, rows, lang):
    buffer = io.BytesIO()
    PoFileWriter(buffer, lang).write_rows(rows)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(buffer.getvalue())


def export(env, module, lang):
    """Rewrite the addon's .pot and merge ``<lang>.po``: known translations kept, new terms
    added untranslated, terms gone from the code dropped. Returns the untranslated terms."""
    rows = catalogue_rows(env, module)
    _write(pot_path(module), rows, None)
    translations = read_po(po_path(module, lang))
    path = po_path(module, lang)
    _write(path, [(m, t, n, r, s, translations.get(s, ''), c) for m, t, n, r, s, _v, c in rows],
           lang)
    # Odoo's writer drops a translation equal to its source ("OEE", "GS1"): keep it
    catalogue = polib.pofile(path)
    for entry in catalogue:
        if not entry.msgstr and translations.get(entry.msgid) == entry.msgid:
            entry.msgstr = entry.msgid
    catalogue.metadata['Language'] = lang
    catalogue.save(path)
    return sorted({row[4] for row in rows} - set(translations))
