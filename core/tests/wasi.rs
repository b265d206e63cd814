//! WASI preview1 through `.wat` guests: every one of the 46 functions, the defaults
//! (deterministic clocks and random, discarded output), host directory and in-memory
//! mounts, read-only mounts, and the sandbox (each way out of a mount fails).
//!
//! Most tests use a generated guest that wraps each WASI import in an exported function
//! of the same name (a WASI function needs a calling module), so that a test can pass
//! exact pointers and check errnos and memory; a few use hand-written `_start` guests.
//! Every test runs on every engine (`common::on_every_engine`).

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use wasmscope::wasi::Errno;
use wasmscope::{FsConfig, MemFs, Memory, Module, ModuleConfig, Runtime};

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// Every WASI function: name, parameter types (`i` i32, `l` i64), whether it returns.
const FUNCS: &[(&str, &str, bool)] = &[
    ("args_get", "ii", true),
    ("args_sizes_get", "ii", true),
    ("environ_get", "ii", true),
    ("environ_sizes_get", "ii", true),
    ("clock_res_get", "ii", true),
    ("clock_time_get", "ili", true),
    ("fd_advise", "illi", true),
    ("fd_allocate", "ill", true),
    ("fd_close", "i", true),
    ("fd_datasync", "i", true),
    ("fd_fdstat_get", "ii", true),
    ("fd_fdstat_set_flags", "ii", true),
    ("fd_fdstat_set_rights", "ill", true),
    ("fd_filestat_get", "ii", true),
    ("fd_filestat_set_size", "il", true),
    ("fd_filestat_set_times", "illi", true),
    ("fd_pread", "iiili", true),
    ("fd_prestat_get", "ii", true),
    ("fd_prestat_dir_name", "iii", true),
    ("fd_pwrite", "iiili", true),
    ("fd_read", "iiii", true),
    ("fd_readdir", "iiili", true),
    ("fd_renumber", "ii", true),
    ("fd_seek", "ilii", true),
    ("fd_sync", "i", true),
    ("fd_tell", "ii", true),
    ("fd_write", "iiii", true),
    ("path_create_directory", "iii", true),
    ("path_filestat_get", "iiiii", true),
    ("path_filestat_set_times", "iiiilli", true),
    ("path_link", "iiiiiii", true),
    ("path_open", "iiiiillii", true),
    ("path_readlink", "iiiiii", true),
    ("path_remove_directory", "iii", true),
    ("path_rename", "iiiiii", true),
    ("path_symlink", "iiiii", true),
    ("path_unlink_file", "iii", true),
    ("poll_oneoff", "iiii", true),
    ("proc_exit", "i", false),
    ("proc_raise", "i", true),
    ("sched_yield", "", true),
    ("random_get", "ii", true),
    ("sock_accept", "iii", true),
    ("sock_recv", "iiiiii", true),
    ("sock_send", "iiiii", true),
    ("sock_shutdown", "ii", true),
];

/// A guest that imports every WASI function from `wasi_module` and exports a wrapper
/// of the same name, with 2 pages of exported memory.
fn wrapper_wat(wasi_module: &str) -> String {
    let mut wat = String::from("(module\n");
    for (name, params, result) in FUNCS {
        let ps: Vec<&str> = params
            .chars()
            .map(|c| if c == 'i' { "i32" } else { "i64" })
            .collect();
        let res = if *result { "(result i32)" } else { "" };
        wat += &format!(
            "  (import \"{wasi_module}\" \"{name}\" (func ${name} (param {}) {res}))\n",
            ps.join(" ")
        );
    }
    wat += "  (memory (export \"memory\") 2)\n";
    for (name, params, result) in FUNCS {
        let ps: Vec<&str> = params
            .chars()
            .map(|c| if c == 'i' { "i32" } else { "i64" })
            .collect();
        let res = if *result { "(result i32)" } else { "" };
        let args: String = (0..params.len())
            .map(|i| format!("(local.get {i})"))
            .collect();
        wat += &format!(
            "  (func (export \"{name}\") (param {}) {res} (call ${name} {args}))\n",
            ps.join(" ")
        );
    }
    wat + ")"
}

/// A runtime on the engine under test, with WASI.
fn runtime() -> Runtime {
    let rt = Runtime::with_config(common::engine_config());
    wasmscope::wasi::instantiate(&rt).expect("wasi");
    rt
}

// Memory layout of the wrapper guest.
const RES: u32 = 0; // results (fds, counts, sizes)
const RES2: u32 = 8;
const IOV: u32 = 64; // iovecs
const PATH: u32 = 4096; // first path
const PATH2: u32 = 8192; // second path
const BUF: u32 = 16384; // data buffers
const OUT: u32 = 32768; // structures written by WASI

/// Rights that make `path_open` open for reading and writing.
const RW: u64 = (1 << 1) | (1 << 6);
/// Rights for reading only.
const RO: u64 = 1 << 1;
const O_CREAT: u64 = 1;
const O_DIRECTORY: u64 = 2;
const O_EXCL: u64 = 4;
const O_TRUNC: u64 = 8;
const FOLLOW: u64 = 1;

struct Guest {
    module: Module,
    mem: Memory,
    _rt: Runtime,
}

impl Guest {
    fn new(config: ModuleConfig) -> Self {
        Self::under("wasi_snapshot_preview1", config)
    }

    fn under(wasi_module: &str, config: ModuleConfig) -> Self {
        let rt = runtime();
        let wasm = wat::parse_str(wrapper_wat(wasi_module)).expect("wat");
        let module = rt
            .instantiate_with_config(&wasm, config)
            .expect("instantiate");
        let mem = module.memory().expect("memory");
        Guest {
            module,
            mem,
            _rt: rt,
        }
    }

    /// Calls WASI function `name` through its wrapper; returns its errno.
    fn call(&self, name: &str, args: &[u64]) -> Errno {
        let f = self.module.exported_function(name).expect("wrapper");
        let r = f
            .call(args)
            .unwrap_or_else(|e| panic!("{name} failed: {e}"));
        Errno(r[0] as u16)
    }

    fn write(&self, offset: u32, bytes: &[u8]) {
        assert!(self.mem.write(offset, bytes));
    }

    fn read(&self, offset: u32, len: u32) -> Vec<u8> {
        self.mem.read(offset, len).expect("in range")
    }

    fn u32(&self, offset: u32) -> u32 {
        self.mem.read_u32_le(offset).unwrap()
    }

    fn u64(&self, offset: u32) -> u64 {
        self.mem.read_u64_le(offset).unwrap()
    }

    /// Writes `s` at `at`; returns `[ptr, len]`.
    fn string(&self, at: u32, s: &str) -> [u64; 2] {
        self.write(at, s.as_bytes());
        [at as u64, s.len() as u64]
    }

    /// `path_open(dirfd, path)`; the new fd or the errno.
    fn open(
        &self,
        dirfd: u32,
        path: &str,
        oflags: u64,
        rights: u64,
        fdflags: u64,
    ) -> Result<u32, Errno> {
        self.open_with(dirfd, 0, path, oflags, rights, fdflags)
    }

    fn open_with(
        &self,
        dirfd: u32,
        dirflags: u64,
        path: &str,
        oflags: u64,
        rights: u64,
        fdflags: u64,
    ) -> Result<u32, Errno> {
        let [p, l] = self.string(PATH, path);
        let args = [
            dirfd as u64,
            dirflags,
            p,
            l,
            oflags,
            rights,
            0,
            fdflags,
            RES as u64,
        ];
        match self.call("path_open", &args) {
            Errno::SUCCESS => Ok(self.u32(RES)),
            e => Err(e),
        }
    }

    /// `fd_write(fd, bytes)`; bytes written or the errno.
    fn write_fd(&self, fd: u32, bytes: &[u8]) -> Result<u32, Errno> {
        self.write(BUF, bytes);
        self.write(IOV, &BUF.to_le_bytes());
        self.write(IOV + 4, &(bytes.len() as u32).to_le_bytes());
        match self.call("fd_write", &[fd as u64, IOV as u64, 1, RES as u64]) {
            Errno::SUCCESS => Ok(self.u32(RES)),
            e => Err(e),
        }
    }

    /// `fd_read(fd, len)`; the bytes read or the errno.
    fn read_fd(&self, fd: u32, len: u32) -> Result<Vec<u8>, Errno> {
        self.write(IOV, &BUF.to_le_bytes());
        self.write(IOV + 4, &len.to_le_bytes());
        match self.call("fd_read", &[fd as u64, IOV as u64, 1, RES as u64]) {
            Errno::SUCCESS => Ok(self.read(BUF, self.u32(RES))),
            e => Err(e),
        }
    }

    /// A path function taking `(fd, path, path_len)`.
    fn path_op(&self, name: &str, dirfd: u32, path: &str) -> Errno {
        let [p, l] = self.string(PATH, path);
        self.call(name, &[dirfd as u64, p, l])
    }

    /// `path_filestat_get`: `(filetype, size)` or the errno.
    fn stat(&self, dirfd: u32, flags: u64, path: &str) -> Result<(u8, u64), Errno> {
        let [p, l] = self.string(PATH, path);
        match self.call(
            "path_filestat_get",
            &[dirfd as u64, flags, p, l, OUT as u64],
        ) {
            Errno::SUCCESS => Ok((self.read(OUT + 16, 1)[0], self.u64(OUT + 32))),
            e => Err(e),
        }
    }
}

/// A writer into a shared buffer (for `with_stdout`), counting flushes.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>, Arc<AtomicU64>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.1.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

