import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

/**
 * An agent's day: from the Overview dashboard to a team's open tickets, open one,
 * take it, move it, answer the customer, raise its priority and close it.
 */
registry.category("web_tour.tours").add("cskh_agent_ticket_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the Helpdesk app",
            trigger: '.o_app[data-menu-xmlid="cskh_helpdesk.cskh_helpdesk_menu_root"]',
            run: "click",
        },
        {
            content: "Open the open tickets of the tour team from its dashboard card",
            trigger: '.o_kanban_record:contains("Tour Team") button[name="action_view_open_tickets"]',
            run: "click",
        },
        {
            content: "Open the ticket from the kanban",
            trigger: '.o_kanban_record:contains("Printer on fire")',
            run: "click",
        },
        {
            content: "Take the ticket",
            trigger: 'button[name="action_assign_to_me"]',
            run: "click",
        },
        {
            trigger: '.o_form_view:not(:has(button[name="action_assign_to_me"]))',
        },
        {
            content: "Move it to In Progress",
            trigger: '.o_statusbar_status button:contains("In Progress")',
            run: "click",
        },
        {
            trigger: '.o_statusbar_status button.o_arrow_button_current:contains("In Progress")',
        },
        {
            content: "Raise the priority to Urgent",
            trigger: '.o_form_view .o_field_widget[name="priority"] .o_priority_star:eq(2)',
            run: "click",
        },
        {
            content: "Write to the customer",
            trigger: ".o-mail-Chatter-sendMessage",
            run: "click",
        },
        {
            trigger: ".o-mail-Composer-input",
            run: "edit We are sending a technician today.",
        },
        {
            trigger: ".o-mail-Composer-send:enabled",
            run: "click",
        },
        {
            content: "The answer is in the chatter",
            trigger: '.o-mail-Message-body:contains("We are sending a technician today.")',
        },
        {
            content: "Close the ticket",
            trigger: '.o_statusbar_status button:contains("Solved")',
            run: "click",
        },
        {
            trigger: '.o_statusbar_status button.o_arrow_button_current:contains("Solved")',
        },
        {
            trigger: ".o_form_saved",
        },
    ],
});

/**
 * Quick-create a ticket in the kanban and from the form, find "My Tickets", then the
 * list view grouped by stage.
 */
registry.category("web_tour.tours").add("cskh_agent_quick_create_tour", {
    url: "/odoo/cskh-tickets",
    steps: () => [
        {
            content: "Quick create from the kanban",
            trigger: ".o_kanban_renderer",
        },
        {
            trigger: ".o-kanban-button-new",
            run: "click",
        },
        {
            trigger: '.o_kanban_quick_create .o_field_widget[name="name"] input',
            run: "edit Wifi does not work",
        },
        {
            trigger: ".o_kanban_quick_create .o_kanban_add",
            run: "click",
        },
        {
            trigger: '.o_kanban_record:contains("Wifi does not work")',
        },
        {
            content: "Switch to the list view",
            trigger: ".o_switch_view.o_list",
            run: "click",
        },
        {
            content: "Create from the full form",
            trigger: ".o_list_view",
        },
        {
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            trigger: '.o_form_view .o_field_widget[name="name"] input',
            run: "edit Invoice is wrong",
        },
        {
            trigger: '.o_form_view .o_field_widget[name="user_id"] input',
            run: "edit Tour Agent",
        },
        {
            trigger: '.ui-autocomplete .dropdown-item:contains("Tour Agent")',
            run: "click",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_saved",
        },
        {
            content: "Back to the tickets",
            trigger: ".o_breadcrumb .o_back_button",
            run: "click",
        },
        {
            content: "Search My Tickets",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            trigger: '.o_filter_menu .dropdown-item:contains("My Tickets")',
            run: "click",
        },
        {
            trigger: '.o_list_view .o_data_row:contains("Invoice is wrong")',
        },
        {
            trigger: '.o_list_view:not(:has(.o_data_row:contains("Wifi does not work")))',
        },
        {
            content: "Group by stage",
            trigger: '.o_group_by_menu .dropdown-item:contains("Stage")',
            run: "click",
        },
        {
            trigger: ".o_list_view .o_group_header:contains('New')",
        },
    ],
});
