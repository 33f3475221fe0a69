# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from datetime import date, timedelta
from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..core import forecast, reserves
from ..core.exceptions import CashCoreError
from ..core.posting import default_mapping_fr

RESERVE_CATEGORIES = ("reserve_hold", "reserve_release")

# What each platform does by default (the user edits it per channel): Amazon EU
# settles every 14 days, money released 7 days after delivery (DD+7), deposited
# about 3 business days after the close; Mirakl operators pay twice a month; Shopify
# Payments and Stripe pay out daily (every day's balance a few days later), eBay and
# PayPal weekly.
PLATFORM_CALENDARS = {
    "amazon": {
        "payout_cycle": "days",
        "payout_every_days": 14,
        "payout_deposit_lag": 3,
        "payout_release": "delivery",
        "payout_release_days": 7,
    },
    "mirakl": {
        "payout_cycle": "semimonthly",
        "payout_deposit_lag": 2,
        "payout_release": "delivery",
        "payout_release_days": 0,
    },
    "shopify": {
        "payout_cycle": "days",
        "payout_every_days": 1,
        "payout_deposit_lag": 2,
        "payout_release": "order",
    },
    "stripe": {
        "payout_cycle": "days",
        "payout_every_days": 1,
        "payout_deposit_lag": 2,
        "payout_release": "order",
        "payout_release_days": 7,
    },
    "ebay": {
        "payout_cycle": "weekly",
        "payout_deposit_lag": 2,
        "payout_release": "order",
    },
    "paypal": {
        "payout_cycle": "weekly",
        "payout_deposit_lag": 1,
        "payout_release": "order",
    },
}