impl Shared {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// A fresh directory under the system's temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        static N: AtomicU64 = AtomicU64::new(0);
        let path = std::env::temp_dir().join(format!(
            "wasmscope-wasi-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A guest with one host directory mounted at `/` (fd 3).
fn dir_guest(dir: &TempDir) -> Guest {
    Guest::new(ModuleConfig::new().with_fs_config(FsConfig::new().with_dir_mount(dir.path(), "/")))
}

/// A guest with a `MemFs` mounted at `/` (fd 3).
fn mem_guest(fs: &MemFs) -> Guest {
    Guest::new(ModuleConfig::new().with_fs_config(FsConfig::new().with_mem_mount(fs.clone(), "/")))
}

// ---------------------------------------------------------------------------------------
// Hand-written guests: hello world, proc_exit
// ---------------------------------------------------------------------------------------

const HELLO: &str = r#"(module
    (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (data (i32.const 8) "\10\00\00\00\0e\00\00\00hello, world!\n")
    (func (export "_start")
        (if (call $fd_write (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 0))
            (then unreachable))))"#;

#[test]
fn hello_world_goes_to_the_configured_stdout() {
    if common::on_every_engine(hello_world_goes_to_the_configured_stdout) {
        return;
    }
    let rt = runtime();
    let out = Shared::default();
    let wasm = wat::parse_str(HELLO).unwrap();
    rt.instantiate_with_config(&wasm, ModuleConfig::new().with_stdout(out.clone()))
        .unwrap();
    assert_eq!(out.text(), "hello, world!\n");
    // By default stdout is discarded and the write still succeeds.
    rt.instantiate_with_config(&wasm, ModuleConfig::new())
        .unwrap();
}

#[test]
fn wasi_unstable_serves_the_same_functions() {
    if common::on_every_engine(wasi_unstable_serves_the_same_functions) {
        return;
    }
    let rt = runtime();
    let out = Shared::default();
    let wasm = wat::parse_str(HELLO.replace("wasi_snapshot_preview1", "wasi_unstable")).unwrap();
    rt.instantiate_with_config(&wasm, ModuleConfig::new().with_stdout(out.clone()))
        .unwrap();
    assert_eq!(out.text(), "hello, world!\n");
}

#[test]
fn instantiating_wasi_twice_fails() {
    if common::on_every_engine(instantiating_wasi_twice_fails) {
        return;
    }
    let rt = runtime();
    assert!(wasmscope::wasi::instantiate(&rt).is_err());
}

fn exiting_guest(code: u32) -> Vec<u8> {
    wat::parse_str(format!(
        r#"(module
        (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
        (memory 1)
        (func (export "_start") (call $exit (i32.const {code})) unreachable)
        (func (export "again") (call $exit (i32.const 7)) unreachable))"#
    ))
    .unwrap()
}

#[test]
fn proc_exit_zero_in_start_is_success() {
    if common::on_every_engine(proc_exit_zero_in_start_is_success) {
        return;
    }
    let rt = runtime();
    let module = rt
        .instantiate_with_config(&exiting_guest(0), ModuleConfig::new().with_name("zero"))
        .expect("exit 0 is success");
    assert!(module.is_closed());
}

#[test]
fn proc_exit_non_zero_in_start_is_an_exit_error() {
    if common::on_every_engine(proc_exit_non_zero_in_start_is_an_exit_error) {
        return;
    }
    let rt = runtime();
    let codes = Arc::new(Mutex::new(Vec::new()));
    let c = codes.clone();
    let config = ModuleConfig::new().with_close_notifier(move |code| c.lock().unwrap().push(code));
    let err = rt
        .instantiate_with_config(&exiting_guest(3), config)
        .expect_err("exit 3");
    assert_eq!(err.exit_code(), Some(3));
    assert_eq!(err.to_string(), "module closed with exit_code(3)");
    assert_eq!(*codes.lock().unwrap(), vec![3]);
}

#[test]
fn proc_exit_ends_a_call_and_closes_the_module() {
    if common::on_every_engine(proc_exit_ends_a_call_and_closes_the_module) {
        return;
    }
    let rt = runtime();
    let module = rt
        .instantiate_with_config(
            &exiting_guest(0),
            ModuleConfig::new().with_start_functions(&[]),
        )
        .unwrap();
    let err = module
        .exported_function("again")
        .unwrap()
        .call(&[])
        .unwrap_err();
    assert_eq!(err.exit_code(), Some(7));
    assert!(module.is_closed());
    // Later calls fail with the same exit code.
    let err = module
        .exported_function("_start")
        .unwrap()
        .call(&[])
        .unwrap_err();
    assert_eq!(err.exit_code(), Some(7));
}

// ---------------------------------------------------------------------------------------
// Arguments, environment
// ---------------------------------------------------------------------------------------

#[test]
fn args_sizes_get_and_args_get() {
    if common::on_every_engine(args_sizes_get_and_args_get) {
        return;
    }
    let g = Guest::new(ModuleConfig::new().with_args(&["prog", "a b", "ü"]));
    assert_eq!(
        g.call("args_sizes_get", &[RES as u64, RES2 as u64]),
        Errno::SUCCESS
    );
    assert_eq!(g.u32(RES), 3);
    assert_eq!(g.u32(RES2), 5 + 4 + 3);
    assert_eq!(
        g.call("args_get", &[OUT as u64, BUF as u64]),
        Errno::SUCCESS
    );
    let ptrs: Vec<u32> = (0..3).map(|i| g.u32(OUT + 4 * i)).collect();
    assert_eq!(ptrs, vec![BUF, BUF + 5, BUF + 9]);
    assert_eq!(g.read(BUF, 12), b"prog\0a b\0\xc3\xbc\0");
    // Out of range: EFAULT, no panic.
    assert_eq!(
        g.call("args_get", &[OUT as u64, 2 * 65536 - 3]),
        Errno::EFAULT
    );
    assert_eq!(
        g.call("args_sizes_get", &[u32::MAX as u64, 0]),
        Errno::EFAULT
    );
}

#[test]
fn no_args_by_default() {
    if common::on_every_engine(no_args_by_default) {
        return;
    }
    let g = Guest::new(ModuleConfig::new());
    assert_eq!(
        g.call("args_sizes_get", &[RES as u64, RES2 as u64]),
        Errno::SUCCESS
    );
    assert_eq!((g.u32(RES), g.u32(RES2)), (0, 0));
    assert_eq!(
        g.call("environ_sizes_get", &[RES as u64, RES2 as u64]),
        Errno::SUCCESS
    );
    assert_eq!((g.u32(RES), g.u32(RES2)), (0, 0));
}

#[test]
fn environ_sizes_get_and_environ_get() {
    if common::on_every_engine(environ_sizes_get_and_environ_get) {
        return;
    }
    let g = Guest::new(
        ModuleConfig::new()
            .with_env("HOME", "/")
            .with_env("A", "b=c"),
    );
    assert_eq!(
        g.call("environ_sizes_get", &[RES as u64, RES2 as u64]),
        Errno::SUCCESS
    );
    assert_eq!(g.u32(RES), 2);
    assert_eq!(g.u32(RES2), 7 + 6);
    assert_eq!(
        g.call("environ_get", &[OUT as u64, BUF as u64]),
        Errno::SUCCESS
    );
    assert_eq!((g.u32(OUT), g.u32(OUT + 4)), (BUF, BUF + 7));
    assert_eq!(g.read(BUF, 13), b"HOME=/\0A=b=c\0");
    assert_eq!(
        g.call("environ_get", &[u32::MAX as u64 - 2, BUF as u64]),
        Errno::EFAULT
    );
}

#[test]
fn invalid_args_and_env_fail_instantiation() {
    if common::on_every_engine(invalid_args_and_env_fail_instantiation) {
        return;
    }
    let rt = runtime();
    let wasm = wat::parse_str(HELLO).unwrap();
    let err = rt
        .instantiate_with_config(&wasm, ModuleConfig::new().with_args(&["a\0b"]))
        .unwrap_err();
    assert!(err.to_string().contains("NUL"), "{err}");
    assert!(rt
        .instantiate_with_config(&wasm, ModuleConfig::new().with_env("A=B", "c"))
        .is_err());
    assert!(rt
        .instantiate_with_config(&wasm, ModuleConfig::new().with_env("", "c"))
        .is_err());
}

// ---------------------------------------------------------------------------------------
// Clocks, random, scheduling
// ---------------------------------------------------------------------------------------

const FAKE_EPOCH: u64 = 1_640_995_200_000_000_000;
const MS: u64 = 1_000_000;

#[test]
fn clock_res_get() {
    if common::on_every_engine(clock_res_get) {
        return;
    }
    let g = Guest::new(ModuleConfig::new());
    for id in [0, 1] {
        assert_eq!(g.call("clock_res_get", &[id, RES as u64]), Errno::SUCCESS);
        assert_eq!(g.u64(RES), 1);
    }
    assert_eq!(g.call("clock_res_get", &[2, RES as u64]), Errno::EINVAL);
    assert_eq!(g.call("clock_res_get", &[0, 2 * 65536 - 4]), Errno::EFAULT);
    let g = Guest::new(
        ModuleConfig::new()
            .with_walltime(|| (0, 0), 1000)
            .with_nanotime(|| 0, 7),
    );
    g.call("clock_res_get", &[0, RES as u64]);
    assert_eq!(g.u64(RES), 1000);
    g.call("clock_res_get", &[1, RES as u64]);
    assert_eq!(g.u64(RES), 7);
}

#[test]
fn clock_time_get_fake_clocks_advance_1ms_per_reading() {
    if common::on_every_engine(clock_time_get_fake_clocks_advance_1ms_per_reading) {
        return;
    }
    let g = Guest::new(ModuleConfig::new());
    let read = |id: u64| {
        assert_eq!(
            g.call("clock_time_get", &[id, 0, RES as u64]),
            Errno::SUCCESS
        );
        g.u64(RES)
    };
    assert_eq!(read(0), FAKE_EPOCH);
    assert_eq!(read(0), FAKE_EPOCH + MS);
    assert_eq!(read(1), 0);
    assert_eq!(read(1), MS);
    assert_eq!(read(0), FAKE_EPOCH + 2 * MS);
    assert_eq!(g.call("clock_time_get", &[3, 0, RES as u64]), Errno::EINVAL);
    assert_eq!(
        g.call("clock_time_get", &[0, 0, 2 * 65536 - 7]),
        Errno::EFAULT
    );
    // Each instantiation starts its fake clocks afresh: runs replay.
    let g = Guest::new(ModuleConfig::new());
    g.call("clock_time_get", &[0, 0, RES as u64]);
    assert_eq!(g.u64(RES), FAKE_EPOCH);
}

#[test]
fn clock_time_get_custom_and_sys_clocks() {
    if common::on_every_engine(clock_time_get_custom_and_sys_clocks) {
        return;
    }
    let g = Guest::new(
        ModuleConfig::new()
            .with_walltime(|| (12, 34), 1)
            .with_nanotime(|| 99, 1),
    );
    g.call("clock_time_get", &[0, 0, RES as u64]);
    assert_eq!(g.u64(RES), 12_000_000_034);
    g.call("clock_time_get", &[1, 0, RES as u64]);
    assert_eq!(g.u64(RES), 99);
    let g = Guest::new(ModuleConfig::new().with_sys_walltime().with_sys_nanotime());
    g.call("clock_time_get", &[0, 0, RES as u64]);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    assert!(g.u64(RES).abs_diff(now) < 60_000_000_000);
    g.call("clock_time_get", &[1, 0, RES as u64]);
    let a = g.u64(RES);
    g.call("clock_time_get", &[1, 0, RES as u64]);
    assert!(g.u64(RES) >= a);
}

#[test]
fn random_get_is_deterministic_by_default() {
    if common::on_every_engine(random_get_is_deterministic_by_default) {
        return;
    }
    let a = Guest::new(ModuleConfig::new());
    let b = Guest::new(ModuleConfig::new());
    assert_eq!(a.call("random_get", &[BUF as u64, 37]), Errno::SUCCESS);
    assert_eq!(b.call("random_get", &[BUF as u64, 37]), Errno::SUCCESS);
    assert_eq!(a.read(BUF, 37), b.read(BUF, 37));
    assert_ne!(a.read(BUF, 37), vec![0; 37]);
    // The next bytes differ from the first.
    a.call("random_get", &[BUF as u64, 37]);
    assert_ne!(a.read(BUF, 37), b.read(BUF, 37));
    assert_eq!(a.call("random_get", &[2 * 65536 - 4, 5]), Errno::EFAULT);
    assert_eq!(a.call("random_get", &[BUF as u64, 0]), Errno::SUCCESS);
}

#[test]
fn random_get_uses_the_configured_source() {
    if common::on_every_engine(random_get_uses_the_configured_source) {
        return;
    }
    let g = Guest::new(ModuleConfig::new().with_rand_source(|buf: &mut [u8]| buf.fill(0xab)));
    g.call("random_get", &[BUF as u64, 4]);
    assert_eq!(g.read(BUF, 5), vec![0xab, 0xab, 0xab, 0xab, 0]);
}

#[test]
fn sched_yield_and_proc_raise() {
    if common::on_every_engine(sched_yield_and_proc_raise) {
        return;
    }
    let g = Guest::new(ModuleConfig::new());
    assert_eq!(g.call("sched_yield", &[]), Errno::SUCCESS);
    assert_eq!(g.call("proc_raise", &[9]), Errno::ENOSYS);
}

#[test]
fn proc_exit_through_the_wrapper() {
    if common::on_every_engine(proc_exit_through_the_wrapper) {
        return;
    }
    let g = Guest::new(ModuleConfig::new());
    let f = g.module.exported_function("proc_exit").unwrap();
    assert_eq!(f.call(&[5]).unwrap_err().exit_code(), Some(5));
    assert!(g.module.is_closed());
}

// ---------------------------------------------------------------------------------------
// Standard streams and descriptors
// ---------------------------------------------------------------------------------------

#[test]
fn fd_write_to_stdout_and_stderr() {
    if common::on_every_engine(fd_write_to_stdout_and_stderr) {
        return;
    }
    let (out, err) = (Shared::default(), Shared::default());
    let g = Guest::new(
        ModuleConfig::new()
            .with_stdout(out.clone())
            .with_stderr(err.clone()),
    );
    // Two iovecs in one call.
    g.write(BUF, b"hello world");
    for (i, (ptr, len)) in [(BUF, 5u32), (BUF + 5, 6)].iter().enumerate() {
        g.write(IOV + 8 * i as u32, &ptr.to_le_bytes());
        g.write(IOV + 8 * i as u32 + 4, &len.to_le_bytes());
    }
    assert_eq!(
        g.call("fd_write", &[1, IOV as u64, 2, RES as u64]),
        Errno::SUCCESS
    );
    assert_eq!(g.u32(RES), 11);
    assert_eq!(g.write_fd(2, b"oops"), Ok(4));
    assert_eq!(out.text(), "hello world");
    assert_eq!(err.text(), "oops");
    assert_eq!(g.write_fd(0, b"x"), Err(Errno::EBADF));
    assert_eq!(g.write_fd(42, b"x"), Err(Errno::EBADF));
    // An iovec pointing outside memory, an iovec array outside memory.
    g.write(IOV, &(2 * 65536u32 - 2).to_le_bytes());
    g.write(IOV + 4, &4u32.to_le_bytes());
    assert_eq!(
        g.call("fd_write", &[1, IOV as u64, 1, RES as u64]),
        Errno::EFAULT
    );
    assert_eq!(
        g.call("fd_write", &[1, 2 * 65536 - 4, 1, RES as u64]),
        Errno::EFAULT
    );
    assert_eq!(
        g.call("fd_write", &[1, IOV as u64, u32::MAX as u64, RES as u64]),
        Errno::EFAULT
    );
    assert_eq!(out.text(), "hello world");
}

#[test]
fn fd_read_from_stdin() {
    if common::on_every_engine(fd_read_from_stdin) {
        return;
    }
    let g = Guest::new(
        ModuleConfig::new().with_stdin(std::io::Cursor::new(b"line one\nrest".to_vec())),
    );
    assert_eq!(g.read_fd(0, 5).unwrap(), b"line ");
    assert_eq!(g.read_fd(0, 100).unwrap(), b"one\nrest");
    assert_eq!(g.read_fd(0, 100).unwrap(), b"");
    assert_eq!(g.read_fd(1, 10), Err(Errno::EBADF));
    assert_eq!(g.read_fd(9, 10), Err(Errno::EBADF));
    // By default stdin is empty.
    let g = Guest::new(ModuleConfig::new());
    assert_eq!(g.read_fd(0, 10).unwrap(), b"");
}

#[test]
fn fd_sync_and_fd_datasync_flush_stdout() {
    if common::on_every_engine(fd_sync_and_fd_datasync_flush_stdout) {
        return;
    }
    let out = Shared::default();
    let g = Guest::new(ModuleConfig::new().with_stdout(out.clone()));
    assert_eq!(g.call("fd_sync", &[1]), Errno::SUCCESS);
    assert_eq!(g.call("fd_datasync", &[1]), Errno::SUCCESS);
    assert_eq!(out.1.load(Ordering::SeqCst), 2);
    assert_eq!(g.call("fd_sync", &[0]), Errno::SUCCESS);
    assert_eq!(g.call("fd_sync", &[77]), Errno::EBADF);
    assert_eq!(g.call("fd_datasync", &[77]), Errno::EBADF);
}

#[test]
fn fd_fdstat_get() {
    if common::on_every_engine(fd_fdstat_get) {
        return;
    }
    let fs = MemFs::new();
    fs.write_file("f", b"").unwrap();
    let g = mem_guest(&fs);
    assert_eq!(g.call("fd_fdstat_get", &[1, OUT as u64]), Errno::SUCCESS);
    assert_eq!(g.read(OUT, 1)[0], 0, "not a terminal: of unknown type");
    assert_eq!(g.u64(OUT + 8) & (1 << 6), 1 << 6, "fd_write right");
    assert_eq!(g.call("fd_fdstat_get", &[3, OUT as u64]), Errno::SUCCESS);
    assert_eq!(g.read(OUT, 1)[0], 3, "directory");
    assert_ne!(g.u64(OUT + 16), 0, "a pre-open passes rights on");
    let fd = g.open(3, "f", 0, RW, 1).unwrap();
    assert_eq!(
        g.call("fd_fdstat_get", &[fd as u64, OUT as u64]),
        Errno::SUCCESS
    );
    assert_eq!(g.read(OUT, 1)[0], 4, "regular file");
    assert_eq!(g.read(OUT + 2, 2), vec![1, 0], "append");
    assert_eq!(g.call("fd_fdstat_get", &[99, OUT as u64]), Errno::EBADF);
    assert_eq!(g.call("fd_fdstat_get", &[1, 2 * 65536 - 8]), Errno::EFAULT);
}

#[test]
fn fd_fdstat_set_flags_append() {
    if common::on_every_engine(fd_fdstat_set_flags_append) {
        return;
    }
    let fs = MemFs::new();
    let g = mem_guest(&fs);
    let fd = g.open(3, "log", O_CREAT, RW, 0).unwrap();
    assert_eq!(g.write_fd(fd, b"abc"), Ok(3));
    assert_eq!(
        g.call("fd_seek", &[fd as u64, 0, 0, RES as u64]),
        Errno::SUCCESS
    );
    assert_eq!(
        g.call("fd_fdstat_set_flags", &[fd as u64, 1]),
        Errno::SUCCESS
    );
    assert_eq!(g.write_fd(fd, b"d"), Ok(1));
    assert_eq!(fs.read_file("log").unwrap(), b"abcd");
    assert_eq!(
        g.call("fd_fdstat_set_flags", &[fd as u64, 0]),
        Errno::SUCCESS
    );
    g.call("fd_seek", &[fd as u64, 0, 0, RES as u64]);
    assert_eq!(g.write_fd(fd, b"X"), Ok(1));
    assert_eq!(fs.read_file("log").unwrap(), b"Xbcd");
    assert_eq!(
        g.call("fd_fdstat_set_flags", &[fd as u64, 16]),
        Errno::EINVAL,
        "SYNC"
    );
    assert_eq!(g.call("fd_fdstat_set_flags", &[99, 1]), Errno::EBADF);
}

#[test]
fn fd_close_and_fd_renumber() {
    if common::on_every_engine(fd_close_and_fd_renumber) {
        return;
    }
    let fs = MemFs::new();
    let g = mem_guest(&fs);
    let fd = g.open(3, "a", O_CREAT, RW, 0).unwrap();
    assert_eq!(fd, 4, "the lowest free number after the pre-open");
    assert_eq!(g.call("fd_renumber", &[fd as u64, 1]), Errno::SUCCESS);
    assert_eq!(g.write_fd(1, b"into a"), Ok(6));
    assert_eq!(fs.read_file("a").unwrap(), b"into a");
    assert_eq!(g.write_fd(fd, b"x"), Err(Errno::EBADF), "moved away");
    assert_eq!(g.call("fd_renumber", &[42, 1]), Errno::EBADF);
    assert_eq!(g.call("fd_renumber", &[1, 42]), Errno::EBADF);
    assert_eq!(g.call("fd_close", &[1]), Errno::SUCCESS);
    assert_eq!(g.call("fd_close", &[1]), Errno::EBADF);
    // The freed number is reused.
    assert_eq!(g.open(3, "a", 0, RO, 0), Ok(1));
}

#[test]
fn fd_prestat_get_and_fd_prestat_dir_name() {
    if common::on_every_engine(fd_prestat_get_and_fd_prestat_dir_name) {
        return;
    }
    let (a, b) = (MemFs::new(), MemFs::new());
    let g = Guest::new(
        ModuleConfig::new().with_fs_config(
            FsConfig::new()
                .with_mem_mount(a, "/")
                .with_mem_mount(b, "/tmp/"),
        ),
    );
    for (fd, name) in [(3u64, "/"), (4, "/tmp")] {
        assert_eq!(g.call("fd_prestat_get", &[fd, OUT as u64]), Errno::SUCCESS);
        assert_eq!(g.read(OUT, 1)[0], 0, "a directory");
        assert_eq!(g.u32(OUT + 4), name.len() as u32);
        assert_eq!(
            g.call("fd_prestat_dir_name", &[fd, BUF as u64, name.len() as u64]),
            Errno::SUCCESS
        );
        assert_eq!(g.read(BUF, name.len() as u32), name.as_bytes());
    }
    assert_eq!(g.call("fd_prestat_get", &[5, OUT as u64]), Errno::EBADF);
    assert_eq!(
        g.call("fd_prestat_get", &[1, OUT as u64]),
        Errno::EBADF,
        "not a pre-open"
    );
    assert_eq!(
        g.call("fd_prestat_dir_name", &[4, BUF as u64, 2]),
        Errno::ENAMETOOLONG
    );
    assert_eq!(
        g.call("fd_prestat_dir_name", &[4, 2 * 65536 - 1, 4]),
        Errno::EFAULT
    );
}

#[test]
fn fd_seek_and_fd_tell() {
    if common::on_every_engine(fd_seek_and_fd_tell) {
        return;
    }
    let fs = MemFs::new();
    fs.write_file("f", b"0123456789").unwrap();
    let g = mem_guest(&fs);
    let fd = g.open(3, "f", 0, RO, 0).unwrap() as u64;
    let seek =
        |off: i64, whence: u64| match g.call("fd_seek", &[fd, off as u64, whence, RES as u64]) {
            Errno::SUCCESS => Ok(g.u64(RES)),
            e => Err(e),
        };
    assert_eq!(seek(4, 0), Ok(4));
    assert_eq!(g.read_fd(fd as u32, 2).unwrap(), b"45");
    assert_eq!(seek(-1, 1), Ok(5));
    assert_eq!(seek(-3, 2), Ok(7));
    assert_eq!(g.call("fd_tell", &[fd, RES2 as u64]), Errno::SUCCESS);
    assert_eq!(g.u64(RES2), 7);
    assert_eq!(seek(-1, 0), Err(Errno::EINVAL));
    assert_eq!(seek(-100, 1), Err(Errno::EINVAL));
    assert_eq!(seek(0, 3), Err(Errno::EINVAL), "bad whence");
    assert_eq!(g.call("fd_seek", &[1, 0, 0, RES as u64]), Errno::ESPIPE);
    assert_eq!(g.call("fd_tell", &[1, RES as u64]), Errno::ESPIPE);
    assert_eq!(
        g.call("fd_seek", &[3, 0, 0, RES as u64]),
        Errno::EBADF,
        "a directory"
    );
    assert_eq!(g.call("fd_seek", &[99, 0, 0, RES as u64]), Errno::EBADF);
    assert_eq!(g.call("fd_tell", &[fd, 2 * 65536 - 4]), Errno::EFAULT);
}

#[test]
fn fd_seek_whence_follows_the_abi() {
    if common::on_every_engine(fd_seek_whence_follows_the_abi) {
        return;
    }
    // Snapshot 0 numbered whence CUR=0, END=1, SET=2.
    let fs = MemFs::new();
    fs.write_file("f", b"0123456789").unwrap();
    let g = Guest::under(
        "wasi_unstable",
        ModuleConfig::new().with_fs_config(FsConfig::new().with_mem_mount(fs, "/")),
    );
    let fd = g.open(3, "f", 0, RO, 0).unwrap() as u64;
    assert_eq!(g.call("fd_seek", &[fd, 3, 2, RES as u64]), Errno::SUCCESS);
    assert_eq!(g.u64(RES), 3, "SET");
    assert_eq!(g.call("fd_seek", &[fd, 1, 0, RES as u64]), Errno::SUCCESS);
    assert_eq!(g.u64(RES), 4, "CUR");
    assert_eq!(g.call("fd_seek", &[fd, 0, 1, RES as u64]), Errno::SUCCESS);
    assert_eq!(g.u64(RES), 10, "END");
    // Snapshot 0's filestat has a 32-bit nlink, then size at 24.
    assert_eq!(g.call("fd_filestat_get", &[fd, OUT as u64]), Errno::SUCCESS);
    assert_eq!(g.read(OUT + 16, 1)[0], 4);
    assert_eq!(g.u32(OUT + 20), 1, "nlink");
    assert_eq!(g.u64(OUT + 24), 10, "size");
}

#[test]
fn fd_pread_and_fd_pwrite_leave_the_position() {
    if common::on_every_engine(fd_pread_and_fd_pwrite_leave_the_position) {
        return;
    }
    let fs = MemFs::new();
    fs.write_file("f", b"0123456789").unwrap();
    let g = mem_guest(&fs);
    let fd = g.open(3, "f", 0, RW, 0).unwrap() as u64;
    g.write(BUF, b"AB");
    g.write(IOV, &BUF.to_le_bytes());
    g.write(IOV + 4, &2u32.to_le_bytes());
    assert_eq!(
        g.call("fd_pwrite", &[fd, IOV as u64, 1, 3, RES as u64]),
        Errno::SUCCESS
    );
    assert_eq!(g.u32(RES), 2);
    assert_eq!(fs.read_file("f").unwrap(), b"012AB56789");
    g.write(IOV + 4, &4u32.to_le_bytes());
    assert_eq!(
        g.call("fd_pread", &[fd, IOV as u64, 1, 2, RES as u64]),
        Errno::SUCCESS
    );
    assert_eq!(g.u32(RES), 4);
    assert_eq!(g.read(BUF, 4), b"2AB5");
    // Past the end: nothing.
    assert_eq!(
        g.call("fd_pread", &[fd, IOV as u64, 1, 100, RES as u64]),
        Errno::SUCCESS
    );
    assert_eq!(g.u32(RES), 0);
    assert_eq!(g.call("fd_tell", &[fd, RES as u64]), Errno::SUCCESS);
    assert_eq!(g.u64(RES), 0);
    assert_eq!(
        g.call("fd_pread", &[0, IOV as u64, 1, 0, RES as u64]),
        Errno::ESPIPE
    );
    assert_eq!(
        g.call("fd_pwrite", &[1, IOV as u64, 1, 0, RES as u64]),
        Errno::ESPIPE
    );
    assert_eq!(
        g.call("fd_pread", &[3, IOV as u64, 1, 0, RES as u64]),
        Errno::EISDIR
    );
    assert_eq!(
        g.call("fd_pwrite", &[fd, IOV as u64, 1, 1 << 40, RES as u64]),
        Errno::EFBIG
    );
    let ro = g.open(3, "f", 0, RO, 0).unwrap() as u64;
    assert_eq!(
        g.call("fd_pwrite", &[ro, IOV as u64, 1, 0, RES as u64]),
        Errno::EBADF
    );
}

#[test]
fn fd_filestat_get_and_set_size() {
    if common::on_every_engine(fd_filestat_get_and_set_size) {
        return;
    }
    let fs = MemFs::new();
    let g = mem_guest(&fs);
    let fd = g.open(3, "f", O_CREAT, RW, 0).unwrap() as u64;
    g.write_fd(fd as u32, b"hello").unwrap();
    assert_eq!(g.call("fd_filestat_get", &[fd, OUT as u64]), Errno::SUCCESS);
    assert_eq!(g.read(OUT + 16, 1)[0], 4, "regular file");
    assert_eq!(g.u64(OUT + 24), 1, "nlink");
    assert_eq!(g.u64(OUT + 32), 5, "size");
    assert_eq!(g.call("fd_filestat_set_size", &[fd, 2]), Errno::SUCCESS);
    assert_eq!(fs.read_file("f").unwrap(), b"he");
    assert_eq!(g.call("fd_filestat_set_size", &[fd, 4]), Errno::SUCCESS);
    assert_eq!(fs.read_file("f").unwrap(), b"he\0\0");
    assert_eq!(g.call("fd_filestat_get", &[3, OUT as u64]), Errno::SUCCESS);
    assert_eq!(g.read(OUT + 16, 1)[0], 3, "directory");
    assert_eq!(g.call("fd_filestat_get", &[1, OUT as u64]), Errno::SUCCESS);
    assert_eq!(g.read(OUT + 16, 1)[0], 0, "not a terminal: unknown");
    let ro = g.open(3, "f", 0, RO, 0).unwrap() as u64;
    assert_eq!(g.call("fd_filestat_set_size", &[ro, 0]), Errno::EBADF);
    assert_eq!(g.call("fd_filestat_set_size", &[3, 0]), Errno::EISDIR);
    assert_eq!(
        g.call("fd_filestat_get", &[fd, 2 * 65536 - 10]),
        Errno::EFAULT
    );
    assert_eq!(g.call("fd_filestat_get", &[99, OUT as u64]), Errno::EBADF);
}

#[test]
fn fd_filestat_set_times() {
    if common::on_every_engine(fd_filestat_set_times) {
        return;
    }
    let fs = MemFs::new();
    let g = mem_guest(&fs);
    let fd = g.open(3, "f", O_CREAT, RW, 0).unwrap() as u64;
    // ATIM | MTIM.
    assert_eq!(
        g.call("fd_filestat_set_times", &[fd, 111, 222, 1 | 4]),
        Errno::SUCCESS
    );
    g.call("fd_filestat_get", &[fd, OUT as u64]);
    assert_eq!((g.u64(OUT + 40), g.u64(OUT + 48)), (111, 222));
    // MTIM_NOW with the fake wall clock, atime left alone.
    assert_eq!(
        g.call("fd_filestat_set_times", &[fd, 0, 0, 8]),
        Errno::SUCCESS
    );
    g.call("fd_filestat_get", &[fd, OUT as u64]);
    assert_eq!((g.u64(OUT + 40), g.u64(OUT + 48)), (111, FAKE_EPOCH));
    assert_eq!(
        g.call("fd_filestat_set_times", &[fd, 0, 0, 1 | 2]),
        Errno::EINVAL
    );
    assert_eq!(
        g.call("fd_filestat_set_times", &[fd, 0, 0, 4 | 8]),
        Errno::EINVAL
    );
    assert_eq!(g.call("fd_filestat_set_times", &[1, 0, 0, 1]), Errno::EBADF);
    assert_eq!(
        g.call("fd_filestat_set_times", &[3, 5, 6, 1 | 4]),
        Errno::SUCCESS,
        "a directory"
    );
}

#[test]
fn fd_advise_and_fd_allocate() {
    if common::on_every_engine(fd_advise_and_fd_allocate) {
        return;
    }
    let fs = MemFs::new();
    let g = mem_guest(&fs);
    let fd = g.open(3, "f", O_CREAT, RW, 0).unwrap() as u64;
    assert_eq!(g.call("fd_advise", &[fd, 0, 100, 1]), Errno::SUCCESS);
    assert_eq!(g.call("fd_advise", &[fd, 0, 100, 6]), Errno::EINVAL);
    assert_eq!(g.call("fd_advise", &[99, 0, 100, 0]), Errno::EBADF);
    assert_eq!(g.call("fd_allocate", &[fd, 10, 6]), Errno::SUCCESS);
    assert_eq!(fs.read_file("f").unwrap().len(), 16);
    assert_eq!(g.call("fd_allocate", &[fd, 0, 4]), Errno::SUCCESS);
    assert_eq!(fs.read_file("f").unwrap().len(), 16, "never shrinks");
    assert_eq!(g.call("fd_allocate", &[fd, u64::MAX, 2]), Errno::EFBIG);
    assert_eq!(g.call("fd_allocate", &[3, 0, 1]), Errno::EBADF);
    assert_eq!(g.call("fd_sync", &[fd]), Errno::SUCCESS);
    assert_eq!(g.call("fd_datasync", &[fd]), Errno::SUCCESS);
}

#[test]
fn fd_readdir_lists_entries_with_cookies() {
    if common::on_every_engine(fd_readdir_lists_entries_with_cookies) {
        return;
    }
    let fs = MemFs::new();
    fs.write_file("dir/b.txt", b"bb").unwrap();
    fs.write_file("dir/a.txt", b"a").unwrap();
    fs.create_dir_all("dir/sub").unwrap();
    let g = mem_guest(&fs);
    let fd = g.open(3, "dir", O_DIRECTORY, RO | (1 << 14), 0).unwrap() as u64;
    assert_eq!(
        g.call("fd_readdir", &[fd, BUF as u64, 4096, 0, RES as u64]),
        Errno::SUCCESS
    );
    let used = g.u32(RES);
    let bytes = g.read(BUF, used);
    let mut entries = Vec::new();
    let mut at = 0usize;
    while at + 24 <= bytes.len() {
        let next = u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap());
        let namlen = u32::from_le_bytes(bytes[at + 16..at + 20].try_into().unwrap()) as usize;
        let ty = bytes[at + 20];
        let name = String::from_utf8(bytes[at + 24..at + 24 + namlen].to_vec()).unwrap();
        entries.push((next, name, ty));
        at += 24 + namlen;
    }
    assert_eq!(at, bytes.len());
    assert_eq!(
        entries,
        vec![
            (1, ".".into(), 3),
            (2, "..".into(), 3),
            (3, "a.txt".into(), 4),
            (4, "b.txt".into(), 4),
            (5, "sub".into(), 3),
        ]
    );
    // From a cookie, with a buffer that ends mid-entry: it is filled to the brim.
    assert_eq!(
        g.call("fd_readdir", &[fd, BUF as u64, 30, 3, RES as u64]),
        Errno::SUCCESS
    );
    assert_eq!(g.u32(RES), 30);
    assert_eq!(&g.read(BUF + 24, 5)[..], b"b.txt");
    assert_eq!(
        g.call("fd_readdir", &[fd, BUF as u64, 100, 5, RES as u64]),
        Errno::SUCCESS
    );
    assert_eq!(g.u32(RES), 0, "past the end");
    let file = g.open(3, "dir/a.txt", 0, RO, 0).unwrap() as u64;
    assert_eq!(
        g.call("fd_readdir", &[file, BUF as u64, 100, 0, RES as u64]),
        Errno::ENOTDIR
    );
    assert_eq!(
        g.call("fd_readdir", &[fd, 2 * 65536 - 10, 100, 0, RES as u64]),
        Errno::EFAULT
    );
}

// ---------------------------------------------------------------------------------------
// Paths
// ---------------------------------------------------------------------------------------

#[test]
fn path_open_flags() {
    if common::on_every_engine(path_open_flags) {
        return;
    }
    let fs = MemFs::new();
    fs.write_file("f", b"contents").unwrap();
    fs.create_dir_all("d").unwrap();
    let g = mem_guest(&fs);
    assert_eq!(g.open(3, "missing", 0, RO, 0), Err(Errno::ENOENT));
    assert_eq!(g.open(3, "f", O_CREAT | O_EXCL, RW, 0), Err(Errno::EEXIST));
    assert_eq!(g.open(3, "f", O_DIRECTORY, RO, 0), Err(Errno::ENOTDIR));
    assert_eq!(g.open(3, "d", 0, RW, 0), Err(Errno::EISDIR));
    assert_eq!(g.open(3, "f/x", 0, RO, 0), Err(Errno::ENOTDIR));
    assert_eq!(g.open(3, "f/", 0, RO, 0), Err(Errno::ENOTDIR));
    assert_eq!(g.open(3, "", 0, RO, 0), Err(Errno::ENOENT));
    assert_eq!(
        g.open(1, "f", 0, RO, 0),
        Err(Errno::ENOTDIR),
        "stdout is no directory"
    );
    assert_eq!(g.open(9, "f", 0, RO, 0), Err(Errno::EBADF));
    let d = g.open(3, "d", O_DIRECTORY, RO, 0).unwrap();
    let fd = g.open(d, "new", O_CREAT, RW, 0).unwrap();
    assert_eq!(g.write_fd(fd, b"x"), Ok(1));
    assert_eq!(fs.read_file("d/new").unwrap(), b"x");
    let fd = g.open(3, "f", O_TRUNC, RW, 0).unwrap();
    assert_eq!(fs.read_file("f").unwrap(), b"");
    assert_eq!(g.read_fd(fd, 10).unwrap(), b"");
    let ro = g.open(3, "f", 0, RO, 0).unwrap();
    assert_eq!(g.write_fd(ro, b"no"), Err(Errno::EBADF));
    assert_eq!(g.read_fd(3, 10), Err(Errno::EISDIR));
    assert_eq!(g.open(3, "./d/../f", 0, RO, 0).map(|_| ()), Ok(()));
    // A guest path that is not UTF-8, a pointer out of memory.
    g.write(PATH, &[0xff, 0xfe]);
    assert_eq!(
        g.call(
            "path_open",
            &[3, 0, PATH as u64, 2, 0, RO, 0, 0, RES as u64]
        ),
        Errno::EILSEQ
    );
    assert_eq!(
        g.call(
            "path_open",
            &[3, 0, 2 * 65536 - 1, 4, 0, RO, 0, 0, RES as u64]
        ),
        Errno::EFAULT
    );
    assert_eq!(
        g.call("path_open", &[3, 0, PATH as u64, 1, 0, RO, 0, 0, 2 * 65536]),
        Errno::EFAULT
    );
}

#[test]
fn path_create_directory_and_path_remove_directory() {
    if common::on_every_engine(path_create_directory_and_path_remove_directory) {
        return;
    }
    let fs = MemFs::new();
    fs.write_file("file", b"").unwrap();
    let g = mem_guest(&fs);
    assert_eq!(g.path_op("path_create_directory", 3, "a"), Errno::SUCCESS);
    assert_eq!(
        g.path_op("path_create_directory", 3, "a/b/"),
        Errno::SUCCESS
    );
    assert_eq!(fs.read_dir("a"), Some(vec!["b".to_string()]));
    assert_eq!(g.path_op("path_create_directory", 3, "a"), Errno::EEXIST);
    assert_eq!(g.path_op("path_create_directory", 3, "."), Errno::EEXIST);
    assert_eq!(g.path_op("path_create_directory", 3, "x/y"), Errno::ENOENT);
    assert_eq!(g.path_op("path_remove_directory", 3, "a"), Errno::ENOTEMPTY);
    assert_eq!(
        g.path_op("path_remove_directory", 3, "file"),
        Errno::ENOTDIR
    );
    assert_eq!(g.path_op("path_remove_directory", 3, "a/b"), Errno::SUCCESS);
    assert_eq!(g.path_op("path_remove_directory", 3, "a"), Errno::SUCCESS);
    assert_eq!(g.path_op("path_remove_directory", 3, "a"), Errno::ENOENT);
    assert_eq!(g.path_op("path_remove_directory", 3, "."), Errno::EINVAL);
    assert!(!fs.exists("a"));
}

#[test]
fn path_unlink_file() {
    if common::on_every_engine(path_unlink_file) {
        return;
    }
    let fs = MemFs::new();
    fs.write_file("f", b"x").unwrap();
    fs.create_dir_all("d").unwrap();
    let g = mem_guest(&fs);
    // An open file survives its unlinking.
    let fd = g.open(3, "f", 0, RO, 0).unwrap();
    assert_eq!(g.path_op("path_unlink_file", 3, "f/"), Errno::ENOTDIR);
    assert_eq!(g.path_op("path_unlink_file", 3, "f"), Errno::SUCCESS);
    assert!(!fs.exists("f"));
    assert_eq!(g.read_fd(fd, 10).unwrap(), b"x");
    assert_eq!(g.path_op("path_unlink_file", 3, "f"), Errno::ENOENT);
    assert_eq!(g.path_op("path_unlink_file", 3, "d"), Errno::EISDIR);
}

#[test]
fn path_filestat_get_and_path_filestat_set_times() {
    if common::on_every_engine(path_filestat_get_and_path_filestat_set_times) {
        return;
    }
    let fs = MemFs::new();
    fs.write_file("d/f", b"12345").unwrap();
    fs.symlink("d/f", "link").unwrap();
    let g = mem_guest(&fs);
    assert_eq!(g.stat(3, 0, "d/f"), Ok((4, 5)));
    assert_eq!(g.stat(3, 0, "d"), Ok((3, 0)));
    assert_eq!(g.stat(3, 0, "link"), Ok((7, 3)), "the link itself");
    assert_eq!(g.stat(3, FOLLOW, "link"), Ok((4, 5)), "what it points to");
    assert_eq!(g.stat(3, 0, "nope"), Err(Errno::ENOENT));
    let [p, l] = g.string(PATH, "d/f");
    assert_eq!(
        g.call("path_filestat_set_times", &[3, 0, p, l, 10, 20, 1 | 4]),
        Errno::SUCCESS
    );
    g.call("path_filestat_get", &[3, 0, p, l, OUT as u64]);
    assert_eq!((g.u64(OUT + 40), g.u64(OUT + 48)), (10, 20));
    assert_eq!(
        g.call("path_filestat_set_times", &[3, 0, p, l, 10, 20, 1 | 2]),
        Errno::EINVAL
    );
    let [p, l] = g.string(PATH, "nope");
    assert_eq!(
        g.call("path_filestat_set_times", &[3, 0, p, l, 0, 0, 1]),
        Errno::ENOENT
    );
    assert_eq!(
        g.call("path_filestat_get", &[3, 0, p, l, 2 * 65536 - 1]),
        Errno::EFAULT
    );
}

#[test]
fn path_symlink_and_path_readlink() {
    if common::on_every_engine(path_symlink_and_path_readlink) {
        return;
    }
    let fs = MemFs::new();
    fs.write_file("d/target", b"via link").unwrap();
    let g = mem_guest(&fs);
    let [t, tl] = g.string(PATH2, "d/target");
    let [p, l] = g.string(PATH, "ln");
    assert_eq!(g.call("path_symlink", &[t, tl, 3, p, l]), Errno::SUCCESS);
    assert_eq!(g.call("path_symlink", &[t, tl, 3, p, l]), Errno::EEXIST);
    let fd = g.open_with(3, FOLLOW, "ln", 0, RO, 0).unwrap();
    assert_eq!(g.read_fd(fd, 20).unwrap(), b"via link");
    assert_eq!(g.open(3, "ln", 0, RO, 0), Err(Errno::ELOOP), "not followed");
    let [p, l] = g.string(PATH, "ln");
    assert_eq!(
        g.call("path_readlink", &[3, p, l, BUF as u64, 100, RES as u64]),
        Errno::SUCCESS
    );
    assert_eq!(g.read(BUF, g.u32(RES)), b"d/target");
    // Truncated to the buffer.
    assert_eq!(
        g.call("path_readlink", &[3, p, l, BUF as u64, 3, RES as u64]),
        Errno::SUCCESS
    );
    assert_eq!(g.u32(RES), 3);
    let [p, l] = g.string(PATH, "d/target");
    assert_eq!(
        g.call("path_readlink", &[3, p, l, BUF as u64, 100, RES as u64]),
        Errno::EINVAL,
        "not a link"
    );
    // A link with an absolute target could never be followed: refused.
    let [t, tl] = g.string(PATH2, "/etc/passwd");
    let [p, l] = g.string(PATH, "abs");
    assert_eq!(
        g.call("path_symlink", &[t, tl, 3, p, l]),
        Errno::ENOTCAPABLE
    );
    // Links to themselves loop.
    let [t, tl] = g.string(PATH2, "loop");
    let [p, l] = g.string(PATH, "loop");
    assert_eq!(g.call("path_symlink", &[t, tl, 3, p, l]), Errno::SUCCESS);
    assert_eq!(g.open_with(3, FOLLOW, "loop", 0, RO, 0), Err(Errno::ELOOP));
    assert_eq!(g.stat(3, FOLLOW, "loop/x"), Err(Errno::ELOOP));
}

#[test]
fn path_link_and_path_rename() {
    if common::on_every_engine(path_link_and_path_rename) {
        return;
    }
    let fs = MemFs::new();
    fs.write_file("a", b"shared").unwrap();
    fs.create_dir_all("dir").unwrap();
    let g = mem_guest(&fs);
    let [o, ol] = g.string(PATH, "a");
    let [n, nl] = g.string(PATH2, "dir/b");
    assert_eq!(
        g.call("path_link", &[3, 0, o, ol, 3, n, nl]),
        Errno::SUCCESS
    );
    assert_eq!(fs.read_file("dir/b").unwrap(), b"shared");
    assert_eq!(g.call("path_link", &[3, 0, o, ol, 3, n, nl]), Errno::EEXIST);
    g.call("path_filestat_get", &[3, 0, o, ol, OUT as u64]);
    assert_eq!(g.u64(OUT + 24), 2, "two links");
    let [d, dl] = g.string(PATH, "dir");
    assert_eq!(
        g.call("path_link", &[3, 0, d, dl, 3, n, nl]),
        Errno::EPERM,
        "no links to directories"
    );
    // Rename a over dir/b (the same file): a stays; then to a new name.
    let [o, ol] = g.string(PATH, "a");
    let [n, nl] = g.string(PATH2, "c");
    assert_eq!(g.call("path_rename", &[3, o, ol, 3, n, nl]), Errno::SUCCESS);
    assert!(!fs.exists("a"));
    assert_eq!(fs.read_file("c").unwrap(), b"shared");
    assert_eq!(g.call("path_rename", &[3, o, ol, 3, n, nl]), Errno::ENOENT);
    let [o, ol] = g.string(PATH, "dir");
    let [n, nl] = g.string(PATH2, "dir/inside");
    assert_eq!(
        g.call("path_rename", &[3, o, ol, 3, n, nl]),
        Errno::EINVAL,
        "into itself"
    );
    let [n, nl] = g.string(PATH2, "c");
    assert_eq!(
        g.call("path_rename", &[3, o, ol, 3, n, nl]),
        Errno::ENOTDIR,
        "dir over file"
    );
    let [n, nl] = g.string(PATH2, "moved");
    assert_eq!(g.call("path_rename", &[3, o, ol, 3, n, nl]), Errno::SUCCESS);
    assert_eq!(fs.read_file("moved/b").unwrap(), b"shared");
}

// ---------------------------------------------------------------------------------------
// poll_oneoff
// ---------------------------------------------------------------------------------------

/// Writes a preview1 clock subscription at `at`.
fn clock_sub(g: &Guest, at: u32, userdata: u64, id: u32, timeout: u64, flags: u16) {
    g.write(at, &[0; 48]);
    g.write(at, &userdata.to_le_bytes());
    g.write(at + 8, &[0]);
    g.write(at + 16, &id.to_le_bytes());
    g.write(at + 24, &timeout.to_le_bytes());
    g.write(at + 40, &flags.to_le_bytes());
}

/// Writes a preview1 fd subscription (`ty` 1 read, 2 write) at `at`.
fn fd_sub(g: &Guest, at: u32, userdata: u64, ty: u8, fd: u32) {
    g.write(at, &[0; 48]);
    g.write(at, &userdata.to_le_bytes());
    g.write(at + 8, &[ty]);
    g.write(at + 16, &fd.to_le_bytes());
}

/// The events written at OUT: `(userdata, errno, type)`.
fn events(g: &Guest) -> Vec<(u64, u16, u8)> {
    (0..g.u32(RES))
        .map(|i| {
            let at = OUT + 32 * i;
            let e = g.read(at + 8, 3);
            (g.u64(at), u16::from_le_bytes([e[0], e[1]]), e[2])
        })
        .collect()
}

#[test]
fn poll_oneoff_clock_subscription_sleeps() {
    if common::on_every_engine(poll_oneoff_clock_subscription_sleeps) {
        return;
    }
    let slept = Arc::new(Mutex::new(Vec::new()));
    let s = slept.clone();
    let g = Guest::new(ModuleConfig::new().with_nanosleep(move |ns| s.lock().unwrap().push(ns)));
    clock_sub(&g, BUF, 7, 1, 1_000_000_000, 0);
    clock_sub(&g, BUF + 48, 8, 0, 5_000_000_000, 0);
    assert_eq!(
        g.call("poll_oneoff", &[BUF as u64, OUT as u64, 2, RES as u64]),
        Errno::SUCCESS
    );
    assert_eq!(events(&g), vec![(7, 0, 0)], "the earlier clock fires");
    assert_eq!(*slept.lock().unwrap(), vec![1_000_000_000]);
    // An absolute timeout on the monotonic clock (the fake one reads 0, then 1 ms...).
    clock_sub(&g, BUF, 9, 1, 3 * MS, 1);
    assert_eq!(
        g.call("poll_oneoff", &[BUF as u64, OUT as u64, 1, RES as u64]),
        Errno::SUCCESS
    );
    assert_eq!(events(&g), vec![(9, 0, 0)]);
    assert_eq!(slept.lock().unwrap()[1], 3 * MS as i64);
    // An unknown clock is an event error.
    clock_sub(&g, BUF, 10, 9, 0, 0);
    g.call("poll_oneoff", &[BUF as u64, OUT as u64, 1, RES as u64]);
    assert_eq!(events(&g), vec![(10, Errno::EINVAL.0, 0)]);
}

#[test]
fn poll_oneoff_fd_subscriptions_are_ready() {
    if common::on_every_engine(poll_oneoff_fd_subscriptions_are_ready) {
        return;
    }
    let slept = Arc::new(Mutex::new(Vec::new()));
    let s = slept.clone();
    let g = Guest::new(ModuleConfig::new().with_nanosleep(move |ns| s.lock().unwrap().push(ns)));
    fd_sub(&g, BUF, 1, 2, 1); // stdout writable
    clock_sub(&g, BUF + 48, 2, 1, 10_000_000_000, 0);
    fd_sub(&g, BUF + 96, 3, 1, 0); // stdin readable
    fd_sub(&g, BUF + 144, 4, 1, 55); // not open
    assert_eq!(
        g.call("poll_oneoff", &[BUF as u64, OUT as u64, 4, RES as u64]),
        Errno::SUCCESS
    );
    assert_eq!(
        events(&g),
        vec![(1, 0, 2), (3, 0, 1), (4, Errno::EBADF.0, 1)],
        "ready descriptors, no clock"
    );
    assert!(
        slept.lock().unwrap().is_empty(),
        "no sleep when something is ready"
    );
    assert_eq!(
        g.call("poll_oneoff", &[BUF as u64, OUT as u64, 0, RES as u64]),
        Errno::EINVAL
    );
    assert_eq!(
        g.call("poll_oneoff", &[2 * 65536 - 10, OUT as u64, 1, RES as u64]),
        Errno::EFAULT
    );
    assert_eq!(
        g.call("poll_oneoff", &[BUF as u64, 2 * 65536 - 10, 1, RES as u64]),
        Errno::EFAULT
    );
}

#[test]
fn poll_oneoff_wasi_unstable_clock_layout() {
    if common::on_every_engine(poll_oneoff_wasi_unstable_clock_layout) {
        return;
    }
    let slept = Arc::new(Mutex::new(Vec::new()));
    let s = slept.clone();
    let g = Guest::under(
        "wasi_unstable",
        ModuleConfig::new().with_nanosleep(move |ns| s.lock().unwrap().push(ns)),
    );
    // userdata, tag, identifier, clock id at 24, timeout at 32, flags at 48.
    g.write(BUF, &[0; 56]);
    g.write(BUF, &5u64.to_le_bytes());
    g.write(BUF + 24, &1u32.to_le_bytes());
    g.write(BUF + 32, &42u64.to_le_bytes());
    assert_eq!(
        g.call("poll_oneoff", &[BUF as u64, OUT as u64, 1, RES as u64]),
        Errno::SUCCESS
    );
    assert_eq!(events(&g), vec![(5, 0, 0)]);
    assert_eq!(*slept.lock().unwrap(), vec![42]);
}

// ---------------------------------------------------------------------------------------
// Sockets
// ---------------------------------------------------------------------------------------

#[test]
fn sock_functions_have_no_sockets() {
    if common::on_every_engine(sock_functions_have_no_sockets) {
        return;
    }
    let g = Guest::new(ModuleConfig::new());
    assert_eq!(g.call("sock_accept", &[0, 0, RES as u64]), Errno::ENOTSOCK);
    assert_eq!(
        g.call("sock_recv", &[0, IOV as u64, 1, 0, RES as u64, RES2 as u64]),
        Errno::ENOTSOCK
    );
    assert_eq!(
        g.call("sock_send", &[1, IOV as u64, 1, 0, RES as u64]),
        Errno::ENOTSOCK
    );
    assert_eq!(g.call("sock_shutdown", &[1, 3]), Errno::ENOTSOCK);
    assert_eq!(g.call("sock_accept", &[9, 0, RES as u64]), Errno::EBADF);
    assert_eq!(
        g.call("sock_recv", &[9, IOV as u64, 1, 0, RES as u64, RES2 as u64]),
        Errno::EBADF
    );
    assert_eq!(
        g.call("sock_send", &[9, IOV as u64, 1, 0, RES as u64]),
        Errno::EBADF
    );
    assert_eq!(g.call("sock_shutdown", &[9, 3]), Errno::EBADF);
}

// ---------------------------------------------------------------------------------------
// Host directories
// ---------------------------------------------------------------------------------------

#[test]
fn a_file_written_by_the_guest_appears_in_the_host_directory() {
    if common::on_every_engine(a_file_written_by_the_guest_appears_in_the_host_directory) {
        return;
    }
    let dir = TempDir::new("write");
    let g = dir_guest(&dir);
    assert_eq!(g.path_op("path_create_directory", 3, "out"), Errno::SUCCESS);
    let fd = g
        .open(3, "out/result.txt", O_CREAT | O_TRUNC, RW, 0)
        .unwrap();
    assert_eq!(g.write_fd(fd, b"written by the guest\n"), Ok(21));
    assert_eq!(g.call("fd_close", &[fd as u64]), Errno::SUCCESS);
    let on_host = std::fs::read_to_string(dir.path().join("out/result.txt")).unwrap();
    assert_eq!(on_host, "written by the guest\n");
}

#[test]
fn a_guest_reads_and_manages_host_files() {
    if common::on_every_engine(a_guest_reads_and_manages_host_files) {
        return;
    }
    let dir = TempDir::new("manage");
    std::fs::write(dir.path().join("in.txt"), "from the host").unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let g = dir_guest(&dir);
    let fd = g.open(3, "in.txt", 0, RO, 0).unwrap();
    assert_eq!(g.read_fd(fd, 100).unwrap(), b"from the host");
    assert_eq!(
        g.call("fd_filestat_get", &[fd as u64, OUT as u64]),
        Errno::SUCCESS
    );
    assert_eq!(g.u64(OUT + 32), 13);
    assert_ne!(g.u64(OUT + 8), 0, "a host inode");
    assert_eq!(g.stat(3, 0, "sub"), Ok((3, g.stat(3, 0, "sub").unwrap().1)));
    // Rename, link, symlink, times, unlink, rmdir on the host.
    let [o, ol] = g.string(PATH, "in.txt");
    let [n, nl] = g.string(PATH2, "sub/moved.txt");
    assert_eq!(g.call("path_rename", &[3, o, ol, 3, n, nl]), Errno::SUCCESS);
    assert!(dir.path().join("sub/moved.txt").exists());
    let [o, ol] = g.string(PATH, "sub/moved.txt");
    let [n, nl] = g.string(PATH2, "hard");
    assert_eq!(
        g.call("path_link", &[3, 0, o, ol, 3, n, nl]),
        Errno::SUCCESS
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("hard")).unwrap(),
        "from the host"
    );
    let [t, tl] = g.string(PATH2, "sub/moved.txt");
    let [p, l] = g.string(PATH, "soft");
    assert_eq!(g.call("path_symlink", &[t, tl, 3, p, l]), Errno::SUCCESS);
    assert_eq!(
        std::fs::read_link(dir.path().join("soft")).unwrap(),
        Path::new("sub/moved.txt")
    );
    let fd = g.open_with(3, FOLLOW, "soft", 0, RO, 0).unwrap();
    assert_eq!(g.read_fd(fd, 100).unwrap(), b"from the host");
    let [p, l] = g.string(PATH, "hard");
    assert_eq!(
        g.call(
            "path_filestat_set_times",
            &[3, 0, p, l, 1_000_000_000, 2_000_000_000, 1 | 4]
        ),
        Errno::SUCCESS
    );
    let meta = std::fs::metadata(dir.path().join("hard")).unwrap();
    assert_eq!(
        meta.modified().unwrap(),
        std::time::UNIX_EPOCH + std::time::Duration::from_secs(2)
    );
    let [p, l] = g.string(PATH, "soft");
    assert_eq!(
        g.call(
            "path_filestat_set_times",
            &[3, 0, p, l, 0, 3_000_000_000, 4]
        ),
        Errno::SUCCESS,
        "a host link's own times"
    );
    let link = std::fs::symlink_metadata(dir.path().join("soft")).unwrap();
    assert_eq!(
        link.modified().unwrap(),
        std::time::UNIX_EPOCH + std::time::Duration::from_secs(3)
    );
    assert_eq!(
        std::fs::metadata(dir.path().join("hard"))
            .unwrap()
            .modified()
            .unwrap(),
        std::time::UNIX_EPOCH + std::time::Duration::from_secs(2),
        "not its target's"
    );
    assert_eq!(g.path_op("path_unlink_file", 3, "soft"), Errno::SUCCESS);
    assert_eq!(g.path_op("path_unlink_file", 3, "hard"), Errno::SUCCESS);
    assert_eq!(
        g.path_op("path_remove_directory", 3, "sub"),
        Errno::ENOTEMPTY
    );
    assert_eq!(
        g.path_op("path_unlink_file", 3, "sub/moved.txt"),
        Errno::SUCCESS
    );
    assert_eq!(g.path_op("path_remove_directory", 3, "sub"), Errno::SUCCESS);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn host_directory_listing() {
    if common::on_every_engine(host_directory_listing) {
        return;
    }
    let dir = TempDir::new("list");
    std::fs::write(dir.path().join("b"), "").unwrap();
    std::fs::create_dir(dir.path().join("a")).unwrap();
    let g = dir_guest(&dir);
    assert_eq!(
        g.call("fd_readdir", &[3, BUF as u64, 4096, 0, RES as u64]),
        Errno::SUCCESS
    );
    let bytes = g.read(BUF, g.u32(RES));
    // ".", "..", "a" (dir), "b" (file): names at 24, 24+24+1, ...
    assert_eq!(bytes.len(), 4 * 24 + 1 + 2 + 1 + 1);
    assert_eq!(&bytes[24..25], b".");
    assert_eq!(&bytes[49..51], b"..");
    assert_eq!((bytes[51 + 20], &bytes[75..76]), (3, &b"a"[..]));
    assert_eq!((bytes[76 + 20], &bytes[100..101]), (4, &b"b"[..]));
}

#[test]
fn a_missing_host_directory_fails_instantiation() {
    if common::on_every_engine(a_missing_host_directory_fails_instantiation) {
        return;
    }
    let rt = runtime();
    let wasm = wat::parse_str(HELLO).unwrap();
    let config = ModuleConfig::new()
        .with_fs_config(FsConfig::new().with_dir_mount("/definitely/not/here", "/"));
    let err = rt.instantiate_with_config(&wasm, config).unwrap_err();
    assert!(err.to_string().contains("/definitely/not/here"), "{err}");
}

#[test]
fn a_read_only_mount_refuses_every_change() {
    if common::on_every_engine(a_read_only_mount_refuses_every_change) {
        return;
    }
    let dir = TempDir::new("ro");
    std::fs::write(dir.path().join("f"), "keep").unwrap();
    std::fs::create_dir(dir.path().join("d")).unwrap();
    let g = Guest::new(
        ModuleConfig::new()
            .with_fs_config(FsConfig::new().with_read_only_dir_mount(dir.path(), "/ro")),
    );
    let fd = g.open(3, "f", 0, RO, 0).unwrap();
    assert_eq!(g.read_fd(fd, 10).unwrap(), b"keep");
    assert_eq!(g.write_fd(fd, b"x"), Err(Errno::EBADF), "opened read-only");
    assert_eq!(g.open(3, "f", 0, RW, 0), Err(Errno::EROFS));
    assert_eq!(g.open(3, "new", O_CREAT, RW, 0), Err(Errno::EROFS));
    assert_eq!(g.open(3, "f", O_TRUNC, RO, 0), Err(Errno::EROFS));
    assert_eq!(g.path_op("path_create_directory", 3, "x"), Errno::EROFS);
    assert_eq!(g.path_op("path_remove_directory", 3, "d"), Errno::EROFS);
    assert_eq!(g.path_op("path_unlink_file", 3, "f"), Errno::EROFS);
    let [o, ol] = g.string(PATH, "f");
    let [n, nl] = g.string(PATH2, "g");
    assert_eq!(g.call("path_rename", &[3, o, ol, 3, n, nl]), Errno::EROFS);
    assert_eq!(g.call("path_link", &[3, 0, o, ol, 3, n, nl]), Errno::EROFS);
    assert_eq!(g.call("path_symlink", &[o, ol, 3, n, nl]), Errno::EROFS);
    assert_eq!(
        g.call("path_filestat_set_times", &[3, 0, o, ol, 0, 0, 1]),
        Errno::EROFS
    );
    assert_eq!(
        g.call("fd_filestat_set_times", &[fd as u64, 0, 0, 1]),
        Errno::EROFS
    );
    assert_eq!(g.call("fd_filestat_set_times", &[3, 0, 0, 1]), Errno::EROFS);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("f")).unwrap(),
        "keep"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
}

// ---------------------------------------------------------------------------------------
// The sandbox: every way out of a mount fails
// ---------------------------------------------------------------------------------------

/// A host layout: `outside/secret` next to `mount/`, which holds `a/`, a link to the
/// absolute path of `outside`, and a relative link climbing out.
struct Escape {
    _root: TempDir,
    mount: PathBuf,
    outside: PathBuf,
}

fn escape_layout() -> Escape {
    let root = TempDir::new("escape");
    let mount = root.path().join("mount");
    let outside = root.path().join("outside");
    std::fs::create_dir_all(mount.join("a")).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("secret"), "secret").unwrap();
    std::os::unix::fs::symlink(&outside, mount.join("abs_link")).unwrap();
    std::os::unix::fs::symlink(std::env::temp_dir(), mount.join("tmp_link")).unwrap();
    std::os::unix::fs::symlink("../outside", mount.join("rel_link")).unwrap();
    std::os::unix::fs::symlink("a/../../outside/secret", mount.join("sneaky")).unwrap();
    std::os::unix::fs::symlink("a", mount.join("inner_link")).unwrap();
    Escape {
        _root: root,
        mount,
        outside,
    }
}

