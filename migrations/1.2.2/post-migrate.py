def migrate(cr, version):
    """The days overdue an expected payment date was computed at moved from
    each invoice (rewritten every day) to the company's day of computation:
    read that day back from the invoices, then drop their column."""
    cr.execute(
        """
        SELECT 1 FROM information_schema.columns
         WHERE table_name = 'account_move'
           AND column_name = 'credit_expected_overdue'
        """
    )
    if not cr.fetchone():
        return
    cr.execute(
        """
        UPDATE res_company company
           SET credit_expected_computed_on = computed.day
          FROM (SELECT company_id,
                       MAX(COALESCE(invoice_date_due, date)
                           + credit_expected_overdue) AS day
                  FROM account_move
                 WHERE credit_expected_basis IS NOT NULL
              GROUP BY company_id) AS computed
         WHERE company.id = computed.company_id
        """
    )
    cr.execute("ALTER TABLE account_move DROP COLUMN credit_expected_overdue")
