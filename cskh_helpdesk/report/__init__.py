from . import cskh_ticket_report
