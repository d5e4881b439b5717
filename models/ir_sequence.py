from odoo import api, models
from odoo.tools import SQL


class IrSequence(models.Model):
    _inherit = "ir.sequence"

    @api.model
    def _credit_next_by_code_batch(self, code, company, count):
        """``count`` numbers of the sequence ``code`` of ``company`` at once:
        one query for a standard sequence instead of one call per number
        (notice numbers of a run, customer numbers of a backlog)."""
        sequence = self.sudo().search(
            [("code", "=", code), ("company_id", "in", [company.id, False])],
            order="company_id",
            limit=1,
        )
        if (
            not sequence
            or sequence.implementation != "standard"
            or (sequence.use_date_range)
        ):
            return [
                self.with_company(company).next_by_code(code) or "/"
                for _index in range(count)
            ]
        self.env.flush_all()
        numbers = self.env.execute_query(
            SQL(
                "SELECT nextval(%s) FROM generate_series(1, %s)",
                f"ir_sequence_{sequence.id:03d}",
                count,
            )
        )
        prefix, suffix = sequence._get_prefix_suffix()
        return [
            f"{prefix}{number:0{sequence.padding}d}{suffix}" for (number,) in numbers
        ]
