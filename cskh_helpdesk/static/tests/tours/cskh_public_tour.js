import { registry } from "@web/core/registry";

/**
 * A visitor without account fills the public web form, mistypes his email, corrects
 * it and gets the number of his new ticket.
 */
registry.category("web_tour.tours").add("cskh_web_form_tour", {
    url: "/cskh/submit",
    steps: () => [
        {
            trigger: ".o_cskh_ticket_form #cskh_partner_name",
            run: "edit Phạm Minh Đức",
        },
        {
            content: "A mistyped email",
            trigger: ".o_cskh_ticket_form #cskh_partner_email",
            run: "edit duc.pham@",
        },
        {
            trigger: ".o_cskh_ticket_form #cskh_partner_phone",
            run: "edit 0903 123 456",
        },
        {
            trigger: ".o_cskh_ticket_form select#cskh_team_id",
            run: "selectByLabel Web Form Team",
        },
        {
            trigger: ".o_cskh_ticket_form select#cskh_type_id",
            run: "selectByLabel Question",
        },
        {
            trigger: ".o_cskh_ticket_form #cskh_name",
            run: "edit Không đăng nhập được",
        },
        {
            trigger: ".o_cskh_ticket_form #cskh_description",
            run: "edit Tôi quên mật khẩu và không nhận được email đặt lại.",
        },
        {
            trigger: ".o_cskh_ticket_form .o_cskh_ticket_submit",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The email is refused, the other answers are kept",
            trigger: ".o_cskh_ticket_form #cskh_partner_email.is-invalid",
        },
        {
            trigger: ".o_cskh_ticket_form #cskh_name:value('Không đăng nhập được')",
        },
        {
            trigger: ".o_cskh_ticket_form #cskh_partner_email",
            run: "edit duc.pham@example.vn",
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

/**
 * A customer clicks the score 3 in the survey email of his solved ticket, changes it
 * to 4 on the page, answers the NPS, CES and comment questions and sends his answers.
 */
registry.category("web_tour.tours").add("cskh_survey_tour", {
    steps: () => [
        {
            content: "The survey names the ticket",
            trigger: ".o_cskh_survey:contains('Máy lạnh chảy nước')",
        },
        {
            content: "The score clicked in the email is chosen, to be confirmed",
            trigger: ".o_cskh_survey:has(.o_cskh_survey_confirm) input#csat_3:checked",
        },
        {
            content: "CSAT: 4 out of 5",
            trigger: ".o_cskh_survey label[for='csat_4']",
            run: "click",
        },
        {
            trigger: ".o_cskh_survey input#csat_4:checked",
        },
        {
            content: "NPS: 9 out of 10",
            trigger: ".o_cskh_survey label[for='nps_9']",
            run: "click",
        },
        {
            content: "CES: 6 out of 7",
            trigger: ".o_cskh_survey label[for='ces_6']",
            run: "click",
        },
        {
            trigger: ".o_cskh_survey textarea#comment",
            run: "edit Kỹ thuật viên đến đúng giờ.",
        },
        {
            trigger: ".o_cskh_survey button[type='submit']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Thanks page",
            trigger: ".o_cskh_survey h1:contains('Thank you for your feedback')",
        },
    ],
});