class MarketplaceChannel(models.Model):
    _inherit = "marketplace.channel"

    journal_id = fields.Many2one(
        "account.journal",
        string="Clearing Journal",
        check_company=True,
        domain="[('type', '=', 'general')]",
        help="Journal of the payouts' entries. Left empty, a 'Marketplace payouts' "
        "journal is created on the first posting.",
    )
    clearing_account_id = fields.Many2one(
        "account.account",
        string="Marketplace Receivable",
        check_company=True,
        help="Account of what the marketplace owes (the net of each payout), cleared "
        "by the bank deposit. Left empty: the receivable account of the channel's "
        "partner (411).",
    )
    account_map_ids = fields.One2many(
        "marketplace.channel.account",
        "channel_id",
        string="Accounts by Category",
        copy=True,
    )
    analytic_account_id = fields.Many2one(
        "account.analytic.account",
        check_company=True,
        help="Set on the revenue and fee lines of this channel's payouts.",
    )
    match_days_before = fields.Integer(
        string="Deposit Window Before (days)",
        default=2,
        help="A bank line may be dated this many days before the payout's deposit.",
    )
    match_days_after = fields.Integer(
        string="Deposit Window After (days)",
        default=7,
        help="A bank line may be dated this many days after the payout's deposit.",
    )

    reserve_held = fields.Monetary(
        compute="_compute_reserves", help="All holds so far."
    )
    reserve_released = fields.Monetary(compute="_compute_reserves")
    reserve_balance = fields.Monetary(
        string="Reserve Still Held",
        compute="_compute_reserves",
        help="Held and not yet released: money of yours the platform still keeps.",
    )
    reserve_balance_gl = fields.Monetary(
        string="Reserve Account Balance",
        compute="_compute_reserves",
        help="Balance of the reserve account (467) for this marketplace in the "
        "ledger: equal to the reserve still held once every payout is posted.",
    )
    reserve_age_0_30 = fields.Monetary(
        string="Held 0-30 Days", compute="_compute_reserves"
    )
    reserve_age_31_90 = fields.Monetary(
        string="Held 31-90 Days", compute="_compute_reserves"
    )
    reserve_age_90 = fields.Monetary(
        string="Held Over 90 Days", compute="_compute_reserves"
    )

    def _reserve_movements(self):
        """The reserve lines of all the channels (one read), for the core."""
        lines = self.env["marketplace.transaction"].search_read(
            [("channel_id", "in", self.ids), ("category", "in", RESERVE_CATEGORIES)],
            ["channel_id", "payout_id", "posted_at", "amount"],
        )
        return [
            reserves.Movement(
                line["channel_id"][0],
                line["payout_id"] and line["payout_id"][0],
                (line["posted_at"] or fields.Datetime.now()).date(),
                Decimal(str(line["amount"])),
            )
            for line in lines
        ]

    def _open_reserve_holds(self):
        """The holds still open (core ``OpenHold``: day held, amount left), first
        in first out, of all the channels."""
        holds, _closures, _extra = reserves.allocate(self._reserve_movements())
        return holds

    def _compute_reserves(self):
        """One grouped read of the reserve lines of all the channels, then the
        first-in first-out allocation of the core."""
        today = fields.Date.context_today(self)
        movements = self._reserve_movements()
        holds, _closures, _extra = reserves.allocate(movements)
        gl = self._reserve_ledger_balances()
        for channel in self:
            mine = [m for m in movements if m.channel_id == channel.id]
            open_holds = [h for h in holds if h.channel_id == channel.id]
            ages = reserves.ageing(open_holds, today)
            channel.reserve_held = float(
                sum((-m.amount for m in mine if m.amount < 0), 0)
            )
            channel.reserve_released = float(
                sum((m.amount for m in mine if m.amount > 0), 0)
            )
            channel.reserve_balance = float(sum((h.open for h in open_holds), 0))
            channel.reserve_age_0_30 = float(ages["0-30"])
            channel.reserve_age_31_90 = float(ages["31-90"])
            channel.reserve_age_90 = float(ages["90+"])
            channel.reserve_balance_gl = gl.get(channel.id, 0.0)

    def _reserve_ledger_balances(self):
        """``{channel id: balance}`` of the reserve accounts' lines in the channels'
        posted payout entries (debit = held by the platform): one search of the
        payouts for all the channels."""
        payouts = self.env["marketplace.payout"].search(
            [("channel_id", "in", self.ids), ("state", "!=", "draft")]
        )
        result = dict.fromkeys(self.ids, 0.0)
        for channel in self:
            accounts = channel._reserve_accounts()
            lines = payouts.filtered(
                lambda p, c=channel: p.channel_id == c
            ).move_ids.line_ids.filtered(
                lambda line, accounts=accounts: (
                    line.parent_state == "posted" and line.account_id in accounts
                )
            )
            result[channel.id] = sum(lines.mapped("balance"))
        return result

    def _reserve_accounts(self):
        """The accounts the channel posts its reserve lines to (mapping, else the
        French chart's 467)."""
        self.ensure_one()
        rows = self.account_map_ids.filtered(lambda r: r.category in RESERVE_CATEGORIES)
        if rows:
            return rows.account_id
        rule = default_mapping_fr().rules["reserve_hold"]
        chart = self.env["account.chart.template"].with_company(self.company_id)
        return (
            chart.ref(rule.account, raise_if_not_found=False)
            or self.env["account.account"]
        )

    def action_open_reserve_lines(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "marketplace_connectors.marketplace_transaction_action"
        )
        action["domain"] = [
            ("channel_id", "=", self.id),
            ("category", "in", RESERVE_CATEGORIES),
        ]
        action["context"] = {}
        return action

    # ---- accounting set-up

    def _payout_journal(self):
        """The clearing journal, created once per company when none is set."""
        self.ensure_one()
        if self.journal_id:
            return self.journal_id
        Journal = self.env["account.journal"]
        journal = Journal.search(
            [
                ("code", "=", "MKTP"),
                *Journal._check_company_domain(self.company_id),
            ],
            limit=1,
        )
        if not journal:
            # sudo: journals are created by accounting administrators; this one is
            # the standard clearing journal of the payouts, created once per company
            # when the first payout is posted by a cash manager (who posts entries
            # but does not configure the accounting).
            journal = Journal.sudo().create(
                {
                    "name": self.env._("Marketplace payouts"),
                    "code": "MKTP",
                    "type": "general",
                    "company_id": self.company_id.id,
                }
            )
        self.journal_id = journal
        return journal

    def _payout_partner(self):
        """The marketplace as a partner (created from the channel's name if none)."""
        self.ensure_one()
        if not self.partner_id:
            self.partner_id = self.env["res.partner"].create(
                {
                    "name": self.name,
                    "company_id": self.company_id.id,
                    "is_company": True,
                }
            )
        return self.partner_id

    def _clearing_account(self):
        self.ensure_one()
        if self.clearing_account_id:
            return self.clearing_account_id
        partner = self._payout_partner().with_company(self.company_id)
        return partner.property_account_receivable_id

    def _posting_accounts(self):
        """``{category: (account, negative account, tax)}`` of every category: the
        channel's rows, else the French chart's defaults."""
        self.ensure_one()
        rows = {row.category: row for row in self.account_map_ids}
        defaults = default_mapping_fr()
        chart = self.env["account.chart.template"].with_company(self.company_id)
        Account = self.env["account.account"]
        Tax = self.env["account.tax"]
        accounts, missing = {}, []
        for category in (
            self.env["marketplace.transaction"]._fields["category"].get_values(self.env)
        ):
            row = rows.get(category)
            if row:
                accounts[category] = (
                    row.account_id,
                    row.account_negative_id,
                    row.tax_id,
                )
                continue
            rule = defaults.rules[category]
            account = chart.ref(rule.account, raise_if_not_found=False) or Account
            negative = (
                chart.ref(rule.negative_account, raise_if_not_found=False)
                if rule.negative_account
                else Account
            ) or Account
            if not account:
                missing.append(category)
            accounts[category] = (account, negative, Tax)
        if missing:
            raise UserError(
                self.env._(
                    "Channel %(channel)s: choose the account of %(categories)s "
                    "(Accounting tab); the company's chart has no default for them.",
                    channel=self.name,
                    categories=", ".join(missing),
                )
            )
        return accounts

    def action_load_default_accounts(self):
        """Fill the mapping with the French chart's defaults, for review."""
        self.ensure_one()
        self.check_access("write")
        accounts = self._posting_accounts()
        have = set(self.account_map_ids.mapped("category"))
        self.write(
            {
                "account_map_ids": [
                    fields.Command.create(
                        {
                            "category": category,
                            "account_id": account.id,
                            "account_negative_id": negative.id or False,
                            "tax_id": tax.id or False,
                        }
                    )
                    for category, (account, negative, tax) in accounts.items()
                    if category not in have
                ]
            }
        )
        return True

    @api.model
    def _cron_match_bank_lines(self):
        self.env["marketplace.payout"].match_bank_lines()
        return True

    # ---- payout calendar (the cash forecast)

    payout_cycle = fields.Selection(
        [
            ("days", "Every N Days"),
            ("weekly", "Weekly"),
            ("semimonthly", "Twice a Month"),
            ("monthly", "Monthly"),
        ],
        default="days",
        required=True,
        help="When the platform closes a settlement period.",
    )
    payout_anchor = fields.Date(
        string="Cycle Anchor",
        default=lambda self: date(2026, 1, 5),
        help="A known close date: the cycle repeats every N days from it.",
    )
    payout_every_days = fields.Integer(string="Every (Days)", default=14)
    payout_weekday = fields.Selection(
        [
            (str(i), name)
            for i, name in enumerate(
                [
                    "Monday",
                    "Tuesday",
                    "Wednesday",
                    "Thursday",
                    "Friday",
                    "Saturday",
                    "Sunday",
                ]
            )
        ],
        string="Close Weekday",
        default="0",
    )
    payout_month_day = fields.Integer(
        string="Close Day", default=1, help="Monthly close (and the first of two)."
    )
    payout_month_day_2 = fields.Integer(
        string="Second Close Day", default=16, help="Second close of the month."
    )
    payout_deposit_lag = fields.Integer(
        string="Deposit Lag (Business Days)",
        default=3,
        help="Business days between the close and the money in the bank.",
    )
    payout_release = fields.Selection(
        [("order", "Order Date"), ("shipment", "Shipment"), ("delivery", "Delivery")],
        string="Funds Released From",
        default="order",
        required=True,
    )
    payout_release_days = fields.Integer(
        string="Release Delay (Days)",
        help="Days after that date (Amazon: delivery + 7, DD+7).",
    )
    payout_reserve_rate = fields.Float(
        string="Reserve Rate",
        digits=(16, 4),
        help="Share of each payout the platform holds back.",
    )
    payout_reserve_days = fields.Integer(
        string="Reserve Held For (Days)", help="When a reserve is released."
    )
    payout_minimum = fields.Monetary(
        string="Minimum Payout",
        help="Below this the platform carries the balance over.",
    )
    forecast_fee_rate = fields.Float(
        string="Expected Fees",
        digits=(16, 4),
        default=0.15,
        help="Share of an order's amount the platform keeps (commission and fees), "
        "for orders not settled yet. With Margin Alerts, the channel's cost profile "
        "decides.",
    )
    forecast_return_rate = fields.Float(
        string="Expected Returns",
        digits=(16, 4),
        default=0.05,
        help="Share of the orders expected to be refunded.",
    )
    payout_observed_delay = fields.Float(
        string="Observed Delay (Days)",
        compute="_compute_payout_observed_delay",
        digits=(16, 1),
        help="Median days between an order and the deposit of the payout that paid "
        "it, over the payouts deposited in the last 90 days.",
    )
    payout_configured_delay = fields.Float(
        string="Configured Delay (Days)",
        compute="_compute_payout_observed_delay",
        digits=(16, 1),
        help="The delay the calendar above gives an order placed today (release, "
        "next close, deposit lag).",
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            for name, value in PLATFORM_CALENDARS.get(vals.get("platform"), {}).items():
                vals.setdefault(name, value)
        return super().create(vals_list)

    @api.onchange("platform")
    def _onchange_platform_calendar(self):
        for channel in self:
            for name, value in PLATFORM_CALENDARS.get(channel.platform, {}).items():
                channel[name] = value

    def _forecast_rates(self):
        """(expected fees, expected returns) as fractions of an order's amount, for
        the orders not settled yet (margin_alerts takes them from the channel's
        cost profile)."""
        self.ensure_one()
        fee, returns = self.forecast_fee_rate, self.forecast_return_rate
        if "margin.cost.profile" in self.env:
            # margin_alerts installed: the channel's own cost profile (commission,
            # payment and other fees as a share of the price; its return rate). As
            # superuser: finance reads the cost model without sales rights.
            profile = (
                self.env["margin.cost.profile"]
                .sudo()
                ._profile_for(self.company_id, self, self.env["product.category"])
            )
            if profile.channel_id == self:
                fee = profile.commission_rate + profile.payment_fee_rate
                fee += profile.other_rate
                returns = profile.return_rate
        return Decimal(str(fee or 0)), Decimal(str(returns or 0))

    @api.constrains(
        "payout_cycle",
        "payout_month_day",
        "payout_month_day_2",
        "payout_release_days",
        "payout_reserve_rate",
        "payout_reserve_days",
    )
    def _check_payout_calendar(self):
        """A calendar the forecast can use: the core refuses the others, and one
        such channel would fail the forecast (and its daily cron) of the whole
        company."""
        for channel in self:
            try:
                channel._payout_calendar()
            except (CashCoreError, TypeError) as error:
                raise ValidationError(
                    self.env._(
                        "Channel %(channel)s: invalid payout calendar (%(error)s). "
                        "Close days run from 1 to 31, the release delay and the "
                        "reserve days are zero or more, the reserve rate is "
                        "between 0 and 1.",
                        channel=channel.name,
                        error=error,
                    )
                ) from error

    def _payout_calendar(self, holidays=frozenset()):
        """The channel's calendar as the core sees it; ``holidays``: the bank
        closing days its deposit lags skip besides the weekends (the forecast
        gives those of its horizon, ``forecast.bank_closing_days``)."""
        self.ensure_one()
        return forecast.Calendar(
            cycle=self.payout_cycle,
            anchor=self.payout_anchor or date(2026, 1, 5),
            every_days=max(self.payout_every_days, 1),
            weekday=int(self.payout_weekday or 0),
            month_days=(
                (self.payout_month_day, self.payout_month_day_2)
                if self.payout_cycle == "semimonthly"
                else (self.payout_month_day,)
            ),
            deposit_lag=max(self.payout_deposit_lag, 0),
            release=self.payout_release,
            release_days=self.payout_release_days,
            reserve_rate=Decimal(str(self.payout_reserve_rate or 0)),
            reserve_days=self.payout_reserve_days,
            minimum_payout=Decimal(str(self.payout_minimum or 0)),
            holidays=holidays,
        )

    @api.depends_context("uid")
    def _compute_payout_observed_delay(self):
        now = fields.Datetime.now()
        since = now - timedelta(days=90)
        self.env["marketplace.transaction"].flush_model()
        self.env["marketplace.payout"].flush_model()
        self.env["sale.order"].flush_model(["date_order"])
        # One delay per order and payout that paid it, however many sale lines
        # (items) the order has in the payout; observed: deposited by now (an
        # announced payout is not).
        self.env.cr.execute(
            """
            SELECT channel_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY delay)
              FROM (
                SELECT DISTINCT p.channel_id, p.id, o.id,
                       EXTRACT(EPOCH FROM p.date_deposit - o.date_order)
                           / 86400 AS delay
                  FROM marketplace_transaction t
                  JOIN marketplace_payout p ON p.id = t.payout_id
                  JOIN sale_order o ON o.id = t.sale_order_id
                 WHERE t.category = 'sale' AND p.channel_id = ANY(%s)
                   AND p.date_deposit >= %s AND p.date_deposit <= %s
              ) paid (channel_id, payout_id, order_id, delay)
             GROUP BY channel_id
            """,
            [self.ids, since, now],
        )
        observed = dict(self.env.cr.fetchall())
        today = fields.Date.context_today(self)
        # The bank's closing days up to the latest deposit: the release, the next
        # close (within the cycle or 62 days), then a few business days.
        span = max(
            [0, *self.mapped("payout_release_days"), *self.mapped("payout_every_days")]
        )
        holidays = forecast.bank_closing_days(today, today + timedelta(days=span + 93))
        for channel in self:
            median = observed.get(channel.id)
            channel.payout_observed_delay = round(median, 1) if median else 0.0
            calendar = channel._payout_calendar(holidays)
            release = forecast.release_date(calendar, today, today, today)
            close = forecast.next_close(calendar, release)
            channel.payout_configured_delay = (
                forecast.deposit_date(calendar, close) - today
            ).days
