//! The registry's zip installed from a packed `filesystem_mirror` (the layout OpenTofu reads
//! too): `terraform init` writes a lock file and the installed provider serves an apply.

use crate::emulator::Emulator;
use crate::package::*;
use crate::terraform::{required, Work};
use terraform_provider_visionone::SOURCE_ADDRESS;

/// A CLI configuration installing visionone-iam/* from a packed mirror holding the release's zip.
pub fn mirror_config(rel: &Release, dir: &std::path::Path) -> String {
    // HOSTNAME/NAMESPACE/TYPE/terraform-provider-TYPE_VERSION_TARGET.zip
    let pkg_dir = dir.join(SOURCE_ADDRESS);
    std::fs::create_dir_all(&pkg_dir).unwrap();
    std::fs::copy(rel.file(&zip_name()), pkg_dir.join(zip_name())).unwrap();
    format!(
        "provider_installation {{\n  filesystem_mirror {{\n    path    = {:?}\n    include = [\"registry.terraform.io/visionone-iam/*\"]\n  }}\n  \
         direct {{\n    exclude = [\"registry.terraform.io/visionone-iam/*\"]\n  }}\n}}\n",
        dir.display().to_string()
    )
}

#[test]
fn terraform_installs_the_zip_from_a_filesystem_mirror_and_applies() {
    let rel = Release::get();
    let (os, arch) = platform();
    for version in ["1.0.3", "1.15.5"] {
        let mirror = tempfile::tempdir().unwrap();
        let emu = Emulator::start(rel);
        let work = Work::new(version, &mirror_config(rel, mirror.path()), &emu);
        work.write(
            "main.tf",
            &format!(
                "{}\ndata \"visionone_permission_keys\" \"all\" {{}}\n\noutput \"permission_keys_id\" {{\n  value = data.visionone_permission_keys.all.id\n}}\n",
                required("visionone-iam/visionone")
            ),
        );

        let init = work.run(&["init", "-input=false"]);
        assert!(init.status.success(), "{version}: init failed:\n{}", show(&init));
        let init_out = String::from_utf8_lossy(&init.stdout);
        assert!(
            init_out.contains(&format!("Installed visionone-iam/visionone v{VERSION}")),
            "{init_out}"
        );

        // The lock file pins the version with a hash of the package Terraform verified.
        let lock = std::fs::read_to_string(work.path().join(".terraform.lock.hcl")).expect("lock file");
        assert!(lock.contains(&format!("provider \"{SOURCE_ADDRESS}\"")), "{lock}");
        assert!(lock.contains(&format!("version     = \"{VERSION}\"")), "{lock}");
        assert!(lock.contains("\"h1:"), "{lock}");

        // The installed executable is the one in the zip.
        let installed = work
            .path()
            .join(".terraform/providers")
            .join(SOURCE_ADDRESS)
            .join(VERSION)
            .join(format!("{os}_{arch}"))
            .join(format!("{NAME}_v{VERSION}"));
        assert!(
            std::fs::read(&installed).expect("installed provider") == rel.read(&format!("{NAME}_v{VERSION}")),
            "the installed provider is not the released binary"
        );

        let apply = work.run(&["apply", "-auto-approve", "-input=false"]);
        assert!(apply.status.success(), "{version}: apply failed:\n{}", show(&apply));
        // The installed provider really served the read: the emulator saw the catalogue call.
        let paths = emu.called_paths();
        assert!(
            paths.iter().any(|p| p.contains("/iam/roles/permissionKeys")),
            "{version}: no permission catalogue call in the emulator's log: {paths:?}"
        );
    }
}
