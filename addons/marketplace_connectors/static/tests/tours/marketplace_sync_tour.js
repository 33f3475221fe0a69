/* License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html). */
import {registry} from "@web/core/registry";

// A marketplace manager turns the live sync of a channel on, gets its webhook URL and
// queues a sync by hand.
registry.category("web_tour.tours").add("marketplace_connectors_sync_tour", {
    steps: () => [
        {
            content: "Open the Sync tab of the channel",
            trigger: '.o_form_view .o_notebook a[name="sync"]',
            run: "click",
        },
        {
            content: "Turn the automatic sync on",
            trigger: '.o_form_view div[name="sync_active"] input[type="checkbox"]',
            run: "click",
        },
        {
            content: "Ask for a webhook URL",
            trigger: '.o_form_view button[name="action_generate_webhook_token"]',
            run: "click",
        },
        {
            content: "The URL to give the platform is shown",
            trigger: '.o_form_view div[name="webhook_url"]:contains("/marketplace/webhook/")',
        },
        {
            content: "Sync now",
            trigger: '.o_form_view button[name="action_sync_now"]',
            run: "click",
        },
        {
            content: "The sync is queued",
            trigger: '.o_notification:contains("Sync of Tour Shopify queued.")',
        },
    ],
});
