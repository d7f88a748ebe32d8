//! The released emulator: unzipped from `visionone-emulator_<version>_<os>_<arch>.zip` and run
//! as a process, as a user's CI does (docs/guides/testing-modules.md).

use crate::package::{emulator_zip_name, Release};
use serde_json::Value as Json;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

pub const ADMIN_TOKEN: &str = "release-test-admin-token";

pub struct Emulator {
    pub url: String,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Emulator {
    pub fn start(release: &Release) -> Self {
        let dir = tempfile::tempdir().unwrap();
        // Unzip with Python's zipfile (the repo's scripts need Python anyway; `unzip` may be absent).
        let out = Command::new("python3")
            .args(["-m", "zipfile", "-e"])
            .arg(release.file(&emulator_zip_name()))
            .arg(dir.path())
            .output()
            .expect("python3 -m zipfile");
        assert!(
            out.status.success(),
            "unzip the emulator: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        let exe = format!("visionone-emulator{}", std::env::consts::EXE_SUFFIX);
        assert_eq!(names, vec![exe.clone()], "the emulator zip holds the binary alone");
        let bin = dir.path().join(&exe);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
        }

        // The guide's command line.
        let mut child = Command::new(&bin)
            .args(["--listen", "127.0.0.1:0", "--token", ADMIN_TOKEN])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the released emulator");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("the emulator's first line");
        let url = line.trim().to_string();
        assert!(
            url.starts_with("http://127.0.0.1:"),
            "first line is not the base URL: {line:?}"
        );
        Emulator { url, child, _dir: dir }
    }

    fn get(&self, path: &str, token: Option<&str>) -> Json {
        let url = format!("{}{path}", self.url);
        let token = token.map(str::to_string);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let mut req = reqwest::Client::new().get(&url);
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            let resp = req.send().await.expect("emulator request");
            assert!(resp.status().is_success(), "GET {url}: {}", resp.status());
            resp.json().await.expect("emulator JSON")
        })
    }

    fn items(v: Json) -> Vec<Json> {
        v.get("items").and_then(|i| i.as_array()).cloned().unwrap_or_default()
    }

    /// Every API key on the server (the control surface; no secrets).
    pub fn keys(&self) -> Vec<Json> {
        Self::items(self.get("/_emulator/keys", None))
    }

    /// Custom roles on the server.
    pub fn custom_roles(&self) -> Vec<Json> {
        Self::items(self.get("/v3.0/iam/roles?top=200", Some(ADMIN_TOKEN)))
            .into_iter()
            .filter(|r| r["type"] == "custom")
            .collect()
    }

    /// API paths the emulator has served (its call log).
    pub fn called_paths(&self) -> Vec<String> {
        Self::items(self.get("/_emulator/calls", None))
            .iter()
            .filter_map(|c| c["path"].as_str().map(str::to_string))
            .collect()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
