"""French company numbers (SIREN, SIRET): parsing and checks, no ORM.

The SIRET (14 digits) is the SIREN (9 digits) followed by the establishment's
number; Odoo keeps either in ``company_registry``, ``l10n_fr`` a ``siret``.
"""

import re

from stdnum.fr import siren as fr_siren
from stdnum.fr import siret as fr_siret
from stdnum.fr import tva as fr_tva


def registry_numbers(siret_number, registry, vat=None):
    """The (SIREN, SIRET) of a company, "" where unknown: the ``siret``
    field wins over the company registry; punctuation is ignored. Without
    either, a valid French VAT number still gives the SIREN: it is "FR",
    a two-digit key and the SIREN."""
    digits = re.sub(r"\D", "", siret_number or registry or "")
    if len(digits) < 9 and fr_tva.is_valid(vat or ""):
        # the key's two characters, then the SIREN (Monaco's are not)
        siren_part = fr_tva.compact(vat)[2:]
        digits = siren_part if fr_siren.is_valid(siren_part) else ""
    return (
        digits[:9] if len(digits) >= 9 else "",
        digits if len(digits) == 14 else "",
    )


def partner_numbers(partner):
    """:func:`registry_numbers` of a ``res.partner`` or ``res.company``
    (``siret`` exists only with the French localisation installed)."""
    number = partner["siret"] if "siret" in partner._fields else False
    return registry_numbers(number, partner.company_registry, partner.vat)


def is_valid(number):
    """Whether ``number`` is a valid SIREN (9 digits) or SIRET (14 digits),
    spaces and dots ignored (checksums by python-stdnum)."""
    compact = number.replace(" ", "").replace(".", "")
    if len(compact) == 14:
        return fr_siret.is_valid(compact)
    return len(compact) == 9 and fr_siren.is_valid(compact)
