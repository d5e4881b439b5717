"""Builds i18n/fr.po from the exported template: every entry of the .pot,
translated from the current fr.po or, for new texts, from the fragments
(i18n/fragments/*.fr.po) written while a feature was built."""

import glob
import os
import sys

import polib

HEADER = {
    "Project-Id-Version": "Odoo Server 18.0",
    "Language": "fr",
    "MIME-Version": "1.0",
    "Content-Type": "text/plain; charset=UTF-8",
    "Content-Transfer-Encoding": "8bit",
    "Plural-Forms": "nplurals=2; plural=(n > 1);",
}


def known_translations(i18n_dir):
    translations = {}
    sources = sorted(glob.glob(os.path.join(i18n_dir, "fragments", "*.fr.po")))
    fr_po = os.path.join(i18n_dir, "fr.po")
    if os.path.exists(fr_po):
        sources.append(fr_po)  # last: fr.po wins over fragments
    for path in sources:
        for entry in polib.pofile(path):
            if entry.msgstr and not entry.obsolete and "fuzzy" not in entry.flags:
                translations[entry.msgid] = entry.msgstr
    return translations


def main(i18n_dir):
    template = polib.pofile(os.path.join(i18n_dir, "credit_collection.pot"))
    translations = known_translations(i18n_dir)
    french = polib.POFile(wrapwidth=78)
    french.metadata = HEADER
    missing = []
    for entry in template:
        entry.msgstr = translations.get(entry.msgid, "")
        if not entry.msgstr:
            missing.append(entry.msgid)
        french.append(entry)
    french.save(os.path.join(i18n_dir, "fr.po"))
    for msgid in missing:
        print(f"untranslated: {msgid!r}")
    print(f"i18n/fr.po: {len(template)} entries, {len(missing)} untranslated")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
