//! WASI preview1 calls as wazero's logging shows them (`--hostlogging`): which
//! parameters show as what before the call, which are outputs shown after it, and which
//! calls are not logged at all.
//!
//! - Reads and writes of stdin, stdout and stderr (`fd_read`, `fd_write` on fds 0 to 2)
//!   are not logged: their lines would be interleaved with the program's own output.
//! - A path and its length are one parameter, the path's text (`path=dir/file.txt`).
//! - Flags show by name (`oflags=CREAT|TRUNC`, empty when none), a clock by name
//!   (`id=monotonic`).
//! - Outputs are shown after the call, before the errno, with their value only when the
//!   call succeeded: the scalars (`nwritten=6`), `fd_prestat_dir_name`'s path
//!   (`path=/animals`), and the structures (`prestat={pr_name_len=8}`,
//!   `filestat={filetype=REGULAR_FILE,size=5,mtim=...}`, `stat={filetype=...,fdflags=...,
//!   fs_rights_base=...,fs_rights_inheriting=...}`).
//! - Other output pointers (`args_sizes_get`'s, say) show as the parameters they are
//!   (`result.argc=1048572`), as wazero shows them.

use wasmscope::listener::CallContext;
use wasmscope::wasi::names::{
    FDFLAGS, FILETYPES, FSTFLAGS, LOOKUPFLAGS, OFLAGS, RIFLAGS, RIGHTS, ROFLAGS, SDFLAGS,
};
use wasmscope::FunctionDefinition;

use crate::values::format_values;

/// The module WASI preview1's functions are in.
const MODULE: &str = "wasi_snapshot_preview1";

/// What a call writes through a pointer parameter: shown after the call as
/// `name=value`, the value only when the call succeeded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    name: String,
    ptr: u32,
    kind: Kind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    I32,
    I64,
    /// Text of this many bytes (`fd_prestat_dir_name`'s path).
    Text(u32),
    Prestat,
    Filestat,
    Fdstat,
    RoFlags,
}

/// Whether `def` is a WASI preview1 function (a host function of its module).
pub fn is_wasi(def: &FunctionDefinition) -> bool {
    def.is_host() && def.module_name() == MODULE
}

/// Whether the call is one wazero leaves out of its log: a read or write of stdin,
/// stdout or stderr.
pub fn left_out(def: &FunctionDefinition, params: &[u64]) -> bool {
    matches!(def.name(), Some("fd_read" | "fd_write"))
        && params.first().is_some_and(|&fd| fd as u32 as i32 <= 2)
}

/// The parameters shown before the call, and the outputs to show after it.
pub fn params(call: &CallContext<'_>, params: &[u64]) -> (Vec<String>, Vec<Output>) {
    let def = call.definition();
    let function = def.name().unwrap_or("");
    let names = def.param_names();
    let values = format_values(def.param_types(), params);
    let at = |i: usize| params.get(i).copied().unwrap_or(0);
    let mut shown = Vec::new();
    let mut outputs = Vec::new();
    let mut output = |name: &str, i: usize, kind: Kind| {
        outputs.push(Output {
            name: name.to_string(),
            ptr: at(i) as u32,
            kind,
        })
    };
    let mut i = 0;
    while i < values.len() {
        let Some(name) = names.get(i).and_then(|n| n.as_deref()) else {
            shown.push(values[i].clone());
            i += 1;
            continue;
        };
        let result = name.strip_prefix("result.");
        let lookup = matches!(
            (function, name),
            ("path_filestat_get" | "path_filestat_set_times", "flags")
                | ("path_link", "old_flags")
                | ("path_open", "dirflags")
        );
        if lookup {
            shown.push(format!("{name}={}", flags(at(i), LOOKUPFLAGS)));
        } else if name.contains("path") {
            // A path and its length: text read before the call, or (the buffer
            // `fd_prestat_dir_name` fills) after it.
            let len = at(i + 1) as u32;
            if result.is_some() || function == "fd_prestat_dir_name" {
                output(result.unwrap_or(name), i, Kind::Text(len));
            } else {
                let text = read(call.memory(), at(i) as u32, len)
                    .map(|b| String::from_utf8_lossy(b).into_owned())
                    .unwrap_or_default();
                shown.push(format!("{name}={text}"));
            }
            i += 2;
            continue;
        } else {
            // The outputs wazero reads back; any other shows as the pointer it is.
            let kind = result.and_then(|field| match field {
                "nread" | "nwritten" | "opened_fd" | "nevents" | "bufused" => Some(Kind::I32),
                "fd" | "ro_datalen" | "so_datalen" if function.starts_with("sock_") => {
                    Some(Kind::I32)
                }
                "newoffset" | "timestamp" | "resolution" => Some(Kind::I64),
                "filestat" => Some(Kind::Filestat),
                "stat" => Some(Kind::Fdstat),
                "prestat" => Some(Kind::Prestat),
                "ro_flags" => Some(Kind::RoFlags),
                _ => None,
            });
            match result.zip(kind) {
                Some((field, kind)) => output(field, i, kind),
                None => shown.push(param(function, name, at(i), &values[i])),
            }
        }
        i += 1;
    }
    (shown, outputs)
}

