"""The vendor's MSP flow, with the vendor's Python SDK (pycentral 2.0a25) unchanged, against
platform-sim.

    python msp_flow.py ENDPOINT_JSON [--expire-after SECONDS]

ENDPOINT_JSON is the simulator's `endpoint.json` (`--state-dir`). The script gets the MSP token
(unified credential), lists every tenant with `workspaces/v1/msp-tenants` (offset paging),
exchanges the MSP token for each tenant's token (`MSPBase.get_tenant_connection`) and reads each
tenant's whole `network-monitoring/v1/device-inventory` with the SDK's own pager
(`MonitoringDevices.get_all_device_inventory`). It prints one JSON document on stdout:

    {"sdk_version": "...", "msp_tenants_total": N, "msp_tenants_pages": P,
     "tenants": [{"id": "...", "name": "...", "devices": D, "unique_serials": U}, ...]}

With `--expire-after SECONDS` it then waits that long (past the simulator's token lifetime) and
reads the first tenant with devices again through its cached connection: the SDK meets a 401 and
renews on its own (a new MSP token, a new exchange). The document then also holds
`"after_expiry": {"id": "...", "devices": D}`.

It points the SDK at the simulator only through the SDK's public configuration (see
docs/vendor-sdk.md): `glp_base_url` and `base_url` in the credential, and the token issuer in the
documented `pycentral.utils.constants.AUTHENTICATION`; oauthlib refuses a plain-http token URL
unless `OAUTHLIB_INSECURE_TRANSPORT` is set, its own documented switch. It never prints the
secret or a token (the SDK logs tokens at DEBUG, so the log level stays INFO).
"""

import json
import os
import sys
import time


def main(argv):
    expire_after = None
    if len(argv) == 4 and argv[2] == "--expire-after":
        expire_after = float(argv[3])
    elif len(argv) != 2:
        print("usage: msp_flow.py ENDPOINT_JSON [--expire-after SECONDS]", file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        endpoint = json.load(f)
    glp = endpoint["glp_base_url"].rstrip("/")
    central = endpoint["central_base_url"].rstrip("/")

    # oauthlib (under requests-oauthlib) refuses token URLs that are not https without this.
    os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")

    import pycentral
    from pycentral.utils import constants

    # The unified credential's token URL is AUTHENTICATION["OAUTH_GLOBAL"] + "/{workspace}/token",
    # for the MSP token and the exchange alike; glp_base_url does not move it.
    constants.AUTHENTICATION["OAUTH_GLOBAL"] = f"{glp}/authorization/v2/oauth2"

    from pycentral import MSPBase
    from pycentral.new_monitoring.devices import MonitoringDevices

    msp = MSPBase(
        token_info={
            "unified": {
                "client_id": endpoint["client_id"],
                "client_secret": endpoint["client_secret"],
                "workspace_id": endpoint["workspace_id"],
                "glp_base_url": glp,
                "base_url": central,
            }
        },
        log_level="INFO",
    )
    report = {"sdk_version": pycentral.__version__}
    try:
        tenants, total, pages = list_tenants(msp)
        out = []
        for t in tenants:
            conn = msp.get_tenant_connection(tenant_workspace_id=t["id"])
            devices = MonitoringDevices.get_all_device_inventory(conn)
            serials = {d.get("serialNumber") for d in devices}
            out.append(
                {
                    "id": t["id"],
                    "name": t.get("workspaceName"),
                    "devices": len(devices),
                    "unique_serials": len(serials),
                }
            )
        report.update(msp_tenants_total=total, msp_tenants_pages=pages, tenants=out)
        if expire_after is not None:
            again = next((t for t in out if t["devices"] > 0), None)
            if again is None:
                raise RuntimeError("no tenant with devices to read again")
            time.sleep(expire_after)
            # Cached: the same connection, holding the now expired tenant token.
            conn = msp.get_tenant_connection(tenant_workspace_id=again["id"])
            devices = MonitoringDevices.get_all_device_inventory(conn)
            report["after_expiry"] = {"id": again["id"], "devices": len(devices)}
    finally:
        msp.close()
    json.dump(report, sys.stdout, ensure_ascii=False)
    print()
    return 0


def list_tenants(msp):
    """Every tenant, paging by items received; the SDK has no lister of its own (its
    get_tenant_id sends a name filter without limit)."""
    tenants, offset, pages = [], 0, 0
    while True:
        r = msp.command(
            "GET",
            "workspaces/v1/msp-tenants",
            app_name="glp",
            api_params={"offset": offset, "limit": 100},
        )
        pages += 1
        if r["code"] != 200:
            raise RuntimeError(f"msp-tenants answered {r['code']}: {r['msg']}")
        page = r["msg"]
        items = page.get("items", [])
        tenants.extend(items)
        offset += len(items)
        if not items or offset >= page.get("total", 0) or pages > 10_000:
            return tenants, page.get("total", 0), pages


if __name__ == "__main__":
    sys.exit(main(sys.argv))
