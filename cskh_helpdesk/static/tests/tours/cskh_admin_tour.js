import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

/**
 * An administrator sets up a new team: alias and members, its stages (an existing
 * one picked from the list, a new one created on the fly), an SLA policy from the
 * team's smart button, then opens the Settings and applies the Retail process template.
 */
registry.category("web_tour.tours").add("cskh_admin_setup_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the Helpdesk app",
            trigger: '.o_app[data-menu-xmlid="cskh_helpdesk.cskh_helpdesk_menu_root"]',
            run: "click",
        },
        {
            content: "Open the configuration menu",
            trigger: 'button[data-menu-xmlid="cskh_helpdesk.cskh_helpdesk_menu_config"]',
            run: "click",
        },
        {
            content: "Open the teams",
            trigger: 'a[data-menu-xmlid="cskh_helpdesk.cskh_team_menu_config"]',
            run: "click",
        },
        {
            content: "Create a team",
            trigger: ".o_list_view .o_list_button_add",
            run: "click",
        },
        {
            trigger: '.o_form_view .o_field_widget[name="name"] input',
            run: "edit Chăm sóc VIP",
        },
        {
            content: "Give the team its leader",
            trigger: '.o_form_view .o_field_widget[name="leader_id"] input',
            run: "edit Tour Admin",
        },
        {
            trigger: '.ui-autocomplete .dropdown-item:contains("Tour Admin")',
            run: "click",
        },
        {
            content: "Add a member",
            trigger: '.o_form_view .o_field_widget[name="member_ids"] input',
            run: "edit Tour Agent",
        },
        {
            trigger: '.ui-autocomplete .dropdown-item:contains("Tour Agent")',
            run: "click",
        },
        {
            trigger: '.o_form_view .o_field_widget[name="member_ids"] .o_tag:contains("Tour Agent")',
        },
        {
            content: "Set the email alias",
            trigger: '.o_form_view .o_field_widget[name="alias_name"] input',
            run: "edit cham-soc-vip",
        },
        {
            content: "Open the Stages tab",
            trigger: '.o_notebook .nav-link:contains("Stages")',
            run: "click",
        },
        {
            content: "Add existing stages",
            trigger: '.o_field_widget[name="stage_ids"] .o_field_x2many_list_row_add a',
            run: "click",
        },
        {
            trigger: '.modal .o_data_row:contains("Tour Received") .o_list_record_selector input',
            run: "click",
        },
        {
            trigger: '.modal .o_data_row:contains("Tour Done") .o_list_record_selector input',
            run: "click",
        },
        {
            trigger: ".modal .o_select_button:enabled",
            run: "click",
        },
        {
            trigger: '.o_field_widget[name="stage_ids"] .o_data_row:contains("Tour Done")',
        },
        {
            content: "Create a new waiting stage",
            trigger: '.o_field_widget[name="stage_ids"] .o_field_x2many_list_row_add a',
            run: "click",
        },
        {
            trigger: ".modal .o_create_button",
            run: "click",
        },
        {
            trigger: '.modal .o_form_view .o_field_widget[name="name"] input',
            run: "edit Tour Waiting",
        },
        {
            content: "The SLA clock stops in this stage",
            trigger: '.modal .o_form_view .o_field_widget[name="sla_pause"] input',
            run: "click",
        },
        {
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            trigger: '.o_field_widget[name="stage_ids"] .o_data_row:contains("Tour Waiting")',
        },
        {
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "Save the team",
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_form_saved",
        },
        {
            content: "Open the team's SLA policies",
            trigger: '.o_form_view button[name="action_view_slas"]',
            run: "click",
        },
        {
            trigger: ".o_list_view .o_list_button_add",
            run: "click",
        },
        {
            trigger: '.o_form_view .o_field_widget[name="name"] input',
            run: "edit Giải quyết trong 4 giờ",
        },
        {
            content: "The policy belongs to the team",
            trigger: '.o_form_view .o_field_widget[name="team_id"] input:value("Chăm sóc VIP")',
        },
        {
            content: "Solved means reaching the team's closing stage",
            trigger: '.o_form_view .o_field_widget[name="stage_id"] input',
            run: "edit Tour Done",
        },
        {
            trigger: '.ui-autocomplete .dropdown-item:contains("Tour Done")',
            run: "click",
        },
        {
            content: "From high priority up",
            trigger: '.o_form_view .o_field_widget[name="priority"] .o_priority_star:eq(1)',
            run: "click",
        },
        {
            content: "The priority widget saves the record",
            trigger: ".o_form_view .o_form_saved",
        },
        {
            trigger: '.o_form_view .o_field_widget[name="time"] input',
            run: "edit 4:00",
        },
        {
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_form_saved",
        },
        {
            content: "Back to the team",
            trigger: '.o_breadcrumb .breadcrumb-item a:contains("Chăm sóc VIP")',
            run: "click",
        },
        {
            content: "The team counts its policy",
            trigger: '.o_form_view button[name="action_view_slas"] .o_stat_value:contains("1")',
        },
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the Settings",
            trigger: '.o_app[data-menu-xmlid="base.menu_administration"]',
            run: "click",
        },
        {
            trigger: ".settings_tab .tab[data-key='general_settings']",
            run: "click",
        },
        {
            content: "The general settings are loaded",
            trigger: ".o_form_view .app_settings_block[data-key='general_settings'] #languages",
        },
        {
            content: "Open the CSKH Helpdesk section of the Settings",
            trigger: ".settings_tab .tab[data-key='cskh_helpdesk']",
            run: "click",
        },
        {
            trigger: ".app_settings_block[data-key='cskh_helpdesk'] button:contains('Apply a Process Template')",
            run: "click",
        },
        {
            content: "Choose the Retail process",
            trigger: ".modal .o_field_widget[name='template_id'] input",
            run: "edit Retail",
        },
        {
            trigger: ".ui-autocomplete .dropdown-item:contains('Retail')",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name='team_name'] input",
            run: "edit Bán lẻ",
        },
        {
            content: "The preview tells what will be created",
            trigger: ".modal .o_cskh_process_template_preview:contains('will be created'):contains('Sales Complaint')",
        },
        {
            trigger: ".modal button[name='action_apply']",
            run: "click",
        },
        {
            content: "The new team is open",
            trigger: ".o_form_view .o_field_widget[name='name'] input:value('Bán lẻ')",
        },
    ],
});

