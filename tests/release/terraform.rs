//! Real Terraform in a scratch working directory with a CLI configuration of its own
//! (`TF_CLI_CONFIG_FILE`) and the provider pointed at an emulator.

use crate::emulator::{Emulator, ADMIN_TOKEN};
use crate::package::root;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `.tools/bin/terraform-VERSION` (`make tools` installs 1.0.3 and 1.15.5).
pub fn bin(version: &str) -> PathBuf {
    let p = root().join(format!(".tools/bin/terraform-{version}"));
    assert!(p.exists(), "{} not found: run `make tools`", p.display());
    p
}

pub struct Work {
    pub dir: tempfile::TempDir,
    terraform: PathBuf,
    env: Vec<(String, String)>,
}

impl Work {
    /// A working directory for Terraform `version` with `cli_config` as its CLI configuration.
    pub fn new(version: &str, cli_config: &str, emu: &Emulator) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let rc = dir.path().join("terraformrc");
        std::fs::write(&rc, cli_config).unwrap();
        let env = vec![
            ("TF_CLI_CONFIG_FILE".into(), rc.display().to_string()),
            ("VISIONONE_API_KEY".into(), ADMIN_TOKEN.into()),
            ("VISIONONE_REGIONAL_FQDN".into(), emu.url.clone()),
        ];
        Work {
            dir,
            terraform: bin(version),
            env,
        }
    }

    pub fn env(&mut self, k: &str, v: &str) {
        self.env.push((k.into(), v.into()));
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, name: &str, content: &str) {
        let p = self.dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }

    pub fn run(&self, args: &[&str]) -> Output {
        let mut c = Command::new(&self.terraform);
        c.args(args)
            .arg("-no-color")
            .current_dir(self.dir.path())
            .env_remove("TF_LOG")
            .env_remove("TF_CLI_ARGS")
            .env_remove("TF_PLUGIN_CACHE_DIR")
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_IN_AUTOMATION", "1");
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c.output().expect("run terraform")
    }
}

/// Whitespace runs as one space: Terraform wraps long diagnostics.
pub fn flat(o: &Output) -> String {
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The `terraform {}` block requiring the provider from `source` at the released version.
pub fn required(source: &str) -> String {
    format!(
        "terraform {{\n  required_providers {{\n    visionone = {{\n      source  = \"{source}\"\n      version = \"{}\"\n    }}\n  }}\n}}\n\nprovider \"visionone\" {{}}\n",
        crate::package::VERSION
    )
}
