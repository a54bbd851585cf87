//! The MTA-STS policy server of the domain checks' tests answers as it is told, over TLS with
//! the test CA's certificate, and keeps each request's line: checked with a plain rustls
//! client, so that the domain checks' tests can trust what it serves.

use smtp_sensor_host::demo::pki::{Ca, LeafSpec};
use smtp_sensor_tests::policy_server::{PolicyServer, Reply, policy_text};
use std::sync::Arc;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};

const NAME: &str = "mta-sts.sensor.test";

/// A GET of the policy's path from `server`, trusting `ca`: the whole response.
async fn get(server: &PolicyServer, ca: &Ca) -> String {
    let mut roots = RootCertStore::empty();
    roots.add(ca.certificate()).unwrap();
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = TcpStream::connect(server.address()).await.unwrap();
    let mut tls = TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from(NAME).unwrap(), tcp)
        .await
        .unwrap();
    tls.write_all(
        format!(
            "GET /.well-known/mta-sts.txt HTTP/1.1\r\nHost: {NAME}\r\nConnection: close\r\n\r\n"
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let mut response = Vec::new();
    let _ = tls.read_to_end(&mut response).await;
    String::from_utf8_lossy(&response).into_owned()
}

#[tokio::test]
async fn it_serves_what_it_is_told_over_tls_and_keeps_the_requests() {
    let ca = Ca::new("smtp-sensor test CA");
    let leaf = ca.issue(&LeafSpec::valid_for(&[NAME]));
    let policy = Reply::enforce(&["mx1.sensor.test", "*.mx.sensor.test"], 604_800);
    let server = PolicyServer::start("127.0.0.1:0".parse().unwrap(), &leaf, policy)
        .await
        .unwrap();
    let response = get(&server, &ca).await;
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    assert!(
        response.contains("Content-Type: text/plain\r\n"),
        "{response}"
    );
    assert!(
        response.ends_with(&policy_text(
            "enforce",
            &["mx1.sensor.test", "*.mx.sensor.test"],
            604_800
        )),
        "{response}"
    );
    server.set_reply(Reply::redirect(301, "https://elsewhere.test/policy"));
    let response = get(&server, &ca).await;
    assert!(
        response.starts_with("HTTP/1.1 301 Moved Permanently\r\n"),
        "{response}"
    );
    assert!(response.contains("Location: https://elsewhere.test/policy\r\n"));
    server.set_reply(Reply::status(404));
    assert!(
        get(&server, &ca)
            .await
            .starts_with("HTTP/1.1 404 Not Found\r\n")
    );
    assert_eq!(
        server.requests(),
        vec!["GET /.well-known/mta-sts.txt HTTP/1.1"; 3]
    );
}
