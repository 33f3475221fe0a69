"""Benchmark of payout <-> bank line matching (issue: bank matching).

Generates N posted payouts and N bank statement lines over one year, then times the
pure core's ``match`` (no Odoo, no database) for each N and prints the seconds, the
ratio between the sizes, and how many automatic matches agree with the generator.

The data:

- channels of several platforms (Amazon, Mirakl, Shopify, Stripe, eBay), 70 % in EUR,
  15 % GBP, 15 % USD; each pays about once a business day (``--payouts-per-channel``,
  250 a year), so N payouts spread over N / 250 channels. A single seller account
  never pays 400 times a year, and only a fixed density per channel makes "twice the
  data" mean "twice the work": ``--channels`` fixes the count instead (denser
  channels, see the report in bench/README.md);
- amounts with cents (log-normal, median about 600), 4 % negative (the seller owes);
  deposit dates spread over 2025; the reference is an 11-digit Amazon settlement id,
  a Stripe ``po_...`` id or a Mirakl invoice number;
- each channel's payouts in date order become bank lines: about 2 % never arrive,
  about 12 % of the steps pay the next 2-3 payouts in one deposit, the others are
  single deposits, booked 0 to 3 days after the deposit date (sometimes 1 before);
  6 % of the labels quote the reference; GBP and USD payouts land half of the time
  on the EUR account with the foreign amount stated;
- noise lines (supplier debits, card fees, customer transfers) fill up to N lines.

Usage:

    .venv/bin/python bench/bench_matching.py                  # N = 100,000 and 200,000
    .venv/bin/python bench/bench_matching.py --sizes 20000 40000 --channels 12

Numbers go to bench/README.md by hand, with the machine and the date.
"""

import argparse
import random
import resource
import sys
import time
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
import conftest  # noqa: E402, F401  (registers the addons as bare packages)
from marketplace_cash.core.matching import (  # noqa: E402
    BankLine,
    MatchOptions,
    Payout,
    match,
)

YEAR_START = date(2025, 1, 1)
PLATFORMS = ("amazon", "mirakl", "shopify", "stripe", "ebay")
CURRENCIES = ("EUR",) * 14 + ("GBP",) * 3 + ("USD",) * 3
RATES = {"GBP": Decimal("1.1834"), "USD": Decimal("0.9217")}  # to EUR
LABELS = {
    "amazon": "VIR SEPA AMAZON PAYMENTS EUROPE SCA",
    "mirakl": "VIR SEPA MARKETPLACE OPERATOR PAYOUT",
    "shopify": "VIR SHOPIFY INTERNATIONAL LTD",
    "stripe": "VIR STRIPE PAYMENTS EUROPE LTD",
    "ebay": "VIR EBAY SARL PAYOUT",
}
NOISE_LABELS = (
    "PRLV SEPA URSSAF",
    "CB GOOGLE ADS",
    "PRLV DHL EXPRESS FRANCE",
    "VIR CLIENT SARL DUPONT FACT",
    "FRAIS BANCAIRES",
    "PRLV OVH",
)
CENT = Decimal("0.01")


def money(cents):
    return Decimal(cents).scaleb(-2)


def reference(rng, platform, number):
    if platform == "amazon":
        return str(10_000_000_000 + number * 7919 % 89_999_999_999)
    if platform in ("stripe", "shopify"):
        alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        return "po_1" + "".join(rng.choice(alphabet) for _ in range(23))
    return f"{platform.upper()}-{number:08d}"


def make_channels(rng, count):
    """``[(channel id, platform, currency)]``."""
    return [
        (number, PLATFORMS[number % len(PLATFORMS)], rng.choice(CURRENCIES))
        for number in range(count)
    ]


