from datetime import date

from freezegun import freeze_time

from odoo.fields import Command
from odoo.tests import new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from ..compat import GROUPS_FIELD

# Odoo's report engine and ours both log wkhtmltopdf's notes as warnings.
REPORT_LOGGERS = (
    "odoo.addons.base.models.ir_actions_report",
    "odoo.addons.credit_collection.models.ir_actions_report",
)


def load_french(env):
    """Activate French with the addon's own translations (i18n/fr.po), as
    installing the language does on a real database: the test database is
    installed in English."""
    env["res.lang"]._activate_lang("fr_FR")
    env["ir.module.module"]._load_module_terms(["credit_collection"], ["fr_FR"])


def run_email_job(notices):
    """The email job (``notices``: the model, in the caller's environment),
    until nothing is pending. Where queue_job is installed its jobs run at
    once, in the test's transaction (``queue_job__no_delay``)."""
    Notice = notices.with_context(queue_job__no_delay=True)
    while Notice._cron_send_pending_emails():
        pass


class CreditCollectionCommon(AccountTestInvoicingCommon):
    """A company with a deterministic four-step scenario and helpers to
    create invoices due on a given day and to run the dunning engine on a
    given day, as the scheduled action does."""

    @classmethod
    def get_default_groups(cls):
        """The test user also sells (orders are confirmed through the credit
        check), as Odoo 18's default user does and 19's no longer does."""
        return super().get_default_groups() | cls.env.ref(
            "sales_team.group_sale_salesman_all_leads"
        )

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.collector = cls.env["res.users"].create(
            {
                "name": "Colette Collector",
                "login": "colette",
                "email": "colette@example.com",
                "company_id": cls.company.id,
                "company_ids": [Command.set(cls.company.ids)],
                GROUPS_FIELD: [
                    Command.set(
                        [
                            cls.env.ref("base.group_user").id,
                            cls.env.ref("credit_collection.group_credit_controller").id,
                        ]
                    )
                ],
            }
        )
        cls.scenario = cls.env["credit.dunning.scenario"].create(
            {
                "name": "Test scenario",
                "company_id": cls.company.id,
                "send_window": "always",
                "level_ids": [
                    Command.create(cls._level("Courtesy", -5, "courtesy")),
                    Command.create(cls._level("First", 7, "reminder")),
                    Command.create(
                        dict(cls._level("Second", 20, "second"), create_activity=True)
                    ),
                    Command.create(
                        dict(
                            cls._level("Formal", 35, "formal"),
                            is_formal_notice=True,
                            validation_required=True,
                            print_letter=True,
                        )
                    ),
                ],
            }
        )
        cls.level_courtesy, cls.level_first, cls.level_second, cls.level_formal = (
            cls.scenario.level_ids.sorted("days_offset")
        )
        cls.company.credit_default_scenario_id = cls.scenario
        # Signs the letters and makes the calls of customers without collector.
        cls.company.credit_fallback_user_id = cls.collector
        cls.customer = cls._customer("Dupont Industries")

    @classmethod
    def _level(cls, name, offset, template):
        return {
            "name": name,
            "days_offset": offset,
            "email_template_id": cls.env.ref(
                f"credit_collection.mail_template_notice_{template}"
            ).id,
        }

    @classmethod
    def _customer(cls, name, company=None, **values):
        """A company customer with an invoicing contact that gets reminders."""
        customer = cls.env["res.partner"].create(
            dict(
                {
                    "name": name,
                    "is_company": True,
                    "email": f"{name.split()[0].lower()}@example.com",
                    "company_id": (company or cls.company).id,
                },
                **values,
            )
        )
        cls.env["res.partner"].create(
            {
                "name": f"Accounts payable {name}",
                "type": "invoice",
                "parent_id": customer.id,
                "email": f"ap.{name.split()[0].lower()}@example.com",
            }
        )
        return customer

    @classmethod
    def make_portal_user(cls, customer, login, contact_name=None, lang=None):
        """A portal login (password = login) for a new contact of
        ``customer`` in the test company."""
        extra = {"lang": lang} if lang else {}
        contact = cls.env["res.partner"].create(
            {
                "name": contact_name or f"{login} contact",
                "parent_id": customer.id,
                **extra,
            }
        )
        return new_test_user(
            cls.env,
            login=login,
            name=contact.name,
            groups="base.group_portal",
            partner_id=contact.id,
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
            **extra,
        )

    @classmethod
    def make_invoice(
        cls,
        partner,
        amount,
        due,
        company=None,
        post=True,
        move_type="out_invoice",
        currency=None,
    ):
        """A posted customer invoice (or ``move_type``) of ``amount`` (no
        tax) due on ``due``, in the company's currency unless ``currency``."""
        company = company or cls.company
        due = date.fromisoformat(due) if isinstance(due, str) else due
        move = (
            cls.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": move_type,
                    "partner_id": partner.id,
                    "invoice_date": due.replace(day=1),
                    "invoice_date_due": due,
                    **({"currency_id": currency.id} if currency else {}),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Goods",
                                "quantity": 1,
                                "price_unit": amount,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )
        if post:
            move.action_post()
        return move

    @classmethod
    def make_notice(cls, level, on, invoice, state="sent", **values):
        """A notice of ``level`` for one invoice, dated ``on`` and in
        ``state``, made directly rather than by a run: for figures that need
        notices at chosen dates."""
        return cls.env["credit.notice"].create(
            {
                "partner_id": invoice.commercial_partner_id.id,
                "company_id": invoice.company_id.id,
                "scenario_id": level.scenario_id.id,
                "level_id": level.id,
                "date": on,
                "state": state,
                **values,
                "line_ids": [
                    Command.create(
                        {
                            "move_id": invoice.id,
                            "date_due": invoice.invoice_date_due,
                            "amount_residual": invoice.amount_residual,
                        }
                    )
                ],
            }
        )

    @classmethod
    def pay(cls, invoice, amount=None, on=None):
        wizard = (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create(
                {
                    "payment_date": on or invoice.invoice_date_due,
                    **({"amount": amount} if amount else {}),
                }
            )
        )
        return wizard._create_payments()

    def run_dunning(self, day, company=None, send_pending=True):
        """Run the engine on ``day`` for one company, batch after batch as
        the scheduled action would, then (unless told not to) the email job
        it triggers, and return that day's notices."""
        company = company or self.company
        with freeze_time(day):
            run = (
                self.env["credit.dunning.run"]
                .sudo()
                .create({"company_id": company.id, "date": day})
            )
            while run.state == "running":
                run._credit_process_batch()
            if send_pending:
                self.send_pending_emails()
        return self.notices(company=company, on=day)

    def notice_mails(self, notice):
        """The emails of ``notice`` to the customer, oldest first (not the
        notifications of its activities to the collector)."""
        return self.env["mail.mail"].search(
            [
                ("model", "=", "credit.notice"),
                ("res_id", "=", notice.id),
                ("message_type", "!=", "user_notification"),
            ],
            order="id",
        )

    def send_pending_emails(self):
        """The email job the run triggers, until nothing is pending."""
        run_email_job(self.env["credit.notice"].sudo())

    def notices(self, partner=None, company=None, on=None):
        domain = [("company_id", "=", (company or self.company).id)]
        if partner:
            domain.append(("partner_id", "=", partner.id))
        if on:
            domain.append(("date", "=", on))
        return self.env["credit.notice"].search(domain)
