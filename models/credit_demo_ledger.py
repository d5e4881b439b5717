from datetime import timedelta

from odoo import api, fields, models

from ..compat import run_registry_loaded_calls, when_registry_loaded
from ..tools import late_interest

# Days overdue today (negative: not yet due), amount before tax, settlement.
# Settlement: None (open), ("paid", days after due), ("partial", share, days
# after due) or ("refund", None) for an open credit note.
DEMO_LEDGER = {
    "partner_boulangerie_martin_demo": [
        (150, 1800, ("paid", -2)),
        (90, 2100, ("paid", 0)),
        (30, 1950, ("paid", -1)),
        (-12, 2300, None),
    ],
    "partner_pharmacie_parc_demo": [
        (120, 950, ("paid", -5)),
        (60, 1100, ("paid", -3)),
        (-20, 1250, None),
    ],
    "partner_librairie_girard_demo": [
        (100, 640, ("paid", 1)),
        (40, 720, ("paid", 0)),
        (5, 580, None),
        (-8, 610, None),
    ],
    "partner_transports_garnier_demo": [
        (130, 4200, ("paid", 12)),
        (70, 3900, ("paid", 4)),
        (20, 4500, None),
        (-5, 4100, None),
    ],
    "partner_cabinet_laurent_demo": [
        (110, 3200, ("paid", 9)),
        (5, 2800, None),
        (-15, 3000, None),
    ],
    "partner_garage_mercier_demo": [
        (95, 1500, ("paid", 15)),
        (20, 1350, None),
        (-3, 1420, None),
    ],
    "partner_menuiserie_dubois_demo": [
        (200, 2600, ("paid", 48)),
        (120, 2400, None),
        (75, 2750, None),
        (45, 2300, None),
        (5, 2500, None),
    ],
    "partner_btp_fontaine_demo": [
        (180, 15800, ("paid", 62)),
        (120, 18400, None),
        (45, 12600, ("partial", 0.3, 30)),
    ],
    "partner_hotel_alpes_demo": [
        (160, 3400, ("paid", 35)),
        (75, 3650, None),
        (20, 3100, None),
        (10, 400, ("refund", None)),
    ],
    "partner_brasserie_lambert_demo": [
        (120, 5900, None),
        (75, 2100, None),
    ],
    "partner_imprimerie_roux_demo": [
        (90, 6000, ("partial", 0.5, 20)),
        (45, 4800, ("partial", 0.25, 10)),
        (-10, 3500, None),
    ],
    "partner_ghra_demo": [
        (140, 42000, ("paid", 21)),
        (45, 38500, ("paid", 30)),
        (20, 36000, None),
        (5, 51000, None),
        (-25, 47000, None),
    ],
    "partner_atelier_lefevre_demo": [
        (100, 2000, ("paid", 3)),
        (45, 7800, None),
    ],
    "partner_epicerie_rousseau_demo": [
        (80, 350, ("paid", 8)),
        (20, 480, None),
    ],
    "partner_julien_moreau_demo": [
        (70, 410, ("paid", 2)),
        (20, 290, None),
    ],
    "partner_claire_bernard_demo": [
        (75, 1200, ("partial", 0.4, 10)),
    ],
    "partner_hudson_retail_demo": [
        (45, 9800, None),
        (-14, 7200, None),
    ],
}
FOREIGN_CURRENCY_PARTNERS = {"partner_hudson_retail_demo": "base.USD"}
COLLECTED_BY_CONTROLLER = (
    "partner_menuiserie_dubois_demo",
    "partner_btp_fontaine_demo",
    "partner_hotel_alpes_demo",
    "partner_brasserie_lambert_demo",
    "partner_imprimerie_roux_demo",
    "partner_atelier_lefevre_demo",
)
PAYMENT_TERM_DAYS = 30
# Days of history the demo replays through the engine, up to the install day.
REPLAY_DAYS = 90
DEMO_SCENARIOS = {
    "scenario_gentle": (
        "partner_boulangerie_martin_demo",
        "partner_pharmacie_parc_demo",
        "partner_librairie_girard_demo",
        "partner_ghra_demo",
    ),
    "scenario_firm": (
        "partner_menuiserie_dubois_demo",
        "partner_btp_fontaine_demo",
        "partner_hotel_alpes_demo",
    ),
    "scenario_consumer": (
        "partner_julien_moreau_demo",
        "partner_claire_bernard_demo",
    ),
}


