//! The 46 functions of WASI preview1, registered under both module names.
//!
//! Every function reads its parameters from the stack, works on the calling module's
//! [`SysContext`] and memory, and returns an [`Errno`] (except `proc_exit`, which ends
//! the call). Guest memory is reached only through [`GuestMem`], so a bad pointer is
//! `EFAULT`.

use std::io::SeekFrom;
use std::sync::{Arc, Mutex, MutexGuard};

use super::abi::*;
use super::context::SysContext;
use super::errno::{from_io, Errno};
use super::fd::{FdEntry, FdObject};
use super::fs::{self, Components, Filestat, Fs, OpenOptions, SetTime};
use super::mem::GuestMem;
use crate::error::{Error, Result};
use crate::host::{Caller, HostModuleBuilder};
use crate::runtime::Runtime;
use crate::types::ValueType;

type Res = Result<(), Errno>;

/// What a WASI function works on.
struct Ctx<'a> {
    sys: &'a mut SysContext,
    mem: GuestMem<'a>,
    abi: Abi,
}

type Func = fn(&mut Ctx<'_>, &[u64]) -> Res;

const I: ValueType = ValueType::I32;
const L: ValueType = ValueType::I64;

/// A WASI function: its name, parameter types and names (wazero's), and body.
struct Def {
    name: &'static str,
    params: &'static [ValueType],
    names: &'static [&'static str],
    func: Func,
}

macro_rules! defs {
    ($($name:ident($($pname:literal: $ty:ident),*);)*) => {
        const DEFS: &[Def] = &[$(Def {
            name: stringify!($name),
            params: &[$($ty),*],
            names: &[$($pname),*],
            func: $name,
        }),*];
    };
}

defs! {
    args_get("argv": I, "argv_buf": I);
    args_sizes_get("result.argc": I, "result.argv_len": I);
    environ_get("environ": I, "environ_buf": I);
    environ_sizes_get("result.environc": I, "result.environv_len": I);
    clock_res_get("id": I, "result.resolution": I);
    clock_time_get("id": I, "precision": L, "result.timestamp": I);
    fd_advise("fd": I, "offset": L, "len": L, "advice": I);
    fd_allocate("fd": I, "offset": L, "len": L);
    fd_close("fd": I);
    fd_datasync("fd": I);
    fd_fdstat_get("fd": I, "result.stat": I);
    fd_fdstat_set_flags("fd": I, "flags": I);
    fd_fdstat_set_rights("fd": I, "fs_rights_base": L, "fs_rights_inheriting": L);
    fd_filestat_get("fd": I, "result.filestat": I);
    fd_filestat_set_size("fd": I, "size": L);
    fd_filestat_set_times("fd": I, "atim": L, "mtim": L, "fst_flags": I);
    fd_pread("fd": I, "iovs": I, "iovs_len": I, "offset": L, "result.nread": I);
    fd_prestat_get("fd": I, "result.prestat": I);
    fd_prestat_dir_name("fd": I, "path": I, "path_len": I);
    fd_pwrite("fd": I, "iovs": I, "iovs_len": I, "offset": L, "result.nwritten": I);
    fd_read("fd": I, "iovs": I, "iovs_len": I, "result.nread": I);
    fd_readdir("fd": I, "buf": I, "buf_len": I, "cookie": L, "result.bufused": I);
    fd_renumber("fd": I, "to": I);
    fd_seek("fd": I, "offset": L, "whence": I, "result.newoffset": I);
    fd_sync("fd": I);
    fd_tell("fd": I, "result.offset": I);
    fd_write("fd": I, "iovs": I, "iovs_len": I, "result.nwritten": I);
    path_create_directory("fd": I, "path": I, "path_len": I);
    path_filestat_get("fd": I, "flags": I, "path": I, "path_len": I, "result.filestat": I);
    path_filestat_set_times("fd": I, "flags": I, "path": I, "path_len": I, "atim": L, "mtim": L, "fst_flags": I);
    path_link("old_fd": I, "old_flags": I, "old_path": I, "old_path_len": I, "new_fd": I, "new_path": I, "new_path_len": I);
    path_open("fd": I, "dirflags": I, "path": I, "path_len": I, "oflags": I, "fs_rights_base": L, "fs_rights_inheriting": L, "fdflags": I, "result.opened_fd": I);
    path_readlink("fd": I, "path": I, "path_len": I, "buf": I, "buf_len": I, "result.bufused": I);
    path_remove_directory("fd": I, "path": I, "path_len": I);
    path_rename("fd": I, "old_path": I, "old_path_len": I, "new_fd": I, "new_path": I, "new_path_len": I);
    path_symlink("old_path": I, "old_path_len": I, "fd": I, "new_path": I, "new_path_len": I);
    path_unlink_file("fd": I, "path": I, "path_len": I);
    poll_oneoff("in": I, "out": I, "nsubscriptions": I, "result.nevents": I);
    proc_raise("sig": I);
    sched_yield();
    random_get("buf": I, "buf_len": I);
    sock_accept("fd": I, "flags": I, "result.fd": I);
    sock_recv("fd": I, "ri_data": I, "ri_data_len": I, "ri_flags": I, "result.ro_datalen": I, "result.ro_flags": I);
    sock_send("fd": I, "si_data": I, "si_data_len": I, "si_flags": I, "result.so_datalen": I);
    sock_shutdown("fd": I, "how": I);
}

/// The functions that resolve a path in a mount (or re-resolve a directory
/// descriptor's): they run one at a time in the process ([`PATH_WALK`]).
const PATH_FUNCTIONS: &[&str] = &[
    "fd_filestat_get",
    "fd_filestat_set_times",
    "fd_readdir",
    "path_create_directory",
    "path_filestat_get",
    "path_filestat_set_times",
    "path_link",
    "path_open",
    "path_readlink",
    "path_remove_directory",
    "path_rename",
    "path_symlink",
    "path_unlink_file",
];

/// Held while a WASI function walks a path: a walk checks each component before it
/// uses it, and a guest of another module (of this runtime or another in the process)
/// must not change the tree in between.
static PATH_WALK: Mutex<()> = Mutex::new(());