#[test]
fn escape_attempts_fail_with_enotcapable() {
    if common::on_every_engine(escape_attempts_fail_with_enotcapable) {
        return;
    }
    let e = escape_layout();
    let g = Guest::new(
        ModuleConfig::new().with_fs_config(FsConfig::new().with_dir_mount(&e.mount, "/")),
    );
    let open = |path: &str| g.open_with(3, FOLLOW, path, 0, RO, 0);
    assert_eq!(open("../outside/secret"), Err(Errno::ENOTCAPABLE));
    assert_eq!(open("/etc/passwd"), Err(Errno::ENOTCAPABLE));
    assert_eq!(open("a/../../outside/secret"), Err(Errno::ENOTCAPABLE));
    assert_eq!(open(".."), Err(Errno::ENOTCAPABLE));
    assert_eq!(open("abs_link/secret"), Err(Errno::ENOTCAPABLE));
    assert_eq!(open("tmp_link"), Err(Errno::ENOTCAPABLE));
    assert_eq!(open("tmp_link/x"), Err(Errno::ENOTCAPABLE));
    assert_eq!(open("rel_link/secret"), Err(Errno::ENOTCAPABLE));
    assert_eq!(open("sneaky"), Err(Errno::ENOTCAPABLE));
    // Not following the last component gives ELOOP, never the target.
    assert_eq!(g.open_with(3, 0, "sneaky", 0, RO, 0), Err(Errno::ELOOP));
    // From a directory opened inside the mount, `..` still stops at the root.
    let a = g.open(3, "a", O_DIRECTORY, RO, 0).unwrap();
    assert_eq!(
        g.open(a, "../../outside/secret", 0, RO, 0),
        Err(Errno::ENOTCAPABLE)
    );
    assert_eq!(
        g.open(a, "..", O_DIRECTORY, RO, 0),
        Err(Errno::ENOTCAPABLE),
        "a descriptor is its own boundary, even below the mount's root"
    );
    // Links that stay inside work.
    assert_eq!(open("inner_link/../a").map(|_| ()), Ok(()));
    // Every other path function is held in the same way.
    assert_eq!(g.stat(3, FOLLOW, "abs_link"), Err(Errno::ENOTCAPABLE));
    assert_eq!(g.stat(3, FOLLOW, "../outside"), Err(Errno::ENOTCAPABLE));
    assert_eq!(
        g.stat(3, 0, "abs_link").map(|s| s.0),
        Ok(7),
        "the link itself is visible"
    );
    for path in ["../x", "/x", "abs_link/x", "rel_link/x", "a/../../x"] {
        assert_eq!(
            g.path_op("path_create_directory", 3, path),
            Errno::ENOTCAPABLE,
            "{path}"
        );
        assert_eq!(
            g.path_op("path_unlink_file", 3, path),
            Errno::ENOTCAPABLE,
            "{path}"
        );
        assert_eq!(
            g.path_op("path_remove_directory", 3, path),
            Errno::ENOTCAPABLE,
            "{path}"
        );
        assert_eq!(
            g.open(3, path, O_CREAT, RW, 0),
            Err(Errno::ENOTCAPABLE),
            "{path}"
        );
        let [o, ol] = g.string(PATH, "a");
        let [n, nl] = g.string(PATH2, path);
        assert_eq!(
            g.call("path_rename", &[3, o, ol, 3, n, nl]),
            Errno::ENOTCAPABLE,
            "{path}"
        );
        assert_eq!(
            g.call("path_link", &[3, 0, o, ol, 3, n, nl]),
            Errno::ENOTCAPABLE,
            "{path}"
        );
        let [t, tl] = g.string(PATH, "a");
        assert_eq!(
            g.call("path_symlink", &[t, tl, 3, n, nl]),
            Errno::ENOTCAPABLE,
            "{path}"
        );
        assert_eq!(
            g.call("path_filestat_set_times", &[3, FOLLOW, n, nl, 0, 0, 1]),
            Errno::ENOTCAPABLE,
            "{path}"
        );
    }
    let [p, l] = g.string(PATH, "../outside/secret");
    assert_eq!(
        g.call("path_readlink", &[3, p, l, BUF as u64, 100, RES as u64]),
        Errno::ENOTCAPABLE
    );
    // A hard link from outside (old path escaping) fails too.
    let [o, ol] = g.string(PATH, "rel_link/secret");
    let [n, nl] = g.string(PATH2, "stolen");
    assert_eq!(
        g.call("path_link", &[3, FOLLOW, o, ol, 3, n, nl]),
        Errno::ENOTCAPABLE
    );
    // Nothing outside was touched, nothing leaked in.
    assert_eq!(
        std::fs::read_to_string(e.outside.join("secret")).unwrap(),
        "secret"
    );
    assert_eq!(std::fs::read_dir(&e.outside).unwrap().count(), 1);
    assert!(!e.mount.join("stolen").exists());
}