/// A parameter that is neither a path nor an output: flags and clocks by name.
fn param(function: &str, name: &str, value: u64, text: &str) -> String {
    let named = match name {
        "id" if function.starts_with("clock_") => match value {
            0 => "realtime".to_string(),
            1 => "monotonic".to_string(),
            _ => text.to_string(),
        },
        "fdflags" | "flags" => flags(value, FDFLAGS),
        "fst_flags" => flags(value, FSTFLAGS),
        "oflags" => flags(value, OFLAGS),
        "fs_rights_base" | "fs_rights_inheriting" => flags(value, RIGHTS),
        "ri_flags" => flags(value, RIFLAGS),
        "si_flags" => flags(value, &[]),
        "how" => flags(value, SDFLAGS),
        _ => text.to_string(),
    };
    format!("{name}={named}")
}

/// What the outputs hold after a call that returned `errno`: `name=value`, or `name=`
/// when the call failed (it wrote nothing).
pub fn outputs(memory: Option<&[u8]>, outputs: &[Output], errno: Option<u64>) -> Vec<String> {
    outputs
        .iter()
        .map(|o| {
            let value = if errno == Some(0) {
                value(memory, o).unwrap_or_default()
            } else {
                String::new()
            };
            format!("{}={value}", o.name)
        })
        .collect()
}

fn value(memory: Option<&[u8]>, o: &Output) -> Option<String> {
    let uint = |at: u32, width: u32| -> Option<u64> {
        let b = read(memory, at, width)?;
        let mut buf = [0u8; 8];
        buf[..b.len()].copy_from_slice(b);
        Some(u64::from_le_bytes(buf))
    };
    let filetype = |t: u64| {
        FILETYPES
            .get(t as usize)
            .map_or_else(|| format!("filetype({t})"), |n| n.to_string())
    };
    Some(match o.kind {
        Kind::I32 => (uint(o.ptr, 4)? as u32 as i32).to_string(),
        Kind::I64 => (uint(o.ptr, 8)? as i64).to_string(),
        Kind::Text(len) => String::from_utf8_lossy(read(memory, o.ptr, len)?).into_owned(),
        Kind::Prestat => format!("{{pr_name_len={}}}", uint(o.ptr.checked_add(4)?, 4)?),
        Kind::Filestat => format!(
            "{{filetype={},size={},mtim={}}}",
            filetype(uint(o.ptr.checked_add(16)?, 1)?),
            uint(o.ptr.checked_add(32)?, 8)? as i64,
            uint(o.ptr.checked_add(48)?, 8)? as i64,
        ),
        Kind::Fdstat => format!(
            "{{filetype={},fdflags={},fs_rights_base={},fs_rights_inheriting={}}}",
            filetype(uint(o.ptr, 1)?),
            flags(uint(o.ptr.checked_add(2)?, 2)?, FDFLAGS),
            flags(uint(o.ptr.checked_add(8)?, 8)?, RIGHTS),
            flags(uint(o.ptr.checked_add(16)?, 8)?, RIGHTS),
        ),
        Kind::RoFlags => flags(uint(o.ptr, 2)?, ROFLAGS),
    })
}

/// `len` bytes of memory at `at`, if all are in it.
fn read(memory: Option<&[u8]>, at: u32, len: u32) -> Option<&[u8]> {
    let at = at as usize;
    memory?.get(at..at.checked_add(len as usize)?)
}

/// The names of the bits set in `value`, joined with `|` (bit `i` is `names[i]`); bits
/// without a name are left out, and no bits are an empty text, as wazero shows them.
fn flags(value: u64, names: &[&str]) -> String {
    names
        .iter()
        .enumerate()
        .filter(|(i, _)| value & (1 << i) != 0)
        .map(|(_, n)| *n)
        .collect::<Vec<_>>()
        .join("|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_are_named_as_wazero_names_them() {
        assert_eq!(flags(0, OFLAGS), "");
        assert_eq!(flags(0b1001, OFLAGS), "CREAT|TRUNC");
        // A bit without a name is left out.
        assert_eq!(flags(0b10001, OFLAGS), "CREAT");
    }

    #[test]
    fn outputs_show_their_values_only_after_a_success() {
        let mut memory = vec![0u8; 128];
        memory[4..8].copy_from_slice(&8u32.to_le_bytes());
        memory[16..24].copy_from_slice(b"/animals");
        // A filestat at 64: a regular file of 5 bytes.
        memory[64 + 16] = 4;
        memory[64 + 32..64 + 40].copy_from_slice(&5u64.to_le_bytes());
        memory[64 + 48..64 + 56].copy_from_slice(&7u64.to_le_bytes());
        let out = |name: &str, ptr, kind| Output {
            name: name.into(),
            ptr,
            kind,
        };
        let all = [
            out("prestat", 0, Kind::Prestat),
            out("path", 16, Kind::Text(8)),
            out("filestat", 64, Kind::Filestat),
            out("nread", 4, Kind::I32),
        ];
        assert_eq!(
            outputs(Some(&memory), &all, Some(0)),
            [
                "prestat={pr_name_len=8}",
                "path=/animals",
                "filestat={filetype=REGULAR_FILE,size=5,mtim=7}",
                "nread=8",
            ]
        );
        assert_eq!(
            outputs(Some(&memory), &all, Some(8)),
            ["prestat=", "path=", "filestat=", "nread="]
        );
        // Out of memory: no value.
        assert_eq!(
            outputs(Some(&memory), &[out("nread", 126, Kind::I32)], Some(0)),
            ["nread="]
        );
    }
}
