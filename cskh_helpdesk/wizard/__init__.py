# Part of cskh_helpdesk. See LICENSE file for full copyright and licensing details.
from . import cskh_ticket_create_lead
from . import cskh_lead_create_ticket
from . import cskh_process_template_apply
from . import cskh_ticket_log_call
from . import mail_compose_message
from . import cskh_ticket_merge
from . import cskh_ticket_split
