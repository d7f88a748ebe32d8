//! One signed release per test process: scripts/release.sh run on the debug binaries with a
//! throwaway key, plus the forgeries the registry tests serve (a tampered zip, a signature by a
//! key the registry does not list).

use crate::gpg::Gpg;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

pub const NAME: &str = "terraform-provider-visionone";
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Terraform's name for this machine's platform.
pub fn platform() -> (&'static str, &'static str) {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    };
    (std::env::consts::OS, arch)
}

pub fn zip_name() -> String {
    let (os, arch) = platform();
    format!("{NAME}_{VERSION}_{os}_{arch}.zip")
}

pub fn emulator_zip_name() -> String {
    let (os, arch) = platform();
    format!("visionone-emulator_{VERSION}_{os}_{arch}.zip")
}

pub fn sums_name() -> String {
    format!("{NAME}_{VERSION}_SHA256SUMS")
}

pub fn show(o: &Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The emulator binary beside the provider's. A test cannot name another package's binary
/// (`CARGO_BIN_EXE_*` covers its own package only): `make test` builds both first.
pub fn emulator_bin() -> PathBuf {
    let provider = Path::new(env!("CARGO_BIN_EXE_terraform-provider-visionone"));
    let bin = provider.with_file_name(format!("visionone-emulator{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.is_file(),
        "{} is missing: run `cargo build --workspace --bins` (make build) first",
        bin.display()
    );
    bin
}

/// scripts/release.sh on the debug binaries, writing to `dist`, with `env` on top.
pub fn run_release(dist: &Path, env: &[(&str, &str)]) -> Output {
    let (os, arch) = platform();
    let mut c = Command::new("bash");
    c.arg(root().join("scripts/release.sh"))
        .env("BINARY", env!("CARGO_BIN_EXE_terraform-provider-visionone"))
        .env("EMULATOR_BINARY", emulator_bin())
        .env("DIST", dist)
        .env("GOOS", os)
        .env("GOARCH", arch)
        .env("ZIP_LEVEL", "1")
        .env_remove("GPG_FINGERPRINT")
        .env_remove("GPG_PASSPHRASE");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run scripts/release.sh")
}

pub struct Release {
    /// dist/ as `make release` leaves it, signed.
    pub dist: PathBuf,
    pub fingerprint: String,
    /// release.sh's output.
    pub log: String,
    /// The zip with one byte changed, and its sha256.
    pub tampered_zip: Vec<u8>,
    pub tampered_sha: String,
    /// SHA256SUMS signed by another key, one the registry does not list.
    pub foreign_sig: Vec<u8>,
}

impl Release {
    /// Made on first use, in target/tmp/release-test (a static is never dropped, so no temp dir;
    /// the next run starts by removing it).
    pub fn get() -> &'static Release {
        static RELEASE: OnceLock<Release> = OnceLock::new();
        RELEASE.get_or_init(Release::make)
    }

    fn make() -> Release {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("release-test");
        let _ = std::fs::remove_dir_all(&dir);
        let dist = dir.join("dist");
        std::fs::create_dir_all(&dist).unwrap();
        let gpg = Gpg::new();
        let fingerprint = gpg.generate("VisionOne Release Test <release-test@example.invalid>");
        let out = run_release(
            &dist,
            &[
                ("GPG_FINGERPRINT", fingerprint.as_str()),
                ("GNUPGHOME", gpg.home().to_str().unwrap()),
            ],
        );
        assert!(out.status.success(), "release.sh failed:\n{}", show(&out));
        let log = show(&out);

        let mut tampered_zip = std::fs::read(dist.join(zip_name())).unwrap();
        let mid = tampered_zip.len() / 2;
        tampered_zip[mid] ^= 0x5a;
        let tampered_sha = sha256_hex(&tampered_zip);

        let other = gpg.generate("Someone Else <someone-else@example.invalid>");
        let foreign = dir.join("foreign.sig");
        gpg.sign(&other, &dist.join(sums_name()), &foreign);
        let foreign_sig = std::fs::read(&foreign).unwrap();

        Release {
            dist,
            fingerprint,
            log,
            tampered_zip,
            tampered_sha,
            foreign_sig,
        }
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.dist.join(name)
    }

    pub fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.file(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    pub fn zip_sha(&self) -> String {
        sha256_hex(&self.read(&zip_name()))
    }

    pub fn armored_key(&self) -> String {
        String::from_utf8(self.read(&format!("{NAME}_{VERSION}_signing-key.asc"))).unwrap()
    }
}

pub fn sha256_hex(data: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, data)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
