{
    'name': 'CSKH Helpdesk',
    'version': '19.0.1.0.0',
    'category': 'Services/Helpdesk',
    'sequence': 50,
    'summary': 'Customer care desk: tickets, teams, SLA in working hours, surveys, CRM links',
    'description': """
Customer care helpdesk ("CSKH", chăm sóc khách hàng) for Odoo 19: tickets from
email, portal, phone and chat; teams and stages; SLA promises counted in
working hours; automatic acknowledgements and keyword auto-replies;
satisfaction surveys (CSAT, NPS, CES); CRM links; KPIs and reports; five
ready-made process templates; complete Vietnamese translation.
""",
    'author': 'cskh_helpdesk developers',
    'license': 'LGPL-3',
    'depends': [
        'base_setup',
        'crm',
        'mail',
        'portal',
        'rating',
        'resource',
        'utm',
    ],
    'data': [
        'security/cskh_helpdesk_security.xml',
        'security/ir.model.access.csv',
        'security/cskh_sla_security.xml',
        'data/ir_sequence_data.xml',
        'data/mail_message_subtype_data.xml',
        'data/cskh_stage_data.xml',
        'data/cskh_ticket_type_data.xml',
        'data/cskh_team_data.xml',
        'data/utm_source_data.xml',
        'data/mail_template_data.xml',
        'data/cskh_team_mail_data.xml',
        'data/cskh_survey_data.xml',
        'data/ir_cron_data.xml',
        'data/mail_activity_type_sla_data.xml',
        'views/cskh_ticket_views.xml',
        'views/cskh_team_views.xml',
        'views/cskh_stage_views.xml',
        'views/cskh_ticket_type_views.xml',
        'views/cskh_tag_views.xml',
        'views/res_partner_views.xml',
        'views/crm_lead_views.xml',
        'wizard/cskh_ticket_create_lead_views.xml',
        'wizard/cskh_lead_create_ticket_views.xml',
        'views/cskh_auto_reply_views.xml',
        'views/cskh_ticket_templates.xml',
        'views/cskh_survey_response_views.xml',
        'views/cskh_survey_templates.xml',
        'views/cskh_sla_views.xml',
        'views/cskh_ticket_sla_views.xml',
        'views/cskh_helpdesk_menus.xml',
    ],
    'demo': [
        'demo/cskh_helpdesk_demo.xml',
        'demo/cskh_crm_demo.xml',
        'demo/cskh_survey_demo.xml',
        'demo/cskh_sla_demo.xml',
    ],
    'assets': {
        'web.assets_frontend': [
            'cskh_helpdesk/static/src/interactions/**/*',
        ],
        'web.assets_tests': [
            'cskh_helpdesk/static/tests/tours/**/*',
        ],
    },
    'application': True,
    'installable': True,
}