#[test]
fn a_directory_swapped_for_a_link_does_not_lead_out() {
    if common::on_every_engine(a_directory_swapped_for_a_link_does_not_lead_out) {
        return;
    }
    // The guest opens a directory, renames it away and puts a relative link climbing
    // out of the mount in its place: the descriptor's path now names the link, which
    // is followed inside the mount (ENOTCAPABLE), never by the host.
    let e = escape_layout();
    let g = Guest::new(
        ModuleConfig::new().with_fs_config(FsConfig::new().with_dir_mount(&e.mount, "/")),
    );
    assert_eq!(g.path_op("path_create_directory", 3, "d"), Errno::SUCCESS);
    let d = g.open(3, "d", O_DIRECTORY, RO, 0).unwrap() as u64;
    let [o, ol] = g.string(PATH, "d");
    let [n, nl] = g.string(PATH2, "moved");
    assert_eq!(g.call("path_rename", &[3, o, ol, 3, n, nl]), Errno::SUCCESS);
    let [t, tl] = g.string(PATH2, "../outside");
    assert_eq!(g.call("path_symlink", &[t, tl, 3, o, ol]), Errno::SUCCESS);
    assert_eq!(
        g.open(d as u32, "secret", 0, RO, 0),
        Err(Errno::ENOTCAPABLE)
    );
    assert_eq!(
        g.open(d as u32, "planted", O_CREAT, RW, 0),
        Err(Errno::ENOTCAPABLE)
    );
    assert_eq!(g.stat(d as u32, 0, "secret"), Err(Errno::ENOTCAPABLE));
    assert_eq!(
        g.call("fd_readdir", &[d, BUF as u64, 4096, 0, RES as u64]),
        Errno::ENOTCAPABLE
    );
    assert_eq!(
        g.call("fd_filestat_get", &[d, OUT as u64]),
        Errno::ENOTCAPABLE
    );
    assert_eq!(
        g.call("fd_filestat_set_times", &[d, 0, 0, 1]),
        Errno::ENOTCAPABLE
    );
    assert_eq!(std::fs::read_dir(&e.outside).unwrap().count(), 1);
    // A link that stays inside is simply followed.
    assert_eq!(g.path_op("path_unlink_file", 3, "d"), Errno::SUCCESS);
    let [t, tl] = g.string(PATH2, "a");
    assert_eq!(g.call("path_symlink", &[t, tl, 3, o, ol]), Errno::SUCCESS);
    assert_eq!(g.open(d as u32, "new", O_CREAT, RW, 0).map(|_| ()), Ok(()));
    assert!(e.mount.join("a/new").exists());
}

