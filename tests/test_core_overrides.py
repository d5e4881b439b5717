import inspect

from odoo.tests import TransactionCase, tagged

from odoo.addons.base.models import ir_actions_report, ir_qweb

# The methods of base's models that models/ir_actions_report.py and
# models/ir_qweb.py override or call, with the parameters they pass.
CORE_METHODS = {
    ("ir.actions.report", ir_actions_report): {
        "retrieve_attachment": ["self", "record"],
        "get_wkhtmltopdf_state": ["self"],
        "_get_report_url": ["self", "layout"],
        "_build_wkhtmltopdf_args": [
            "self",
            "paperformat_id",
            "landscape",
            "specific_paperformat_args",
            "set_viewport_size",
        ],
        "_prepare_html": ["self", "html", "report_model"],
        "_render_qweb_pdf_prepare_streams": ["self", "report_ref", "data", "res_ids"],
        "_prepare_pdf_report_attachment_vals_list": ["self", "report", "streams"],
        "_render_qweb_pdf": ["self", "report_ref", "res_ids", "data"],
        "_render_qweb_html": ["self", "report_ref", "docids", "data"],
    },
    ("ir.qweb", ir_qweb): {
        "_compile": ["self", "template"],
        "_get_template_cache_keys": ["self"],
    },
}


@tagged("post_install", "-at_install")
class TestCoreOverrides(TransactionCase):
    """The report and QWeb overrides lean on base's private methods: when
    Odoo changes one of them, this test names it, before the letter and
    email tests fail in a less readable way."""

    def test_core_methods_keep_their_parameters(self):
        for (model, module), methods in CORE_METHODS.items():
            [core] = [
                cls
                for cls in vars(module).values()
                if isinstance(cls, type) and getattr(cls, "_name", None) == model
            ]
            for name, parameters in methods.items():
                with self.subTest(model=model, method=name):
                    self.assertIn(name, vars(core), f"{model}.{name} is gone")
                    self.assertEqual(
                        list(inspect.signature(vars(core)[name]).parameters),
                        parameters,
                    )

    def test_prepare_html_gives_bodies_header_footer_and_paper_args(self):
        """What ``_credit_prepare_run`` unpacks from ``_prepare_html``."""
        report = self.env.ref("credit_collection.action_report_credit_notice")
        html = (
            '<html><head></head><body><main><div class="header">H</div>'
            '<div class="article" data-oe-model="credit.notice" data-oe-id="1">'
            'B</div><div class="footer">F</div></main></body></html>'
        )
        bodies, ids, header, footer, paper_args = report._prepare_html(
            html, report_model="credit.notice"
        )
        self.assertEqual(len(bodies), 1)
        self.assertIn("B", bodies[0])
        self.assertEqual(ids, [1])
        self.assertIn("H", header)
        self.assertIn("F", footer)
        self.assertIsInstance(paper_args, dict)
        self.assertIsInstance(self.env["ir.qweb"]._get_template_cache_keys(), list)
