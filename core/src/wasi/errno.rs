//! WASI error numbers and the mapping from host I/O errors.

use std::fmt;

/// A WASI error number (`errno`), what every WASI function returns: 0 is success.
///
/// The values are WASI preview1's, not the host's (`ENOENT` is 44, not 2).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Errno(pub u16);

macro_rules! errnos {
    ($($name:ident = $value:literal, $doc:literal;)*) => {
        impl Errno {
            $(#[doc = $doc] pub const $name: Errno = Errno($value);)*

            /// The WASI name, e.g. `ENOENT`; `None` for numbers WASI does not define.
            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($value => Some(stringify!($name)),)*
                    _ => None,
                }
            }
        }
    };
}

errnos! {
    SUCCESS = 0, "No error occurred.";
    E2BIG = 1, "Argument list too long.";
    EACCES = 2, "Permission denied.";
    EADDRINUSE = 3, "Address in use.";
    EADDRNOTAVAIL = 4, "Address not available.";
    EAFNOSUPPORT = 5, "Address family not supported.";
    EAGAIN = 6, "Resource unavailable, or operation would block.";
    EALREADY = 7, "Connection already in progress.";
    EBADF = 8, "Bad file descriptor.";
    EBADMSG = 9, "Bad message.";
    EBUSY = 10, "Device or resource busy.";
    ECANCELED = 11, "Operation canceled.";
    ECHILD = 12, "No child processes.";
    ECONNABORTED = 13, "Connection aborted.";
    ECONNREFUSED = 14, "Connection refused.";
    ECONNRESET = 15, "Connection reset.";
    EDEADLK = 16, "Resource deadlock would occur.";
    EDESTADDRREQ = 17, "Destination address required.";
    EDOM = 18, "Mathematics argument out of domain of function.";
    EDQUOT = 19, "Reserved.";
    EEXIST = 20, "File exists.";
    EFAULT = 21, "Bad address (guest memory out of range).";
    EFBIG = 22, "File too large.";
    EHOSTUNREACH = 23, "Host is unreachable.";
    EIDRM = 24, "Identifier removed.";
    EILSEQ = 25, "Illegal byte sequence.";
    EINPROGRESS = 26, "Operation in progress.";
    EINTR = 27, "Interrupted function.";
    EINVAL = 28, "Invalid argument.";
    EIO = 29, "I/O error.";
    EISCONN = 30, "Socket is connected.";
    EISDIR = 31, "Is a directory.";
    ELOOP = 32, "Too many levels of symbolic links.";
    EMFILE = 33, "File descriptor value too large.";
    EMLINK = 34, "Too many links.";
    EMSGSIZE = 35, "Message too large.";
    EMULTIHOP = 36, "Reserved.";
    ENAMETOOLONG = 37, "Filename too long.";
    ENETDOWN = 38, "Network is down.";
    ENETRESET = 39, "Connection aborted by network.";
    ENETUNREACH = 40, "Network unreachable.";
    ENFILE = 41, "Too many files open in system.";
    ENOBUFS = 42, "No buffer space available.";
    ENODEV = 43, "No such device.";
    ENOENT = 44, "No such file or directory.";
    ENOEXEC = 45, "Executable file format error.";
    ENOLCK = 46, "No locks available.";
    ENOLINK = 47, "Reserved.";
    ENOMEM = 48, "Not enough space.";
    ENOMSG = 49, "No message of the desired type.";
    ENOPROTOOPT = 50, "Protocol not available.";
    ENOSPC = 51, "No space left on device.";
    ENOSYS = 52, "Function not supported.";
    ENOTCONN = 53, "The socket is not connected.";
    ENOTDIR = 54, "Not a directory or a symbolic link to a directory.";
    ENOTEMPTY = 55, "Directory not empty.";
    ENOTRECOVERABLE = 56, "State not recoverable.";
    ENOTSOCK = 57, "Not a socket.";
    ENOTSUP = 58, "Not supported, or operation not supported on socket.";
    ENOTTY = 59, "Inappropriate I/O control operation.";
    ENXIO = 60, "No such device or address.";
    EOVERFLOW = 61, "Value too large to be stored in data type.";
    EOWNERDEAD = 62, "Previous owner died.";
    EPERM = 63, "Operation not permitted.";
    EPIPE = 64, "Broken pipe.";
    EPROTO = 65, "Protocol error.";
    EPROTONOSUPPORT = 66, "Protocol not supported.";
    EPROTOTYPE = 67, "Protocol wrong type for socket.";
    ERANGE = 68, "Result too large.";
    EROFS = 69, "Read-only file system.";
    ESPIPE = 70, "Invalid seek.";
    ESRCH = 71, "No such process.";
    ESTALE = 72, "Reserved.";
    ETIMEDOUT = 73, "Connection timed out.";
    ETXTBSY = 74, "Text file busy.";
    EXDEV = 75, "Cross-device link.";
    ENOTCAPABLE = 76, "Capabilities insufficient: what sandbox escapes fail with.";
}

