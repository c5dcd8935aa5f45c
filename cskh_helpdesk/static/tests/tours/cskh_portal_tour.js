import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("cskh_portal_tour", {
    steps: () => [
        {
            content: "Open the tickets from the portal home",
            trigger: ".o_portal_index_card:not(.d-none) a[href='/my/cskh-tickets']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Open a ticket of the list",
            trigger: ".o_cskh_portal_ticket_row a:contains('Máy in không hoạt động')",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The agent's answer is in the conversation",
            trigger: "#chatterRoot:shadow .o-mail-Message:contains('Please restart the printer.')",
        },
        {
            content: "Reply to the agent",
            trigger: "#chatterRoot:shadow .o-mail-Composer-input",
            run: "edit Still broken after a restart",
        },
        {
            trigger: "#chatterRoot:shadow .o-mail-Composer-send:enabled",
            run: "click",
        },
        {
            content: "The reply is posted",
            trigger: "#chatterRoot:shadow .o-mail-Message:contains('Still broken after a restart')",
        },
        {
            content: "Back to the list",
            trigger: ".breadcrumb a[href='/my/cskh-tickets']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Submit a new ticket",
            trigger: "a.o_cskh_new_ticket",
            run: "click",
            expectUnloadPage: true,
        },
        {
            trigger: ".o_cskh_ticket_form select[name='team_id']",
            run: "selectByLabel Hỗ trợ kỹ thuật",
        },
        {
            trigger: ".o_cskh_ticket_form input[name='name']",
            run: "edit Tour ticket",
        },
        {
            trigger: ".o_cskh_ticket_form textarea[name='description']",
            run: "edit The screen stays black.",
        },
        {
            trigger: ".o_cskh_ticket_form .o_cskh_ticket_submit",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The confirmation shows the ticket number",
            trigger: ".o_cskh_ticket_thanks .o_cskh_ticket_number:contains('/')",
        },
    ],
});
