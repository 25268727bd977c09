"""`fix` against a real loopback server speaking http and https on one port: the https form is really tried."""

from __future__ import annotations

from crawler.cli import main
from crawler.snapshot import dump_snapshot_json
from tests import fix_fixture as fx
from tests.fakes.dual_scheme_server import CA_FILE, DualSchemeServer


def test_http_link_moves_to_https_only_when_the_https_form_answers(tmp_path, monkeypatch, capsys):
    """/corpus answers 200 over TLS: proposed; /plain answers only over plain http (404 on https): kept."""
    routes = {("http", "/corpus"): 200, ("https", "/corpus"): 200, ("http", "/plain"): 200}
    with DualSchemeServer(routes) as server:
        http_ok, http_only = server.url("http", "/corpus"), server.url("http", "/plain")
        text = fx.moved_yaml(http_ok, http_only)
        (tmp_path / "registry.yaml").write_text(text, encoding="utf-8")
        snapshot = tmp_path / "latest.json"
        last = fx.snapshots(text, http_ok=http_ok, http_only=http_only)[-1]
        snapshot.write_text(dump_snapshot_json(last), encoding="utf-8")
        monkeypatch.setenv("SSL_CERT_FILE", str(CA_FILE))  # the test CA that signed the server's certificate
        args = ["fix", "--registry", str(tmp_path / "registry.yaml"), "--snapshot", str(snapshot), "--allow-private"]
        assert main([*args, "--apply"]) == 0
        hits = dict(server.hits)
    new = (tmp_path / "registry.yaml").read_text(encoding="utf-8")
    https_ok = server.url("https", "/corpus")
    assert f"      - url: {https_ok}  # was {http_ok} (crawler fix " in new
    assert f"      - url: {http_only}\n" in new
    assert hits.get("HEAD https:/corpus") == 1 and hits.get("HEAD https:/plain") == 1
    assert not any(key.split()[1].startswith("http:") for key in hits)  # the http forms were not fetched again
    assert f"{http_only}: kept: its https:// form did not check out" in capsys.readouterr().err


def test_offline_never_touches_the_network(tmp_path, capsys):
    """--offline: the server sees no request and no http link is moved."""
    with DualSchemeServer({("https", "/corpus"): 200}) as server:
        http_ok = server.url("http", "/corpus")
        text = fx.moved_yaml(http_ok)
        (tmp_path / "registry.yaml").write_text(text, encoding="utf-8")
        (tmp_path / "latest.json").write_text(
            dump_snapshot_json(fx.snapshots(text, http_ok=http_ok)[-1]), encoding="utf-8"
        )
        args = ["fix", "--registry", str(tmp_path / "registry.yaml"), "--snapshot", str(tmp_path / "latest.json")]
        assert main([*args, "--offline", "--allow-private"]) == 0
        assert not server.hits
    assert f"-      - url: {http_ok}" not in capsys.readouterr().out


def test_a_host_without_tls_keeps_its_http_links_with_a_true_note(tmp_path, capsys):
    """A plain-HTTP-only loopback host: the https form is tried, fails, the link stays, and the note does not
    claim it was never tried."""
    from tests.loopback_server import LoopbackServer

    server = LoopbackServer().start()
    try:
        http_ok, http_only = server.url("/ok"), server.url("/temporary")
        text = fx.moved_yaml(http_ok, http_only)
        (tmp_path / "registry.yaml").write_text(text, encoding="utf-8")
        snapshot = tmp_path / "latest.json"
        snapshot.write_text(
            dump_snapshot_json(fx.snapshots(text, http_ok=http_ok, http_only=http_only)[-1]), encoding="utf-8"
        )
        args = ["fix", "--registry", str(tmp_path / "registry.yaml"), "--snapshot", str(snapshot)]
        assert main([*args, "--allow-private"]) == 0
    finally:
        server.stop()
    out, err = capsys.readouterr()
    assert f"-      - url: {http_ok}" not in out
    assert "2 http:// link(s) kept: none of their https:// forms answered at all" in err
    assert "not tried" not in err
