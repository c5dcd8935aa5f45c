from . import test_ticket
from . import test_assignment
from . import test_access
from . import test_views
from . import test_sla
from . import test_performance
