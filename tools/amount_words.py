"""Amounts in words for letters, in the reader's language and the amount's
currency ("neuf mille huit cents euros et quatre-vingts centimes").

Odoo's ``res.currency.amount_to_text`` glues English words between French
numbers ("… Euros and Quatre-Vingts Cents") when the currency labels or the
connecting word are not translated; num2words knows the currency forms and
the grammar of each language. Pure Python: no ORM here."""

from num2words import CONVERTER_CLASSES


def _converter(lang_code):
    """num2words' converter for an Odoo language code (fr_FR, fr_BE, en_US)."""
    return CONVERTER_CLASSES.get(lang_code) or CONVERTER_CLASSES.get(
        lang_code.split("_")[0]
    )


def amount_in_words(amount, currency_code, lang_code):
    """``amount`` of ``currency_code`` in words in ``lang_code``, capitalised;
    None when num2words does not know that currency in that language (the
    caller falls back to Odoo's own text). No cents are spoken when there are
    none ("quarante euros", not "… et zéro centimes")."""
    converter = _converter(lang_code)
    if converter is None:
        return None
    amount = round(amount, 2)
    try:
        if amount == int(amount):
            forms = converter.CURRENCY_FORMS[currency_code][0]
            words = (
                f"{converter.to_cardinal(int(amount))} "
                f"{converter.pluralize(int(amount), forms)}"
            )
        else:
            words = converter.to_currency(amount, currency=currency_code)
    except (KeyError, NotImplementedError):
        return None
    return words[:1].upper() + words[1:]
