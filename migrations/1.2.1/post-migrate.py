def migrate(cr, version):
    """The level's single *In Copy* choice (collector, salesperson, both)
    became one box per role: carry each level's choice over, then drop the
    old column. Its "salesperson" was the customer's, now the account
    manager."""
    cr.execute(
        """
        SELECT 1 FROM information_schema.columns
         WHERE table_name = 'credit_dunning_level' AND column_name = 'email_cc'
        """
    )
    if not cr.fetchone():
        return
    cr.execute(
        """
        UPDATE credit_dunning_level
           SET cc_collector = email_cc IN ('collector', 'both'),
               cc_account_manager = email_cc IN ('salesperson', 'both')
         WHERE email_cc IS NOT NULL
        """
    )
    cr.execute("ALTER TABLE credit_dunning_level DROP COLUMN email_cc")
