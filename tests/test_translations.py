import ast
from xml.etree import ElementTree

import polib

from odoo.tests import TransactionCase, tagged
from odoo.tools.mail import html_normalize
from odoo.tools.misc import file_open, file_path
from odoo.tools.translate import TranslationModuleReader

MODULE = "credit_collection"


def demo_xmlids():
    """The external ids the manifest's demo files define: their texts are
    sample data, not the addon's interface, and need no translation."""
    with file_open(f"{MODULE}/__manifest__.py") as manifest:
        demo_files = ast.literal_eval(manifest.read()).get("demo", [])
    xmlids = set()
    for path in demo_files:
        for record in ElementTree.parse(file_path(f"{MODULE}/{path}")).iter():
            if record.get("id"):
                xmlid = record.get("id")
                xmlids.add(xmlid if "." in xmlid else f"{MODULE}.{xmlid}")
    return xmlids


def same_markup(text):
    """The text, its HTML written one way: a data file's email body is
    stored with ``<br>`` on 18.0 and ``<br/>`` on 19.0, the same body."""
    return html_normalize(text) if text.lstrip().startswith("<") else text


def interface_texts(cr):
    """The texts Odoo exports for the installed addon (the same export that
    builds i18n/credit_collection.pot: code, views, fields, data), but for
    those used only by demo records."""
    demo = demo_xmlids()
    return {
        same_markup(source)
        for module, kind, _name, res_id, source, _value, _comments in (
            TranslationModuleReader(cr, [MODULE])
        )
        if module == MODULE and (kind == "code" or res_id not in demo)
    }


def po_entries(path):
    return polib.pofile(file_path(f"{MODULE}/i18n/{path}"))


@tagged("post_install", "-at_install")
class TestTranslations(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.texts = interface_texts(cls.env.cr)

    def test_every_text_of_the_addon_has_its_french(self):
        french = {
            same_markup(entry.msgid)
            for entry in po_entries("fr.po")
            if entry.msgstr and not entry.obsolete and "fuzzy" not in entry.flags
        }
        self.assertGreater(len(self.texts), 1000)
        self.assertFalse(
            sorted(self.texts - french), "texts without French in i18n/fr.po"
        )

    def test_the_template_is_the_current_export(self):
        """A text added to the code is in the template translators work
        from (scripts/i18n.sh regenerates it)."""
        template = {
            same_markup(entry.msgid) for entry in po_entries("credit_collection.pot")
        }
        self.assertFalse(sorted(self.texts - template), "run scripts/i18n.sh")
