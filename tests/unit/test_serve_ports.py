"""The ports ``voxray serve`` checks before Ray starts: a taken one is named with what moves it."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from voxray_runtime.commands.ports import METRICS_ENV, PortInUseError, is_free, pick_free, plan_ports


def probe(taken: set[int]):  # type: ignore[no-untyped-def]
    return lambda _host, port: port not in taken


@pytest.mark.parametrize(
    ("api", "env", "taken", "metrics", "note"),
    [
        (8000, {}, set(), 8080, ""),
        (8000, {METRICS_ENV: "9100"}, {8080}, 9100, ""),
        (8000, {}, {8080}, 45678, "port 8080 is in use: Ray's metrics go to port 45678"),
        (8080, {}, set(), 45678, "port 8080 is in use"),
        (8000, {METRICS_ENV: " "}, set(), 8080, ""),
    ],
)
def test_plan(api: int, env: dict[str, str], taken: set[int], metrics: int, note: str) -> None:
    plan = plan_ports("127.0.0.1", api, env, probe(taken), lambda: 45678)
    assert (plan.api_port, plan.metrics_port) == (api, metrics)
    assert plan.note.startswith(note)
    if note:
        assert METRICS_ENV in plan.note


@pytest.mark.parametrize(
    ("api", "env", "taken", "says"),
    [
        (
            8000,
            {},
            {8000},
            "port 8000 on 127.0.0.1 (the API and Playground) is in use: choose another with --port",
        ),
        (8000, {METRICS_ENV: "8080"}, {8080}, f"port 8080 (Ray's metrics export, {METRICS_ENV}) is in use"),
        (8000, {METRICS_ENV: "eighty"}, set(), "is not a port number"),
        (8000, {METRICS_ENV: "70000"}, set(), "is not a port number (1-65535)"),
        (8000, {METRICS_ENV: "8000"}, set(), "is the API port too"),
    ],
)
def test_refusals(api: int, env: dict[str, str], taken: set[int], says: str) -> None:
    with pytest.raises(PortInUseError) as err:
        plan_ports("127.0.0.1", api, env, probe(taken), lambda: 45678)
    assert says in str(err.value)


@pytest.fixture
def listener() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield int(s.getsockname()[1])


def test_a_real_listener_is_seen(listener: int) -> None:
    assert not is_free("127.0.0.1", listener)
    assert is_free("127.0.0.1", pick_free())


def test_serve_refuses_a_taken_api_port_at_once(listener: int, capsys: pytest.CaptureFixture[str]) -> None:
    from voxray_runtime.cli import main

    code = main(["serve", "--port", str(listener), "--no-text"])
    err = capsys.readouterr().err
    assert code == 2
    assert f"port {listener} on 127.0.0.1 (the API and Playground) is in use" in err
    assert "Traceback" not in err


def test_serve_refuses_a_taken_metrics_port(
    listener: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from voxray_runtime.cli import main

    monkeypatch.setenv(METRICS_ENV, str(listener))
    code = main(["serve", "--port", str(pick_free()), "--no-text"])
    assert code == 2
    assert f"port {listener} (Ray's metrics export, {METRICS_ENV}) is in use" in capsys.readouterr().err