impl Errno {
    /// The errno a person names: `ENOSPC`, `enospc`, `NOSPC`, `ESUCCESS` or `SUCCESS`;
    /// `None` for a name WASI does not define.
    ///
    /// ```
    /// use wasmscope::wasi::Errno;
    /// assert_eq!(Errno::parse("enospc"), Some(Errno::ENOSPC));
    /// assert_eq!(Errno::parse("ESUCCESS"), Some(Errno::SUCCESS));
    /// assert_eq!(Errno::parse("ENOPE"), None);
    /// ```
    pub fn parse(name: &str) -> Option<Errno> {
        let upper = name.trim().to_ascii_uppercase();
        let bare = upper.strip_prefix('E').unwrap_or(&upper);
        (0..=u16::MAX)
            .map(Errno)
            .take_while(|e| e.0 < 128)
            .find(|e| {
                e.name().is_some_and(|known| {
                    known == upper || known.strip_prefix('E').unwrap_or(known) == bare
                })
            })
    }
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "{n}({})", self.0),
            None => write!(f, "Errno({})", self.0),
        }
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl From<std::io::Error> for Errno {
    fn from(e: std::io::Error) -> Self {
        from_io(&e)
    }
}

/// Maps a host I/O error to the WASI errno that means the same.
pub(crate) fn from_io(e: &std::io::Error) -> Errno {
    #[cfg(target_os = "linux")]
    if let Some(code) = e.raw_os_error() {
        if let Some(errno) = from_linux(code) {
            return errno;
        }
    }
    use std::io::ErrorKind as K;
    match e.kind() {
        K::NotFound => Errno::ENOENT,
        K::PermissionDenied => Errno::EPERM,
        K::AlreadyExists => Errno::EEXIST,
        K::WouldBlock => Errno::EAGAIN,
        K::InvalidInput => Errno::EINVAL,
        K::InvalidData => Errno::EILSEQ,
        K::Interrupted => Errno::EINTR,
        K::Unsupported => Errno::ENOTSUP,
        K::OutOfMemory => Errno::ENOMEM,
        K::NotADirectory => Errno::ENOTDIR,
        K::IsADirectory => Errno::EISDIR,
        K::DirectoryNotEmpty => Errno::ENOTEMPTY,
        K::ReadOnlyFilesystem => Errno::EROFS,
        K::StorageFull => Errno::ENOSPC,
        K::NotSeekable => Errno::ESPIPE,
        K::FileTooLarge => Errno::EFBIG,
        K::ResourceBusy => Errno::EBUSY,
        K::TooManyLinks => Errno::EMLINK,
        K::BrokenPipe => Errno::EPIPE,
        K::TimedOut => Errno::ETIMEDOUT,
        _ => Errno::EIO,
    }
}

/// Linux errno numbers (the same on every Linux architecture we build for).
#[cfg(target_os = "linux")]
fn from_linux(code: i32) -> Option<Errno> {
    Some(match code {
        1 => Errno::EPERM,
        2 => Errno::ENOENT,
        3 => Errno::ESRCH,
        4 => Errno::EINTR,
        5 => Errno::EIO,
        6 => Errno::ENXIO,
        7 => Errno::E2BIG,
        8 => Errno::ENOEXEC,
        9 => Errno::EBADF,
        10 => Errno::ECHILD,
        11 => Errno::EAGAIN,
        12 => Errno::ENOMEM,
        13 => Errno::EACCES,
        14 => Errno::EFAULT,
        16 => Errno::EBUSY,
        17 => Errno::EEXIST,
        18 => Errno::EXDEV,
        19 => Errno::ENODEV,
        20 => Errno::ENOTDIR,
        21 => Errno::EISDIR,
        22 => Errno::EINVAL,
        23 => Errno::ENFILE,
        24 => Errno::EMFILE,
        25 => Errno::ENOTTY,
        26 => Errno::ETXTBSY,
        27 => Errno::EFBIG,
        28 => Errno::ENOSPC,
        29 => Errno::ESPIPE,
        30 => Errno::EROFS,
        31 => Errno::EMLINK,
        32 => Errno::EPIPE,
        33 => Errno::EDOM,
        34 => Errno::ERANGE,
        35 => Errno::EDEADLK,
        36 => Errno::ENAMETOOLONG,
        37 => Errno::ENOLCK,
        38 => Errno::ENOSYS,
        39 => Errno::ENOTEMPTY,
        40 => Errno::ELOOP,
        75 => Errno::EOVERFLOW,
        84 => Errno::EILSEQ,
        88 => Errno::ENOTSOCK,
        95 => Errno::ENOTSUP,
        110 => Errno::ETIMEDOUT,
        122 => Errno::EDQUOT,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_io_mapping() {
        assert_eq!(Errno::ENOTCAPABLE.name(), Some("ENOTCAPABLE"));
        assert_eq!(format!("{:?}", Errno::ENOENT), "ENOENT(44)");
        assert_eq!(Errno(999).name(), None);
        let e = std::io::Error::from(std::io::ErrorKind::NotFound);
        assert_eq!(Errno::from(e), Errno::ENOENT);
        #[cfg(target_os = "linux")]
        assert_eq!(
            from_io(&std::io::Error::from_raw_os_error(40)),
            Errno::ELOOP
        );
    }
}