/**
 * A manager reads the reports: ticket analysis as pivot then graph, the SLA analysis
 * and the customer satisfaction answers.
 */
registry.category("web_tour.tours").add("cskh_manager_reporting_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            trigger: '.o_app[data-menu-xmlid="cskh_helpdesk.cskh_helpdesk_menu_root"]',
            run: "click",
        },
        {
            content: "Open the reporting menu",
            trigger: 'button[data-menu-xmlid="cskh_helpdesk.cskh_helpdesk_menu_reporting"]',
            run: "click",
        },
        {
            trigger: 'a[data-menu-xmlid="cskh_helpdesk.cskh_ticket_menu_analysis"]',
            run: "click",
        },
        {
            content: "The pivot shows the tickets of the team",
            trigger: '.o_pivot table tbody tr:has(th:contains("Report Team")) td:contains("3")',
        },
        {
            content: "Switch to the graph",
            trigger: ".o_switch_view.o_graph",
            run: "click",
        },
        {
            trigger: ".o_graph_renderer canvas",
        },
        {
            content: "Open the SLA analysis",
            trigger: 'button[data-menu-xmlid="cskh_helpdesk.cskh_helpdesk_menu_reporting"]',
            run: "click",
        },
        {
            trigger: 'a[data-menu-xmlid="cskh_helpdesk.cskh_ticket_sla_menu_analysis"]',
            run: "click",
        },
        {
            content: "Reached and failed targets of the team, 50% success",
            trigger: '.o_pivot table:has(thead th:contains("Reached")):has(thead th:contains("Failed")) tbody tr:has(th:contains("Report Team")) td:last-child:contains("50")',
        },
        {
            trigger: ".o_switch_view.o_list",
            run: "click",
        },
        {
            trigger: '.o_list_view .o_data_row:contains("Failed")',
        },
        {
            content: "Open the customer satisfaction",
            trigger: 'button[data-menu-xmlid="cskh_helpdesk.cskh_helpdesk_menu_reporting"]',
            run: "click",
        },
        {
            trigger: 'a[data-menu-xmlid="cskh_helpdesk.cskh_survey_response_menu_report"]',
            run: "click",
        },
        {
            content: "The answer of the customer is listed",
            trigger: '.o_list_view .o_data_row:contains("Nhân viên rất nhiệt tình")',
        },
        {
            trigger: ".o_switch_view.o_pivot",
            run: "click",
        },
        {
            trigger: '.o_pivot table tbody tr:has(th:contains("Report Team"))',
        },
    ],
});