/// The host module of every WASI function (`DEFS` and `proc_exit`) under `name`.
pub(crate) fn host_module(rt: &Runtime, name: &str, abi: Abi) -> HostModuleBuilder {
    let mut b = rt.new_host_module_builder(name);
    for def in DEFS {
        let func = def.func;
        let n = def.params.len();
        let walks_paths = PATH_FUNCTIONS.contains(&def.name);
        b = b
            .new_function_builder()
            .with_raw_func(def.params, &[I], move |caller, stack| {
                let mut params = [0u64; 9];
                params[..n].copy_from_slice(&stack[..n]);
                // Calls on different modules run in parallel: one path walk at a time,
                // so that no guest swaps a directory for a link between another's
                // check and use (see `hostfs`).
                let _walk = walks_paths.then(|| lock(&PATH_WALK));
                let errno = with_ctx(caller, abi, |ctx| func(ctx, &params[..n]))?;
                stack[0] = errno.0 as u64;
                Ok(())
            })
            .with_parameter_names(def.names)
            .with_result_names(&["errno"])
            .export(def.name);
        if def.name == "poll_oneoff" {
            // proc_exit sits between poll_oneoff and proc_raise, as in the witx.
            b = b
                .new_function_builder()
                .with_raw_func(&[I], &[], proc_exit)
                .with_parameter_names(PROC_EXIT_NAMES)
                .export("proc_exit");
        }
    }
    b
}

/// `proc_exit`'s parameter names (it is registered apart from [`DEFS`]).
const PROC_EXIT_NAMES: &[&str] = &["rval"];

