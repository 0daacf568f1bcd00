"""In-process interception: vendor hosts are served by the app through responses; others are refused."""

from __future__ import annotations

import pytest
import requests
from flask import Flask, jsonify, request

from simulator.testing.intercept import Interceptor
from simulator.testing.live import LiveServer


def _echo_app() -> Flask:
    app = Flask("echo")

    @app.route("/<path:path>", methods=["GET", "POST", "PATCH", "DELETE"])
    def echo(path: str) -> object:
        return jsonify(host=request.host, path=path, method=request.method, args=request.args,
                       body=request.get_data(as_text=True), auth=request.headers.get("Authorization"))

    return app


@pytest.mark.parametrize(
    "url",
    [
        "https://open-api.tiktokglobalshop.com/order/202309/orders?ids=1,2&app_key=k",
        "https://auth.tiktok-shops.com/api/v2/token/get?app_key=k",
        "https://zzrf-001.dx.commercecloud.salesforce.com/s/RefArch/dw/shop/v24_5/orders/00001",
        "https://dev01-na01-acme.demandware.net/s/RefArch/CreateExternalOrder",
        "https://account.demandware.com/dwsso/oauth2/access_token",
        "https://api.channeladvisor.com/v1/Orders?$filter=ShippingStatus eq 'Unshipped'",
    ],
)
def test_vendor_hosts_are_routed_into_the_app_with_path_query_and_headers(url: str) -> None:
    with Interceptor(_echo_app()) as interceptor:
        response = requests.post(url, data='{"a":1}', headers={"Authorization": "Bearer t"}, timeout=5)
    assert response.status_code == 200
    body = response.json()
    assert body["method"] == "POST" and body["body"] == '{"a":1}' and body["auth"] == "Bearer t"
    assert url.split("://", 1)[1].split("/", 1)[0] == body["host"]
    assert len(interceptor.calls) == 1


def test_unknown_hosts_are_refused_and_loopback_passes_through() -> None:
    app = _echo_app()
    with LiveServer(app) as live, Interceptor(app):
        with pytest.raises(requests.ConnectionError):
            requests.get("https://example.com/anything", timeout=5)
        assert requests.get(f"{live.url}/local", timeout=5).json()["path"] == "local"
