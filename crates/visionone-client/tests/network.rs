//! Company networks at the client level: the emulator over TLS with a throwaway CA, refused with
//! a diagnostic after one request, trusted through `ca_certificates`, and reached through a
//! CONNECT proxy given as `proxy_url`.

use std::time::Duration;

use visionone_client::{CancellationToken, Client, ClientConfig, Network};
use visionone_emulator::test_pki::TestCa;
use visionone_emulator::test_proxy::ConnectProxy;
use visionone_emulator::{start_tls, Config, Handle, TlsIdentity};

const TOKEN: &str = "network-admin-token";

async fn tls_emulator(id: &TlsIdentity) -> Handle {
    let cfg = Config {
        admin_token: TOKEN.into(),
        ..Default::default()
    };
    start_tls(cfg, id).await.expect("emulator over TLS")
}

fn client(url: &str, network: Network) -> Client {
    let mut cfg = ClientConfig::new(url, TOKEN);
    cfg.request_timeout = Duration::from_secs(20);
    cfg.network = network;
    Client::new(cfg).expect("client")
}

fn trusting(ca: &TestCa) -> Network {
    Network {
        ca_certificates: Some(ca.cert_pem.clone()),
        proxy_url: None,
    }
}

/// The refusal names the host and the problem, is final after one attempt, and says how to fix it.
fn assert_refused(c: &Client, e: &visionone_client::Error, problem: &str) {
    let text = e.to_string();
    assert_eq!(c.requests_sent(), 1, "one attempt, no retries: {text}");
    assert!(!text.contains("attempts"), "{text}");
    assert!(text.contains("127.0.0.1:"), "names the host: {text}");
    assert!(text.contains(problem), "says {problem:?}: {text}");
}

#[tokio::test]
async fn unknown_issuer_is_refused_once_with_the_ways_to_trust_a_ca() {
    let ca = TestCa::new("Throwaway Corp CA");
    let emu = tls_emulator(&ca.server(&["127.0.0.1", "localhost"])).await;
    assert!(emu.base_url().starts_with("https://"));
    let c = client(&emu.base_url(), Network::default());
    let e = c.health(&CancellationToken::new()).await.unwrap_err();
    assert_refused(&c, &e, "unknown issuer");
    let text = e.to_string();
    for way in ["update-ca-certificates", "SSL_CERT_FILE", "ca_certificates"] {
        assert!(text.contains(way), "names {way}: {text}");
    }
    assert!(!text.contains(TOKEN));
    emu.shutdown().await;
}

#[tokio::test]
async fn a_ca_given_as_ca_certificates_is_trusted() {
    let ca = TestCa::new("Throwaway Corp CA");
    let emu = tls_emulator(&ca.server(&["127.0.0.1"])).await;
    let c = client(&emu.base_url(), trusting(&ca));
    let cancel = CancellationToken::new();
    c.health(&cancel).await.expect("trusted through ca_certificates");
    let roles = c.list_roles(&Default::default(), &cancel).await.expect("list over TLS");
    assert!(!roles.is_empty());
    emu.shutdown().await;
}

#[tokio::test]
async fn name_mismatch_and_expiry_are_told_apart() {
    let ca = TestCa::new("Throwaway Corp CA");
    let emu = tls_emulator(&ca.server(&["api.other.example"])).await;
    let c = client(&emu.base_url(), trusting(&ca));
    let e = c.health(&CancellationToken::new()).await.unwrap_err();
    assert_refused(&c, &e, "name mismatch");
    emu.shutdown().await;

    let long_ago = time::OffsetDateTime::now_utc() - time::Duration::days(90);
    let expired = ca.server_valid(&["127.0.0.1"], long_ago, long_ago + time::Duration::days(30));
    let emu = tls_emulator(&expired).await;
    let c = client(&emu.base_url(), trusting(&ca));
    let e = c.health(&CancellationToken::new()).await.unwrap_err();
    assert_refused(&c, &e, "expired");
    emu.shutdown().await;
}

#[tokio::test]
async fn proxy_url_carries_the_requests() {
    let ca = TestCa::new("Throwaway Corp CA");
    let emu = tls_emulator(&ca.server(&["127.0.0.1"])).await;
    let proxy = ConnectProxy::start().await.unwrap();
    let mut network = trusting(&ca);
    network.proxy_url = Some(proxy.url());
    let c = client(&emu.base_url(), network);
    c.health(&CancellationToken::new()).await.expect("through the proxy");
    assert!(proxy.connects() >= 1, "the proxy saw the CONNECT");
    emu.shutdown().await;
}

#[test]
fn bad_network_settings_are_config_errors() {
    let bad_ca = Network {
        ca_certificates: Some("not a certificate".into()),
        proxy_url: None,
    };
    let mut cfg = ClientConfig::new("https://api.xdr.trendmicro.com", TOKEN);
    cfg.network = bad_ca;
    let e = Client::new(cfg.clone()).unwrap_err().to_string();
    assert!(e.contains("ca_certificates"), "{e}");
    cfg.network = Network {
        ca_certificates: None,
        proxy_url: Some("socks9://x".into()),
    };
    let e = Client::new(cfg).unwrap_err().to_string();
    assert!(e.contains("proxy_url"), "{e}");
}
