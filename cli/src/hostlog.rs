//! `--hostlogging` scopes: which WASI host functions each one logs (wazero's log scopes).

/// A `--hostlogging` scope.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LogScope {
    /// Every WASI function.
    All,
    /// `clock_res_get`, `clock_time_get`.
    Clock,
    /// `fd_*` and `path_*`.
    Filesystem,
    /// Memory functions: WASI preview1 has none (accepted for wazero compatibility).
    Memory,
    /// `proc_*`, `args_*`, `environ_*`, `sched_yield`.
    Proc,
    /// `poll_oneoff`.
    Poll,
    /// `random_get`.
    Random,
    /// `sock_*`.
    Sock,
}

/// The host modules `--hostlogging` listens to.
pub const WASI_MODULES: [&str; 2] = ["wasi_snapshot_preview1", "wasi_unstable"];

/// The 46 functions of WASI preview1, each with the scope that logs it.
pub const WASI_FUNCTIONS: [(&str, LogScope); 46] = {
    use LogScope::*;
    [
        ("args_get", Proc),
        ("args_sizes_get", Proc),
        ("environ_get", Proc),
        ("environ_sizes_get", Proc),
        ("clock_res_get", Clock),
        ("clock_time_get", Clock),
        ("fd_advise", Filesystem),
        ("fd_allocate", Filesystem),
        ("fd_close", Filesystem),
        ("fd_datasync", Filesystem),
        ("fd_fdstat_get", Filesystem),
        ("fd_fdstat_set_flags", Filesystem),
        ("fd_fdstat_set_rights", Filesystem),
        ("fd_filestat_get", Filesystem),
        ("fd_filestat_set_size", Filesystem),
        ("fd_filestat_set_times", Filesystem),
        ("fd_pread", Filesystem),
        ("fd_prestat_get", Filesystem),
        ("fd_prestat_dir_name", Filesystem),
        ("fd_pwrite", Filesystem),
        ("fd_read", Filesystem),
        ("fd_readdir", Filesystem),
        ("fd_renumber", Filesystem),
        ("fd_seek", Filesystem),
        ("fd_sync", Filesystem),
        ("fd_tell", Filesystem),
        ("fd_write", Filesystem),
        ("path_create_directory", Filesystem),
        ("path_filestat_get", Filesystem),
        ("path_filestat_set_times", Filesystem),
        ("path_link", Filesystem),
        ("path_open", Filesystem),
        ("path_readlink", Filesystem),
        ("path_remove_directory", Filesystem),
        ("path_rename", Filesystem),
        ("path_symlink", Filesystem),
        ("path_unlink_file", Filesystem),
        ("poll_oneoff", Poll),
        ("proc_exit", Proc),
        ("proc_raise", Proc),
        ("sched_yield", Proc),
        ("random_get", Random),
        ("sock_accept", Sock),
        ("sock_recv", Sock),
        ("sock_send", Sock),
        ("sock_shutdown", Sock),
    ]
};

/// The WASI functions the scopes log: `None` for all of them (`all` given), else the
/// names (possibly none, e.g. for `memory` alone).
pub fn functions_for(scopes: &[LogScope]) -> Option<Vec<&'static str>> {
    if scopes.contains(&LogScope::All) {
        return None;
    }
    Some(
        WASI_FUNCTIONS
            .iter()
            .filter(|(_, scope)| scopes.contains(scope))
            .map(|(name, _)| *name)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_partition_the_wasi_functions_by_prefix() {
        for (name, scope) in WASI_FUNCTIONS {
            let by_prefix = match name {
                n if n.starts_with("clock_") => LogScope::Clock,
                n if n.starts_with("fd_") || n.starts_with("path_") => LogScope::Filesystem,
                n if n.starts_with("proc_")
                    || n.starts_with("args_")
                    || n.starts_with("environ_")
                    || n == "sched_yield" =>
                {
                    LogScope::Proc
                }
                "poll_oneoff" => LogScope::Poll,
                "random_get" => LogScope::Random,
                n if n.starts_with("sock_") => LogScope::Sock,
                other => panic!("{other} has no scope"),
            };
            assert_eq!(scope, by_prefix, "{name}");
        }
        let count = |s| functions_for(&[s]).unwrap().len();
        assert_eq!(count(LogScope::Clock), 2);
        assert_eq!(count(LogScope::Filesystem), 31);
        assert_eq!(count(LogScope::Proc), 7);
        assert_eq!(count(LogScope::Poll), 1);
        assert_eq!(count(LogScope::Random), 1);
        assert_eq!(count(LogScope::Sock), 4);
        assert_eq!(count(LogScope::Memory), 0);
        assert_eq!(functions_for(&[LogScope::Clock, LogScope::All]), None);
        assert_eq!(
            functions_for(&[LogScope::Random, LogScope::Poll]),
            Some(vec!["poll_oneoff", "random_get"])
        );
    }

    #[test]
    fn the_table_names_exactly_the_functions_the_runtime_exports() {
        let rt = wasmscope::Runtime::new();
        wasmscope::wasi::instantiate(&rt).unwrap();
        for module in WASI_MODULES {
            let mut exported: Vec<String> = rt
                .module(module)
                .unwrap()
                .exported_function_definitions()
                .into_keys()
                .collect();
            exported.sort();
            let mut ours: Vec<String> = WASI_FUNCTIONS.iter().map(|(n, _)| n.to_string()).collect();
            ours.sort();
            assert_eq!(exported, ours, "{module}");
        }
    }
}
