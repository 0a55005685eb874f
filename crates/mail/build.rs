//! Gathers the translated templates: every file in `templates/<language>/` is compiled in,
//! so a language is added by adding its folder, with no code to change.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut entries = Vec::new();
    let mut folders: Vec<_> = std::fs::read_dir(&root)
        .map(|dir| dir.flatten().map(|entry| entry.path()).collect())
        .unwrap_or_default();
    folders.sort();
    for folder in folders.into_iter().filter(|path| path.is_dir()) {
        println!("cargo:rerun-if-changed={}", folder.display());
        let Some(language) = folder.file_name().and_then(|name| name.to_str()) else {
            continue;
        };
        let mut files: Vec<_> = std::fs::read_dir(&folder)
            .map(|dir| dir.flatten().map(|entry| entry.path()).collect())
            .unwrap_or_default();
        files.sort();
        for file in files.into_iter().filter(|path| path.is_file()) {
            println!("cargo:rerun-if-changed={}", file.display());
            if let Some(name) = file.file_name().and_then(|name| name.to_str()) {
                entries.push((format!("{language}/{name}"), file.display().to_string()));
            }
        }
    }
    let mut code =
        String::from("/// Templates of `templates/<language>/`, by `<language>/<name>`.\n");
    let _ = writeln!(
        code,
        "pub(crate) const TRANSLATED_TEMPLATES: [(&str, &str); {}] = [",
        entries.len()
    );
    for (name, path) in entries {
        let _ = writeln!(code, "    ({name:?}, include_str!({path:?})),");
    }
    code.push_str("];\n");
    let out = std::env::var("OUT_DIR").unwrap_or_default();
    if let Err(error) = std::fs::write(Path::new(&out).join("translated_templates.rs"), code) {
        panic!("cannot write the template list: {error}");
    }
}
