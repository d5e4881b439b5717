/** @odoo-module **/

import { registry } from "@web/core/registry";

/**
 * A step that loads another page: Odoo 19's tours must be told so
 * (expectUnloadPage), Odoo 18's refuse the key. Called when a tour starts,
 * once the tour service (19's is "@web_tour/js/tour_service") is loaded.
 */
function loadsPage(step) {
    return odoo.loader.modules.has("@web_tour/js/tour_service")
        ? { ...step, expectUnloadPage: true }
        : step;
}

function inDays(days) {
    return new Date(Date.now() + days * 86400000).toISOString().slice(0, 10);
}

registry.category("web_tour.tours").add("credit_portal_promise", {
    url: "/my",
    steps: () => [
        {
            content: "The portal home shows the amounts due",
            trigger: ".o_credit_due_amount:contains('overdue')",
        },
        loadsPage({
            content: "Open the payments due",
            trigger: "a[href='/my/credit']",
            run: "click",
        }),
        {
            content: "Open the promise form",
            trigger: ".o_credit_promise_toggle",
            run: "click",
        },
        {
            content: "Choose the first invoice",
            trigger: ".o_credit_promise_form input[name='invoice_ids']:first",
            run: "click",
        },
        {
            content: "Promise a date",
            trigger: ".o_credit_promise_form input[name='promise_date']",
            run() {
                this.anchor.value = inDays(10);
            },
        },
        {
            content: "Promise an amount",
            trigger: ".o_credit_promise_form input[name='amount']",
            run: "edit 100",
        },
        loadsPage({
            content: "Send the promise",
            trigger: ".o_credit_promise_submit",
            run: "click",
        }),
        {
            content: "The promise is recorded",
            trigger: ".o_credit_success",
        },
    ],
});

registry.category("web_tour.tours").add("credit_portal_dispute", {
    url: "/my/credit",
    steps: () => [
        {
            content: "Open the dispute form",
            trigger: ".o_credit_dispute_toggle",
            run: "click",
        },
        {
            content: "Choose the reason",
            trigger: ".o_credit_dispute_form select[name='reason']",
            run: "select quality",
        },
        {
            content: "Explain",
            trigger: ".o_credit_dispute_form textarea[name='message']",
            run: "edit The goods arrived damaged.",
        },
        loadsPage({
            content: "Send the dispute",
            trigger: ".o_credit_dispute_submit",
            run: "click",
        }),
        {
            content: "The dispute is recorded",
            trigger: ".o_credit_success",
        },
        {
            content: "The invoice shows as disputed",
            trigger: ".o_credit_invoices .badge",
        },
    ],
});

registry.category("web_tour.tours").add("credit_portal_plan", {
    url: "/my/credit",
    steps: () => [
        {
            content: "Open the plan request form",
            trigger: ".o_credit_plan_toggle",
            run: "click",
        },
        {
            content: "Choose the first invoice",
            trigger: ".o_credit_plan_form input[name='invoice_ids']:first",
            run: "click",
        },
        {
            content: "Ask for three installments",
            trigger: ".o_credit_plan_form input[name='installments']",
            run: "edit 3",
        },
        loadsPage({
            content: "Send the request",
            trigger: ".o_credit_plan_submit",
            run: "click",
        }),
        {
            content: "The plan is approved",
            trigger: ".o_credit_success",
        },
    ],
});

registry.category("web_tour.tours").add("credit_portal_pay_from_email", {
    steps: () => [
        {
            content: "The reminder page lists what is due",
            trigger: ".o_credit_invoices",
        },
        loadsPage({
            content: "Pay now",
            trigger: ".o_credit_pay_now:first",
            run: "click",
        }),
        {
            content: "The invoice page offers the online payment",
            trigger: "a[data-bs-target='#pay_with']",
        },
        {
            content: "Let the invoice page finish loading its chatter",
            trigger: "#chatterRoot:shadow .o-mail-Chatter",
        },
    ],
});
