//! For tests and benchmarks of a provider: what Terraform would hand the plugin.

use crate::schema::Block;
use crate::value::Value;
use std::path::{Path, PathBuf};

/// Terraform's proposed new state for a plan: the configuration, with the prior value of each
/// computed attribute the configuration leaves null (what `PlanResourceChange` receives).
pub fn proposed_new_state(block: &Block, prior: &Value, config: &Value) -> Value {
    if config.is_null() {
        return Value::Null;
    }
    let mut proposed = config.clone();
    for a in &block.attributes {
        if a.computed && config.get(&a.name).is_null() {
            proposed.set(&a.name, prior.get(&a.name).clone());
        }
    }
    proposed
}
use std::process::{Command, Stdio};

/// A self-signed ECDSA P-521 certificate shaped like the one Terraform puts in
/// `PLUGIN_CLIENT_CERT` (CA:TRUE, client and server EKU, `localhost`), written to
/// `dir/name.crt` with its key in `dir/name.key`. Made with the `openssl` CLI: ring (and so
/// rcgen without aws-lc) cannot sign with P-521.
pub fn terraform_client_cert(dir: &Path, name: &str) -> Result<(PathBuf, PathBuf), String> {
    let (crt, key) = (dir.join(format!("{name}.crt")), dir.join(format!("{name}.key")));
    let status = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-521"])
        .args(["-sha512", "-nodes", "-days", "1", "-subj", "/O=HashiCorp/CN=localhost"])
        .args(["-addext", "basicConstraints=critical,CA:TRUE"])
        .args(["-addext", "keyUsage=digitalSignature,keyEncipherment,keyCertSign"])
        .args(["-addext", "extendedKeyUsage=clientAuth,serverAuth"])
        .args(["-addext", "subjectAltName=DNS:localhost"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&crt)
        .stderr(Stdio::null())
        .status()
        .map_err(|e| format!("the openssl CLI is needed to make a P-521 certificate: {e}"))?;
    if !status.success() {
        return Err(format!("openssl could not make a certificate ({status})"));
    }
    Ok((crt, key))
}
