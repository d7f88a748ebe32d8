//! The files `make release` writes: named as the registry requires, SHA256SUMS right and signed
//! with the key published beside it, the emulator runnable from its zip; and without a key,
//! a release that says it is unsigned.

use crate::emulator::Emulator;
use crate::gpg::Gpg;
use crate::package::*;
use serde_json::Value as Json;
use std::process::Command;

fn names_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn release_files_are_what_the_registry_expects() {
    let rel = Release::get();
    let (zip, manifest, sums) = (zip_name(), format!("{NAME}_{VERSION}_manifest.json"), sums_name());
    let (sig, key) = (format!("{sums}.sig"), format!("{NAME}_{VERSION}_signing-key.asc"));
    let bin = format!("{NAME}_v{VERSION}");
    let mut want = vec![
        bin.clone(),
        zip.clone(),
        manifest.clone(),
        sums.clone(),
        sig.clone(),
        key.clone(),
        emulator_zip_name(),
    ];
    want.sort();
    assert_eq!(names_in(&rel.dist), want);
    assert!(
        rel.log.contains(&format!("signed by {}", rel.fingerprint)),
        "{}",
        rel.log
    );

    // The binary is the provider and answers --version with the crate's version.
    let v = Command::new(rel.file(&bin)).arg("--version").output().unwrap();
    assert_eq!(String::from_utf8_lossy(&v.stdout).trim(), format!("{NAME} {VERSION}"));

    // The manifest declares protocol 6.0, as the repository's terraform-registry-manifest.json does.
    let m: Json = serde_json::from_slice(&rel.read(&manifest)).unwrap();
    assert_eq!(
        m,
        serde_json::json!({"version": 1, "metadata": {"protocol_versions": ["6.0"]}})
    );

    // SHA256SUMS lists every zip and the manifest, sorted (goreleaser's layout), and every sum is right.
    let text = String::from_utf8(rel.read(&sums)).unwrap();
    let mut listed = vec![zip.clone(), manifest.clone(), emulator_zip_name()];
    listed.sort();
    let lines: Vec<(&str, &str)> = text
        .lines()
        .map(|l| l.split_once("  ").expect("`HASH  NAME` lines"))
        .collect();
    assert_eq!(lines.iter().map(|l| l.1).collect::<Vec<_>>(), listed);
    for (hash, name) in &lines {
        assert_eq!(*hash, sha256_hex(&rel.read(name)), "sum of {name}");
    }

    // The signature is binary (the registry's shasums_signature_url), and the published public
    // key verifies it, in a keyring that holds nothing else; a changed SHA256SUMS fails it.
    let signature = rel.read(&sig);
    assert!(!signature.starts_with(b"-----BEGIN"), "the signature is ASCII-armored");
    assert!(String::from_utf8(rel.read(&key))
        .unwrap()
        .starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----"));
    let verifier = Gpg::new();
    verifier.import(&rel.file(&key));
    assert!(verifier.verifies(&rel.file(&sig), &rel.file(&sums)));
    let forged = verifier.home().join("forged_SHA256SUMS");
    std::fs::write(&forged, text.replace(&rel.zip_sha(), &rel.tampered_sha)).unwrap();
    assert!(!verifier.verifies(&rel.file(&sig), &forged));

    // The emulator's zip holds a working emulator (it prints its URL and serves the control surface).
    let emu = Emulator::start(rel);
    assert!(emu.keys().is_empty());
}

#[test]
fn without_gpg_fingerprint_the_release_says_it_is_unsigned() {
    let rel = Release::get();
    let tmp = tempfile::tempdir().unwrap();
    let dist = tmp.path();
    for name in [zip_name(), emulator_zip_name()] {
        std::fs::copy(rel.file(&name), dist.join(&name)).unwrap();
    }
    // A signature left from an earlier run must not survive: it would sign other sums.
    std::fs::write(dist.join(format!("{}.sig", sums_name())), b"stale").unwrap();

    for _ in 0..2 {
        let out = run_release(dist, &[("SUMS_ONLY", "1")]);
        assert!(out.status.success(), "{}", show(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("the release is UNSIGNED"), "{}", show(&out));
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("UNSIGNED"),
            "{}",
            show(&out)
        );
        let sums = std::fs::read_to_string(dist.join(sums_name())).unwrap();
        assert_eq!(sums.lines().count(), 3, "{sums}");
        assert!(!dist.join(format!("{}.sig", sums_name())).exists());
        assert!(!dist.join(format!("{NAME}_{VERSION}_signing-key.asc")).exists());
    }

    // A fingerprint with no secret key behind it is an error, not an unsigned release.
    let empty = Gpg::new();
    let out = run_release(
        dist,
        &[
            ("SUMS_ONLY", "1"),
            ("GPG_FINGERPRINT", "0123456789ABCDEF0123456789ABCDEF01234567"),
            ("GNUPGHOME", empty.home().to_str().unwrap()),
        ],
    );
    assert!(!out.status.success(), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("names no secret key"),
        "{}",
        show(&out)
    );
}