def make_payouts(rng, n, channels):
    """N payouts; ids grow with the deposit date, as imports do."""
    days = sorted(rng.randrange(365) for _ in range(n))
    payouts = []
    for number, day in enumerate(days):
        channel, platform, currency = rng.choice(channels)
        cents = int(rng.lognormvariate(11.0, 1.1)) + 100
        if rng.random() < 0.04:
            cents = -(cents // 20 + 1)
        deposit = YEAR_START + timedelta(days=day)
        refs = (reference(rng, platform, number),)
        payouts.append(Payout(number, channel, currency, money(cents), deposit, refs))
    return payouts


def deposit_spec(rng, members, platform):
    """``(date, currency, amount, label, foreign currency, foreign amount)`` of the
    bank line paying ``members`` (one channel), in its currency or in EUR."""
    total = sum(p.amount for p in members)
    booked = max(p.deposit_date for p in members) + timedelta(
        days=rng.choice((-1, 0, 0, 1, 1, 1, 2, 3))
    )
    label = LABELS[platform] if total > 0 else "PRLV " + LABELS[platform][9:]
    if rng.random() < 0.06:
        label += " REF " + " ".join(p.refs[0] for p in members)
    currency = members[0].currency
    if currency != "EUR" and rng.random() < 0.5:
        eur = (total * RATES[currency]).quantize(CENT)
        return booked, "EUR", eur, label, currency, abs(total)
    return booked, currency, total, label, None, None


def make_lines(rng, n, payouts, channels):
    """N bank lines in statement (date) order and the truth ``{line id: payout
    ids}``. The records are built in that order, as the ORM layer would build them:
    a shuffled list would make every run a random walk through memory."""
    platform_of = {channel: platform for channel, platform, _ in channels}
    by_channel = {}
    for payout in payouts:
        by_channel.setdefault((payout.channel_id, payout.amount > 0), []).append(payout)
    specs = []
    for (channel, _sign), members in sorted(by_channel.items()):
        k = 0
        while k < len(members):
            size = 1
            if rng.random() < 0.12:
                size = rng.choice((2, 2, 3))
            chunk = members[k : k + size]
            if (chunk[-1].deposit_date - chunk[0].deposit_date).days > 4:
                chunk = chunk[:1]
            k += len(chunk)
            if rng.random() < 0.02:
                continue  # never paid (yet)
            spec = deposit_spec(rng, chunk, platform_of[channel])
            specs.append((*spec, tuple(sorted(p.id for p in chunk))))
    while len(specs) < n:
        cents = int(rng.lognormvariate(10.0, 1.5)) + 1
        sign = -1 if rng.random() < 0.7 else 1
        booked = YEAR_START + timedelta(days=rng.randrange(365))
        label = rng.choice(NOISE_LABELS)
        specs.append((booked, "EUR", money(sign * cents), label, None, None, ()))
    specs.sort(key=lambda spec: spec[0])
    lines, truth = [], {}
    for number, (
        booked,
        currency,
        amount,
        label,
        foreign,
        amount_foreign,
        ids,
    ) in enumerate(specs):
        amount = money(int(amount.scaleb(2)))  # a fresh object, allocated in order
        lines.append(
            BankLine(number, currency, amount, booked, label, foreign, amount_foreign)
        )
        if ids:
            truth[number] = ids
    return lines, truth


def composition(lines, truth):
    sizes = Counter(len(truth.get(line.id, ())) for line in lines)
    referenced = sum(" REF " in line.label for line in lines)
    fx = sum(line.foreign_currency is not None for line in lines)
    total = len(lines)

    def pct(count):
        return f"{100 * count / total:.1f} %"

    return (
        f"single {pct(sizes[1])}, groups {pct(sizes[2] + sizes[3])}, "
        f"reference in label {pct(referenced)}, foreign amount {pct(fx)}, "
        f"noise {pct(sizes[0])}"
    )


def quality(result, truth):
    """Counts of matches and proposals, and how many matches are right."""
    kinds = Counter(m.kind for m in result.matches)
    right = sum(
        truth.get(m.bank_line_id) == tuple(sorted(m.payout_ids)) for m in result.matches
    )
    proposed_right = sum(
        any(
            tuple(sorted(a.payout_ids)) == truth.get(p.bank_line_id)
            for a in p.alternatives
        )
        for p in result.proposals
    )
    by_kind = ", ".join(f"{kind} {count:,}" for kind, count in sorted(kinds.items()))
    return (
        f"{len(result.matches):,} matches ({by_kind}), "
        f"{right:,} right, {len(result.matches) - right:,} wrong; "
        f"{len(result.proposals):,} proposals ({proposed_right:,} offer the truth); "
        f"unmatched {len(result.unmatched_bank_line_ids):,} lines, "
        f"{len(result.unmatched_payout_ids):,} payouts"
    )


def bench(n, args):
    rng = random.Random(args.seed + n)
    count = args.channels or max(3, n // args.payouts_per_channel)
    channels = make_channels(rng, count)
    payouts = make_payouts(rng, n, channels)
    lines, truth = make_lines(rng, n, payouts, channels)
    print(f"N={n:,}: {len(payouts):,} payouts, {len(lines):,} lines, {count} channels")
    print(f"  lines: {composition(lines, truth)}")
    options = MatchOptions()
    timings = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        result = match(payouts, lines, options)
        timings.append(time.perf_counter() - started)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"  match: {min(timings):.2f} s (best of {args.repeat}: "
        f"{', '.join(f'{t:.2f}' for t in timings)}); peak RSS {rss:.0f} MB"
    )
    print(f"  {quality(result, truth)}")
    return min(timings)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 200_000])
    parser.add_argument("--payouts-per-channel", type=int, default=250)
    parser.add_argument("--channels", type=int, default=0, help="fixed channel count")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args()
    timings = [bench(n, args) for n in args.sizes]
    for k in range(1, len(timings)):
        (n0, t0), (n1, t1) = (
            (args.sizes[k - 1], timings[k - 1]),
            (args.sizes[k], timings[k]),
        )
        print(f"ratio N={n1:,} / N={n0:,}: data {n1 / n0:.2f}x, time {t1 / t0:.2f}x")


if __name__ == "__main__":
    main()
