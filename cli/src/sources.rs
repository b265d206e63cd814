//! Where a source file the DWARF names is on this machine, for `debug` and `dap`.

use std::path::{Path, PathBuf};

/// The local file for the DWARF path `dwarf`:
///
/// 1. its image under the first `map` pair (FROM=TO: a path that starts with FROM is read
///    under TO, gdb's `substitute-path`, DAP's `sourceMap`) whose image exists;
/// 2. the path itself when it is a file;
/// 3. else its trailing components under the program's folders, the program's own
///    first, then up: the longest suffix found, of two components at least (`src/main.rs`,
///    not a lone `main.rs`). A program built elsewhere names its build machine's paths;
///    this finds its sources where they were copied with it.
pub(crate) fn local_path(dwarf: &str, map: &[(String, String)], program: &Path) -> Option<PathBuf> {
    for (from, to) in map {
        if let Some(rest) = dwarf.strip_prefix(from.as_str()) {
            let p = PathBuf::from(format!("{to}{rest}"));
            if p.is_file() {
                return Some(p);
            }
        }
    }
    if Path::new(dwarf).is_file() {
        return Some(PathBuf::from(dwarf));
    }
    let parts: Vec<&str> = dwarf.split('/').filter(|p| !p.is_empty()).collect();
    let program = std::fs::canonicalize(program).unwrap_or(program.to_path_buf());
    for dir in program.ancestors().skip(1) {
        for k in 0..parts.len().saturating_sub(1) {
            let candidate = dir.join(parts[k..].join("/"));
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_found_by_map_as_is_or_by_its_trailing_components() {
        let root = std::env::temp_dir().join(format!("wasmscope-sources-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("app/src")).unwrap();
        std::fs::write(root.join("app/src/main.rs"), "fn main() {}\n").unwrap();
        std::fs::write(root.join("main.rs"), "").unwrap();
        let program = root.join("app/app.wasm");
        let want = root.join("app/src/main.rs");
        // Built elsewhere: found beside the program by `src/main.rs`.
        assert_eq!(
            local_path("/build/x/app/src/main.rs", &[], &program),
            Some(want.clone())
        );
        // Through a map.
        let map = [("/b".to_string(), root.join("app").display().to_string())];
        assert_eq!(
            local_path("/b/src/main.rs", &map, &program),
            Some(want.clone())
        );
        // As it is.
        let at = want.display().to_string();
        assert_eq!(local_path(&at, &[], &program), Some(want));
        // A lone file name is not enough (the stray `main.rs` above the program's folder).
        assert_eq!(local_path("/elsewhere/main.rs", &[], &program), None);
        assert_eq!(local_path("/build/nothing/here.rs", &[], &program), None);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
