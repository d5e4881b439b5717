from odoo import models

ONE_DOCUMENT_PER_RUN = (
    "credit_collection.report_credit_notice",
    "credit_collection.report_credit_statement",
)


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _render_qweb_pdf_prepare_streams(self, report_ref, data, res_ids=None):
        """Letters and statements are rendered one document per wkhtmltopdf
        run, then merged: each starts on a new page, each is stored whole on
        its own record (no split on the PDF outline), and batches also work
        with a wkhtmltopdf built on an unpatched Qt, which takes a single
        input document."""
        report = self._get_report(report_ref)
        if (
            report.report_name not in ONE_DOCUMENT_PER_RUN
            or not res_ids
            or len(set(res_ids)) < 2
            or len(res_ids) != len(set(res_ids))
        ):
            return super()._render_qweb_pdf_prepare_streams(
                report_ref, data, res_ids=res_ids
            )
        streams = {}
        for res_id in res_ids:
            streams.update(
                super()._render_qweb_pdf_prepare_streams(
                    report_ref, data, res_ids=[res_id]
                )
            )
        return streams
