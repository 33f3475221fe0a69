"""Benchmark of the live sync (issue: live sync, webhooks, jobs).

1. ``api``: end to end, a settlement published by a fake Amazon SP-API on 127.0.0.1
   (report list, report document, gzipped 1M-line settlement V2 file) synced by the
   channel's job method ``_sync_stream("settlements")``: download, gunzip, parse,
   write, totals. Lines/s and peak RSS of this process.
2. ``webhooks``: intake throughput and latency of ``/marketplace/webhook/<token>``
   against a real Odoo server (``--workers 2``) on loopback: N signed Stripe events
   sent by C concurrent keep-alive clients; requests/s, p50 and p99 latency.

Usage (the Odoo Python, a database with the modules installed):

    /opt/odoo18/venv/bin/python bench/bench_sync.py api --lines 1000000 \
        -d mkc_dev --addons-path ... --db_host 127.0.0.1 --db_user odoo \
        --db_password odoo
    /opt/odoo18/venv/bin/python bench/bench_sync.py webhooks --requests 5000 \
        --clients 8 -d mkc_dev --addons-path ... [--db_host ... as above]

Numbers go to bench/README.md by hand, with the machine and the date.
"""

import argparse
import gzip
import hashlib
import hmac
import http.client
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT.parent / "addons/marketplace_connectors/tests"))

import bench_import  # noqa: E402  (the settlement generator and the Odoo set-up)
from api_fake import FakeApi, Reply  # noqa: E402

WEBHOOK_SECRET = "whsec_bench"


def odoo_options(args):
    options = ["-d", args.database]
    for key, flag in (
        ("addons_path", "--addons-path"),
        ("db_host", "--db_host"),
        ("db_port", "--db_port"),
        ("db_user", "--db_user"),
        ("db_password", "--db_password"),
    ):
        value = getattr(args, key)
        if value:
            options.append(f"{flag}={value}")
    return options


# ---- 1. API sync end to end


def bench_api(args):
    odoo, registry = bench_import.odoo_env(args)
    content = bench_import.settlement_file(args.lines).read_bytes()
    packed = gzip.compress(content, compresslevel=6)
    del content
    with FakeApi() as api:
        api.add("POST", "/auth/o2/token", Reply(200, _token()))
        api.add(
            "GET",
            "/reports/2021-06-30/reports",
            Reply(
                200,
                {
                    "reports": [
                        {
                            "reportId": "90000000001",
                            "reportType": "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2",
                            "processingStatus": "DONE",
                            "createdTime": "2026-03-31T06:00:00Z",
                            "dataStartTime": "2026-03-01T00:00:00Z",
                            "dataEndTime": "2026-03-29T00:00:00Z",
                            "reportDocumentId": "amzn1.doc.bench",
                        }
                    ]
                },
            ),
        )
        api.add(
            "GET",
            "/reports/2021-06-30/documents/amzn1.doc.bench",
            Reply(
                200,
                {
                    "reportDocumentId": "amzn1.doc.bench",
                    "url": f"{api.url}/s3/settlement.gz",
                    "compressionAlgorithm": "GZIP",
                },
            ),
        )
        api.add("GET", "/s3/settlement.gz", Reply(200, packed))
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            env.ref("base.EUR").active = True
            channel = env["marketplace.channel"].create(
                {
                    "name": f"Bench sync {time.time():.0f}",
                    "platform": "amazon",
                    "currency_id": env.ref("base.EUR").id,
                    "api_url": api.url,
                    "api_token_url": f"{api.url}/auth/o2/token",
                    "api_client_id": "amzn1.application-oa2-client.bench",
                    "api_client_secret": "bench-secret",
                    "api_refresh_token": "Atzr|bench",
                    "sync_start_date": "2026-03-01",
                }
            )
            env.flush_all()
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            started = time.perf_counter()
            result = channel._sync_stream("settlements")
            env.flush_all()
            elapsed = time.perf_counter() - started
            rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            batch = env["marketplace.import.batch"].search(
                [("channel_id", "=", channel.id)]
            )
            assert batch.state == "done", (result, batch.error_message)
            assert batch.new_line_count == args.lines, batch.new_line_count
            assert batch.payout_ids.is_balanced
            print(
                f"api sync: {args.lines} lines in {elapsed:.2f} s = "
                f"{args.lines / elapsed:,.0f} lines/s end to end (download "
                f"{len(packed) / 1e6:.1f} MB gzip, gunzip, import); {result}; peak RSS "
                f"{rss_after / 1024:.0f} MB (before {rss_before / 1024:.0f} MB)"
            )
            cr.rollback()


