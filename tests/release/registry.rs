//! A provider registry on 127.0.0.1 over HTTPS, speaking the protocol registry.terraform.io
//! speaks: service discovery (`/.well-known/terraform.json`), the versions list, and the
//! download answer (package URL, `shasum`, `shasums_url`, `shasums_signature_url`,
//! `signing_keys.gpg_public_keys`), then the files themselves, optionally tampered with.

use crate::package::{platform, sums_name, zip_name, Release, VERSION};
use crate::tls::Tls;
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::json;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};

pub const NAMESPACE: &str = "visionone-iam";
pub const TYPE: &str = "visionone";

/// What the registry serves wrongly.
#[derive(Clone, Copy, Debug)]
pub enum Tamper {
    /// The release as `make release` made it.
    None,
    /// Another zip than the one SHA256SUMS and the download answer describe.
    Zip,
    /// A download answer whose `shasum` is not the one in SHA256SUMS.
    Checksum,
    /// SHA256SUMS signed by a key the registry does not list.
    UnknownSigner,
    /// Zip, SHA256SUMS and `shasum` all swapped consistently; the signature is the old one.
    StaleSignature,
}

/// The bodies one registry serves.
struct Served {
    zip: Bytes,
    sums: Bytes,
    sig: Bytes,
    shasum: String,
    armored_key: String,
    key_id: String,
    base: String,
    log: Mutex<Vec<String>>,
}

pub struct Registry {
    pub port: u16,
    served: Arc<Served>,
    /// Dropping the runtime stops the server.
    _rt: tokio::runtime::Runtime,
}

impl Registry {
    pub fn start(release: &Release, tls: &Tls, tamper: Tamper) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind the registry");
        let port = listener.local_addr().unwrap().port();

        let zip = release.read(&zip_name());
        let sums = release.read(&sums_name());
        let sig = release.read(&format!("{}.sig", sums_name()));
        let good_sha = release.zip_sha();
        let forged_sums = String::from_utf8(sums.clone())
            .unwrap()
            .replace(&good_sha, &release.tampered_sha)
            .into_bytes();
        let (zip, sums, sig, shasum) = match tamper {
            Tamper::None => (zip, sums, sig, good_sha),
            Tamper::Zip => (release.tampered_zip.clone(), sums, sig, good_sha),
            Tamper::Checksum => (zip, sums, sig, release.tampered_sha.clone()),
            Tamper::UnknownSigner => (zip, sums, release.foreign_sig.clone(), good_sha),
            Tamper::StaleSignature => (
                release.tampered_zip.clone(),
                forged_sums,
                sig,
                release.tampered_sha.clone(),
            ),
        };
        let served = Arc::new(Served {
            zip: zip.into(),
            sums: sums.into(),
            sig: sig.into(),
            shasum,
            armored_key: release.armored_key(),
            key_id: crate::gpg::key_id(&release.fingerprint),
            base: format!("https://127.0.0.1:{port}"),
            log: Mutex::new(Vec::new()),
        });

        let acceptor = tls.acceptor.clone();
        let state = served.clone();
        rt.spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, state) = (acceptor.clone(), state.clone());
                tokio::spawn(async move {
                    let Ok(stream) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let service = hyper::service::service_fn(move |req| {
                        let state = state.clone();
                        async move { Ok::<_, Infallible>(state.answer(&req)) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Registry { port, served, _rt: rt }
    }

    /// `https://127.0.0.1:PORT`.
    pub fn base(&self) -> &str {
        &self.served.base
    }

    /// Paths requested so far, in order.
    pub fn requests(&self) -> Vec<String> {
        self.served.log.lock().unwrap().clone()
    }

    pub fn download_path() -> String {
        let (os, arch) = platform();
        format!("/v1/providers/{NAMESPACE}/{TYPE}/{VERSION}/download/{os}/{arch}")
    }
}

impl Served {
    fn answer(&self, req: &Request<Incoming>) -> Response<Full<Bytes>> {
        let path = req.uri().path().to_string();
        self.log.lock().unwrap().push(path.clone());
        let (os, arch) = platform();
        let files = format!("{}/files", self.base);
        let sig_name = format!("{}.sig", sums_name());
        match path.as_str() {
            "/.well-known/terraform.json" => json_response(json!({ "providers.v1": "/v1/providers/" })),
            p if p == format!("/v1/providers/{NAMESPACE}/{TYPE}/versions") => json_response(json!({
                "versions": [{
                    "version": VERSION,
                    "protocols": ["6.0"],
                    "platforms": [{ "os": os, "arch": arch }],
                }]
            })),
            p if p == Registry::download_path() => json_response(json!({
                "protocols": ["6.0"],
                "os": os,
                "arch": arch,
                "filename": zip_name(),
                "download_url": format!("{files}/{}", zip_name()),
                "shasums_url": format!("{files}/{}", sums_name()),
                "shasums_signature_url": format!("{files}/{sig_name}"),
                "shasum": self.shasum,
                "signing_keys": {
                    "gpg_public_keys": [{
                        "key_id": self.key_id,
                        "ascii_armor": self.armored_key,
                        "trust_signature": "",
                        "source": "VisionOne release test",
                        "source_url": null,
                    }]
                },
            })),
            p => match p.strip_prefix("/files/") {
                Some(name) if name == zip_name() => bytes_response(self.zip.clone()),
                Some(name) if name == sums_name() => bytes_response(self.sums.clone()),
                Some(name) if name == sig_name => bytes_response(self.sig.clone()),
                _ => {
                    let mut r = Response::new(Full::new(Bytes::from_static(b"not found")));
                    *r.status_mut() = StatusCode::NOT_FOUND;
                    r
                }
            },
        }
    }
}

fn json_response(v: serde_json::Value) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(v.to_string())));
    r.headers_mut()
        .insert("content-type", "application/json".parse().unwrap());
    r
}

fn bytes_response(b: Bytes) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(b));
    r.headers_mut()
        .insert("content-type", "application/octet-stream".parse().unwrap());
    r
}
