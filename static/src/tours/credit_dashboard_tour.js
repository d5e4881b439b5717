/** @odoo-module **/

import { registry } from "@web/core/registry";

const CHARTS = ["aging", "trend", "recovered", "collectors", "forecast"];

registry.category("web_tour.tours").add("credit_collection_dashboard", {
    steps: () => [
        {
            content: "The receivable KPI shows today's total",
            trigger: ".o_credit_dashboard_kpi[data-kpi='receivable']:contains('1,500.00')",
        },
        {
            content: "Last month's snapshot gives the trend",
            trigger: ".o_credit_dashboard_kpi[data-kpi='receivable'] .fa-arrow-up",
        },
        // Chart.js sizes the canvas it draws on.
        ...CHARTS.map((chart) => ({
            content: `The ${chart} chart is drawn`,
            trigger: `.o_credit_dashboard_chart[data-chart='${chart}'] canvas[style*='height']`,
        })),
        {
            content: "Open the notices to validate",
            trigger: ".o_credit_dashboard_kpi[data-kpi='to_validate']:contains('1')",
            run: "click",
        },
        {
            content: "The notice waiting for validation is listed",
            trigger: ".o_list_view .o_data_row:contains('To Validate')",
        },
        {
            content: "Back to the dashboard",
            trigger: ".o_breadcrumb .breadcrumb-item:first a",
            run: "click",
        },
        {
            content: "The charts are drawn again",
            trigger: ".o_credit_dashboard_chart[data-chart='trend'] canvas[style*='height']",
        },
    ],
});
