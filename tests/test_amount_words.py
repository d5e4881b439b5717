from odoo.tests import BaseCase, tagged

from odoo.addons.credit_collection.tools.amount_words import amount_in_words


@tagged("post_install", "-at_install")
class TestAmountInWords(BaseCase):
    """Totals in words on letters: the reader's language, the currency's
    own words, no English glue in French."""

    def test_french(self):
        self.assertEqual(
            amount_in_words(9800.80, "EUR", "fr_FR"),
            "Neuf mille huit cents euros et quatre-vingts centimes",
        )
        self.assertEqual(amount_in_words(40.0, "EUR", "fr_FR"), "Quarante euros")
        self.assertEqual(amount_in_words(1.01, "EUR", "fr_FR"), "Un euro et un centime")
        self.assertEqual(
            amount_in_words(9800.0, "USD", "fr_FR"), "Neuf mille huit cents dollars"
        )

    def test_english_and_other_currencies(self):
        self.assertEqual(
            amount_in_words(9800.80, "USD", "en_US"),
            "Nine thousand, eight hundred dollars, eighty cents",
        )
        self.assertEqual(amount_in_words(2.0, "GBP", "en_GB"), "Two pounds sterling")

    def test_unknown_currency_falls_back(self):
        self.assertIsNone(amount_in_words(10.0, "CHF", "fr_FR"))
        self.assertIsNone(amount_in_words(10.0, "EUR", "xx_XX"))
