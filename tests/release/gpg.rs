//! A throwaway GnuPG home (`GNUPGHOME` in a temp dir) holding RSA signing keys, as a release
//! manager's machine would: the registry accepts RSA keys.

use std::path::Path;
use std::process::{Command, Output};

pub struct Gpg {
    home: tempfile::TempDir,
}

impl Gpg {
    pub fn new() -> Self {
        let ok = Command::new("gpg")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            ok,
            "gpg is not on PATH: run scripts/install-gnupg.sh (it installs Debian's gnupg)"
        );
        // Under /tmp: the agent's socket path must stay short.
        let home = tempfile::Builder::new()
            .prefix("gnupg")
            .tempdir_in("/tmp")
            .expect("GNUPGHOME");
        Gpg { home }
    }

    pub fn home(&self) -> &Path {
        self.home.path()
    }

    pub fn command(&self) -> Command {
        let mut c = Command::new("gpg");
        c.env("GNUPGHOME", self.home()).args(["--batch", "--yes", "--no-tty"]);
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        let out = self.command().args(args).output().expect("run gpg");
        assert!(
            out.status.success(),
            "gpg {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// A new passphrase-less RSA signing key that expires tomorrow; its fingerprint.
    pub fn generate(&self, uid: &str) -> String {
        self.run(&[
            "--pinentry-mode",
            "loopback",
            "--passphrase",
            "",
            "--quick-generate-key",
            uid,
            "rsa2048",
            "sign",
            "1d",
        ]);
        let out = self.run(&["--with-colons", "--list-secret-keys", uid]);
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .find_map(|l| l.strip_prefix("fpr:").map(|r| r.trim_matches(':').to_string()))
            .expect("fingerprint of the new key")
    }

    /// A detached binary signature of `file` by `fingerprint`, as the registry serves it.
    pub fn sign(&self, fingerprint: &str, file: &Path, out: &Path) {
        let (file, out) = (file.to_str().unwrap(), out.to_str().unwrap());
        self.run(&["--local-user", fingerprint, "--output", out, "--detach-sign", file]);
    }

    /// Whether `signature` is a good signature of `file` by a key in this home.
    pub fn verifies(&self, signature: &Path, file: &Path) -> bool {
        self.command()
            .arg("--verify")
            .arg(signature)
            .arg(file)
            .output()
            .expect("run gpg")
            .status
            .success()
    }

    pub fn import(&self, armored: &Path) {
        self.run(&["--import", armored.to_str().unwrap()]);
    }
}

impl Drop for Gpg {
    /// The agent gpg started for this home would outlive the test.
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .env("GNUPGHOME", self.home())
            .args(["--kill", "gpg-agent"])
            .output();
    }
}

/// The key id Terraform prints (`key ID ...`): the fingerprint's last 16 hex digits.
pub fn key_id(fingerprint: &str) -> String {
    fingerprint[fingerprint.len() - 16..].to_uppercase()
}
