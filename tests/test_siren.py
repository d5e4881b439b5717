from odoo.tests import BaseCase, tagged

from odoo.addons.credit_collection.tools import siren


@tagged("post_install", "-at_install")
class TestSiren(BaseCase):
    """The one reading of French company numbers: letterheads and case files
    print what the identity check accepted."""

    def test_registry_numbers(self):
        # the SIRET field wins over the registry, punctuation is ignored
        self.assertEqual(
            siren.registry_numbers("552 100 554 00013", "987654167"),
            ("552100554", "55210055400013"),
        )
        # a bare SIREN in the registry: no SIRET to print
        self.assertEqual(
            siren.registry_numbers(False, "552.100.554"), ("552100554", "")
        )
        self.assertEqual(siren.registry_numbers(False, "RCS 123"), ("", ""))
        # no registry: a French VAT number holds the SIREN, a foreign or
        # invalid one does not
        self.assertEqual(
            siren.registry_numbers(False, False, "FR 46 987654076"), ("987654076", "")
        )
        self.assertEqual(
            siren.registry_numbers(False, "RCS 123", "FR46987654076"),
            ("987654076", ""),
        )
        self.assertEqual(
            siren.registry_numbers(False, False, "FR47987654076"), ("", "")
        )
        self.assertEqual(siren.registry_numbers(False, False, "BE0477472701"), ("", ""))
        # the registry wins over the VAT number
        self.assertEqual(
            siren.registry_numbers(False, "552100554", "FR46987654076"),
            ("552100554", ""),
        )

    def test_is_valid(self):
        self.assertTrue(siren.is_valid("552 100 554"))
        self.assertTrue(siren.is_valid("552.100.554.00013"))
        self.assertFalse(siren.is_valid("552100555"))  # checksum
        self.assertFalse(siren.is_valid("55210055"))  # length
