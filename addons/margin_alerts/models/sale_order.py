# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import dataclasses
from decimal import Decimal

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..core import margin as core

APPROVAL_STATES = [
    ("not_needed", "Not Needed"),
    ("to_approve", "To Approve"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
]
# Written by the workflow only, as superuser after its own checks.
APPROVAL_FIELDS = {"margin_approval_state", "margin_approver_ids"}
# A change of these on the order invalidates a margin approval (line fields: see
# sale.order.line).
APPROVAL_ORDER_TRIGGERS = {"pricelist_id", "marketplace_channel_id", "currency_id"}
QUOTATION_STATES = ("draft", "sent")


class SaleOrder(models.Model):
    _inherit = "sale.order"

    net_margin_total = fields.Monetary(
        string="Net-Net Margin",
        compute="_compute_net_margin_total",
        store=True,
        groups="margin_alerts.group_margin_show",
    )
    net_margin_total_percent = fields.Float(
        string="Net-Net Margin (%)",
        compute="_compute_net_margin_total",
        store=True,
        groups="margin_alerts.group_margin_show",
        help="Net-net margin over the revenue excluding VAT.",
    )

    margin_approval_needed = fields.Boolean(
        compute="_compute_margin_approval_needed",
        store=True,
        help="A line breaks its margin rule: the quotation cannot be confirmed "
        "without an approval.",
    )
    margin_forbidden = fields.Boolean(
        compute="_compute_margin_approval_needed",
        store=True,
        help="A line is below the forbidden threshold of its margin rule: the "
        "quotation cannot be confirmed, even approved.",
    )
    margin_approval_state = fields.Selection(
        APPROVAL_STATES,
        default="not_needed",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
    )
    margin_approver_ids = fields.Many2many(
        "res.users",
        "sale_order_margin_approver_rel",
        "order_id",
        "user_id",
        string="Margin Approvers",
        readonly=True,
        copy=False,
    )
    margin_approval_ids = fields.One2many(
        "margin.approval", "order_id", string="Margin Approvals", readonly=True
    )
    margin_approval_reason = fields.Text(compute="_compute_margin_approval_reason")
    margin_can_review = fields.Boolean(compute="_compute_margin_can_review")

    margin_below_floor = fields.Boolean(
        string="Sold Below Floor",
        compute="_compute_margin_below_floor",
        store=True,
        groups="base.group_user",
        help="A line is priced under its floor price.",
    )

    @api.depends("order_line.margin_below_floor")
    def _compute_margin_below_floor(self):
        for order in self:
            order.margin_below_floor = any(
                order.order_line.mapped("margin_below_floor")
            )

    @api.depends("order_line.net_margin", "amount_untaxed")
    def _compute_net_margin_total(self):
        for order in self:
            total = sum(order.order_line.mapped("net_margin"))
            order.net_margin_total = total
            order.net_margin_total_percent = (
                total / order.amount_untaxed if order.amount_untaxed else 0.0
            )

    @api.depends("order_line.margin_verdict", "marketplace_order_ref")
    def _compute_margin_approval_needed(self):
        for order in self:
            verdicts = (
                set()
                if order.marketplace_order_ref
                else set(order.order_line.mapped("margin_verdict"))
            )
            order.margin_forbidden = "forbidden" in verdicts
            order.margin_approval_needed = "approve" in verdicts

    @api.depends(
        "order_line.margin_verdict",
        "order_line.margin_rule_id",
        "order_line.discount",
    )
    def _compute_margin_approval_reason(self):
        for order in self:
            order.margin_approval_reason = "\n".join(order._margin_reasons())

    @api.depends_context("uid")
    @api.depends("margin_approval_state", "margin_approver_ids", "user_id")
    def _compute_margin_can_review(self):
        for order in self:
            order.margin_can_review = (
                order.margin_approval_state == "to_approve"
                and self.env.user in order.margin_approver_ids
                and self.env.user != order.user_id
            )

    def action_open_margin_decision(self):
        """The approve / reject dialog (comment or reason)."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "margin_alerts.margin_approval_wizard_action"
        )
        action["context"] = {
            "default_order_id": self.id,
            "default_decision": self.env.context.get("margin_decision", "approve"),
        }
        return action

    def _margin_reasons(self):
        """One translated line per breach of a margin rule, for the banner, the
        request and the audit trail. Read as superuser: the salesperson must see why
        the quotation waits, even without seeing margins and floor prices."""
        self.ensure_one()
        lines = self.sudo().order_line.filtered(
            lambda line: line.margin_verdict in ("approve", "forbidden")
        )
        rules = {rule.id: rule for rule in lines.margin_rule_id._core_rules()}
        reasons = []
        for line in lines:
            rule = rules.get(line.margin_rule_id.id)
            if rule is None:
                continue
            limit = line.margin_rule_id._discount_limit(set(self.user_id.groups_id.ids))
            verdict = core.evaluate(
                Decimal(str(line.net_margin_percent)),
                Decimal(str(line.discount)) / 100,
                dataclasses.replace(
                    rule, max_discount=Decimal(str(limit)) if limit else None
                ),
            )
            for kind, level, value, threshold in verdict.breaches:
                if level not in ("approve", "forbidden"):
                    continue
                values = {
                    "product": line.product_id.display_name,
                    "value": f"{value * 100:.2f} %",
                    "threshold": f"{threshold * 100:.2f} %",
                    "rule": line.margin_rule_id.name,
                }
                if kind == "discount":
                    reasons.append(
                        self.env._(
                            "%(product)s: discount %(value)s above %(threshold)s "
                            "(rule %(rule)s)",
                            **values,
                        )
                    )
                elif level == "forbidden":
                    reasons.append(
                        self.env._(
                            "%(product)s: net-net margin %(value)s below the "
                            "forbidden threshold %(threshold)s (rule %(rule)s)",
                            **values,
                        )
                    )
                else:
                    reasons.append(
                        self.env._(
                            "%(product)s: net-net margin %(value)s below "
                            "%(threshold)s (rule %(rule)s)",
                            **values,
                        )
                    )
        return reasons

    def _margin_amount_company(self):
        """The untaxed amount in the company's currency, for the rules' amount
        levels (set in the company's currency)."""
        self.ensure_one()
        company_currency = self.company_id.currency_id
        if not self.currency_id or self.currency_id == company_currency:
            return self.amount_untaxed
        return self.currency_id._convert(
            self.amount_untaxed,
            company_currency,
            self.company_id,
            self.date_order or fields.Date.context_today(self),
        )

    # ---- the margin approval workflow

    def _margin_exempt(self):
        """Marketplace orders are already sold when imported: never blocked."""
        self.ensure_one()
        return bool(self.marketplace_order_ref)

    def _margin_approvers(self):
        """The users who may approve this quotation (never its salesperson).

        Each line needing approval names an approver through its rule, escalated
        to the highest amount level reached (``core.margin.approval_rule``); when an
        amount level applies, only the highest level's approvers decide (the order
        is the finance manager's). A rule without approver: the Margin Approvers.
        """
        self.ensure_one()
        order = self.sudo()
        rule_records = (
            self.env["margin.rule"]
            .sudo()
            .search([("company_id", "=", order.company_id.id)])
        )
        by_id = {rule.id: rule for rule in rule_records}
        core_rules = {rule.id: rule for rule in rule_records._core_rules()}
        routes = set()
        for line in order.order_line.filtered(
            lambda line: line.margin_verdict == "approve"
        ):
            governing = core_rules.get(line.margin_rule_id.id)
            route = core.approval_rule(
                list(core_rules.values()), line._margin_rule_context(), governing
            )
            routes.add(route.id if route is not None else None)
        levels = [by_id[r] for r in routes if r is not None and by_id[r].amount_min]
        if levels:
            top = max(level.amount_min for level in levels)
            routes = {level.id for level in levels if level.amount_min == top}
        group = self.env.ref("margin_alerts.group_margin_approver")
        users = self.env["res.users"]
        for route in routes:
            rule = by_id.get(route)
            if rule and (rule.approver_user_id or rule.approver_group_id):
                users |= rule.approver_user_id | rule.approver_group_id.users
            else:
                users |= group.users
        return users.filtered(
            lambda user: (
                user.active
                and not user.share
                and order.company_id in user.company_ids
                and user != order.user_id
            )
        )

    def _margin_log(self, action, **values):
        """Append an entry to the audit trail (as superuser: the trail is read-only
        for everybody, the workflow checked the user's right before)."""
        for order in self.sudo():
            self.env["margin.approval"].sudo().create(
                {
                    "order_id": order.id,
                    "action": action,
                    "user_id": self.env.user.id,
                    "amount_untaxed": order.amount_untaxed,
                    "net_margin": order.net_margin_total,
                    "net_margin_percent": order.net_margin_total_percent,
                    "reasons": "\n".join(order._margin_reasons()),
                    **values,
                }
            )

    def _margin_close_activities(self, feedback=None):
        activity_type = self.env.ref("margin_alerts.mail_activity_margin_approval")
        activities = self.sudo().activity_ids.filtered(
            lambda activity: activity.activity_type_id == activity_type
        )
        if feedback is None:
            activities.unlink()
        else:
            done = activities.filtered(lambda a: a.user_id == self.env.user)
            done.action_feedback(feedback=feedback)
            (activities - done).unlink()

    def action_request_margin_approval(self):
        """Send the quotations that break a margin rule to their approvers:
        state *To Approve*, an activity per approver, a message (an email to the
        approvers who get their notifications by email), an entry in the trail.
        Quotations that need no approval are left as they are."""
        for order in self:
            if order.state not in QUOTATION_STATES:
                raise UserError(
                    self.env._(
                        "%s is not a quotation: its margin needs no approval.",
                        order.name,
                    )
                )
            if order.margin_approval_state == "rejected":
                raise UserError(
                    self.env._(
                        "The margin of %s was rejected: change the quotation "
                        "before asking again.",
                        order.name,
                    )
                )
            if order.margin_forbidden:
                raise UserError(
                    self.env._(
                        "%(order)s cannot be sold at this price, even approved:\n"
                        "%(reasons)s",
                        order=order.name,
                        reasons=order.margin_approval_reason,
                    )
                )
        to_request = self.filtered(
            lambda order: (
                order.margin_approval_needed
                and not order._margin_exempt()
                and order.margin_approval_state != "to_approve"
            )
        )
        for order in to_request:
            approvers = order._margin_approvers()
            if not approvers:
                raise UserError(
                    self.env._(
                        "Nobody can approve the margin of %s: set an approver on "
                        "its margin rule or add users to the Margin Approvers.",
                        order.name,
                    )
                )
            order.sudo().write(
                {
                    "margin_approval_state": "to_approve",
                    "margin_approver_ids": [fields.Command.set(approvers.ids)],
                }
            )
            order._margin_log("requested", approver_ids=approvers.ids)
            order._margin_notify_request(approvers)
        return bool(to_request)

    def _margin_notify_request(self, approvers):
        self.ensure_one()
        reasons = self._margin_reasons()
        note = Markup("<br/>").join(reasons)
        for approver in approvers:
            self.activity_schedule(
                "margin_alerts.mail_activity_margin_approval",
                user_id=approver.id,
                note=note,
            )
        body = self.env._(
            "Margin approval requested by %(user)s from %(approvers)s:",
            user=self.env.user.name,
            approvers=", ".join(approvers.mapped("name")),
        )
        self.message_post(
            body=Markup("%s<br/>%s") % (body, Markup("<br/>").join(reasons)),
            partner_ids=approvers.partner_id.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )

    def _margin_check_reviewer(self):
        self.ensure_one()
        if self.margin_approval_state != "to_approve":
            raise UserError(
                self.env._("%s is not waiting for a margin approval.", self.name)
            )
        requester = (
            self.sudo()
            .margin_approval_ids.filtered(lambda entry: entry.action == "requested")[:1]
            .user_id
        )
        if self.env.user in (self.user_id | requester):
            raise UserError(
                self.env._(
                    "You cannot approve or reject the margin of your own quotation %s.",
                    self.name,
                )
            )
        if self.env.user not in self.margin_approver_ids:
            raise AccessError(
                self.env._(
                    "Only %(approvers)s can approve the margin of %(order)s.",
                    approvers=", ".join(self.margin_approver_ids.mapped("name")),
                    order=self.name,
                )
            )

    def action_approve_margin(self, comment=None):
        """Approve the margin: the quotation becomes confirmable (until its price,
        discount, quantity, product, pricelist or channel changes)."""
        for order in self:
            order._margin_check_reviewer()
            order.sudo().write({"margin_approval_state": "approved"})
            order._margin_log("approved", comment=comment or False)
            order._margin_close_activities(feedback=comment or "")
            body = self.env._(
                "Margin approved by %(user)s.", user=self.env.user.name
            ) + (f" {comment}" if comment else "")
            order.message_post(
                body=body,
                partner_ids=order.user_id.partner_id.ids,
                subtype_xmlid="mail.mt_comment",
            )
        return True

    def action_reject_margin(self, reason):
        """Reject the margin with a reason: the quotation cannot be confirmed until
        it is changed and approved again."""
        if not (reason or "").strip():
            raise UserError(self.env._("Say why the margin is rejected."))
        for order in self:
            order._margin_check_reviewer()
            order.sudo().write({"margin_approval_state": "rejected"})
            order._margin_log("rejected", comment=reason)
            order._margin_close_activities(feedback=reason)
            order.message_post(
                body=self.env._(
                    "Margin rejected by %(user)s: %(reason)s",
                    user=self.env.user.name,
                    reason=reason,
                ),
                partner_ids=order.user_id.partner_id.ids,
                subtype_xmlid="mail.mt_comment",
            )
        return True

    def _margin_invalidate(self, changed):
        """A margin-relevant change after a request or a decision: the approval no
        longer holds. An approved (or pending) quotation that still breaks its rule
        goes back to *To Approve* (asked again if it was approved); a rejected one
        starts over (its next confirmation asks again); one that no longer breaks
        any rule needs no approval."""
        for order in self.filtered(
            lambda o: o.margin_approval_state != "not_needed" and not o._margin_exempt()
        ):
            previous = order.margin_approval_state
            order._margin_log(
                "invalidated",
                comment=self.env._("Changed: %s", ", ".join(sorted(changed))),
            )
            still_needed = order.margin_approval_needed or order.margin_forbidden
            if previous == "to_approve" and still_needed:
                continue
            order._margin_close_activities()
            order.sudo().write(
                {
                    "margin_approval_state": "not_needed",
                    "margin_approver_ids": [fields.Command.clear()],
                }
            )
            if previous == "approved" and order.margin_approval_needed:
                order.action_request_margin_approval()

    def _margin_check_confirmable(self):
        """Raise unless every order of ``self`` may be confirmed as to its margin."""
        for order in self:
            if order._margin_exempt() or order.state not in QUOTATION_STATES:
                continue
            if order.margin_forbidden:
                raise UserError(
                    self.env._(
                        "%(order)s cannot be sold at this price:\n%(reasons)s",
                        order=order.name,
                        reasons=order.margin_approval_reason,
                    )
                )
            if order.margin_approval_needed and order.margin_approval_state != (
                "approved"
            ):
                message = {
                    "rejected": self.env._(
                        "The margin of %s was rejected: change the quotation "
                        "before confirming it again."
                    ),
                    "to_approve": self.env._("%s is waiting for its margin approval."),
                }.get(
                    order.margin_approval_state,
                    self.env._("%s needs a margin approval before confirmation."),
                )
                raise UserError(message % order.name)

    def action_confirm(self):
        """Quotations that break a margin rule are not confirmed: the first attempt
        sends them for approval (and says so), later ones are refused until the
        approval is given. Marketplace orders are never held."""
        to_request = self.filtered(
            lambda order: (
                not order._margin_exempt()
                and order.state in QUOTATION_STATES
                and order.margin_approval_needed
                and not order.margin_forbidden
                and order.margin_approval_state == "not_needed"
            )
        )
        if to_request:
            to_request.action_request_margin_approval()
            self -= to_request
            if self:
                self._margin_check_confirmable()
                super().action_confirm()
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "warning",
                    "title": self.env._("Sent for margin approval"),
                    "message": self.env._(
                        "%s breaks a margin rule: it will be confirmable once "
                        "approved.",
                        ", ".join(to_request.mapped("name")),
                    ),
                    "next": {"type": "ir.actions.client", "tag": "soft_reload"},
                },
            }
        self._margin_check_confirmable()
        return super().action_confirm()

    def write(self, vals):
        if APPROVAL_FIELDS & set(vals) and not self.env.su:
            raise AccessError(
                self.env._("The margin approval changes through its workflow only.")
            )
        if vals.get("state") == "sale":
            # Every path to a confirmed order, not only the button.
            self._margin_check_confirmable()
        watched = APPROVAL_ORDER_TRIGGERS & set(vals)
        changed = (
            self.filtered(
                lambda order: (
                    order.margin_approval_state != "not_needed"
                    and any(order[name].id != (vals[name] or False) for name in watched)
                )
            )
            if watched
            else self.browse()
        )
        result = super().write(vals)
        if changed:
            changed._margin_invalidate(watched)
        return result

    # ---- marketplace orders: already sold, never blocked, but flagged

    def _marketplace_bind_orders(self, batch, orders):
        counters = super()._marketplace_bind_orders(batch, orders)
        imported = self.search(
            [
                ("marketplace_channel_id", "=", batch.channel_id.id),
                ("marketplace_order_ref", "in", [info.ref for info in orders]),
                ("margin_below_floor", "=", True),
            ]
        )
        imported._margin_alert_below_floor()
        return counters

    def _margin_alert_below_floor(self):
        """One activity per order sold below floor, for the responsible of the
        product category of its first line below floor (else the channel's
        responsible, else the salesperson), listing the lines; never twice."""
        summary = self.env._("Sold below floor")
        activity_type = self.env.ref("mail.mail_activity_data_warning")
        for order in self.filtered("margin_below_floor"):
            if order.activity_ids.filtered(lambda a, s=summary: a.summary == s):
                continue
            # As superuser: floor prices are hidden from users without "Show
            # Net-Net Margins", the importing user included; the note goes to the
            # category's responsible.
            lines = order.order_line.sudo().filtered("margin_below_floor")
            user = (
                lines.product_id.categ_id.margin_responsible_id[:1]
                or order.marketplace_channel_id.user_id
                or order.user_id
                or self.env.user
            )
            note = Markup("<br/>").join(
                self.env._(
                    "%(product)s: sold %(price)s, floor %(floor)s",
                    product=line.product_id.display_name,
                    price=line.price_unit,
                    floor=line.floor_price,
                )
                for line in lines
            )
            order.activity_schedule(
                activity_type_id=activity_type.id,
                summary=summary,
                note=note,
                user_id=user.id,
            )
