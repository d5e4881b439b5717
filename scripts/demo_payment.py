# Demo only (run by scripts/demo.sh in `odoo shell`): "Pay now" on the portal
# of the demo company completes with Odoo's demo payment provider. The
# provider comes from `payment_demo`, which the demo command installs; it is
# never a dependency of the addon (a production database gets no fake one).
env = globals()["env"]  # given by odoo shell
company = env.ref("credit_collection.company_clairval_demo")
Provider = env["payment.provider"]
provider = Provider.search(
    [("code", "=", "demo"), ("company_id", "=", company.id)], limit=1
)
if not provider:
    template = env.ref("payment.payment_provider_demo")
    provider = template.copy({"name": template.name, "company_id": company.id})
    provider.payment_method_ids = template.payment_method_ids
provider.write({"state": "test", "is_published": True})
env["ir.config_parameter"].set_param("account_payment.enable_portal_payment", True)
env.cr.commit()
print(f"demo payment provider {provider.name} enabled for {company.name}")
