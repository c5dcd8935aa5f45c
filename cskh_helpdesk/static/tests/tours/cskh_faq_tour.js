import { registry } from "@web/core/registry";

/**
 * A customer finds the answer on the help center without filing a ticket: he searches
 * without accents, opens the article and says it helped.
 */
registry.category("web_tour.tours").add("cskh_faq_customer_tour", {
    url: "/cskh/faq",
    steps: () => [
        {
            content: "Search without accents",
            trigger: ".o_cskh_faq_search_input",
            run: "edit bao hanh may giat",
        },
        {
            trigger: ".o_cskh_faq_search_button",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Open the accented article found",
            trigger: ".o_cskh_faq_result:contains('Bảo hành máy giặt bao lâu?')",
            run: "click",
            expectUnloadPage: true,
        },
        {
            trigger: ".o_cskh_faq_answer:contains('24 tháng')",
        },
        {
            content: "It helped",
            trigger: ".o_cskh_faq_vote_yes",
            run: "click",
            expectUnloadPage: true,
        },
        {
            trigger: ".o_cskh_faq_vote_thanks",
        },
    ],
});

/**
 * The ticket form proposes an article while the customer types the subject.
 */
registry.category("web_tour.tours").add("cskh_faq_form_suggest_tour", {
    url: "/cskh/submit",
    steps: () => [
        {
            trigger: ".o_cskh_ticket_form #cskh_name",
            run: "edit may giat con bao hanh khong",
        },
        {
            content: "The article is suggested",
            trigger: ".o_cskh_faq_suggestions:not(.d-none) .o_cskh_faq_suggestion:contains('Bảo hành máy giặt bao lâu?')",
        },
    ],
});

/**
 * An agent answers a ticket with a suggested article in one click.
 */
registry.category("web_tour.tours").add("cskh_faq_agent_tour", {
    steps: () => [
        {
            content: "Open the suggested articles of the ticket",
            trigger: '.o_notebook a[name="faq_suggestions"]',
            run: "click",
        },
        {
            content: "Reply with the article",
            trigger: '.o_field_widget[name="faq_suggestion_ids"] .o_data_row:contains("Bảo hành máy giặt bao lâu?") button[name="action_cskh_reply_on_ticket"]',
            run: "click",
        },
        {
            content: "The composer holds the article",
            trigger: '.modal .o_mail_composer_form_view .note-editable:contains("24 tháng"), .modal .o_mail_composer_form_view .odoo-editor-editable:contains("24 tháng")',
        },
        {
            trigger: '.modal button[name="action_send_mail"]',
            run: "click",
        },
        {
            content: "The answer is in the conversation",
            trigger: '.o-mail-Message-body:contains("24 tháng")',
        },
    ],
});