#[test]
fn escape_attempts_fail_in_a_sub_mount_and_in_memory() {
    if common::on_every_engine(escape_attempts_fail_in_a_sub_mount_and_in_memory) {
        return;
    }
    // A mount at /data: the guest's absolute paths are its libc's business; the host
    // only ever sees paths relative to a pre-open.
    let e = escape_layout();
    let g = Guest::new(
        ModuleConfig::new()
            .with_fs_config(FsConfig::new().with_dir_mount(e.mount.join("a"), "/data")),
    );
    assert_eq!(g.open(3, "../abs_link", 0, RO, 0), Err(Errno::ENOTCAPABLE));
    assert_eq!(
        g.open(3, "../../outside/secret", 0, RO, 0),
        Err(Errno::ENOTCAPABLE)
    );

    let fs = MemFs::new();
    fs.write_file("d/f", b"").unwrap();
    fs.symlink("../../x", "d/up").unwrap();
    fs.symlink("/etc", "abs").unwrap();
    let g = mem_guest(&fs);
    assert_eq!(g.open(3, "../x", 0, RO, 0), Err(Errno::ENOTCAPABLE));
    assert_eq!(g.open(3, "d/../../x", 0, RO, 0), Err(Errno::ENOTCAPABLE));
    assert_eq!(
        g.open_with(3, FOLLOW, "d/up", 0, RO, 0),
        Err(Errno::ENOTCAPABLE)
    );
    assert_eq!(
        g.open_with(3, FOLLOW, "abs/passwd", 0, RO, 0),
        Err(Errno::ENOTCAPABLE)
    );
    assert_eq!(g.open(3, "/d/f", 0, RO, 0), Err(Errno::ENOTCAPABLE));
}

