//! `visionone-emulator --listen 127.0.0.1:PORT --token TOKEN [--state FILE] [--workload-login U:P]
//! [--tls-cert FILE --tls-key FILE]`: prints its base URL as the first line on stdout, then serves
//! until SIGINT or SIGTERM (saving `--state` on exit). With both TLS files it serves HTTPS. The
//! Workload Security API is at that URL + `/api`.

use std::io::Write;
use std::process::ExitCode;

use visionone_emulator::{start, start_tls, Config, TlsIdentity, WorkloadLogin};

const USAGE: &str = "usage: visionone-emulator [--listen ADDR:PORT] [--token TOKEN] [--state FILE] \
                     [--workload-login [TENANT/]USER:PASSWORD] [--tls-cert FILE --tls-key FILE]";

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<(Config, Option<TlsIdentity>), String> {
    let mut cfg = Config::default();
    let (mut cert, mut key) = (None, None);
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        if flag == "--help" || flag == "-h" {
            return Err(USAGE.to_string());
        }
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))
        };
        match flag.as_str() {
            "--listen" => {
                let v = value()?;
                cfg.listen = v.parse().map_err(|_| format!("--listen: '{v}' is not an ADDR:PORT"))?;
            }
            "--token" => {
                cfg.admin_token = value()?;
                if cfg.admin_token.trim().is_empty() {
                    return Err("--token must not be empty".into());
                }
            }
            "--state" => cfg.state_file = Some(value()?.into()),
            "--workload-login" => cfg.workload_login = Some(WorkloadLogin::parse(&value()?)?),
            "--tls-cert" => cert = Some(value()?),
            "--tls-key" => key = Some(value()?),
            other => return Err(format!("unknown argument '{other}'\n{USAGE}")),
        }
    }
    let read = |flag: &str, path: &str| std::fs::read(path).map_err(|e| format!("{flag} {path}: {e}"));
    let tls = match (cert, key) {
        (None, None) => None,
        (Some(c), Some(k)) => Some(TlsIdentity {
            cert_pem: read("--tls-cert", &c)?,
            key_pem: read("--tls-key", &k)?,
        }),
        _ => return Err(format!("--tls-cert and --tls-key go together\n{USAGE}")),
    };
    Ok((cfg, tls))
}

#[tokio::main]
async fn main() -> ExitCode {
    let (cfg, tls) = match parse_args(std::env::args().skip(1)) {
        Ok(c) => c,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(2);
        }
    };
    let started = match &tls {
        Some(tls) => start_tls(cfg, tls).await,
        None => start(cfg).await,
    };
    let handle = match started {
        Ok(h) => h,
        Err(e) => {
            eprintln!("visionone-emulator: {e}");
            return ExitCode::from(1);
        }
    };
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", handle.base_url());
        let _ = out.flush();
    }
    wait_for_signal().await;
    handle.shutdown().await;
    ExitCode::SUCCESS
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &[&str]) -> impl Iterator<Item = String> {
        s.iter().map(|a| a.to_string()).collect::<Vec<_>>().into_iter()
    }

    #[test]
    fn parses_flags() {
        let (c, _) = parse_args(args(&[
            "--listen",
            "127.0.0.1:8080",
            "--token=t",
            "--state",
            "/tmp/s.json",
        ]))
        .unwrap();
        assert_eq!(c.listen.port(), 8080);
        assert_eq!(c.admin_token, "t");
        assert!(c.state_file.is_some());
        assert!(c.workload_login.is_none());
        let (w, _) = parse_args(args(&["--workload-login", "admin:s3cret"])).unwrap();
        assert_eq!(w.workload_login.map(|l| l.user), Some("admin".to_string()));
        assert!(parse_args(args(&["--workload-login", "admin"])).is_err());
        let (d, tls) = parse_args(args(&[])).unwrap();
        assert!(tls.is_none());
        assert_eq!(d.listen.port(), 0);
        assert_eq!(d.admin_token, "emulator-admin-token");
        assert!(parse_args(args(&["--listen"])).is_err());
        assert!(parse_args(args(&["--bogus"])).is_err());
        assert!(parse_args(args(&["--listen", "nowhere"])).is_err());
        assert!(parse_args(args(&["--tls-cert", "/nonexistent.pem"])).is_err());
        let e = parse_args(args(&["--tls-cert", "/nonexistent.pem", "--tls-key", "/k"])).unwrap_err();
        assert!(e.contains("/nonexistent.pem"), "{e}");
    }
}