def _token():
    return {"access_token": "Atza|bench", "token_type": "bearer", "expires_in": 3600}


# ---- 2. webhook intake


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _prepare_webhook_channel(odoo, registry):
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        channel = env["marketplace.channel"].create(
            {
                "name": f"Bench webhooks {time.time():.0f}",
                "platform": "stripe",
                "webhook_secret": WEBHOOK_SECRET,
            }
        )
        channel.action_generate_webhook_token()
        cr.commit()
        return channel.id, channel.webhook_token


def _cleanup_webhook_channel(odoo, registry, channel_id):
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        count = env["marketplace.webhook.event"].search_count(
            [("channel_id", "=", channel_id)]
        )
        jobs = env["queue.job"].search(
            [("identity_key", "=", f"marketplace-webhook:{channel_id}")]
        )
        print(f"stored events: {count}; processing jobs waiting: {len(jobs)}")
        jobs.unlink()
        env["marketplace.channel"].browse(channel_id).unlink()
        cr.commit()
    return count


def _signed(event_number):
    body = json.dumps(
        {
            "id": f"evt_bench_{event_number}",
            "object": "event",
            "type": "payout.paid",
            "data": {"object": {"id": f"po_{event_number}", "object": "payout"}},
        }
    ).encode()
    timestamp = str(int(time.time()))
    digest = hmac.new(
        WEBHOOK_SECRET.encode(), timestamp.encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    headers = {
        "Content-Type": "application/json",
        "Stripe-Signature": f"t={timestamp},v1={digest}",
    }
    return body, headers


def _wait_for(url, timeout=60):
    import requests

    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            requests.get(url, timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.5)
    raise RuntimeError(f"Odoo did not answer on {url}")


def bench_webhooks(args):
    import requests

    odoo, registry = bench_import.odoo_env(args)
    channel_id, token = _prepare_webhook_channel(odoo, registry)
    port = _free_port()
    odoo_bin = os.environ.get("ODOO_BIN", "odoo")
    server = subprocess.Popen(
        [
            odoo_bin,
            *odoo_options(args),
            "--workers=2",
            "--max-cron-threads=0",
            "--http-interface=127.0.0.1",
            f"--http-port={port}",
            "--log-level=warn",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    url = f"{base}/marketplace/webhook/{token}"
    latencies, statuses = [], {}
    lock = threading.Lock()
    try:
        _wait_for(f"{base}/web/webclient/version_info")
        # warm-up: both workers load the registry
        warm = requests.Session()
        for i in range(40):
            body, headers = _signed(f"warm{i}")
            warm.post(url, data=body, headers=headers, timeout=30)
        payloads = [_signed(i) for i in range(args.requests)]
        per_client = [payloads[i :: args.clients] for i in range(args.clients)]

        path = f"/marketplace/webhook/{token}"

        def client(items):
            # http.client with keep-alive: a light client, so that the 2 cores are
            # left to Odoo and PostgreSQL as much as possible.
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine, codes = [], {}
            for body, headers in items:
                started = time.perf_counter()
                connection.request("POST", path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                mine.append(time.perf_counter() - started)
                codes[response.status] = codes.get(response.status, 0) + 1
            connection.close()
            with lock:
                latencies.extend(mine)
                for code, count in codes.items():
                    statuses[code] = statuses.get(code, 0) + count

        threads = [threading.Thread(target=client, args=(c,)) for c in per_client]
        cpu_started = time.process_time()
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        client_cpu = time.process_time() - cpu_started
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    print(
        f"webhook intake: {args.requests} requests, {args.clients} clients, Odoo "
        f"--workers=2: {args.requests / elapsed:,.0f} requests/s; latency p50 "
        f"{p50:.1f} ms, p99 {p99:.1f} ms, max {latencies[-1] * 1000:.1f} ms; "
        f"statuses {statuses}; load generator CPU {client_cpu:.1f} s of "
        f"{elapsed:.1f} s"
    )
    stored = _cleanup_webhook_channel(odoo, registry, channel_id)
    assert statuses == {200: args.requests}, statuses
    assert stored == args.requests + 40, stored


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    p_api = sub.add_parser("api")
    p_api.add_argument("--lines", type=int, default=1_000_000)
    p_hook = sub.add_parser("webhooks")
    p_hook.add_argument("--requests", type=int, default=5000)
    p_hook.add_argument("--clients", type=int, default=8)
    for sub_parser in (p_api, p_hook):
        bench_import.add_odoo_arguments(sub_parser)
    args = parser.parse_args()
    if args.mode == "api":
        bench_api(args)
    else:
        bench_webhooks(args)


if __name__ == "__main__":
    main()
