import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

const MEMBERS = '.o_form_view .o_field_widget[name="team_member_ids"]';

/**
 * The team leader gives a member a capacity and a skill in the Members tab of the
 * team form, inline.
 */
registry.category("web_tour.tours").add("cskh_routing_leader_tour", {
    steps: () => [
        {
            content: "Open the Members tab of the team",
            trigger: '.o_notebook .nav-link:contains("Members")',
            run: "click",
        },
        {
            content: "Edit the row of Tour Agent Hai",
            trigger: `${MEMBERS} .o_data_row:contains("Tour Agent Hai") td[name="max_open_tickets"]`,
            run: "click",
        },
        {
            content: "Give him a capacity",
            trigger: `${MEMBERS} .o_selected_row td[name="max_open_tickets"] input`,
            run: "edit 5",
        },
        {
            content: "He handles questions",
            trigger: `${MEMBERS} .o_selected_row td[name="type_ids"] input`,
            run: "edit Question",
        },
        {
            trigger: '.ui-autocomplete .dropdown-item:contains("Question")',
            run: "click",
        },
        {
            trigger: `${MEMBERS} .o_selected_row td[name="type_ids"] .o_tag:contains("Question")`,
        },
        ...stepUtils.saveForm(),
        {
            content: "The member has his capacity",
            trigger: `${MEMBERS} .o_data_row:contains("Tour Agent Hai") td[name="max_open_tickets"]:contains("5")`,
        },
    ],
});

/**
 * An agent steps away from My Availability: new tickets go to the colleagues.
 */
registry.category("web_tour.tours").add("cskh_routing_agent_tour", {
    steps: () => [
        {
            content: "The agent is available in the routing team",
            trigger: '.o_list_view .o_data_row:contains("Routing Team") .o_field_widget[name="is_available"] input:checked',
            run: "click",
        },
        {
            trigger: '.o_list_view .o_data_row:contains("Routing Team") .o_field_widget[name="is_available"] input:not(:checked)',
        },
        {
            content: "Open the row: it is saved as unavailable",
            trigger: '.o_list_view .o_data_row:contains("Routing Team") td[name="team_id"]',
            run: "click",
        },
        {
            trigger: '.o_form_view button[name="action_toggle_available"]:contains("I Am Back")',
        },
    ],
});

/**
 * The leader hands the tickets of the unavailable members over in one click.
 */
registry.category("web_tour.tours").add("cskh_routing_handover_tour", {
    steps: () => [
        {
            content: "Hand over the tickets of the unavailable members",
            trigger: '.o_form_view button[name="action_redistribute_unavailable"]',
            run: "click",
        },
        {
            content: "A notification tells where they went",
            trigger: '.o_notification:contains("Tickets handed over")',
        },
        {
            content: "The loads follow",
            trigger: '.o_notebook .nav-link:contains("Members")',
            run: "click",
        },
        {
            trigger: `${MEMBERS} .o_data_row:contains("Tour Agent Một") td[name="open_ticket_load"]:contains("0")`,
        },
    ],
});
