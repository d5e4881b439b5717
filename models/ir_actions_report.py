import io
import logging
import os
import subprocess
import tempfile
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

from odoo import models
from odoo.exceptions import UserError
from odoo.http import request

from ..compat import wkhtmltopdf_bin

_logger = logging.getLogger(__name__)

NOTICE_REPORT = "credit_collection.report_credit_notice"
ONE_DOCUMENT_PER_RUN = (
    NOTICE_REPORT,
    "credit_collection.report_credit_statement",
)
# wkhtmltopdf processes run at the same time for a batch of letters: each
# spends much of its time waiting (report.print_delay, assets over HTTP).
DEFAULT_PDF_WORKERS = 4
MAX_PDF_WORKERS = 16


def _run_command(command):
    """Run one wkhtmltopdf process (in a worker thread: no ORM here)."""
    process = subprocess.run(  # the command is built by the report
        command, capture_output=True, encoding="utf-8", check=False
    )
    return process.returncode, process.stderr


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def retrieve_attachment(self, record):
        """The stored letter of a notice is the one bound on it, never a file
        found by its name (anyone who may attach a file to the notice could
        name it so)."""
        if self.report_name == NOTICE_REPORT:
            return record.sudo().letter_attachment_id or None
        return super().retrieve_attachment(record)

    def _render_qweb_pdf(self, report_ref, res_ids=None, data=None):
        content, report_type = super()._render_qweb_pdf(
            report_ref, res_ids=res_ids, data=data
        )
        self.env["ir.attachment"]._credit_note_rendered(
            self._get_report(report_ref), content
        )
        return content, report_type

    def _prepare_pdf_report_attachment_vals_list(self, report, streams):
        """A sent notice printed before its letter was stored gets it stored
        and bound by the engine (internal users only: the portal never
        writes a letter); Odoo does not store notice letters by name."""
        if report.report_name != NOTICE_REPORT:
            return super()._prepare_pdf_report_attachment_vals_list(report, streams)
        if self.env.user.share:
            return []
        notices = (
            self.env["credit.notice"]
            .sudo()
            .browse([res_id for res_id in streams if res_id])
            .filtered(
                lambda notice: notice.state in ("sent", "paid")
                and not notice.letter_attachment_id
                and not streams[notice.id]["attachment"]
                and streams[notice.id]["stream"]
            )
        )
        notices._credit_store_letters(
            {notice.id: streams[notice.id]["stream"].getvalue() for notice in notices}
        )
        return []

    def _render_qweb_pdf_prepare_streams(self, report_ref, data, res_ids=None):
        """Letters and statements are rendered one document per wkhtmltopdf
        run, several runs at a time, then merged: each starts on a new page,
        each is stored whole on its own record (no split on the PDF
        outline), and batches also work with a wkhtmltopdf built on an
        unpatched Qt, which takes a single input document. A letter already
        stored is reprinted as is."""
        report = self._get_report(report_ref)
        if (
            report.report_name not in ONE_DOCUMENT_PER_RUN
            or not res_ids
            or len(set(res_ids)) < 2
            or len(res_ids) != len(set(res_ids))
            # Without wkhtmltopdf, Odoo's own path says so.
            or self.get_wkhtmltopdf_state() == "install"
        ):
            return super()._render_qweb_pdf_prepare_streams(
                report_ref, data, res_ids=res_ids
            )
        use_attachments = report.attachment and not self.env.context.get(
            "report_pdf_no_attachment"
        )
        streams = {}
        to_render = {}
        for record in self.env[report.model].browse(res_ids):
            attachment = use_attachments and report.retrieve_attachment(record)
            if attachment and report.attachment_use:
                # The PDF this report stored when the letter went out.
                streams[record.id] = {
                    "stream": io.BytesIO(attachment.raw),
                    "attachment": attachment,
                }
            else:
                to_render[record.id] = attachment or None
        if to_render:
            pdfs = self._credit_render_documents(report_ref, data, list(to_render))
            for res_id, pdf in zip(to_render, pdfs, strict=True):
                streams[res_id] = {
                    "stream": io.BytesIO(pdf),
                    "attachment": to_render[res_id],
                }
        return OrderedDict((res_id, streams[res_id]) for res_id in res_ids)

    def _credit_pdf_workers(self):
        workers = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("credit_collection.pdf_workers", DEFAULT_PDF_WORKERS)
        )
        try:
            return min(max(int(workers), 1), MAX_PDF_WORKERS)
        except ValueError:
            return DEFAULT_PDF_WORKERS

    def _credit_render_documents(self, report_ref, data, res_ids):
        """PDF of each record of ``res_ids``, one wkhtmltopdf process each,
        up to ``credit_collection.pdf_workers`` at a time. The HTML and the
        command lines are prepared here (ORM); the worker threads only run
        the processes."""
        report = self._get_report(report_ref)
        data = dict(data or {}, report_type="pdf")
        with tempfile.TemporaryDirectory(prefix="credit_letters.") as folder:
            cookie_args = []
            if request and request.db:
                # The session cookie lets wkhtmltopdf load internal links.
                domain = urlparse(self._get_report_url()).hostname
                cookie_path = os.path.join(folder, "cookie_jar.txt")
                with open(cookie_path, "w", encoding="utf-8") as cookie_file:
                    cookie_file.write(
                        f"session_id={request.session.sid}; HttpOnly; "
                        f"domain={domain}; path=/;"
                    )
                cookie_args = ["--cookie-jar", cookie_path]
            commands, outputs = [], []
            for index, res_id in enumerate(res_ids):
                prefix = os.path.join(folder, str(index))
                args, inputs = self._credit_prepare_run(report, data, res_id, prefix)
                outputs.append(f"{prefix}.pdf")
                commands.append(
                    [wkhtmltopdf_bin()] + args + cookie_args + inputs + [outputs[-1]]
                )
            self._credit_check_runs(self._credit_run_processes(commands))
            pdfs = []
            for path in outputs:
                with open(path, "rb") as pdf_file:
                    pdfs.append(pdf_file.read())
        return pdfs

    def _credit_prepare_run(self, report, data, res_id, prefix):
        """Render the HTML of one record and write it next to ``prefix``:
        (wkhtmltopdf options, input file arguments)."""
        report = report.with_context(debug=False)
        html = self.with_context(debug=False)._render_qweb_html(
            report.id, [res_id], data=data
        )[0]
        bodies, _ids, header, footer, paper_args = report._prepare_html(
            html, report_model=report.model
        )
        args = self._build_wkhtmltopdf_args(
            report.get_paperformat(),
            self.env.context.get("landscape"),
            specific_paperformat_args=paper_args,
            set_viewport_size=self.env.context.get("set_viewport_size"),
        )

        def write(name, content):
            path = f"{prefix}.{name}"
            with open(path, "w", encoding="utf-8") as html_file:
                html_file.write(content)
            return path

        inputs = []
        if header:
            inputs += ["--header-html", write("header.html", header)]
        if footer:
            inputs += ["--footer-html", write("footer.html", footer)]
        inputs += [
            write(f"body{number}.html", body) for number, body in enumerate(bodies)
        ]
        return args, inputs

    def _credit_run_processes(self, commands):
        """Run the wkhtmltopdf commands, up to ``pdf_workers`` at a time:
        [(return code, error output)] in the order of ``commands``."""
        workers = min(self._credit_pdf_workers(), len(commands))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(_run_command, commands))

    def _credit_check_runs(self, results):
        """Stop on the first failed wkhtmltopdf run (1 is Odoo's accepted
        "some resource did not load"); log the warnings of the others."""
        for returncode, error in results:
            if returncode not in (0, 1):
                message = self.env._(
                    "Letter not rendered (wkhtmltopdf %(code)s): %(message)s",
                    code=returncode,
                    message=error[-1000:],
                )
                _logger.warning(message)
                raise UserError(message)
            if error:
                _logger.warning("wkhtmltopdf: %s", error)
