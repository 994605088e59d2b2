"""Fill translations into an addon's .po from a JSON object {msgid: translation}.

    python3 scripts/i18n_apply.py addons/mes_bridge/i18n/zh_CN.po translations.json

Only empty entries are filled; a msgid the .po does not have is reported, not added."""
import json
import sys

import polib


def main(po_path, json_path):
    translations = json.load(open(json_path, encoding='utf-8'))
    catalogue = polib.pofile(po_path)
    known = set()
    for entry in catalogue:
        known.add(entry.msgid)
        if not entry.msgstr and entry.msgid in translations:
            entry.msgstr = translations[entry.msgid]
    catalogue.save(po_path)
    unknown = sorted(set(translations) - known)
    missing = sum(1 for entry in catalogue if not entry.msgstr)
    print('%s: %d untranslated left%s' % (po_path, missing,
                                          ('; not in the catalogue: %s' % unknown) if unknown else ''))
    return 1 if unknown else 0


if __name__ == '__main__':
    sys.exit(main(*sys.argv[1:]))
