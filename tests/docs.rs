//! The docs cannot drift from the code: every page's schema section must be what `make docs`
//! generates from the provider's schema, and every resource and data source must have a page and
//! an example.

use std::path::Path;
use terraform_provider_visionone::docs::{self, Kind};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn schemas() -> tfplugin::ProviderSchemas {
    let provider = terraform_provider_visionone::provider::VisionOne::new();
    tfplugin::Provider::schemas(&provider).clone()
}

#[test]
fn every_page_matches_the_schema() {
    let problems = docs::check(&root().join("docs"), &schemas());
    let report: Vec<String> = problems.iter().map(|p| format!("docs/{p}")).collect();
    assert!(
        problems.is_empty(),
        "{} docs page(s) disagree with the provider's schema; run `make docs` and review the diff:\n{}",
        problems.len(),
        report.join("\n")
    );
}

#[test]
fn every_resource_and_data_source_has_an_example() {
    let s = schemas();
    let missing: Vec<String> = docs::pages(&s)
        .iter()
        .filter(|p| p.kind != Kind::Provider)
        .map(|p| p.example_path())
        .filter(|path| !root().join(path).is_file())
        .map(|path| path.display().to_string())
        .collect();
    assert!(missing.is_empty(), "examples missing:\n{}", missing.join("\n"));
}

#[test]
fn every_resource_page_documents_import() {
    let s = schemas();
    let mut missing = Vec::new();
    for page in docs::pages(&s).iter().filter(|p| p.kind == Kind::Resource) {
        let text = std::fs::read_to_string(root().join("docs").join(page.path())).unwrap_or_default();
        let import_sh = page.example_path().with_file_name("import.sh");
        if !text.contains("## Import") || !text.contains(&format!("terraform import {}.", page.type_name)) {
            missing.push(format!(
                "docs/{}: no `## Import` section with a `terraform import` command",
                page.path().display()
            ));
        }
        if !root().join(&import_sh).is_file() {
            missing.push(format!("{}: missing", import_sh.display()));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn the_guides_the_index_links_exist() {
    let index = std::fs::read_to_string(root().join("docs/index.md")).expect("docs/index.md");
    for link in ["guides/key-rotation.md", "guides/emulator.md"] {
        assert!(index.contains(link), "docs/index.md does not link {link}");
        assert!(root().join("docs").join(link).is_file(), "docs/{link} missing");
    }
}

#[test]
fn every_page_has_registry_front_matter() {
    let s = schemas();
    for page in docs::pages(&s) {
        let path = root().join("docs").join(page.path());
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        }; // reported by every_page_matches_the_schema
        let front = text
            .strip_prefix("---\n")
            .and_then(|t| t.split_once("\n---\n"))
            .map(|(f, _)| f)
            .unwrap_or_else(|| panic!("docs/{}: no front matter", page.path().display()));
        for key in ["page_title:", "subcategory:", "description:"] {
            assert!(
                front.contains(key),
                "docs/{}: front matter lacks {key}",
                page.path().display()
            );
        }
    }
}
