import { patch } from "@web/core/utils/patch";
import { PortalHomeCounters } from "@portal/interactions/portal_home_counters";

patch(PortalHomeCounters.prototype, {
    /**
     * Keep the "Tickets" entry visible without tickets: it is where customers file their first one.
     * @override
     */
    getCountersAlwaysDisplayed() {
        return super.getCountersAlwaysDisplayed(...arguments).concat(["cskh_ticket_count"]);
    },
});