// ---------------------------------------------------------------------------------------
// In-memory mounts
// ---------------------------------------------------------------------------------------

#[test]
fn mem_mount_read_and_write() {
    if common::on_every_engine(mem_mount_read_and_write) {
        return;
    }
    let fs = MemFs::new();
    fs.write_file("config/settings.txt", b"answer=42").unwrap();
    let scratch = MemFs::new();
    let g = Guest::new(
        ModuleConfig::new().with_fs_config(
            FsConfig::new()
                .with_read_only_mem_mount(fs.clone(), "/etc")
                .with_mem_mount(scratch.clone(), "/tmp"),
        ),
    );
    let fd = g.open(3, "config/settings.txt", 0, RO, 0).unwrap();
    assert_eq!(g.read_fd(fd, 100).unwrap(), b"answer=42");
    assert_eq!(g.open(3, "config/new", O_CREAT, RW, 0), Err(Errno::EROFS));
    let out = g.open(4, "out.txt", O_CREAT, RW, 0).unwrap();
    assert_eq!(g.write_fd(out, b"result: 42"), Ok(10));
    assert_eq!(scratch.read_file("out.txt").unwrap(), b"result: 42");
    assert_eq!(scratch.read_dir(""), Some(vec!["out.txt".to_string()]));
    // A second module sees the same file system.
    let g2 = Guest::new(
        ModuleConfig::new().with_fs_config(FsConfig::new().with_mem_mount(scratch, "/")),
    );
    let fd = g2.open(3, "out.txt", 0, RO, 0).unwrap();
    assert_eq!(g2.read_fd(fd, 100).unwrap(), b"result: 42");
}

#[test]
fn closing_the_module_closes_its_files() {
    if common::on_every_engine(closing_the_module_closes_its_files) {
        return;
    }
    let fs = MemFs::new();
    fs.write_file("f", b"x").unwrap();
    let g = mem_guest(&fs);
    let fd = g.open(3, "f", 0, RO, 0).unwrap();
    assert_eq!(g.path_op("path_unlink_file", 3, "f"), Errno::SUCCESS);
    assert_eq!(g.read_fd(fd, 1).unwrap(), b"x", "still open");
    g.module.close().unwrap();
    assert!(g
        .module
        .exported_function("fd_read")
        .unwrap()
        .call(&[0, 0, 0, 0])
        .is_err());
}

#[test]
fn wasi_functions_called_without_a_module_fail_cleanly() {
    if common::on_every_engine(wasi_functions_called_without_a_module_fail_cleanly) {
        return;
    }
    let rt = runtime();
    let wasi = rt.module("wasi_snapshot_preview1").unwrap();
    let err = wasi
        .exported_function("sched_yield")
        .unwrap()
        .call(&[])
        .unwrap_err();
    assert!(err.to_string().contains("module"), "{err}");
}

#[test]
fn host_function_definitions_carry_wazero_names() {
    if common::on_every_engine(host_function_definitions_carry_wazero_names) {
        return;
    }
    let rt = runtime();
    let wasi = rt.module("wasi_snapshot_preview1").unwrap();
    let defs = wasi.exported_function_definitions();
    assert_eq!(defs.len(), 46);
    assert_eq!(
        rt.module("wasi_unstable")
            .unwrap()
            .exported_function_definitions()
            .len(),
        46
    );
    let fd_write = &defs["fd_write"];
    let names: Vec<Option<&str>> = fd_write
        .param_names()
        .iter()
        .map(|n| n.as_deref())
        .collect();
    assert_eq!(
        names,
        vec![
            Some("fd"),
            Some("iovs"),
            Some("iovs_len"),
            Some("result.nwritten")
        ]
    );
    for (name, params, result) in FUNCS {
        let d = &defs[*name];
        assert_eq!(d.func_type().params().len(), params.len(), "{name}");
        assert_eq!(d.func_type().results().len(), *result as usize, "{name}");
    }
}

// ---------------------------------------------------------------------------------------
// Rules real programs rely on, as wasmtime keeps them, on both kinds of mount
// ---------------------------------------------------------------------------------------

/// Runs `test` on a guest with an empty host directory at `/` and on one with an empty
/// `MemFs` at `/` (fd 3), so that every rule is checked on both kinds of mount; the
/// second argument names the mount for messages.
fn on_both_mounts(test: impl Fn(&Guest, &str)) {
    let dir = TempDir::new("rules");
    test(&dir_guest(&dir), "host directory");
    test(&mem_guest(&MemFs::new()), "MemFs");
}

impl Guest {
    /// Creates (or truncates) file `path` under fd 3 with `data`.
    fn create(&self, path: &str, data: &[u8]) {
        let fd = self.open(3, path, O_CREAT | O_TRUNC, RW, 0).unwrap();
        assert_eq!(self.write_fd(fd, data), Ok(data.len() as u32));
        assert_eq!(self.call("fd_close", &[fd as u64]), Errno::SUCCESS);
    }

    fn mkdir(&self, path: &str) {
        assert_eq!(
            self.path_op("path_create_directory", 3, path),
            Errno::SUCCESS
        );
    }

    /// `path_symlink(target, dirfd, path)`.
    fn symlink(&self, target: &str, dirfd: u32, path: &str) -> Errno {
        let [t, tl] = self.string(PATH2, target);
        let [p, l] = self.string(PATH, path);
        self.call("path_symlink", &[t, tl, dirfd as u64, p, l])
    }

    /// A two-path function (`path_link` with flags 0, or `path_rename`) from and to
    /// `dirfd`.
    fn two_paths(&self, name: &str, dirfd: u32, from: &str, to: &str) -> Errno {
        let [o, ol] = self.string(PATH, from);
        let [n, nl] = self.string(PATH2, to);
        let d = dirfd as u64;
        match name {
            "path_link" => self.call(name, &[d, 0, o, ol, d, n, nl]),
            _ => self.call(name, &[d, o, ol, d, n, nl]),
        }
    }

    /// `fd_fdstat_get`: `(rights_base, rights_inheriting)`.
    fn rights(&self, fd: u32) -> (u64, u64) {
        assert_eq!(
            self.call("fd_fdstat_get", &[fd as u64, OUT as u64]),
            Errno::SUCCESS
        );
        (self.u64(OUT + 8), self.u64(OUT + 16))
    }

    fn set_rights(&self, fd: u32, base: u64, inheriting: u64) -> Errno {
        self.call("fd_fdstat_set_rights", &[fd as u64, base, inheriting])
    }
}

