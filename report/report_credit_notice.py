import base64
import re

from markupsafe import Markup, escape

from odoo import api, models
from odoo.tools import format_amount, format_date, formatLang, str2bool

from ..tools import amount_words, late_interest, siren
from ..tools.overdue import shown_days_overdue

PLACEHOLDER_RE = re.compile(r"\{(\w+)\}")


class ReportCreditNotice(models.AbstractModel):
    """Values of the dunning letter (interest and indemnity per invoice,
    totals and amount in words, payment block, legal mentions), computed in
    Python once per notice and in the letter's language, so that the QWeb
    template only lays them out."""

    _name = "report.credit_collection.report_credit_notice"
    _description = "Dunning Letter"

    @api.model
    def _get_report_values(self, docids, data=None):
        notices = self.env["credit.notice"].browse(docids)
        return {
            "doc_ids": docids,
            "doc_model": "credit.notice",
            "docs": notices,
            "letters": {notice.id: self._letter_values(notice) for notice in notices},
        }

    # ------------------------------------------------------------------
    # Letter values
    # ------------------------------------------------------------------

    @api.model
    def _letter_lang(self, notice):
        """The customer's language when it is installed, else the user's."""
        lang = notice.contact_id.lang or notice.partner_id.lang
        if lang and self.env["res.lang"]._get_data(code=lang).active:
            return lang
        return self.env.lang or "en_US"

    @api.model
    def _letter_values(self, notice):
        lang = self._letter_lang(notice)
        return self.with_context(lang=lang)._letter_values_in_lang(
            notice.with_context(lang=lang), lang
        )

    @api.model
    def _letter_values_in_lang(self, notice, lang):
        company = notice.company_id
        currency = notice.currency_id
        values = self._letter_amounts(notice)
        values.update(
            self._letterhead_values(
                company,
                notice.partner_id._credit_invoice_address(),
                notice.date,
                notice.partner_id,
            )
        )
        values.update(
            lang=lang,
            letter_type=notice.level_id.letter_type or "first",
            amount_in_words=amount_words.amount_in_words(
                values["total_due"], currency.name, lang
            )
            or currency.with_context(lang=lang).amount_to_text(values["total_due"]),
            is_business=notice.partner_id._credit_get_debtor_type() == "business",
            bank=self._letter_bank_account(company),
            payment_reference=notice.name,
            pay_url=False,
            pay_qr=False,
            transfer_qr=False,
            # What was sent before, for these invoices: the letter's text
            # refers to earlier steps only when they happened, and lists them.
            previous_notices=notice.previous_notice_ids,
            reminder_count=notice.previous_reminder_count,
            formal_notice=notice.previous_formal_notice_id,
        )
        values.update(self._legal_mention_values(notice))
        if self._online_payment_enabled(company):
            url = notice.get_base_url() + notice.get_portal_url()
            values["pay_url"] = url
            values["pay_qr"] = self._qr_data_uri(url)
        if values["bank"]:
            values["transfer_qr"] = values["bank"].build_qr_code_base64(
                values["total_due"],
                notice.name,
                None,
                currency,
                notice.partner_id.commercial_partner_id,
            )
        values["body"] = self._render_body(notice, values)
        return values

    @api.model
    def _letter_amounts(self, notice):
        """Rows of the invoice table and totals, in the notice's currency.
        Interest and indemnity only when the scenario claims them, and their
        columns only when they are not zero; what was already invoiced is
        left out. A missing reference rate stops the letter (a UserError
        naming the half-year): it never states a wrong amount."""
        company = notice.company_id
        currency = notice.currency_id
        scenario = notice.scenario_id
        lines = notice.line_ids
        moves = lines.move_id
        claims_interest = bool(scenario) and scenario.interest_policy != "none"
        claims_indemnity = bool(scenario) and scenario.apply_recovery_indemnity
        interests, indemnities, previous = {}, {}, {}
        if claims_interest or claims_indemnity:
            previous = self.env["credit.interest.charge"]._credit_get_previous(moves)
        if claims_interest:
            charged_until = {
                move_id: date_to
                for move_id, (date_to, _) in previous.items()
                if date_to
            }
            interests = moves._credit_late_interest(
                notice.date, scenario=scenario, charged_until=charged_until
            )
        if claims_indemnity:
            indemnities = moves._credit_recovery_indemnity(
                scenario, as_of_date=notice.date
            )

        def to_notice_currency(move, amount):
            if not amount or move.currency_id == currency:
                return amount
            return move.currency_id._convert(amount, currency, company, notice.date)

        rows = []
        for line in lines:
            move = line.move_id
            interest = interests.get(move, {}).get("amount", 0.0)
            indemnity = 0.0
            if not previous.get(move.id, (False, False))[1]:
                indemnity = indemnities.get(move, 0.0)
            rows.append(
                {
                    "line": line,
                    "move": move,
                    "days_overdue": shown_days_overdue(line.days_overdue),
                    "amount_total": line.amount_total,
                    "residual": line.amount_residual,
                    "interest": to_notice_currency(move, interest),
                    "indemnity": to_notice_currency(move, indemnity),
                }
            )
        total_residual = currency.round(sum(row["residual"] for row in rows))
        total_interest = currency.round(sum(row["interest"] for row in rows))
        total_indemnity = currency.round(sum(row["indemnity"] for row in rows))
        return {
            "rows": rows,
            "claims_interest": claims_interest,
            "claims_indemnity": claims_indemnity,
            "show_interest": not currency.is_zero(total_interest),
            "show_indemnity": not currency.is_zero(total_indemnity),
            "total_amount": currency.round(sum(row["amount_total"] for row in rows)),
            "total_residual": total_residual,
            "total_interest": total_interest,
            "total_indemnity": total_indemnity,
            "fee": notice.fee_amount,
            "total_due": currency.round(
                total_residual + total_interest + total_indemnity + notice.fee_amount
            ),
        }

    @api.model
    def _legal_mention_values(self, notice):
        """What the legal mentions of a business letter state, only for what
        its scenario claims: the late-payment penalty rate of the letter's
        half-year (Code de commerce L441-10) and the fixed recovery
        indemnity (D441-5)."""
        scenario = notice.scenario_id
        company = notice.company_id
        jurisdiction = scenario.interest_jurisdiction or "FR"
        policy = late_interest.STATUTORY_POLICIES.get((jurisdiction, "business"))
        rate = None
        if scenario.interest_policy == "contractual":
            rate = scenario.interest_contractual_rate
        elif scenario.interest_policy == "statutory" and policy:
            table = self.env["credit.interest.rate"]._get_rate_table(company)
            try:
                rate = float(table.get(policy.rate_type, notice.date) + policy.margin)
            except late_interest.MissingRateError as error:
                self.env["credit.interest.rate"]._raise_missing_rate(error)
        indemnity_currency = (
            scenario.recovery_indemnity_currency_id or company.currency_id
        )
        first_half = notice.date.month <= 6
        return {
            "jurisdiction": jurisdiction,
            "contractual_rate": scenario.interest_policy == "contractual",
            "penalty_rate": rate is not None
            and formatLang(self.env, rate, digits=2) + " %",
            "rate_period": (
                self.env._("first half of %(year)s", year=notice.date.year)
                if first_half
                else self.env._("second half of %(year)s", year=notice.date.year)
            ),
            "penalty_margin": policy and f"{policy.margin.normalize():f}",
            "legal_basis": policy.legal_basis if policy else "",
            "indemnity_text": self._indemnity_text(
                notice, scenario.recovery_indemnity_amount, indemnity_currency
            ),
        }

    @api.model
    def _letterhead_values(self, company, recipient, date, customer):
        """What the head of a letter or statement of ``company`` to
        ``recipient`` on ``date`` states (report_credit_letterhead): the
        company's legal identity, the customer number, place and date."""
        company_siren = siren.partner_numbers(company)[0]
        address = self._postal_address(recipient)
        return {
            "siren": company_siren,
            "siren_text": re.sub(r"(\d{3})(?=\d)", r"\1 ", company_siren),
            "share_capital": company.credit_share_capital
            and format_amount(
                self.env, company.credit_share_capital, company.currency_id
            ),
            "show_company_country": company.country_id != address.country_id,
            "recipient_lines": self._recipient_lines(recipient, company),
            "customer_reference": customer._credit_customer_number(),
            "place_date": self._place_date(company, date),
        }

    @api.model
    def _postal_address(self, recipient):
        """Whose postal address a letter to ``recipient`` prints: the
        contact's, else the customer's invoice address's, else the
        customer's (never a blank block)."""
        commercial = recipient.commercial_partner_id
        return next(
            (
                partner
                for partner in (recipient, commercial._credit_invoice_address())
                if partner.street or partner.city
            ),
            commercial,
        )

    @api.model
    def _recipient_lines(self, recipient, company):
        """The window-envelope block: the customer's name, the contact's, and
        the postal address (``_postal_address``); the country only when it
        is not the sender's (a domestic letter has none)."""
        commercial = recipient.commercial_partner_id
        address = self._postal_address(recipient)
        address_format, args = address._prepare_display_address(without_company=True)
        if address.country_id == company.country_id:
            args["country_name"] = ""
        names = [commercial.name]
        if recipient != commercial and recipient.name:
            names.append(recipient.name)
        lines = (line.strip() for line in (address_format % args).split("\n"))
        return [name for name in names if name] + [line for line in lines if line]

    @api.model
    def _place_date(self, company, date):
        """The place and date line of a letter, in its language."""
        text = format_date(self.env, date, date_format="long")
        if date.day == 1 and (self.env.lang or "").startswith("fr"):
            text = "1er" + text[1:]  # le 1er décembre
        if not company.city:
            return text
        return self.env._("%(city)s, %(date)s", city=company.city, date=text)

    @api.model
    def _indemnity_text(self, notice, amount, indemnity_currency):
        """The fixed indemnity as the law states it (40 euros in France,
        D441-5), followed in a letter of another currency by what the
        letter claims: that amount at the rate of the letter's date."""
        text = format_amount(self.env, amount, indemnity_currency)
        currency = notice.currency_id
        if currency == indemnity_currency:
            return text
        converted = indemnity_currency._convert(
            amount, currency, notice.company_id, notice.date
        )
        return self.env._(
            "%(amount)s (%(converted)s at the rate of %(date)s)",
            amount=text,
            converted=format_amount(self.env, converted, currency),
            date=format_date(self.env, notice.date),
        )

    @api.model
    def _letter_bank_account(self, company):
        """The account customers pay into: the company's first bank journal
        account, else the first account of the company's partner."""
        journal = self.env["account.journal"].search(
            [
                ("company_id", "=", company.id),
                ("type", "=", "bank"),
                ("bank_account_id", "!=", False),
            ],
            limit=1,
        )
        return journal.bank_account_id or company.partner_id.bank_ids[:1]

    @api.model
    def _online_payment_enabled(self, company):
        """Whether the portal offers 'Pay now': the account_payment setting
        and an enabled payment provider of the company."""
        enabled = str2bool(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("account_payment.enable_portal_payment", "False")
        )
        return enabled and bool(
            self.env["payment.provider"]
            .sudo()
            .search_count(
                [("state", "in", ("enabled", "test")), ("company_id", "=", company.id)],
                limit=1,
            )
        )

    @api.model
    def _qr_data_uri(self, value):
        png = self.env["ir.actions.report"].barcode(
            "QR", value, width=180, height=180, quiet=False
        )
        return "data:image/png;base64," + base64.b64encode(png).decode()

    # ------------------------------------------------------------------
    # Editable text
    # ------------------------------------------------------------------

    @api.model
    def _placeholder_values(self, notice, values):
        """What the placeholders of a level's letter text stand for (see the
        README, section Letters)."""
        currency = notice.currency_id
        env = self.env
        return {
            "partner": notice.partner_id.commercial_partner_id.name,
            "contact": notice.contact_id.name,
            "company": notice.company_id.name,
            "notice": notice.name,
            "date": format_date(env, notice.date),
            "deadline": format_date(env, notice.payment_deadline),
            "amount_due": format_amount(env, values["total_residual"], currency),
            "amount_overdue": format_amount(env, notice.amount_overdue, currency),
            "interest": format_amount(env, values["total_interest"], currency),
            "indemnity": format_amount(env, values["total_indemnity"], currency),
            "fee": format_amount(env, values["fee"], currency),
            "total": format_amount(env, values["total_due"], currency),
            "total_in_words": values["amount_in_words"],
            "days_overdue": str(shown_days_overdue(notice.max_days_overdue)),
            "invoice_count": str(len(values["rows"])),
            "registered_letter": notice.registered_letter_number or "",
        }

    @api.model
    def _render_body(self, notice, values):
        """The level's letter text with its placeholders filled in: the text
        is sanitized HTML and every value is escaped, so a customer name
        cannot inject markup; an unknown placeholder is left as typed."""
        body = notice.level_id.letter_body
        if not body or not Markup(body).striptags().strip():
            return False
        placeholders = self._placeholder_values(notice, values)

        def replace(match):
            name = match.group(1)
            if name not in placeholders:
                return match.group(0)
            return str(escape(placeholders[name]))

        return Markup(PLACEHOLDER_RE.sub(replace, str(body)))
