/** @odoo-module **/

import { Component, onMounted, onWillStart, onWillUnmount, useRef, useState } from "@odoo/owl";
import { loadBundle } from "@web/core/assets";
import { hexToRGBA } from "@web/core/colors/colors";
import { registry } from "@web/core/registry";
import { user } from "@web/core/user";
import { useService } from "@web/core/utils/hooks";

const MODEL = "credit.collection.dashboard";
const AGING_COLORS = ["#2e7d32", "#9ccc65", "#fdd835", "#fb8c00", "#e53935", "#8e0000"];
const OVERDUE_COLOR = "#e53935";
const DSO_COLOR = "#1f6fb2";
const COLLECTED_COLOR = "#2e7d32";

/**
 * The credit manager's dashboard: KPIs that open their lists and five
 * Chart.js charts (Odoo's own bundle; the fifth the 13-week cash-in
 * forecast), all from one call to
 * `get_dashboard_data`, which follows the companies of the switcher
 * (switching reloads the client, so the figures follow).
 */
export class CreditDashboard extends Component {
    static template = "credit_collection.CreditDashboard";
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.state = useState({ data: null });
        this.charts = [];
        this.root = useRef("root");
        onWillStart(async () => {
            const [data] = await Promise.all([
                this.orm.call(MODEL, "get_dashboard_data", []),
                loadBundle("web.chartjs_lib"),
            ]);
            this.state.data = data;
        });
        onMounted(() => this.renderCharts());
        onWillUnmount(() => this.charts.forEach((chart) => chart.destroy()));
    }

    get data() {
        return this.state.data;
    }

    get locale() {
        return (user.lang || "en_US").replace("_", "-");
    }

    formatNumber(value) {
        return new Intl.NumberFormat(this.locale, { maximumFractionDigits: 0 }).format(value);
    }

    formatMoney(value) {
        const { symbol, position, digits } = this.state.data.currency;
        const amount = new Intl.NumberFormat(this.locale, {
            minimumFractionDigits: digits,
            maximumFractionDigits: digits,
        }).format(value);
        return position === "before" ? `${symbol} ${amount}` : `${amount} ${symbol}`;
    }

    trendClass(kpi) {
        return { better: "text-success", worse: "text-danger" }[kpi.trend] || "text-muted";
    }

    async openKpi(kpi) {
        const action = await this.orm.call(MODEL, "action_credit_open_kpi", [kpi.key]);
        await this.action.doAction(action);
    }

    moneyAxis() {
        return {
            beginAtZero: true,
            ticks: { callback: (value) => this.formatNumber(value) },
        };
    }

    moneyTooltip() {
        return {
            callbacks: {
                label: (item) =>
                    `${item.dataset.label || item.label}: ${this.formatMoney(item.raw)}`,
            },
        };
    }

    renderCharts() {
        const { charts } = this.state.data;
        this.draw("aging", {
            type: "bar",
            data: {
                labels: charts.aging.labels,
                datasets: [
                    {
                        label: charts.aging.title,
                        data: charts.aging.values,
                        backgroundColor: AGING_COLORS,
                    },
                ],
            },
            options: {
                plugins: { legend: { display: false }, tooltip: this.moneyTooltip() },
                scales: { y: this.moneyAxis() },
            },
        });
        this.draw("trend", {
            type: "line",
            data: {
                labels: charts.trend.labels,
                datasets: [
                    {
                        label: charts.trend.overdue_label,
                        data: charts.trend.overdue,
                        borderColor: OVERDUE_COLOR,
                        backgroundColor: hexToRGBA(OVERDUE_COLOR, 0.1),
                        fill: true,
                        yAxisID: "y",
                    },
                    {
                        label: charts.trend.dso_label,
                        data: charts.trend.dso,
                        borderColor: DSO_COLOR,
                        backgroundColor: DSO_COLOR,
                        yAxisID: "dso",
                    },
                ],
            },
            options: {
                plugins: {
                    tooltip: {
                        callbacks: {
                            label: (item) =>
                                item.dataset.yAxisID === "dso"
                                    ? `${item.dataset.label}: ${item.raw}`
                                    : `${item.dataset.label}: ${this.formatMoney(item.raw)}`,
                        },
                    },
                },
                scales: {
                    y: { ...this.moneyAxis(), position: "left" },
                    dso: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false } },
                },
            },
        });
        this.draw("recovered", {
            type: "bar",
            data: {
                labels: charts.recovered.labels,
                datasets: [
                    {
                        label: charts.recovered.title,
                        data: charts.recovered.values,
                        backgroundColor: COLLECTED_COLOR,
                    },
                ],
            },
            options: {
                indexAxis: "y",
                plugins: { legend: { display: false }, tooltip: this.moneyTooltip() },
                scales: {
                    x: { ...this.moneyAxis(), display: !charts.recovered.empty },
                    y: { display: !charts.recovered.empty },
                },
            },
        });
        this.draw("collectors", {
            type: "bar",
            data: {
                labels: charts.collectors.labels,
                datasets: [
                    {
                        label: charts.collectors.collected_label,
                        data: charts.collectors.collected,
                        backgroundColor: COLLECTED_COLOR,
                    },
                    {
                        label: charts.collectors.overdue_label,
                        data: charts.collectors.overdue,
                        backgroundColor: OVERDUE_COLOR,
                    },
                ],
            },
            options: {
                plugins: {
                    legend: { display: !charts.collectors.empty },
                    tooltip: this.moneyTooltip(),
                },
                scales: {
                    x: { display: !charts.collectors.empty },
                    y: { ...this.moneyAxis(), display: !charts.collectors.empty },
                },
            },
        });
        this.drawForecast(charts.forecast);
    }

    drawForecast(forecast) {
        this.draw("forecast", {
            type: "bar",
            data: {
                labels: forecast.labels,
                datasets: [
                    {
                        type: "line",
                        label: forecast.high_label,
                        data: forecast.high,
                        borderColor: hexToRGBA(DSO_COLOR, 0.4),
                        backgroundColor: hexToRGBA(DSO_COLOR, 0.12),
                        pointRadius: 0,
                        fill: "+1",
                    },
                    {
                        type: "line",
                        label: forecast.low_label,
                        data: forecast.low,
                        borderColor: hexToRGBA(DSO_COLOR, 0.4),
                        pointRadius: 0,
                        fill: false,
                    },
                    {
                        label: forecast.amount_label,
                        data: forecast.amount,
                        backgroundColor: COLLECTED_COLOR,
                    },
                ],
            },
            options: {
                plugins: { tooltip: this.moneyTooltip() },
                scales: { y: this.moneyAxis() },
            },
        });
    }

    draw(name, config) {
        config.options = { maintainAspectRatio: false, responsive: true, ...config.options };
        const canvas = this.root.el.querySelector(`[data-chart='${name}'] canvas`);
        this.charts.push(new Chart(canvas, config));
    }
}

registry.category("actions").add("credit_collection.dashboard", CreditDashboard);
