def migrate(cr, version):
    """The factors of a risk score moved from their own table into a JSON
    column of the score; the factor model is now a view over that column.
    Copy the factors over, then drop the table so the view can take its
    name."""
    cr.execute("SELECT relkind FROM pg_class WHERE relname = 'credit_risk_score_line'")
    row = cr.fetchone()
    if not row or row[0] != "r":
        return
    cr.execute("ALTER TABLE credit_risk_score ADD COLUMN IF NOT EXISTS factors jsonb")
    cr.execute(
        """
        UPDATE credit_risk_score score
           SET factors = lines.factors
          FROM (
              SELECT score_id,
                     jsonb_agg(
                         jsonb_build_array(code, value, weight, points, trend)
                         ORDER BY id) AS factors
                FROM credit_risk_score_line
            GROUP BY score_id
          ) lines
         WHERE lines.score_id = score.id
        """
    )
    cr.execute("DROP TABLE credit_risk_score_line CASCADE")
