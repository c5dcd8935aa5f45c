# Since 19.0.1.8.0 the index of the open tickets per team and agent also holds their
# priority (cskh_ticket_open_team_user_priority_idx, created by the update), so that the
# balanced assignment counts the weighted load of the agents from the index alone. The
# index it replaces would only cost every write of a ticket.


def migrate(cr, version):
    cr.execute("DROP INDEX IF EXISTS cskh_ticket_open_team_user_idx")