#[test]
fn path_open_creates_and_truncates_whatever_the_rights() {
    if common::on_every_engine(path_open_creates_and_truncates_whatever_the_rights) {
        return;
    }
    on_both_mounts(|g, mount| {
        // O_CREAT with only the right to read: the file is created, readable, and
        // this descriptor cannot write to it.
        let fd = g.open(3, "new", O_CREAT, RO, 0).expect(mount);
        assert_eq!(g.stat(3, 0, "new"), Ok((4, 0)), "{mount}");
        assert_eq!(g.read_fd(fd, 10), Ok(vec![]), "{mount}");
        assert_eq!(g.write_fd(fd, b"x"), Err(Errno::EBADF), "{mount}");
        assert_eq!(g.rights(fd).0 & (1 << 6), 0, "{mount}: no fd_write right");
        // No rights at all: still created, opened for reading.
        g.open(3, "bare", O_CREAT | O_EXCL, 0, 0).expect(mount);
        assert_eq!(g.stat(3, 0, "bare"), Ok((4, 0)), "{mount}");
        // O_TRUNC with only the right to read truncates.
        g.create("t", b"twelve bytes");
        let fd = g.open(3, "t", O_TRUNC, RO, 0).expect(mount);
        assert_eq!(g.stat(3, 0, "t"), Ok((4, 0)), "{mount}");
        assert_eq!(g.read_fd(fd, 10), Ok(vec![]), "{mount}");
        // O_CREAT on an existing file only opens it.
        g.create("kept", b"kept");
        let fd = g.open(3, "kept", O_CREAT, RO, 0).expect(mount);
        assert_eq!(g.read_fd(fd, 10), Ok(b"kept".to_vec()), "{mount}");
        // Write-only: created, written, not readable.
        let fd = g.open(3, "wo", O_CREAT, 1 << 6, 0).expect(mount);
        assert_eq!(g.write_fd(fd, b"abc"), Ok(3), "{mount}");
        assert_eq!(g.read_fd(fd, 10), Err(Errno::EBADF), "{mount}");
    });
}

#[test]
fn a_host_file_without_write_permission_opens_with_o_creat() {
    if common::on_every_engine(a_host_file_without_write_permission_opens_with_o_creat) {
        return;
    }
    let dir = TempDir::new("ro-file");
    let path = dir.path().join("locked");
    std::fs::write(&path, "locked").unwrap();
    let mut perms = std::fs::metadata(&path).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&path, perms).unwrap();
    let g = dir_guest(&dir);
    let fd = g.open(3, "locked", O_CREAT, RO, 0).unwrap();
    assert_eq!(g.read_fd(fd, 10), Ok(b"locked".to_vec()));
}

#[test]
fn trailing_slashes_name_directories_only() {
    if common::on_every_engine(trailing_slashes_name_directories_only) {
        return;
    }
    on_both_mounts(|g, mount| {
        g.create("file", b"x");
        g.mkdir("dir");
        // A link's new name cannot end in '/'.
        assert_eq!(g.symlink("file", 3, "target/"), Errno::ENOENT, "{mount}");
        assert_eq!(g.stat(3, 0, "target"), Err(Errno::ENOENT), "{mount}");
        assert_eq!(g.symlink("file", 3, "dir/"), Errno::EEXIST, "{mount}");
        assert_eq!(g.symlink("file", 3, "file/"), Errno::EEXIST, "{mount}");
        assert_eq!(g.symlink("file", 3, "target"), Errno::SUCCESS, "{mount}");
        let link = |from: &str, to: &str| g.two_paths("path_link", 3, from, to);
        assert_eq!(link("file", "hard/"), Errno::ENOENT, "{mount}");
        assert_eq!(g.stat(3, 0, "hard"), Err(Errno::ENOENT), "{mount}");
        assert_eq!(link("file", "dir/"), Errno::EEXIST, "{mount}");
        assert_eq!(link("file/", "hard"), Errno::ENOTDIR, "{mount}");
        assert_eq!(link("file", "hard"), Errno::SUCCESS, "{mount}");
        // path_open never creates a name ending in '/'.
        assert_eq!(g.open(3, "new/", O_CREAT, RW, 0), Err(Errno::EISDIR));
        assert_eq!(g.stat(3, 0, "new"), Err(Errno::ENOENT), "{mount}");
        assert_eq!(g.open(3, "file/", 0, RO, 0), Err(Errno::ENOTDIR));
        assert_eq!(g.open(3, "file/", O_CREAT, RW, 0), Err(Errno::ENOTDIR));
        assert!(g.open(3, "dir/", 0, RO, 0).is_ok(), "{mount}");
        // Status and times.
        assert_eq!(g.stat(3, 0, "file/"), Err(Errno::ENOTDIR), "{mount}");
        assert_eq!(g.stat(3, 0, "dir/").map(|s| s.0), Ok(3), "{mount}");
        let [p, l] = g.string(PATH, "file/");
        assert_eq!(
            g.call("path_filestat_set_times", &[3, 0, p, l, 0, 0, 2]),
            Errno::ENOTDIR,
            "{mount}"
        );
        // Removing.
        let op = |name: &str, path: &str| g.path_op(name, 3, path);
        assert_eq!(op("path_unlink_file", "file/"), Errno::ENOTDIR, "{mount}");
        assert_eq!(op("path_unlink_file", "dir/"), Errno::EISDIR, "{mount}");
        assert_eq!(op("path_remove_directory", "file/"), Errno::ENOTDIR);
        g.symlink("dir", 3, "dirlink");
        assert_eq!(op("path_unlink_file", "dirlink/"), Errno::EISDIR, "{mount}");
        assert_eq!(op("path_remove_directory", "dirlink/"), Errno::ENOTDIR);
        assert_eq!(op("path_unlink_file", "dirlink"), Errno::SUCCESS, "{mount}");
        // Renaming.
        let rename = |from: &str, to: &str| g.two_paths("path_rename", 3, from, to);
        assert_eq!(rename("file/", "moved"), Errno::ENOTDIR, "{mount}");
        assert_eq!(rename("file", "moved/"), Errno::ENOTDIR, "{mount}");
        assert_eq!(rename("file/", "moved/"), Errno::ENOTDIR, "{mount}");
        assert_eq!(g.stat(3, 0, "file").map(|s| s.0), Ok(4), "{mount}: stays");
        assert_eq!(rename("dir/", "dir2/"), Errno::SUCCESS, "{mount}");
        assert_eq!(op("path_create_directory", "made/"), Errno::SUCCESS);
        assert_eq!(op("path_remove_directory", "made/"), Errno::SUCCESS);
        assert_eq!(op("path_remove_directory", "dir2/"), Errno::SUCCESS);
    });
}

#[test]
fn pre_opened_directories_can_be_closed_and_renumbered() {
    if common::on_every_engine(pre_opened_directories_can_be_closed_and_renumbered) {
        return;
    }
    let a = MemFs::new();
    a.write_file("in_a", b"a").unwrap();
    let b = MemFs::new();
    let g = Guest::new(
        ModuleConfig::new().with_fs_config(
            FsConfig::new()
                .with_mem_mount(a.clone(), "/a")
                .with_mem_mount(b.clone(), "/b"),
        ),
    );
    // Renumbering a pre-open onto another: fd 4 is now /a, with its name.
    assert_eq!(g.call("fd_renumber", &[3, 4]), Errno::SUCCESS);
    assert_eq!(
        g.call("fd_prestat_get", &[3, OUT as u64]),
        Errno::EBADF,
        "moved away"
    );
    assert_eq!(g.call("fd_prestat_get", &[4, OUT as u64]), Errno::SUCCESS);
    assert_eq!(
        g.call("fd_prestat_dir_name", &[4, BUF as u64, 2]),
        Errno::SUCCESS
    );
    assert_eq!(g.read(BUF, 2), b"/a");
    let fd = g.open(4, "in_a", 0, RO, 0).unwrap();
    assert_eq!(fd, 3, "the freed number is reused");
    // A file renumbered onto a pre-open; then the pre-open closed.
    assert_eq!(g.call("fd_renumber", &[3, 4]), Errno::SUCCESS);
    assert_eq!(g.read_fd(4, 10), Ok(b"a".to_vec()));
    assert_eq!(g.call("fd_prestat_get", &[4, OUT as u64]), Errno::EBADF);
    assert_eq!(g.call("fd_close", &[4]), Errno::SUCCESS);
    let g = mem_guest(&MemFs::new());
    assert_eq!(g.call("fd_close", &[3]), Errno::SUCCESS);
    assert_eq!(g.call("fd_prestat_get", &[3, OUT as u64]), Errno::EBADF);
    assert_eq!(g.open(3, "x", O_CREAT, RW, 0), Err(Errno::EBADF));
    assert_eq!(g.call("fd_close", &[3]), Errno::EBADF, "closed once");
}

// Rights (witx bit numbers).
const R_FD_SEEK: u64 = 1 << 2;
const R_FD_TELL: u64 = 1 << 5;
const R_FD_WRITE: u64 = 1 << 6;
const R_PATH_CREATE_DIRECTORY: u64 = 1 << 9;
const R_PATH_CREATE_FILE: u64 = 1 << 10;
const R_PATH_OPEN: u64 = 1 << 13;
const R_FD_READDIR: u64 = 1 << 14;
const R_PATH_FILESTAT_GET: u64 = 1 << 18;
const R_PATH_UNLINK_FILE: u64 = 1 << 26;

#[test]
fn fd_fdstat_set_rights_only_takes_rights_away_and_they_are_enforced() {
    if common::on_every_engine(fd_fdstat_set_rights_only_takes_rights_away_and_they_are_enforced) {
        return;
    }
    on_both_mounts(|g, mount| {
        g.create("f", b"0123456789");
        let fd = g.open(3, "f", 0, RW, 0).unwrap();
        let (base, inheriting) = g.rights(fd);
        assert_ne!(base & R_FD_WRITE, 0, "{mount}");
        assert_ne!(base & R_FD_SEEK, 0, "{mount}");
        // Taking fd_write away.
        assert_eq!(
            g.set_rights(fd, base & !R_FD_WRITE, inheriting),
            Errno::SUCCESS
        );
        assert_eq!(g.rights(fd).0, base & !R_FD_WRITE, "{mount}");
        assert_eq!(g.write_fd(fd, b"x"), Err(Errno::ENOTCAPABLE), "{mount}");
        assert_eq!(g.read_fd(fd, 2), Ok(b"01".to_vec()), "{mount}");
        // It cannot come back.
        assert_eq!(g.set_rights(fd, base, inheriting), Errno::ENOTCAPABLE);
        assert_eq!(g.rights(fd).0, base & !R_FD_WRITE, "{mount}");
        // Without fd_seek, only fd_tell's kind of seek (cur + 0) works.
        let tell_only = base & !R_FD_WRITE & !R_FD_SEEK;
        assert_eq!(g.set_rights(fd, tell_only, 0), Errno::SUCCESS, "{mount}");
        let seek = |off: u64, whence: u64| g.call("fd_seek", &[fd as u64, off, whence, OUT as u64]);
        assert_eq!(seek(0, 0), Errno::ENOTCAPABLE, "{mount}");
        assert_eq!(seek(0, 1), Errno::SUCCESS, "{mount}");
        assert_eq!(g.u64(OUT), 2, "{mount}");
        assert_eq!(g.call("fd_tell", &[fd as u64, OUT as u64]), Errno::SUCCESS);
        assert_eq!(g.set_rights(fd, tell_only & !R_FD_TELL, 0), Errno::SUCCESS);
        assert_eq!(
            g.call("fd_tell", &[fd as u64, OUT as u64]),
            Errno::ENOTCAPABLE
        );
        assert_eq!(seek(0, 1), Errno::ENOTCAPABLE, "{mount}");
        // Directories: path rights guard the path functions.
        g.mkdir("d");
        let d = g.open(3, "d", O_DIRECTORY, RO, 0).unwrap();
        let (dbase, dinh) = g.rights(d);
        for right in [R_PATH_OPEN, R_PATH_CREATE_FILE, R_PATH_CREATE_DIRECTORY] {
            assert_ne!(dbase & right, 0, "{mount}: {right:#x}");
        }
        assert_eq!(
            g.set_rights(d, dbase & !R_PATH_CREATE_DIRECTORY, dinh),
            Errno::SUCCESS
        );
        assert_eq!(
            g.path_op("path_create_directory", d, "x"),
            Errno::ENOTCAPABLE
        );
        let made = g.open(d, "made", O_CREAT, RW, 0).unwrap();
        assert_eq!(g.write_fd(made, b"ok"), Ok(2), "{mount}");
        // What a directory passes on bounds what is opened through it.
        assert_eq!(
            g.set_rights(d, dbase & !R_PATH_CREATE_DIRECTORY, dinh & !R_FD_WRITE),
            Errno::SUCCESS
        );
        let child = g.open(d, "made", 0, RW, 0).unwrap();
        assert_eq!(g.rights(child).0 & R_FD_WRITE, 0, "{mount}");
        assert_eq!(g.write_fd(child, b"no"), Err(Errno::ENOTCAPABLE), "{mount}");
        assert_eq!(g.set_rights(d, R_PATH_OPEN, 0), Errno::SUCCESS, "{mount}");
        assert_eq!(g.open(d, "new", O_CREAT, RW, 0), Err(Errno::ENOTCAPABLE));
        assert!(
            g.open(d, "made", 0, RO, 0).is_ok(),
            "{mount}: path_open kept"
        );
        assert_eq!(g.stat(d, 0, "made"), Err(Errno::ENOTCAPABLE), "{mount}");
        assert_eq!(g.path_op("path_unlink_file", d, "made"), Errno::ENOTCAPABLE);
        let [b, bl] = [BUF as u64, 256];
        assert_eq!(
            g.call("fd_readdir", &[d as u64, b, bl, 0, RES as u64]),
            Errno::ENOTCAPABLE,
            "{mount}"
        );
        assert_eq!(g.set_rights(d, 0, 0), Errno::SUCCESS, "{mount}");
        assert_eq!(g.open(d, "made", 0, RO, 0), Err(Errno::ENOTCAPABLE));
        // The pre-open keeps its own rights.
        let (root, _) = g.rights(3);
        for right in [R_PATH_FILESTAT_GET, R_PATH_UNLINK_FILE, R_FD_READDIR] {
            assert_ne!(root & right, 0, "{mount}: {right:#x}");
        }
        assert_eq!(g.set_rights(99, 0, 0), Errno::EBADF, "{mount}");
    });
}

#[test]
fn the_standard_streams_have_rights_for_what_they_do() {
    if common::on_every_engine(the_standard_streams_have_rights_for_what_they_do) {
        return;
    }
    let g = Guest::new(ModuleConfig::new());
    assert_eq!(g.rights(0).0 & (1 << 1), 1 << 1, "stdin reads");
    assert_eq!(g.rights(1).0 & R_FD_WRITE, R_FD_WRITE, "stdout writes");
    assert_eq!(g.call("fd_fdstat_set_flags", &[1, 0]), Errno::SUCCESS);
    assert_eq!(g.call("fd_filestat_get", &[2, OUT as u64]), Errno::SUCCESS);
    let (base, _) = g.rights(1);
    assert_eq!(g.set_rights(1, base & !R_FD_WRITE, 0), Errno::SUCCESS);
    assert_eq!(g.write_fd(1, b"x"), Err(Errno::ENOTCAPABLE));
    assert_eq!(g.write_fd(2, b"x"), Ok(1), "stderr untouched");
}

