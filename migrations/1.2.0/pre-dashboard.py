def migrate(cr, version):
    """The dashboard's stored cards and buckets are gone (a client action
    computes its figures): drop their tables and their selection values,
    which Odoo cannot clean up once the models have left the registry."""
    models = ("credit.collection.dashboard", "credit.collection.dashboard.bucket")
    cr.execute(
        """
        DELETE FROM ir_model_data
         WHERE model = 'ir.model.fields.selection'
           AND res_id IN (SELECT s.id FROM ir_model_fields_selection s
                            JOIN ir_model_fields f ON f.id = s.field_id
                           WHERE f.model IN %s)
        """,
        (models,),
    )
    cr.execute(
        """
        DELETE FROM ir_model_fields_selection
         WHERE field_id IN (SELECT id FROM ir_model_fields WHERE model IN %s)
        """,
        (models,),
    )
    cr.execute("DROP TABLE IF EXISTS credit_collection_dashboard_bucket CASCADE")
    cr.execute("DROP TABLE IF EXISTS credit_collection_dashboard CASCADE")
