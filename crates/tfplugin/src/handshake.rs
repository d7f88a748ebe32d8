//! The go-plugin handshake: the environment Terraform sets and the line the plugin prints.

use base64::Engine;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Environment variable carrying Terraform's magic cookie.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
/// The cookie's value for Terraform providers (shared by every Terraform version).
pub const MAGIC_COOKIE_VALUE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
/// go-plugin's own protocol version (first field of the handshake line).
pub const CORE_PROTOCOL_VERSION: u32 = 1;
/// The plugin protocol this server speaks.
pub const PROTOCOL_VERSION: u32 = 6;

/// Why the process cannot start as a plugin. The text is for a human at a terminal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartError {
    /// Not started by Terraform.
    NoCookie,
    /// Terraform offered protocol versions, none of which is 6.
    ProtocolNotOffered(String),
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::NoCookie => f.write_str(
                "This binary is a plugin for Terraform. It is not meant to be run directly.\n\
                 Terraform starts it when needed: declare the provider in your configuration and run\n\
                 `terraform init`, then `terraform plan` or `terraform apply`.\n\
                 (To debug the provider, run it with --debug.)",
            ),
            StartError::ProtocolNotOffered(offered) => write!(
                f,
                "This provider speaks Terraform plugin protocol {PROTOCOL_VERSION}, but this Terraform offers only \
                 protocol version(s) {offered}. Use Terraform v1.0 or later."
            ),
        }
    }
}

impl std::error::Error for StartError {}

/// Checks the magic cookie (`value` is the env variable's value, if set).
pub fn check_cookie(value: Option<&str>) -> Result<(), StartError> {
    match value {
        Some(v) if v == MAGIC_COOKIE_VALUE => Ok(()),
        _ => Err(StartError::NoCookie),
    }
}

/// Picks protocol 6 from `PLUGIN_PROTOCOL_VERSIONS` (a comma list). Unset means an old
/// go-plugin host that expects the plugin's default, which is 6.
pub fn negotiate_protocol(versions: Option<&str>) -> Result<u32, StartError> {
    let Some(list) = versions.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(PROTOCOL_VERSION);
    };
    let offered = list.split(',').filter_map(|v| v.trim().parse::<u32>().ok());
    if offered.into_iter().any(|v| v == PROTOCOL_VERSION) {
        Ok(PROTOCOL_VERSION)
    } else {
        Err(StartError::ProtocolNotOffered(list.to_string()))
    }
}

/// Where the server listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListenAddr {
    Unix(PathBuf),
    Tcp(SocketAddr),
}

impl ListenAddr {
    /// go-plugin's network name.
    pub fn network(&self) -> &'static str {
        match self {
            ListenAddr::Unix(_) => "unix",
            ListenAddr::Tcp(_) => "tcp",
        }
    }
    /// go-plugin's address string.
    pub fn address(&self) -> String {
        match self {
            ListenAddr::Unix(p) => p.display().to_string(),
            ListenAddr::Tcp(a) => a.to_string(),
        }
    }
}

/// `CORE|APP|NETWORK|ADDR|grpc|CERT`: the certificate is the server's DER in standard
/// base64 without padding, empty when TLS is off.
pub fn handshake_line(addr: &ListenAddr, server_cert_der: Option<&[u8]>) -> String {
    let cert = server_cert_der
        .map(|der| base64::engine::general_purpose::STANDARD_NO_PAD.encode(der))
        .unwrap_or_default();
    format!(
        "{CORE_PROTOCOL_VERSION}|{PROTOCOL_VERSION}|{}|{}|grpc|{cert}",
        addr.network(),
        addr.address()
    )
}

/// The `TF_REATTACH_PROVIDERS` value for `--debug` mode.
pub fn reattach_json(source_address: &str, pid: u32, addr: &ListenAddr) -> String {
    let v = serde_json::json!({
        source_address: {
            "Protocol": "grpc",
            "ProtocolVersion": PROTOCOL_VERSION,
            "Pid": pid,
            "Test": true,
            "Addr": { "Network": addr.network(), "String": addr.address() },
        }
    });
    v.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_must_match_exactly() {
        assert_eq!(check_cookie(Some(MAGIC_COOKIE_VALUE)), Ok(()));
        assert_eq!(check_cookie(None), Err(StartError::NoCookie));
        assert_eq!(check_cookie(Some("")), Err(StartError::NoCookie));
        assert_eq!(check_cookie(Some(&MAGIC_COOKIE_VALUE[1..])), Err(StartError::NoCookie));
        assert!(StartError::NoCookie.to_string().contains("plugin for Terraform"));
    }

    #[test]
    fn protocol_six_is_picked_from_the_list() {
        assert_eq!(negotiate_protocol(Some("6,5")), Ok(6));
        assert_eq!(negotiate_protocol(Some("5, 6")), Ok(6));
        assert_eq!(negotiate_protocol(None), Ok(6));
        assert_eq!(negotiate_protocol(Some("")), Ok(6));
        let err = negotiate_protocol(Some("4,5")).unwrap_err();
        assert_eq!(err, StartError::ProtocolNotOffered("4,5".into()));
        assert!(err.to_string().contains("4,5"));
        assert!(negotiate_protocol(Some("60")).is_err());
    }

    #[test]
    fn handshake_line_has_go_plugin_format() {
        let addr = ListenAddr::Unix("/tmp/x/plugin.sock".into());
        let line = handshake_line(&addr, Some(&[0xde, 0xad, 0xbe, 0xef, 0x01]));
        assert_eq!(line, "1|6|unix|/tmp/x/plugin.sock|grpc|3q2+7wE");
        let tcp = ListenAddr::Tcp("127.0.0.1:10001".parse().unwrap());
        assert_eq!(handshake_line(&tcp, None), "1|6|tcp|127.0.0.1:10001|grpc|");
    }

    #[test]
    fn reattach_value_names_the_socket() {
        let addr = ListenAddr::Unix("/tmp/p.sock".into());
        let s = reattach_json("registry.terraform.io/a/b", 42, &addr);
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        let p = &v["registry.terraform.io/a/b"];
        assert_eq!(p["ProtocolVersion"], 6);
        assert_eq!(p["Pid"], 42);
        assert_eq!(p["Addr"]["Network"], "unix");
        assert_eq!(p["Addr"]["String"], "/tmp/p.sock");
    }
}
