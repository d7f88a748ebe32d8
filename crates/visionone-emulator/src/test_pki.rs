//! A throwaway certificate authority for tests (feature `test-network`): a CA that no machine trusts
//! and server certificates it signs, as a company's TLS-inspecting proxy would present them.

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use time::OffsetDateTime;

use crate::TlsIdentity;

/// A private root CA.
pub struct TestCa {
    params: CertificateParams,
    key: KeyPair,
    /// The CA certificate, PEM: what a user would add to a trust store.
    pub cert_pem: String,
}

impl TestCa {
    /// A new CA named `name` (ECDSA P-256, valid from yesterday for a year).
    pub fn new(name: &str) -> TestCa {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let now = OffsetDateTime::now_utc();
        params.not_before = now - time::Duration::days(1);
        params.not_after = now + time::Duration::days(365);
        let key = KeyPair::generate().expect("CA key");
        let cert_pem = params.self_signed(&key).expect("self-signed CA").pem();
        TestCa { params, key, cert_pem }
    }

    /// A server certificate for `names` (DNS names or IP addresses), valid now.
    pub fn server(&self, names: &[&str]) -> TlsIdentity {
        let now = OffsetDateTime::now_utc();
        self.server_valid(names, now - time::Duration::days(1), now + time::Duration::days(30))
    }

    /// A server certificate for `names` valid from `not_before` to `not_after`.
    pub fn server_valid(&self, names: &[&str], not_before: OffsetDateTime, not_after: OffsetDateTime) -> TlsIdentity {
        let mut params =
            CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).expect("server params");
        params
            .distinguished_name
            .push(DnType::CommonName, names.first().copied().unwrap_or("server"));
        params.not_before = not_before;
        params.not_after = not_after;
        let key = KeyPair::generate().expect("server key");
        let issuer = Issuer::from_params(&self.params, &self.key);
        let cert = params.signed_by(&key, &issuer).expect("signed server certificate");
        TlsIdentity {
            cert_pem: cert.pem().into_bytes(),
            key_pem: key.serialize_pem().into_bytes(),
        }
    }
}
