from . import cskh_stage
from . import cskh_tag
from . import cskh_ticket_type
from . import cskh_team
from . import cskh_ticket
from . import cskh_sla
from . import cskh_ticket_sla
from . import res_partner