/// Every WASI function's name and parameter names, in the witx order: [`DEFS`], with
/// `proc_exit` after `poll_oneoff` where [`host_module`] registers it.
pub(crate) fn signatures() -> impl Iterator<Item = (&'static str, &'static [&'static str])> {
    DEFS.iter().flat_map(|d| {
        let exit = (d.name == "poll_oneoff").then_some(("proc_exit", PROC_EXIT_NAMES));
        std::iter::once((d.name, d.names)).chain(exit)
    })
}

/// `proc_exit(rval)`: closes the calling module with exit code `rval`; the call ends
/// with an `ExitError` (success for code 0 during instantiation, as in wazero).
fn proc_exit(caller: &mut Caller<'_>, stack: &mut [u64]) -> Result<()> {
    let code = stack[0] as u32;
    caller.close_with_exit_code(code);
    Err(Error::exit(code))
}

/// Runs `f` on the calling module's WASI state and memory.
fn with_ctx(
    caller: &mut Caller<'_>,
    abi: Abi,
    f: impl FnOnce(&mut Ctx<'_>) -> Res,
) -> Result<Errno> {
    if caller.instance().is_none() {
        return Err(Error::new("WASI functions must be called by a module"));
    }
    if let Some(code) = caller.closed() {
        return Err(Error::exit(code));
    }
    let (sys, memory) = caller
        .sys_and_memory()
        .ok_or_else(|| Error::new("the calling module has no WASI state"))?;
    let mut ctx = Ctx {
        sys,
        mem: GuestMem::new(memory),
        abi,
    };
    Ok(match f(&mut ctx) {
        Ok(()) => Errno::SUCCESS,
        Err(e) => e,
    })
}

fn lock<T: ?Sized>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn u32p(p: &[u64], i: usize) -> u32 {
    p[i] as u32
}

// ---------------------------------------------------------------------------------------
// Arguments and environment
// ---------------------------------------------------------------------------------------

/// Writes `strings` as NUL-terminated strings at `buf` and their addresses at `ptrs`.
fn write_strings(mem: &mut GuestMem<'_>, strings: &[String], ptrs: u32, buf: u32) -> Res {
    let total: u64 = strings.iter().map(|s| s.len() as u64 + 1).sum();
    mem.check(
        ptrs,
        u32::try_from(strings.len() * 4).map_err(|_| Errno::EFAULT)?,
    )?;
    mem.check(buf, u32::try_from(total).map_err(|_| Errno::EFAULT)?)?;
    let mut at = buf;
    for (i, s) in strings.iter().enumerate() {
        mem.write_u32(ptrs + 4 * i as u32, at)?;
        mem.write(at, s.as_bytes())?;
        mem.write_u8(at + s.len() as u32, 0)?;
        at += s.len() as u32 + 1;
    }
    Ok(())
}

fn write_sizes(mem: &mut GuestMem<'_>, strings: &[String], count: u32, size: u32) -> Res {
    let total: usize = strings.iter().map(|s| s.len() + 1).sum();
    mem.check(count, 4)?;
    mem.check(size, 4)?;
    mem.write_u32(count, strings.len() as u32)?;
    mem.write_u32(size, u32::try_from(total).map_err(|_| Errno::E2BIG)?)
}

fn args_get(c: &mut Ctx<'_>, p: &[u64]) -> Res {
    write_strings(&mut c.mem, &c.sys.args, u32p(p, 0), u32p(p, 1))
}

fn args_sizes_get(c: &mut Ctx<'_>, p: &[u64]) -> Res {
    write_sizes(&mut c.mem, &c.sys.args, u32p(p, 0), u32p(p, 1))
}

fn environ_get(c: &mut Ctx<'_>, p: &[u64]) -> Res {
    write_strings(&mut c.mem, &c.sys.env, u32p(p, 0), u32p(p, 1))
}

fn environ_sizes_get(c: &mut Ctx<'_>, p: &[u64]) -> Res {
    write_sizes(&mut c.mem, &c.sys.env, u32p(p, 0), u32p(p, 1))
}

// ---------------------------------------------------------------------------------------
// Clocks, randomness, processes
// ---------------------------------------------------------------------------------------

fn clock_res_get(c: &mut Ctx<'_>, p: &[u64]) -> Res {
    let res = match u32p(p, 0) {
        CLOCK_REALTIME => c.sys.clocks.walltime_resolution(),
        CLOCK_MONOTONIC => c.sys.clocks.nanotime_resolution(),
        _ => return Err(Errno::EINVAL),
    };
    c.mem.write_u64(u32p(p, 1), res)
}

/// Reads clock `id` (realtime or monotonic) in nanoseconds.
fn read_clock(sys: &mut SysContext, id: u32) -> Result<u64, Errno> {
    match id {
        CLOCK_REALTIME => Ok(sys.clocks.walltime().max(0) as u64),
        CLOCK_MONOTONIC => Ok(sys.clocks.nanotime().max(0) as u64),
        _ => Err(Errno::EINVAL),
    }
}

fn clock_time_get(c: &mut Ctx<'_>, p: &[u64]) -> Res {
    let result = u32p(p, 2);
    c.mem.check(result, 8)?;
    let t = read_clock(c.sys, u32p(p, 0))?;
    c.mem.write_u64(result, t)
}

fn random_get(c: &mut Ctx<'_>, p: &[u64]) -> Res {
    let buf = c.mem.slice_mut(u32p(p, 0), u32p(p, 1))?;
    c.sys.clocks.fill_random(buf);
    Ok(())
}

fn proc_raise(_: &mut Ctx<'_>, _: &[u64]) -> Res {
    Err(Errno::ENOSYS)
}

fn sched_yield(_: &mut Ctx<'_>, _: &[u64]) -> Res {
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Descriptors
// ---------------------------------------------------------------------------------------

fn fd_close(c: &mut Ctx<'_>, p: &[u64]) -> Res {
    c.sys.fds.close(u32p(p, 0))
}

fn fd_renumber(c: &mut Ctx<'_>, p: &[u64]) -> Res {
    c.sys.fds.renumber(u32p(p, 0), u32p(p, 1))
}

fn fd_advise(c: &mut Ctx<'_>, p: &[u64]) -> Res {
    c.sys.fds.get(u32p(p, 0))?.need(RIGHT_FD_ADVISE)?;
    if p[3] > ADVICE_NOREUSE as u64 {
        return Err(Errno::EINVAL);
    }
    // Advice is only a hint; like wazero, take none.
    Ok(())
}

/// The open file behind `entry`, or the errno other kinds get: `EISDIR` for
/// directories, `ESPIPE` for the standard streams (`EBADF` if `spipe` is false).
fn file_of(entry: &mut FdEntry, spipe: bool) -> Result<&mut Box<dyn fs::FsFile>, Errno> {
    match &mut entry.obj {
        FdObject::File { file, .. } => Ok(file),
        FdObject::Dir { .. } => Err(Errno::EISDIR),
        _ if spipe => Err(Errno::ESPIPE),
        _ => Err(Errno::EBADF),
    }
}

fn fd_allocate(c: &mut Ctx<'_>, p: &[u64]) -> Res {
    let entry = c.sys.fds.get_mut(u32p(p, 0))?;
    if !matches!(entry.obj, FdObject::File { .. }) || !entry.writable {
        return Err(Errno::EBADF);
    }
    entry.need(RIGHT_FD_ALLOCATE)?;
    let FdObject::File { file, .. } = &mut entry.obj else {
        return Err(Errno::EBADF);
    };
    let end = p[1].checked_add(p[2]).filter(|e| *e <= i64::MAX as u64);
    let end = end.ok_or(Errno::EFBIG)?;
    if file.stat()?.size < end {
        file.set_size(end)?;
    }
    Ok(())
}

fn sync(c: &mut Ctx<'_>, p: &[u64], data_only: bool) -> Res {
    let entry = c.sys.fds.get_mut(u32p(p, 0))?;
    if !entry.is_dir() {
        entry.need(if data_only {
            RIGHT_FD_DATASYNC
        } else {
            RIGHT_FD_SYNC
        })?;
    }
    match &mut entry.obj {
        FdObject::File { file, .. } => file.sync(data_only),
        FdObject::Stdout(Some(w)) => lock(w).flush().map_err(|e| from_io(&e)),
        _ => Ok(()),
    }
}

fn fd_datasync(c: &mut Ctx<'_>, p: &[u64]) -> Res {
    sync(c, p, true)
}

fn fd_sync(c: &mut Ctx<'_>, p: &[u64]) -> Res {
    sync(c, p, false)
}

fn fd_fdstat_get(c: &mut Ctx<'_>, p: &[u64]) -> Res {
    let at = u32p(p, 1);
    c.mem.check(at, FDSTAT_SIZE)?;
    let entry = c.sys.fds.get(u32p(p, 0))?;
    let filetype = match &entry.obj {
        FdObject::Stdin(_) | FdObject::Stdout(_) => stdio_filetype(entry),
        FdObject::Dir { .. } => FILETYPE_DIRECTORY,
        FdObject::File { file, .. } => file.stat()?.filetype,
    };
    c.mem.write(at, &[0; FDSTAT_SIZE as usize])?;
    c.mem.write_u8(at, filetype)?;
    c.mem.write_u16(at + 2, entry.flags)?;
    c.mem.write_u64(at + 8, entry.rights_base)?;
    c.mem.write_u64(at + 16, entry.rights_inheriting)
}

/// A standard stream's file type: a character device when it is a terminal, unknown
/// otherwise (a pipe, a file, a buffer): wasmtime's answer, which keeps wasi-libc's
/// `isatty` from taking a pipe for a terminal.
fn stdio_filetype(entry: &FdEntry) -> u8 {
    if entry.terminal {
        FILETYPE_CHARACTER_DEVICE
    } else {
        FILETYPE_UNKNOWN
    }
}

fn fd_fdstat_set_flags(c: &mut Ctx<'_>, p: &[u64]) -> Res {
    let entry = c.sys.fds.get_mut(u32p(p, 0))?;
    entry.need(RIGHT_FD_FDSTAT_SET_FLAGS)?;
    let flags = p[1];
    let supported = (FDFLAGS_APPEND | FDFLAGS_NONBLOCK) as u64;
    if flags & !supported != 0 {
        // Like wazero: the sync flags cannot be changed on an open descriptor.
        return Err(Errno::EINVAL);
    }
    entry.flags = flags as u16;
    Ok(())
}

/// Takes rights away from `fd` (never adds any: asking for a right the descriptor does
/// not have is `ENOTCAPABLE`). Every call a right guards checks it from then on.
fn fd_fdstat_set_rights(c: &mut Ctx<'_>, p: &[u64]) -> Res {
    let entry = c.sys.fds.get_mut(u32p(p, 0))?;
    let (base, inheriting) = (p[1], p[2]);
    if base & !entry.rights_base != 0 || inheriting & !entry.rights_inheriting != 0 {
        return Err(Errno::ENOTCAPABLE);
    }
    entry.rights_base = base;
    entry.rights_inheriting = inheriting;
    Ok(())
}

/// Writes `st` in the ABI's `filestat` layout.
fn write_filestat(mem: &mut GuestMem<'_>, abi: Abi, at: u32, st: &Filestat) -> Res {
    let size = abi.filestat_size();
    mem.check(at, size)?;
    mem.write(at, &[0; 64][..size as usize])?;
    mem.write_u64(at, st.dev)?;
    mem.write_u64(at + 8, st.ino)?;
    mem.write_u8(at + 16, st.filetype)?;
    let times = match abi {
        Abi::Preview1 => {
            mem.write_u64(at + 24, st.nlink)?;
            mem.write_u64(at + 32, st.size)?;
            at + 40
        }
        Abi::Unstable => {
            mem.write_u32(at + 20, st.nlink.min(u32::MAX as u64) as u32)?;
            mem.write_u64(at + 24, st.size)?;
            at + 32
        }
    };
    mem.write_u64(times, st.atim)?;
    mem.write_u64(times + 8, st.mtim)?;
    mem.write_u64(times + 16, st.ctim)
}

fn fd_filestat_get(c: &mut Ctx<'_>, p: &[u64]) -> Res {
    let at = u32p(p, 1);
    c.mem.check(at, c.abi.filestat_size())?;
    let entry = c.sys.fds.get(u32p(p, 0))?;
    entry.need(RIGHT_FD_FILESTAT_GET)?;
    let st = match &entry.obj {
        FdObject::File { file, .. } => file.stat()?,
        FdObject::Dir { mount, path } => {
            let fs = &*c.sys.mounts[*mount].fs;
            fs.lstat(&fs::revalidate(fs, path)?)?
        }
        _ => Filestat {
            filetype: stdio_filetype(entry),
            ..Filestat::default()
        },
    };
    write_filestat(&mut c.mem, c.abi, at, &st)
}

fn fd_filestat_set_size(c: &mut Ctx<'_>, p: &[u64]) -> Res {
    let entry = c.sys.fds.get_mut(u32p(p, 0))?;
    let writable = entry.writable;
    let need = entry.need(RIGHT_FD_FILESTAT_SET_SIZE);
    let file = file_of(entry, false)?;
    if !writable {
        return Err(Errno::EBADF);
    }
    need?;
    if p[1] > i64::MAX as u64 {
        return Err(Errno::EFBIG);
    }
    file.set_size(p[1])
}

/// The new times `fst_flags` asks for.
fn set_times(atim: u64, mtim: u64, flags: u64) -> Result<(SetTime, SetTime), Errno> {
    let all = (FSTFLAGS_ATIM | FSTFLAGS_ATIM_NOW | FSTFLAGS_MTIM | FSTFLAGS_MTIM_NOW) as u64;
    if flags & !all != 0 {
        return Err(Errno::EINVAL);
    }
    let flags = flags as u16;
    let pick = |value: u64, set: u16, now: u16| match (flags & set != 0, flags & now != 0) {
        (true, true) => Err(Errno::EINVAL),
        (true, false) => Ok(SetTime::At(value)),
        (false, true) => Ok(SetTime::Now),
        (false, false) => Ok(SetTime::Omit),
    };
    Ok((
        pick(atim, FSTFLAGS_ATIM, FSTFLAGS_ATIM_NOW)?,
        pick(mtim, FSTFLAGS_MTIM, FSTFLAGS_MTIM_NOW)?,
    ))
}

/// The wall clock, read only when a time is set to "now" (in-memory files use it).
fn now_for(sys: &mut SysContext, a: SetTime, m: SetTime) -> u64 {
    if a == SetTime::Now || m == SetTime::Now {
        sys.clocks.walltime().max(0) as u64
    } else {
        0
    }
}

fn fd_filestat_set_times(c: &mut Ctx<'_>, p: &[u64]) -> Res {
    let (a, m) = set_times(p[1], p[2], p[3])?;
    let fd = u32p(p, 0);
    let entry = c.sys.fds.get(fd)?;
    if matches!(entry.obj, FdObject::File { .. } | FdObject::Dir { .. }) {
        entry.need(RIGHT_FD_FILESTAT_SET_TIMES)?;
    }
    let now = now_for(c.sys, a, m);
    let sys = &mut *c.sys;
    match &mut sys.fds.get_mut(fd)?.obj {
        FdObject::File { file, mount } => {
            if sys.mounts[*mount].read_only {
                return Err(Errno::EROFS);
            }
            file.set_times(a, m, now)
        }
        FdObject::Dir { mount, path } => {
            let mount = &sys.mounts[*mount];
            let path = fs::revalidate(&*mount.fs, path)?;
            if mount.read_only {
                return Err(Errno::EROFS);
            }
            mount.fs.set_times(&path, a, m, now)
        }
        _ => Err(Errno::EBADF),
    }
}

fn fd_prestat_get(c: &mut Ctx<'_>, p: &[u64]) -> Res {
    let at = u32p(p, 1);
    c.mem.check(at, PRESTAT_SIZE)?;
    let name = c
        .sys
        .fds
        .get(u32p(p, 0))?
        .preopen
        .as_ref()
        .ok_or(Errno::EBADF)?;
    let len = name.len() as u32;
    c.mem.write(at, &[0; PRESTAT_SIZE as usize])?; // tag 0: a directory
    c.mem.write_u32(at + 4, len)
}

fn fd_prestat_dir_name(c: &mut Ctx<'_>, p: &[u64]) -> Res {
    let name = c
        .sys
        .fds
        .get(u32p(p, 0))?
        .preopen
        .as_ref()
        .ok_or(Errno::EBADF)?;
    if (u32p(p, 2) as usize) < name.len() {
        return Err(Errno::ENAMETOOLONG);
    }
    c.mem.write(u32p(p, 1), name.as_bytes())
}

/// Caps `len` so that a running total stays within `u32` (what `nread`/`nwritten` hold).
fn room(total: u64, len: u32) -> usize {
    (len as u64).min(u32::MAX as u64 - total) as usize
}

fn fd_read(c: &mut Ctx<'_>, p: &[u64]) -> Res {
    read(c, p, None)
}

fn fd_pread(c: &mut Ctx<'_>, p: &[u64]) -> Res {
    if p[3] > i64::MAX as u64 {
        return Err(Errno::EINVAL);
    }
    read(c, &[p[0], p[1], p[2], p[4]], Some(p[3]))
}

/// `fd_read` (`offset` none) and `fd_pread`: `p` is `fd, iovs, iovs_len, result`.
fn read(c: &mut Ctx<'_>, p: &[u64], offset: Option<u64>) -> Res {
    let iovs = c.mem.iovecs(u32p(p, 1), u32p(p, 2))?;
    let result = u32p(p, 3);
    c.mem.check(result, 4)?;
    let entry = c.sys.fds.get_mut(u32p(p, 0))?;
    if entry.is_dir() {
        return Err(Errno::EISDIR);
    }
    if !entry.readable {
        return Err(Errno::EBADF);
    }
    // `fd_pread` needs the right to seek too (witx: "if fd_seek is set, includes the
    // right to invoke fd_pread").
    let positioned = offset.is_some() && matches!(entry.obj, FdObject::File { .. });
    entry.need(RIGHT_FD_READ | if positioned { RIGHT_FD_SEEK } else { 0 })?;
    let mut total = 0u64;
    for (buf, len) in iovs {
        let dst = c.mem.slice_mut(buf, len)?;
        let dst_len = room(total, len);
        let dst = &mut dst[..dst_len];
        let n = match (&mut entry.obj, offset) {
            (FdObject::Stdin(None), None) => Ok(0),
            (FdObject::Stdin(Some(r)), None) => lock(r).read(dst).map_err(|e| from_io(&e)),
            (FdObject::File { file, .. }, None) => file.read(dst),
            (FdObject::File { file, .. }, Some(off)) => file.pread(dst, off + total),
            (FdObject::Stdin(_), Some(_)) => Err(Errno::ESPIPE),
            _ => Err(Errno::EBADF),
        };
        let n = match n {
            Ok(n) => n,
            // What was read before an error is what the guest gets.
            Err(_) if total > 0 => break,
            Err(e) => return Err(e),
        };
        total += n as u64;
        if n < dst_len || dst_len < len as usize {
            break;
        }
    }
    c.mem.write_u32(result, total as u32)
}

fn fd_write(c: &mut Ctx<'_>, p: &[u64]) -> Res {
    write(c, p, None)
}

fn fd_pwrite(c: &mut Ctx<'_>, p: &[u64]) -> Res {
    if p[3] > i64::MAX as u64 {
        return Err(Errno::EINVAL);
    }
    write(c, &[p[0], p[1], p[2], p[4]], Some(p[3]))
}

/// `fd_write` (`offset` none) and `fd_pwrite`: `p` is `fd, iovs, iovs_len, result`.
fn write(c: &mut Ctx<'_>, p: &[u64], offset: Option<u64>) -> Res {
    let iovs = c.mem.iovecs(u32p(p, 1), u32p(p, 2))?;
    let result = u32p(p, 3);
    c.mem.check(result, 4)?;
    let entry = c.sys.fds.get_mut(u32p(p, 0))?;
    if entry.is_dir() {
        return Err(Errno::EISDIR);
    }
    if !entry.writable {
        return Err(Errno::EBADF);
    }
    let positioned = offset.is_some() && matches!(entry.obj, FdObject::File { .. });
    entry.need(RIGHT_FD_WRITE | if positioned { RIGHT_FD_SEEK } else { 0 })?;
    if let (FdObject::File { file, .. }, None) = (&mut entry.obj, offset) {
        if entry.flags & FDFLAGS_APPEND != 0 {
            file.seek(SeekFrom::End(0))?;
        }
    }
    let mut total = 0u64;
    for (buf, len) in iovs {
        let src = c.mem.slice(buf, len)?;
        let src = &src[..room(total, len)];
        let n = match (&mut entry.obj, offset) {
            (FdObject::Stdout(None), None) => Ok(src.len()),
            (FdObject::Stdout(Some(w)), None) => lock(w)
                .write_all(src)
                .map(|_| src.len())
                .map_err(|e| from_io(&e)),
            (FdObject::File { file, .. }, None) => file.write(src),
            (FdObject::File { file, .. }, Some(off)) => file.pwrite(src, off + total),
            (FdObject::Stdout(_), Some(_)) => Err(Errno::ESPIPE),
            _ => Err(Errno::EBADF),
        };
        let n = match n {
            Ok(n) => n,
            Err(_) if total > 0 => break,
            Err(e) => return Err(e),
        };
        total += n as u64;
        if n < src.len() || src.len() < len as usize {
            break;
        }
    }
    c.mem.write_u32(result, total as u32)
}

fn fd_seek(c: &mut Ctx<'_>, p: &[u64]) -> Res {
    let result = u32p(p, 3);
    c.mem.check(result, 8)?;
    let whence = u8::try_from(p[2]).ok().and_then(|w| c.abi.whence(w));
    let offset = p[1] as i64;
    let entry = c.sys.fds.get_mut(u32p(p, 0))?;
    // A seek that leaves the position where it is only tells it.
    let tell_only = whence == Some(WHENCE_CUR) && offset == 0;
    let rights = entry.rights_base;
    let file = match file_of(entry, true) {
        Err(Errno::EISDIR) => return Err(Errno::EBADF),
        other => other?,
    };
    if rights & RIGHT_FD_SEEK == 0 && !(tell_only && rights & RIGHT_FD_TELL != 0) {
        return Err(Errno::ENOTCAPABLE);
    }
    let pos = match whence.ok_or(Errno::EINVAL)? {
        WHENCE_SET if offset < 0 => return Err(Errno::EINVAL),
        WHENCE_SET => SeekFrom::Start(offset as u64),
        WHENCE_CUR => SeekFrom::Current(offset),
        _ => SeekFrom::End(offset),
    };
    let new = file.seek(pos)?;
    c.mem.write_u64(result, new)
}

fn fd_tell(c: &mut Ctx<'_>, p: &[u64]) -> Res {
    let result = u32p(p, 1);
    c.mem.check(result, 8)?;
    let entry = c.sys.fds.get_mut(u32p(p, 0))?;
    let rights = entry.rights_base;
    let file = match file_of(entry, true) {
        Err(Errno::EISDIR) => return Err(Errno::EBADF),
        other => other?,
    };
    // witx: the right to seek implies the right to tell.
    if rights & (RIGHT_FD_TELL | RIGHT_FD_SEEK) == 0 {
        return Err(Errno::ENOTCAPABLE);
    }
    let pos = file.seek(SeekFrom::Current(0))?;
    c.mem.write_u64(result, pos)
}

fn fd_readdir(c: &mut Ctx<'_>, p: &[u64]) -> Res {
    let (buf, buf_len, cookie, result) = (u32p(p, 1), u32p(p, 2), p[3], u32p(p, 4));
    c.mem.check(buf, buf_len)?;
    c.mem.check(result, 4)?;
    let entry = c.sys.fds.get(u32p(p, 0))?;
    let FdObject::Dir { mount, path } = &entry.obj else {
        return Err(Errno::ENOTDIR);
    };
    entry.need(RIGHT_FD_READDIR)?;
    let fs = &*c.sys.mounts[*mount].fs;
    let path = &fs::revalidate(fs, path)?;
    let this = fs.lstat(path)?.ino;
    let parent = match path.split_last() {
        Some((_, up)) => fs.lstat(up)?.ino,
        None => this, // the mount's root is its own parent
    };
    let mut entries = vec![
        fs::DirEntry {
            name: ".".into(),
            ino: this,
            filetype: FILETYPE_DIRECTORY,
        },
        fs::DirEntry {
            name: "..".into(),
            ino: parent,
            filetype: FILETYPE_DIRECTORY,
        },
    ];
    entries.extend(fs.read_dir(path)?);
    let mut out = Vec::new();
    let start = usize::try_from(cookie).unwrap_or(usize::MAX);
    for (i, e) in entries.iter().enumerate().skip(start) {
        if out.len() >= buf_len as usize {
            break;
        }
        out.extend_from_slice(&(i as u64 + 1).to_le_bytes()); // d_next
        out.extend_from_slice(&e.ino.to_le_bytes());
        out.extend_from_slice(&(e.name.len() as u32).to_le_bytes());
        out.extend_from_slice(&[e.filetype, 0, 0, 0]); // d_type, padding: 24 bytes
        out.extend_from_slice(e.name.as_bytes());
    }
    // The last entry may not fit: the guest sees a full buffer and reads again with
    // that entry's cookie and a larger buffer.
    out.truncate(buf_len as usize);
    c.mem.write(buf, &out)?;
    c.mem.write_u32(result, out.len() as u32)
}

// ---------------------------------------------------------------------------------------
// Paths
// ---------------------------------------------------------------------------------------

/// The directory descriptor `fd`, which must have `rights`: its mount's index and file
/// system, whether that is read-only, and the directory's path, resolved again (see
/// [`fs::revalidate`]).
fn dir_fd(
    sys: &SysContext,
    fd: u32,
    rights: u64,
) -> Result<(usize, Arc<dyn Fs>, bool, Components), Errno> {
    let entry = sys.fds.get(fd)?;
    match &entry.obj {
        FdObject::Dir { mount, path } => {
            entry.need(rights)?;
            let m = &sys.mounts[*mount];
            let path = fs::revalidate(&*m.fs, path)?;
            Ok((*mount, m.fs.clone(), m.read_only, path))
        }
        _ => Err(Errno::ENOTDIR),
    }
}

fn path_create_directory(c: &mut Ctx<'_>, p: &[u64]) -> Res {
    let path = c.mem.read_str(u32p(p, 1), u32p(p, 2))?;
    let (_, fs, ro, base) = dir_fd(c.sys, u32p(p, 0), RIGHT_PATH_CREATE_DIRECTORY)?;
    let (target, _) = fs::resolve_entry(&*fs, &base, &path, Errno::EEXIST)?;
    if ro {
        return Err(Errno::EROFS);
    }
    fs.mkdir(&target)
}

fn path_filestat_get(c: &mut Ctx<'_>, p: &[u64]) -> Res {
    let at = u32p(p, 4);
    c.mem.check(at, c.abi.filestat_size())?;
    let path = c.mem.read_str(u32p(p, 2), u32p(p, 3))?;
    let (_, fs, _, base) = dir_fd(c.sys, u32p(p, 0), RIGHT_PATH_FILESTAT_GET)?;
    let follow = u32p(p, 1) & LOOKUP_SYMLINK_FOLLOW != 0;
    let target = fs::resolve(&*fs, &base, &path, follow)?;
    let st = fs.lstat(&target)?;
    write_filestat(&mut c.mem, c.abi, at, &st)
}

fn path_filestat_set_times(c: &mut Ctx<'_>, p: &[u64]) -> Res {
    let (a, m) = set_times(p[4], p[5], p[6])?;
    let path = c.mem.read_str(u32p(p, 2), u32p(p, 3))?;
    let (_, fs, ro, base) = dir_fd(c.sys, u32p(p, 0), RIGHT_PATH_FILESTAT_SET_TIMES)?;
    let follow = u32p(p, 1) & LOOKUP_SYMLINK_FOLLOW != 0;
    let target = fs::resolve(&*fs, &base, &path, follow)?;
    fs.lstat(&target)?;
    if ro {
        return Err(Errno::EROFS);
    }
    let now = now_for(c.sys, a, m);
    fs.set_times(&target, a, m, now)
}

fn path_link(c: &mut Ctx<'_>, p: &[u64]) -> Res {
    let old = c.mem.read_str(u32p(p, 2), u32p(p, 3))?;
    let new = c.mem.read_str(u32p(p, 5), u32p(p, 6))?;
    let (old_mount, fs, ro, old_base) = dir_fd(c.sys, u32p(p, 0), RIGHT_PATH_LINK_SOURCE)?;
    let (new_mount, _, _, new_base) = dir_fd(c.sys, u32p(p, 4), RIGHT_PATH_LINK_TARGET)?;
    let follow = u32p(p, 1) & LOOKUP_SYMLINK_FOLLOW != 0;
    let from = fs::resolve(&*fs, &old_base, &old, follow)?;
    let (to, slash) = fs::resolve_entry(&*fs, &new_base, &new, Errno::EEXIST)?;
    if old_mount != new_mount {
        return Err(Errno::EXDEV);
    }
    new_name_without_slash(&*fs, &to, slash)?;
    if ro {
        return Err(Errno::EROFS);
    }
    fs.link(&from, &to)
}

/// `path_open`. The descriptor follows the guest's flags and rights, as in wasmtime:
/// it reads if `fd_read` is asked for (or nothing else is), writes if `fd_write` is
/// asked for (or `APPEND`); `CREAT` and `TRUNC` create and truncate whatever the
/// descriptor may do afterwards (a file created with only the right to read is created,
/// and cannot be written through this descriptor). The new descriptor gets every right
/// of its kind (reading and writing as opened) that the directory lets it inherit.
fn path_open(c: &mut Ctx<'_>, p: &[u64]) -> Res {
    let (dirflags, oflags, rights, fdflags) = (u32p(p, 1), p[4], p[5], p[7] as u16);
    let result = u32p(p, 8);
    c.mem.check(result, 4)?;
    let path = c.mem.read_str(u32p(p, 2), u32p(p, 3))?;
    if oflags & !((OFLAGS_CREAT | OFLAGS_DIRECTORY | OFLAGS_EXCL | OFLAGS_TRUNC) as u64) != 0 {
        return Err(Errno::EINVAL);
    }
    let oflags = oflags as u16;
    let (create, directory, exclusive, truncate) = (
        oflags & OFLAGS_CREAT != 0,
        oflags & OFLAGS_DIRECTORY != 0,
        oflags & OFLAGS_EXCL != 0,
        oflags & OFLAGS_TRUNC != 0,
    );
    let mut needed = RIGHT_PATH_OPEN;
    if create {
        needed |= RIGHT_PATH_CREATE_FILE;
    }
    if truncate {
        needed |= RIGHT_PATH_FILESTAT_SET_SIZE;
    }
    let (mount, fs, ro, base) = dir_fd(c.sys, u32p(p, 0), needed)?;
    let inherit = c.sys.fds.get(u32p(p, 0))?.rights_inheriting;
    let write = rights & RIGHT_FD_WRITE != 0 || fdflags & FDFLAGS_APPEND != 0;
    let read = rights & (RIGHT_FD_READ | RIGHT_FD_READDIR) != 0 || !write;
    let follow = dirflags & LOOKUP_SYMLINK_FOLLOW != 0;
    let target = fs::resolve(&*fs, &base, &path, follow)?;
    let existing = match fs.lstat(&target) {
        Ok(st) => Some(st),
        Err(Errno::ENOENT) => None,
        Err(e) => return Err(e),
    };
    let entry = match existing {
        Some(_) if create && exclusive => return Err(Errno::EEXIST),
        // Not followed (no LOOKUP_SYMLINK_FOLLOW): O_NOFOLLOW semantics.
        Some(st) if st.filetype == FILETYPE_SYMBOLIC_LINK => {
            return Err(if directory {
                Errno::ENOTDIR
            } else {
                Errno::ELOOP
            })
        }
        Some(st) if st.filetype == FILETYPE_DIRECTORY => {
            if write || truncate {
                return Err(Errno::EISDIR);
            }
            let mut e = FdEntry::dir(mount, target, None);
            e.rights_base &= inherit;
            e.rights_inheriting &= inherit;
            e.flags = fdflags;
            e
        }
        // (`file/` never gets here: `resolve` is `ENOTDIR` for it.)
        Some(_) if directory => return Err(Errno::ENOTDIR),
        None if !create => return Err(Errno::ENOENT),
        // A name ending in `/` can only be a directory, which `path_open` never creates.
        None if directory || path.ends_with('/') => {
            return Err(if directory {
                Errno::EINVAL
            } else {
                Errno::EISDIR
            })
        }
        _ => {
            if ro && (write || truncate || existing.is_none()) {
                return Err(Errno::EROFS);
            }
            let file = fs.open(
                &target,
                OpenOptions {
                    read,
                    write,
                    create,
                    exclusive,
                    truncate,
                },
            )?;
            let mut rights_base = RIGHTS_FILE & !(RIGHT_FD_READ | RIGHT_FD_WRITE);
            if read {
                rights_base |= RIGHT_FD_READ;
            }
            if write {
                rights_base |= RIGHT_FD_WRITE;
            }
            FdEntry {
                obj: FdObject::File { file, mount },
                preopen: None,
                readable: read,
                writable: write,
                flags: fdflags,
                rights_base: rights_base & inherit,
                rights_inheriting: 0,
                terminal: false,
            }
        }
    };
    let fd = c.sys.fds.insert(entry)?;
    c.mem.write_u32(result, fd)
}

fn path_readlink(c: &mut Ctx<'_>, p: &[u64]) -> Res {
    let (buf, buf_len, result) = (u32p(p, 3), u32p(p, 4), u32p(p, 5));
    c.mem.check(buf, buf_len)?;
    c.mem.check(result, 4)?;
    let path = c.mem.read_str(u32p(p, 1), u32p(p, 2))?;
    let (_, fs, _, base) = dir_fd(c.sys, u32p(p, 0), RIGHT_PATH_READLINK)?;
    let target = fs::resolve(&*fs, &base, &path, false)?;
    let link = fs.readlink(&target)?;
    // Like POSIX readlink: truncated to the buffer, no NUL.
    let n = link.len().min(buf_len as usize);
    c.mem.write(buf, &link.as_bytes()[..n])?;
    c.mem.write_u32(result, n as u32)
}

fn path_remove_directory(c: &mut Ctx<'_>, p: &[u64]) -> Res {
    let path = c.mem.read_str(u32p(p, 1), u32p(p, 2))?;
    let (_, fs, ro, base) = dir_fd(c.sys, u32p(p, 0), RIGHT_PATH_REMOVE_DIRECTORY)?;
    let (target, _) = fs::resolve_entry(&*fs, &base, &path, Errno::EINVAL)?;
    if ro {
        return Err(Errno::EROFS);
    }
    fs.rmdir(&target)
}

fn path_rename(c: &mut Ctx<'_>, p: &[u64]) -> Res {
    let old = c.mem.read_str(u32p(p, 1), u32p(p, 2))?;
    let new = c.mem.read_str(u32p(p, 4), u32p(p, 5))?;
    let (old_mount, fs, ro, old_base) = dir_fd(c.sys, u32p(p, 0), RIGHT_PATH_RENAME_SOURCE)?;
    let (new_mount, _, _, new_base) = dir_fd(c.sys, u32p(p, 3), RIGHT_PATH_RENAME_TARGET)?;
    let (from, from_slash) = fs::resolve_entry(&*fs, &old_base, &old, Errno::EBUSY)?;
    let (to, to_slash) = fs::resolve_entry(&*fs, &new_base, &new, Errno::EBUSY)?;
    if old_mount != new_mount {
        return Err(Errno::EXDEV);
    }
    if ro {
        return Err(Errno::EROFS);
    }
    if (from_slash || to_slash) && fs.lstat(&from)?.filetype != FILETYPE_DIRECTORY {
        return Err(Errno::ENOTDIR);
    }
    fs.rename(&from, &to)
}

fn path_symlink(c: &mut Ctx<'_>, p: &[u64]) -> Res {
    let link_target = c.mem.read_str(u32p(p, 0), u32p(p, 1))?;
    let path = c.mem.read_str(u32p(p, 3), u32p(p, 4))?;
    let (_, fs, ro, base) = dir_fd(c.sys, u32p(p, 2), RIGHT_PATH_SYMLINK)?;
    if link_target.is_empty() {
        return Err(Errno::ENOENT);
    }
    if link_target.starts_with('/') {
        // Could never be followed inside the sandbox.
        return Err(Errno::ENOTCAPABLE);
    }
    if link_target.contains('\0') {
        return Err(Errno::EILSEQ);
    }
    let (target, slash) = fs::resolve_entry(&*fs, &base, &path, Errno::EEXIST)?;
    new_name_without_slash(&*fs, &target, slash)?;
    if ro {
        return Err(Errno::EROFS);
    }
    fs.symlink(&link_target, &target)
}

/// The new name of a link (`path_link`, `path_symlink`) names a file, so it cannot end
/// in `/`: `EEXIST` if something has that name already, `ENOENT` otherwise (Linux's
/// `linkat`/`symlinkat`, which wasmtime passes through).
fn new_name_without_slash(fs: &dyn Fs, name: &[String], slash: bool) -> Res {
    match (slash, fs.lstat(name)) {
        (false, _) => Ok(()),
        (true, Ok(_)) => Err(Errno::EEXIST),
        (true, Err(_)) => Err(Errno::ENOENT),
    }
}

fn path_unlink_file(c: &mut Ctx<'_>, p: &[u64]) -> Res {
    let path = c.mem.read_str(u32p(p, 1), u32p(p, 2))?;
    let (_, fs, ro, base) = dir_fd(c.sys, u32p(p, 0), RIGHT_PATH_UNLINK_FILE)?;
    let (target, slash) = fs::resolve_entry(&*fs, &base, &path, Errno::EISDIR)?;
    if slash {
        // `name/` names what `name` leads to (a link is followed): a directory is
        // `EISDIR`, anything else `ENOTDIR` (Linux's `unlinkat`).
        let followed = fs::resolve(&*fs, &base, &path, true)?;
        return match fs.lstat(&followed)?.filetype {
            FILETYPE_DIRECTORY => Err(Errno::EISDIR),
            _ => Err(Errno::ENOTDIR),
        };
    }
    if ro {
        return Err(Errno::EROFS);
    }
    fs.unlink(&target)
}

// ---------------------------------------------------------------------------------------
// poll_oneoff
// ---------------------------------------------------------------------------------------

/// One event to report: `(userdata, errno, type)`.
type Event = (u64, Errno, u8);

fn poll_oneoff(c: &mut Ctx<'_>, p: &[u64]) -> Res {
    let (input, output, n, result) = (u32p(p, 0), u32p(p, 1), u32p(p, 2), u32p(p, 3));
    if n == 0 {
        return Err(Errno::EINVAL);
    }
    let sub_size = c.abi.subscription_size();
    let in_len = u32::try_from(n as u64 * sub_size as u64).map_err(|_| Errno::EFAULT)?;
    let out_len = u32::try_from(n as u64 * EVENT_SIZE as u64).map_err(|_| Errno::EFAULT)?;
    c.mem.check(input, in_len)?;
    c.mem.check(output, out_len)?;
    c.mem.check(result, 4)?;
    let mut ready: Vec<Event> = Vec::new();
    // Clock subscriptions: (userdata, nanoseconds from now).
    let mut clocks: Vec<(u64, u64)> = Vec::new();
    for i in 0..n {
        let at = input + i * sub_size;
        let userdata = c.mem.read_u64(at)?;
        match c.mem.read_u8(at + 8)? {
            EVENTTYPE_CLOCK => {
                let clock = at + c.abi.subscription_clock_offset();
                let id = c.mem.read_u32(clock)?;
                let timeout = c.mem.read_u64(clock + 8)?;
                let flags = c.mem.read_u16(clock + 24)?;
                let relative = if flags & SUBCLOCK_ABSTIME != 0 {
                    match read_clock(c.sys, id) {
                        Ok(now) => timeout.saturating_sub(now),
                        Err(e) => {
                            ready.push((userdata, e, EVENTTYPE_CLOCK));
                            continue;
                        }
                    }
                } else if id == CLOCK_REALTIME || id == CLOCK_MONOTONIC {
                    timeout
                } else {
                    ready.push((userdata, Errno::EINVAL, EVENTTYPE_CLOCK));
                    continue;
                };
                clocks.push((userdata, relative));
            }
            ty @ (EVENTTYPE_FD_READ | EVENTTYPE_FD_WRITE) => {
                let fd = c.mem.read_u32(at + 16)?;
                let errno = match c.sys.fds.get(fd) {
                    Err(e) => e,
                    Ok(e) if e.is_dir() => Errno::EBADF,
                    Ok(e) if e.need(RIGHT_POLL_FD_READWRITE).is_err() => Errno::ENOTCAPABLE,
                    Ok(e) if ty == EVENTTYPE_FD_READ && !e.readable => Errno::EBADF,
                    Ok(e) if ty == EVENTTYPE_FD_WRITE && !e.writable => Errno::EBADF,
                    // Files and the standard streams are always ready.
                    Ok(_) => Errno::SUCCESS,
                };
                ready.push((userdata, errno, ty));
            }
            ty => ready.push((userdata, Errno::EINVAL, ty)),
        }
    }
    // Nothing ready: sleep until the first clock fires; otherwise report only the
    // clocks that have already expired.
    let wait = if ready.is_empty() {
        clocks.iter().map(|(_, t)| *t).min().unwrap_or(0)
    } else {
        0
    };
    if wait > 0 {
        c.sys.clocks.nanosleep(wait.min(i64::MAX as u64) as i64);
    }
    for (userdata, t) in clocks {
        if t <= wait {
            ready.push((userdata, Errno::SUCCESS, EVENTTYPE_CLOCK));
        }
    }
    for (i, (userdata, errno, ty)) in ready.iter().enumerate() {
        let at = output + i as u32 * EVENT_SIZE;
        c.mem.write(at, &[0; EVENT_SIZE as usize])?;
        c.mem.write_u64(at, *userdata)?;
        c.mem.write_u16(at + 8, errno.0)?;
        c.mem.write_u8(at + 10, *ty)?;
    }
    c.mem.write_u32(result, ready.len() as u32)
}

// ---------------------------------------------------------------------------------------
// Sockets: none can be configured, so every descriptor is not a socket.
// ---------------------------------------------------------------------------------------

fn not_a_socket(c: &mut Ctx<'_>, p: &[u64]) -> Res {
    c.sys.fds.get(u32p(p, 0))?;
    Err(Errno::ENOTSOCK)
}

fn sock_accept(c: &mut Ctx<'_>, p: &[u64]) -> Res {
    not_a_socket(c, p)
}

fn sock_recv(c: &mut Ctx<'_>, p: &[u64]) -> Res {
    not_a_socket(c, p)
}

fn sock_send(c: &mut Ctx<'_>, p: &[u64]) -> Res {
    not_a_socket(c, p)
}

fn sock_shutdown(c: &mut Ctx<'_>, p: &[u64]) -> Res {
    not_a_socket(c, p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_46_functions() {
        // DEFS has every function but proc_exit.
        assert_eq!(DEFS.len() + 1, 46);
        for d in DEFS {
            assert_eq!(d.params.len(), d.names.len(), "{}", d.name);
            assert!(d.params.len() <= 9);
        }
    }
}
