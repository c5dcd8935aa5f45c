import { Interaction } from "@web/public/interaction";
import { registry } from "@web/core/registry";

/**
 * Ticket forms (portal and public): while the customer types the subject, propose the
 * published articles that may answer it (deflection). The route is rate-limited per IP;
 * calls are debounced and only the answer to the latest subject is shown.
 */
export class CskhFaqSuggest extends Interaction {
    static selector = ".o_cskh_ticket_form";
    dynamicContent = {
        "#cskh_name": { "t-on-input": this.debounced(this.onSubjectInput, 400) },
    };

    setup() {
        this.box = this.el.querySelector(".o_cskh_faq_suggestions");
        this.list = this.el.querySelector(".o_cskh_faq_suggestion_list");
        this.lastQuery = "";
    }

    async onSubjectInput(ev) {
        const query = ev.target.value.trim();
        if (!this.box || query === this.lastQuery) {
            return;
        }
        this.lastQuery = query;
        if (query.length < 3) {
            this.render([]);
            return;
        }
        const teamSelect = this.el.querySelector("[name='team_id']");
        const params = new URLSearchParams({ q: query, team: teamSelect ? teamSelect.value : "" });
        const response = await this.waitFor(fetch(`/cskh/faq/suggest?${params}`));
        if (!response.ok || query !== this.lastQuery) {
            return;
        }
        const data = await this.waitFor(response.json());
        if (query === this.lastQuery) {
            this.render(data.articles || []);
        }
    }

    render(articles) {
        this.list.replaceChildren(
            ...articles.map((article) => {
                const item = document.createElement("li");
                const link = document.createElement("a");
                link.href = article.url;
                link.target = "_blank";
                link.className = "o_cskh_faq_suggestion";
                link.textContent = article.title;
                item.appendChild(link);
                if (article.excerpt) {
                    const excerpt = document.createElement("div");
                    excerpt.className = "small text-muted text-truncate";
                    excerpt.textContent = article.excerpt;
                    item.appendChild(excerpt);
                }
                return item;
            })
        );
        this.box.classList.toggle("d-none", !articles.length);
    }
}

registry.category("public.interactions").add("cskh_helpdesk.faq_suggest", CskhFaqSuggest);
