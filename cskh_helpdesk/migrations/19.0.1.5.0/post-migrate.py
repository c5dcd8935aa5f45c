from odoo import SUPERUSER_ID, api

# Since 19.0.1.5.0 the shipped ticket types propose a reply template. The types are
# noupdate records: link the template on an upgraded database where none is set yet
# (a type an administrator already gave a template keeps it).
REPLY_TEMPLATES = {
    'type_complaint': 'mail_template_ticket_reply_complaint',
    'type_question': 'mail_template_ticket_reply_question',
    'type_support': 'mail_template_ticket_reply_support',
}


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    for type_xmlid, template_xmlid in REPLY_TEMPLATES.items():
        ticket_type = env.ref(f'cskh_helpdesk.{type_xmlid}', raise_if_not_found=False)
        template = env.ref(f'cskh_helpdesk.{template_xmlid}', raise_if_not_found=False)
        if ticket_type and template and not ticket_type.reply_template_id:
            ticket_type.reply_template_id = template