class CreditDemoLedger(models.AbstractModel):
    """Builds the demo company's receivable ledger relative to the day the
    demo data is installed, so that overdue ages always look the same."""

    _name = "credit.demo.ledger"
    _description = "Credit & Collections Demo Ledger"

    def _register_hook(self):
        super()._register_hook()
        run_registry_loaded_calls(self.env)

    @api.model
    @when_registry_loaded
    def _load_chart_of_accounts(self, company_id):
        company = self.env["res.company"].browse(company_id)
        if company.chart_template:
            return
        french_chart = self.env["ir.module.module"].search_count(
            [("name", "=", "l10n_fr_account"), ("state", "=", "installed")]
        )
        template = "fr" if french_chart else "generic_coa"
        currency = company.currency_id
        self.env["account.chart.template"].try_loading(template, company)
        # The generic chart switches the company to US dollars.
        company.currency_id = currency

    @api.model
    @when_registry_loaded
    def _credit_demo_insurance_alerts(self):
        """The to-dos of the declarations due, as the daily action gives
        them: after the ledger, which 19.0 builds once the registry is
        loaded."""
        self.env["credit.insurance.deadline"]._cron_declaration_alerts()

    @api.model
    @when_registry_loaded
    def _create_demo_ledger(self, company_id):
        """The invoices and the payments made before the replayed days; the
        replay (credit.demo.replay) receives the later payments on their
        day."""
        company = self.env["res.company"].browse(company_id)
        env_company = self.with_company(company).with_context(
            allowed_company_ids=company.ids, tracking_disable=True
        )
        today = fields.Date.context_today(self)
        replay_from = today - timedelta(days=REPLAY_DAYS)
        specs = self._credit_demo_specs(company, today)
        # Post in date order: invoice numbers then follow the calendar.
        specs.sort(key=lambda spec: spec[2])
        env_company._create_demo_moves(company, specs, replay_from)
        for scenario_xmlid, partner_xmlids in DEMO_SCENARIOS.items():
            scenario = self.env.ref(f"credit_collection.{scenario_xmlid}")
            for partner_xmlid in partner_xmlids:
                partner = self.env.ref(f"credit_collection.{partner_xmlid}")
                partner.with_company(company).credit_scenario_id = scenario
        controller = self.env.ref("credit_collection.user_credit_controller_demo")
        for partner_xmlid in COLLECTED_BY_CONTROLLER:
            partner = self.env.ref(f"credit_collection.{partner_xmlid}")
            partner.with_company(company).credit_collector_id = controller

    @api.model
    def _credit_demo_specs(self, company, today):
        """The ledger's invoices as (customer, currency, due date, amount,
        settlement), due dates counted back from ``today``."""
        specs = []
        for partner_xmlid, invoices in DEMO_LEDGER.items():
            partner = self.env.ref(f"credit_collection.{partner_xmlid}")
            currency_xmlid = FOREIGN_CURRENCY_PARTNERS.get(partner_xmlid)
            currency = (
                self.env.ref(currency_xmlid) if currency_xmlid else company.currency_id
            )
            for days_overdue, amount, settlement in invoices:
                due_date = today - timedelta(days=days_overdue)
                specs.append((partner, currency, due_date, amount, settlement))
        return specs

    def _create_demo_moves(self, company, specs, replay_from):
        Move = self.env["account.move"]
        sale_tax = company.account_sale_tax_id
        bank_journal = self.env["account.journal"].search(
            [
                *self.env["account.journal"]._check_company_domain(company),
                ("type", "=", "bank"),
            ],
            limit=1,
        )
        self._set_outstanding_receipts_account(bank_journal)
        for partner, currency, due_date, amount, settlement in specs:
            is_refund = settlement and settlement[0] == "refund"
            invoice_date = due_date - timedelta(
                days=0 if is_refund else PAYMENT_TERM_DAYS
            )
            domestic = partner.country_id == company.country_id
            move = Move.create(
                {
                    "move_type": "out_refund" if is_refund else "out_invoice",
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "currency_id": currency.id,
                    "invoice_date": invoice_date,
                    "invoice_date_due": due_date,
                    # No salesperson rather than the installing user (OdooBot),
                    # whom the portal would show as the seller.
                    "invoice_user_id": False,
                    "invoice_line_ids": [
                        fields.Command.create(
                            {
                                "name": "Commercial gesture"
                                if is_refund
                                else "Industrial supplies",
                                "quantity": 1,
                                "price_unit": amount,
                                "tax_ids": [
                                    fields.Command.set(sale_tax.ids if domestic else [])
                                ],
                            }
                        )
                    ],
                }
            )
            move.action_post()
            if settlement and settlement[0] in ("paid", "partial"):
                share = 1.0 if settlement[0] == "paid" else settlement[1]
                payment_date = due_date + timedelta(days=settlement[-1])
                if payment_date < replay_from:
                    self._credit_demo_pay(
                        move, currency.round(move.amount_total * share), payment_date
                    )

    def _credit_demo_pay(self, move, amount, payment_date):
        """A payment received in the demo company's bank journal."""
        company = move.company_id
        bank_journal = self.env["account.journal"].search(
            [
                *self.env["account.journal"]._check_company_domain(company),
                ("type", "=", "bank"),
            ],
            limit=1,
        )
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=move.ids
        ).create(
            {
                "payment_date": payment_date,
                "journal_id": bank_journal.id,
                "amount": amount,
            }
        )._create_payments()

    def _set_outstanding_receipts_account(self, bank_journal):
        """Payments only reach the ledger (and reduce the invoices' residual)
        when the journal books them on an outstanding receipts account."""
        Account = self.env["account.account"]
        company = bank_journal.company_id
        account = Account.search(
            [*Account._check_company_domain(company), ("code", "=like", "5112%")],
            limit=1,
        )
        if not account:
            account = Account.create(
                {
                    "name": "Outstanding Receipts",
                    "code": "511200",
                    "account_type": "asset_current",
                    "reconcile": True,
                    "company_ids": company.ids,
                }
            )
        bank_journal.inbound_payment_method_line_ids.payment_account_id = account

    @api.model
    def _credit_demo_fill_rates(self, company_id):
        """The reference rates of the last year that the delivered data does
        not have yet (written before they were published): the demo company
        gets the latest known value, noted as a demo figure, so that its
        letters state their interest whatever the day of the install."""
        company = self.env["res.company"].browse(company_id)
        Rate = self.env["credit.interest.rate"]
        table = Rate._get_rate_table(company)
        today = fields.Date.context_today(self.with_company(company))
        values = []
        for rate_type in late_interest.RATE_TYPES:
            period = late_interest.half_year_start(today - timedelta(days=366))
            while period <= today:
                latest = table.latest(rate_type, period)
                if not table.has(rate_type, period) and latest is not None:
                    values.append(
                        {
                            "rate_type": rate_type,
                            "date_from": period,
                            "rate": float(latest),
                            "company_id": company.id,
                            "note": "Demo figure: replace it by the published rate.",
                        }
                    )
                period = late_interest.next_half_year_start(period)
        Rate.create(values)