#[test]
fn only_standard_streams_that_are_terminals_look_like_terminals() {
    if common::on_every_engine(only_standard_streams_that_are_terminals_look_like_terminals) {
        return;
    }
    // wasi-libc's isatty: a character device without the right to seek or tell.
    let isatty = |g: &Guest, fd: u64| {
        assert_eq!(g.call("fd_fdstat_get", &[fd, OUT as u64]), Errno::SUCCESS);
        let filetype = g.read(OUT, 1)[0];
        let (base, _) = g.rights(fd as u32);
        filetype == 2 && base & (R_FD_SEEK | R_FD_TELL) == 0
    };
    let filestat_type = |g: &Guest, fd: u64| {
        assert_eq!(g.call("fd_filestat_get", &[fd, OUT as u64]), Errno::SUCCESS);
        g.read(OUT + 16, 1)[0]
    };
    let g = Guest::new(ModuleConfig::new().with_stdout(Shared::default()));
    for fd in 0..3 {
        assert!(!isatty(&g, fd), "fd {fd} by default");
        assert_eq!(filestat_type(&g, fd), 0, "fd {fd}: unknown");
    }
    let g = Guest::new(ModuleConfig::new().with_terminals(true, false, true));
    assert!(isatty(&g, 0));
    assert!(!isatty(&g, 1), "stdout piped");
    assert!(isatty(&g, 2));
    assert_eq!(filestat_type(&g, 0), 2, "a character device");
    assert_eq!(filestat_type(&g, 1), 0);
}

#[test]
fn a_link_s_own_times_are_set_without_symlink_follow() {
    if common::on_every_engine(a_link_s_own_times_are_set_without_symlink_follow) {
        return;
    }
    on_both_mounts(|g, mount| {
        g.create("target", b"t");
        assert_eq!(g.symlink("target", 3, "link"), Errno::SUCCESS);
        let times = |flags: u64, path: &str| {
            let [p, l] = g.string(PATH, path);
            assert_eq!(
                g.call("path_filestat_get", &[3, flags, p, l, OUT as u64]),
                Errno::SUCCESS
            );
            (g.u64(OUT + 40), g.u64(OUT + 48))
        };
        let before = times(0, "target");
        let [p, l] = g.string(PATH, "link");
        // atime 5 s, mtime 7 s, on the link itself.
        let call = [3, 0, p, l, 5_000_000_000, 7_000_000_000, 1 | 4];
        assert_eq!(g.call("path_filestat_set_times", &call), Errno::SUCCESS);
        assert_eq!(times(0, "link"), (5_000_000_000, 7_000_000_000), "{mount}");
        assert_eq!(
            times(0, "target"),
            before,
            "{mount}: the target is untouched"
        );
        // Only the mtime, through the link: the target's, atime left alone.
        let [p, l] = g.string(PATH, "link");
        let call = [3, 1, p, l, 0, 9_000_000_000, 4];
        assert_eq!(g.call("path_filestat_set_times", &call), Errno::SUCCESS);
        assert_eq!(times(0, "target"), (before.0, 9_000_000_000), "{mount}");
        assert_eq!(times(0, "link").1, 7_000_000_000, "{mount}");
    });
}

#[test]
fn each_directory_descriptor_is_its_own_boundary() {
    if common::on_every_engine(each_directory_descriptor_is_its_own_boundary) {
        return;
    }
    on_both_mounts(|g, mount| {
        g.create("top", b"top");
        g.mkdir("sub");
        g.mkdir("sub/inner");
        g.create("sub/here", b"here");
        // A link inside sub that climbs out of it (but not out of the mount).
        assert_eq!(g.symlink("../top", 3, "sub/up"), Errno::SUCCESS);
        let sub = g.open(3, "sub", O_DIRECTORY, RO, 0).unwrap();
        let open = |path: &str| g.open_with(sub, FOLLOW, path, 0, RO, 0);
        assert_eq!(open("../top"), Err(Errno::ENOTCAPABLE), "{mount}");
        assert_eq!(open("inner/../../top"), Err(Errno::ENOTCAPABLE), "{mount}");
        assert_eq!(
            open("../sub/here"),
            Err(Errno::ENOTCAPABLE),
            "{mount}: out and back"
        );
        assert_eq!(
            open("up"),
            Err(Errno::ENOTCAPABLE),
            "{mount}: through a link"
        );
        assert_eq!(open(".."), Err(Errno::ENOTCAPABLE), "{mount}");
        assert!(open("inner/../here").is_ok(), "{mount}: stays inside");
        // From the mount's root, the same link and paths are fine.
        assert_eq!(
            g.open_with(3, FOLLOW, "sub/up", 0, RO, 0)
                .map(|fd| g.read_fd(fd, 3)),
            Ok(Ok(b"top".to_vec())),
            "{mount}"
        );
        // Every path function holds the boundary.
        assert_eq!(g.stat(sub, 0, "../top"), Err(Errno::ENOTCAPABLE), "{mount}");
        assert_eq!(
            g.stat(sub, FOLLOW, "up"),
            Err(Errno::ENOTCAPABLE),
            "{mount}"
        );
        assert_eq!(
            g.stat(sub, 0, "up").map(|s| s.0),
            Ok(7),
            "{mount}: the link itself"
        );
        for name in [
            "path_create_directory",
            "path_unlink_file",
            "path_remove_directory",
        ] {
            assert_eq!(
                g.path_op(name, sub, "../x"),
                Errno::ENOTCAPABLE,
                "{mount}: {name}"
            );
        }
        for name in ["path_rename", "path_link"] {
            assert_eq!(
                g.two_paths(name, sub, "here", "../x"),
                Errno::ENOTCAPABLE,
                "{name}"
            );
            assert_eq!(
                g.two_paths(name, sub, "../top", "x"),
                Errno::ENOTCAPABLE,
                "{name}"
            );
        }
        assert_eq!(
            g.symlink("here", sub, "../x"),
            Errno::ENOTCAPABLE,
            "{mount}"
        );
        let [p, l] = g.string(PATH, "../top");
        assert_eq!(
            g.call(
                "path_readlink",
                &[sub as u64, p, l, BUF as u64, 64, RES as u64]
            ),
            Errno::ENOTCAPABLE,
            "{mount}"
        );
        assert_eq!(
            g.call("path_filestat_set_times", &[sub as u64, 0, p, l, 0, 0, 2]),
            Errno::ENOTCAPABLE,
            "{mount}"
        );
        assert_eq!(
            g.stat(3, 0, "x"),
            Err(Errno::ENOENT),
            "{mount}: nothing made"
        );
    });
}

// ---------------------------------------------------------------------------------------
// Real programs: samples/programs/*.wasm (Rust std on wasm32-wasip1) against
// samples/programs/expected.toml
// ---------------------------------------------------------------------------------------

/// A value of the small TOML subset `expected.toml` uses.
#[derive(Debug, Clone)]
enum Toml {
    Str(String),
    Int(i64),
    Array(Vec<Toml>),
    Table(Vec<(String, Toml)>),
}

impl Toml {
    fn str(&self) -> &str {
        match self {
            Toml::Str(s) => s,
            other => panic!("expected a string, got {other:?}"),
        }
    }
}

struct TomlParser<'a> {
    s: &'a [u8],
    at: usize,
}

impl TomlParser<'_> {
    fn skip_ws(&mut self, newlines: bool) {
        while let Some(&c) = self.s.get(self.at) {
            match c {
                b' ' | b'\t' | b'\r' => self.at += 1,
                b'\n' if newlines => self.at += 1,
                b'#' => {
                    while self.s.get(self.at).is_some_and(|c| *c != b'\n') {
                        self.at += 1;
                    }
                }
                _ => break,
            }
        }
    }

    fn eat(&mut self, c: u8) {
        self.skip_ws(true);
        assert_eq!(self.s.get(self.at), Some(&c), "at byte {}", self.at);
        self.at += 1;
    }

    fn key(&mut self) -> String {
        self.skip_ws(true);
        if self.s[self.at] == b'"' {
            return self.value().str().to_string();
        }
        let start = self.at;
        while self.s[self.at].is_ascii_alphanumeric() || b"_-".contains(&self.s[self.at]) {
            self.at += 1;
        }
        String::from_utf8(self.s[start..self.at].to_vec()).unwrap()
    }

    fn string(&mut self) -> String {
        let multi = self.s[self.at..].starts_with(b"\"\"\"");
        self.at += if multi { 3 } else { 1 };
        if multi && self.s[self.at] == b'\n' {
            self.at += 1;
        }
        let mut out = Vec::new();
        loop {
            if multi && self.s[self.at..].starts_with(b"\"\"\"") {
                self.at += 3;
                break;
            }
            match self.s[self.at] {
                b'"' if !multi => {
                    self.at += 1;
                    break;
                }
                b'\\' => {
                    self.at += 1;
                    out.push(match self.s[self.at] {
                        b'n' => b'\n',
                        b't' => b'\t',
                        c => c,
                    });
                }
                c => out.push(c),
            }
            self.at += 1;
        }
        String::from_utf8(out).unwrap()
    }

    fn value(&mut self) -> Toml {
        self.skip_ws(true);
        match self.s[self.at] {
            b'"' => Toml::Str(self.string()),
            b'[' => {
                self.at += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_ws(true);
                    if self.s[self.at] == b']' {
                        self.at += 1;
                        break;
                    }
                    items.push(self.value());
                    self.skip_ws(true);
                    if self.s[self.at] == b',' {
                        self.at += 1;
                    }
                }
                Toml::Array(items)
            }
            b'{' => {
                self.at += 1;
                let mut entries = Vec::new();
                loop {
                    self.skip_ws(true);
                    if self.s[self.at] == b'}' {
                        self.at += 1;
                        break;
                    }
                    let k = self.key();
                    self.eat(b'=');
                    entries.push((k, self.value()));
                    self.skip_ws(true);
                    if self.s[self.at] == b',' {
                        self.at += 1;
                    }
                }
                Toml::Table(entries)
            }
            _ => {
                let start = self.at;
                while self.s[self.at] == b'-' || self.s[self.at].is_ascii_digit() {
                    self.at += 1;
                }
                let text = std::str::from_utf8(&self.s[start..self.at]).unwrap();
                Toml::Int(
                    text.parse()
                        .unwrap_or_else(|_| panic!("value at byte {start}")),
                )
            }
        }
    }

    /// The `[[case]]` tables (other array tables are skipped).
    fn cases(mut self) -> Vec<Vec<(String, Toml)>> {
        let mut cases = Vec::new();
        let mut current: Option<Vec<(String, Toml)>> = None;
        loop {
            self.skip_ws(true);
            if self.at >= self.s.len() {
                break;
            }
            if self.s[self.at..].starts_with(b"[[") {
                let end = self.at + self.s[self.at..].iter().position(|c| *c == b'\n').unwrap();
                let header = std::str::from_utf8(&self.s[self.at..end]).unwrap().trim();
                self.at = end;
                if let Some(c) = current.take() {
                    cases.push(c);
                }
                if header == "[[case]]" {
                    current = Some(Vec::new());
                }
                continue;
            }
            let k = self.key();
            self.eat(b'=');
            let v = self.value();
            if let Some(c) = current.as_mut() {
                c.push((k, v));
            }
        }
        cases.extend(current);
        cases
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn sample_programs_behave_as_expected() {
    if common::on_every_engine(sample_programs_behave_as_expected) {
        return;
    }
    let programs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples/programs");
    let Ok(text) = std::fs::read_to_string(programs.join("expected.toml")) else {
        panic!("samples/programs/expected.toml is missing");
    };
    let cases = TomlParser {
        s: text.as_bytes(),
        at: 0,
    }
    .cases();
    assert!(cases.len() >= 10, "{} cases", cases.len());
    let rt = runtime();
    for (n, case) in cases.iter().enumerate() {
        let get = |k: &str| case.iter().find(|(key, _)| key == k).map(|(_, v)| v);
        let sample = get("sample").unwrap().str();
        let wasm = std::fs::read(programs.join(format!("{sample}.wasm"))).unwrap();
        let what = format!("case {n} ({sample} {:?})", get("args"));
        let (out, err) = (Shared::default(), Shared::default());
        let mut args = vec![sample.to_string()];
        if let Some(Toml::Array(a)) = get("args") {
            args.extend(a.iter().map(|v| v.str().to_string()));
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut config = ModuleConfig::new()
            .with_name("")
            .with_args(&args)
            .with_stdout(out.clone())
            .with_stderr(err.clone());
        if let Some(Toml::Table(env)) = get("env") {
            for (k, v) in env {
                config = config.with_env(k, v.str());
            }
        }
        let mut mounts = Vec::new();
        if let Some(Toml::Table(dirs)) = get("dirs") {
            let mut fs = FsConfig::new();
            for (guest, host) in dirs {
                let tmp = TempDir::new("sample");
                copy_dir(&programs.join(host.str()), tmp.path());
                fs = fs.with_dir_mount(tmp.path(), guest);
                mounts.push((guest.clone(), tmp));
            }
            config = config.with_fs_config(fs);
        }
        let result = rt.instantiate_with_config(&wasm, config);
        match (get("exit_code"), get("trap")) {
            (Some(Toml::Int(0)), _) => {
                if let Err(e) = &result {
                    panic!("{what}: {e}\nstderr: {}", err.text());
                }
            }
            (Some(Toml::Int(code)), _) => {
                let e = result.as_ref().expect_err(&what);
                assert_eq!(e.exit_code(), Some(*code as u32), "{what}: {e}");
            }
            (_, Some(trap)) => {
                let e = result.as_ref().expect_err(&what).to_string();
                assert!(
                    e.contains(&format!("wasm error: {}", trap.str())),
                    "{what}: {e}"
                );
            }
            _ => panic!("{what}: neither exit_code nor trap"),
        }
        assert_eq!(out.text(), get("stdout").unwrap().str(), "{what}: stdout");
        if let Some(s) = get("stderr") {
            assert_eq!(err.text(), s.str(), "{what}: stderr");
        }
        if let Some(s) = get("stderr_contains") {
            assert!(
                err.text().contains(s.str()),
                "{what}: stderr {:?}",
                err.text()
            );
        }
        if let Some(Toml::Table(files)) = get("files") {
            for (guest, content) in files {
                let (mount, dir) = mounts
                    .iter()
                    .find(|(m, _)| guest.starts_with(&format!("{m}/")))
                    .unwrap_or_else(|| panic!("{what}: {guest} is in no mount"));
                let host = dir.path().join(&guest[mount.len() + 1..]);
                let got = std::fs::read_to_string(&host).unwrap_or_default();
                assert_eq!(got, content.str(), "{what}: {guest}");
            }
        }
    }
}
