/** @odoo-module **/

import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("credit_collection_dashboard", {
    steps: () => [
        {
            content: "The company card shows its headline numbers",
            trigger: ".o_kanban_record:contains('Total Receivable')",
        },
        {
            content: "Last month's snapshot gives the trend",
            trigger: ".o_kanban_record .fa-arrow-up",
        },
        {
            content: "Open the aging chart",
            trigger: ".o_kanban_record button[name='action_credit_open_aging']",
            run: "click",
        },
        {
            content: "The aged balance by bucket is a chart",
            trigger: ".o_graph_renderer canvas",
        },
        {
            content: "Back to the dashboard",
            trigger: ".o_breadcrumb .o_back_button a, .o_breadcrumb .breadcrumb-item:first a",
            run: "click",
        },
        {
            content: "Open the notices to validate",
            trigger: ".o_kanban_record button[name='action_credit_open_to_validate']",
            run: "click",
        },
        {
            content: "The notice waiting for validation is listed",
            trigger: ".o_list_view .o_data_row:contains('To Validate')",
        },
    ],
});
