import { registry } from "@web/core/registry";

/**
 * The Overview card of a team without tickets nor surveys: its KPIs show a dash,
 * not "00:00" or "0.0", and each acronym is explained in a tooltip.
 */
registry.category("web_tour.tours").add("cskh_dashboard_empty_kpis_tour", {
    steps: () => [
        {
            content: "FRT of a team without answered tickets is a dash",
            trigger: '.o_kanban_record:contains("Đội mới") [name="report_kpis"] a[data-tooltip^="FRT (First Response Time)"] .fw-bold:contains("–")',
        },
        {
            content: "CSAT of the last 7 days is a dash",
            trigger: '.o_kanban_record:contains("Đội mới") [name="report_kpis"] a[data-tooltip^="CSAT (Customer Satisfaction"] .fw-bold:contains("–")',
        },
        {
            content: "NPS and CES of the last 30 days are dashes",
            trigger: '.o_kanban_record:contains("Đội mới") [name="survey_metrics"] a[data-tooltip^="NPS (Net Promoter Score)"] .fw-bold:contains("–")',
        },
        {
            trigger: '.o_kanban_record:contains("Đội mới") [name="survey_metrics"] a[data-tooltip^="CES (Customer Effort Score)"] .fw-bold:contains("–")',
        },
        {
            content: "No empty value is shown as a number",
            trigger: '.o_kanban_record:contains("Đội mới"):not(:has([name="report_kpis"] .fw-bold:contains("00:00")))',
        },
    ],
});
