"""Filesystem idioms of real programs, through CPython's os and io modules on WASI.

One line per operation: what it did, or the exception and errno it raised. Everything
happens under /data/probe (made fresh); the paths are the guest's.
"""
import errno
import hashlib
import os
import stat
import sys
import time

BASE = "/data/probe"


def show(label, fn, errno_name=True):
    try:
        result = fn()
    except OSError as e:
        name = errno.errorcode.get(e.errno, str(e.errno)) if errno_name else "(errno not compared)"
        print(f"{label}: {type(e).__name__} {name}")
    else:
        print(f"{label}: ok" + ("" if result is None else f" {result}"))


def p(*parts):
    return os.path.join(BASE, *parts)


def write(path, data, mode="w"):
    with open(path, mode) as f:
        f.write(data)


def read(path, mode="r"):
    with open(path, mode) as f:
        return f.read()


os.mkdir(BASE)
print("cwd:", os.getcwd())
print("argv:", sys.argv[1:])
print("env:", sorted(k for k in os.environ))
print("clock is after 2023:", time.time() > 1.7e9)
print("urandom bytes:", len(os.urandom(16)))

# Creating files.
show("open x new", lambda: write(p("x.txt"), "exclusive\n", "x"))
show("open x existing", lambda: write(p("x.txt"), "again\n", "x"))
show("os.open O_WRONLY|O_CREAT|O_TRUNC", lambda: os.close(os.open(p("w.txt"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)))
show("os.open O_RDONLY|O_CREAT new", lambda: os.close(os.open(p("lock"), os.O_RDONLY | os.O_CREAT, 0o644)))
show("lock exists", lambda: os.path.exists(p("lock")))
show("os.open O_CREAT|O_EXCL existing", lambda: os.open(p("lock"), os.O_WRONLY | os.O_CREAT | os.O_EXCL))
show("open missing for reading", lambda: read(p("nope.txt")))
show("open in missing dir", lambda: write(p("nodir", "f.txt"), "x"))

# Trailing slashes.
os.mkdir(p("d"))
write(p("d", "inner.txt"), "inner\n")
show("listdir dir/", lambda: sorted(os.listdir(p("d") + "/")))
show("stat dir/", lambda: stat.S_ISDIR(os.stat(p("d") + "/").st_mode))
show("stat file/", lambda: os.stat(p("x.txt") + "/"))
show("open file/", lambda: read(p("x.txt") + "/"))
show("mkdir new/", lambda: os.mkdir(p("e") + "/"))
show("isdir new", lambda: os.path.isdir(p("e")))
show("rmdir new/", lambda: os.rmdir(p("e") + "/"))
show("makedirs a/b/c/", lambda: os.makedirs(p("a", "b", "c") + "/"))

# Directories as files and files as directories.
show("open dir for reading", lambda: read(p("d")))
show("open dir for writing", lambda: write(p("d"), "x"))
show("listdir file", lambda: os.listdir(p("x.txt")))
show("mkdir existing", lambda: os.mkdir(p("d")))
show("mkdir over file", lambda: os.mkdir(p("x.txt")))
show("rmdir non-empty", lambda: os.rmdir(p("d")))
show("rmdir file", lambda: os.rmdir(p("x.txt")))
show("unlink dir", lambda: os.unlink(p("d")))
show("unlink missing", lambda: os.unlink(p("nope.txt")))

# Reading and writing at offsets, sizes, truncation.
fd = os.open(p("data.bin"), os.O_RDWR | os.O_CREAT, 0o644)
show("write", lambda: os.write(fd, bytes(range(256)) * 4))
show("pwrite at 10", lambda: os.pwrite(fd, b"HELLO", 10))
show("pread at 8", lambda: os.pread(fd, 9, 8).hex())
show("lseek end", lambda: os.lseek(fd, 0, os.SEEK_END))
show("lseek cur -4", lambda: os.lseek(fd, -4, os.SEEK_CUR))
show("read 8 at 1020", lambda: os.read(fd, 8).hex())
show("lseek past end", lambda: os.lseek(fd, 2048, os.SEEK_SET))
show("write past end", lambda: os.write(fd, b"tail"))
show("fstat size", lambda: os.fstat(fd).st_size)
show("hole is zeros", lambda: os.pread(fd, 8, 1500) == bytes(8))
show("ftruncate 100", lambda: os.ftruncate(fd, 100))
show("fsync", lambda: os.fsync(fd))
show("fdatasync", lambda: os.fdatasync(fd))
show("close", lambda: os.close(fd))
show("stat size", lambda: os.stat(p("data.bin")).st_size)
show("truncate by path", lambda: os.truncate(p("data.bin"), 20))
show("size after", lambda: os.path.getsize(p("data.bin")))
show("read closed fd", lambda: os.read(fd, 1))

# Append modes.
write(p("log.txt"), "one\n")
write(p("log.txt"), "two\n", "a")
with open(p("log.txt"), "a+") as f:
    f.write("three\n")
    f.seek(0)
    show("a+ read back", lambda: f.read().split())
with open(p("log.txt"), "r+") as f:
    f.seek(0, os.SEEK_END)
    f.write("four\n")
show("r+ then read", lambda: read(p("log.txt")).split())

# Times.
show("utime", lambda: os.utime(p("log.txt"), (1_000_000_000, 1_234_567_890)))
show("mtime", lambda: int(os.stat(p("log.txt")).st_mtime))
show("atime", lambda: int(os.stat(p("log.txt")).st_atime))
show("utime ns", lambda: os.utime(p("log.txt"), ns=(5_000_000_123, 6_000_000_456)))
show("mtime ns", lambda: os.stat(p("log.txt")).st_mtime_ns)

# Renames.
write(p("r1.txt"), "first\n")
write(p("r2.txt"), "second\n")
show("rename over existing file", lambda: os.rename(p("r1.txt"), p("r2.txt")))
show("renamed content", lambda: read(p("r2.txt")).strip())
show("rename missing", lambda: os.rename(p("r1.txt"), p("r3.txt")))
show("rename dir", lambda: os.rename(p("a"), p("a2")))
show("renamed tree", lambda: sorted(os.listdir(p("a2", "b"))))
show("rename dir over non-empty dir", lambda: os.rename(p("a2"), p("d")))
show("rename file over dir", lambda: os.rename(p("r2.txt"), p("d")))
show("replace dir over empty dir", lambda: (os.mkdir(p("empty")), os.replace(p("a2"), p("empty")))[1])

# Links.
show("symlink", lambda: os.symlink("x.txt", p("sym")))
show("readlink", lambda: os.readlink(p("sym")))
show("read through symlink", lambda: read(p("sym")).strip())
show("lstat is link", lambda: stat.S_ISLNK(os.lstat(p("sym")).st_mode))
show("symlink escaping", lambda: os.symlink("../../../etc/passwd", p("bad")))
# wasmtime says EPERM, a WASI runtime may say ENOTCAPABLE: both are PermissionError.
show("open escaping symlink", lambda: read(p("bad")), errno_name=False)
show("unlink escaping symlink", lambda: os.unlink(p("bad")))
show("hard link", lambda: os.link(p("x.txt"), p("x-link.txt")))
show("nlink", lambda: os.stat(p("x.txt")).st_nlink)
show("samefile", lambda: os.path.samefile(p("x.txt"), p("x-link.txt")))

# Escapes from the mount.
show("open ../ escape", lambda: read("/data/../../etc/passwd"), errno_name=False)
show("open outside mounts", lambda: read("/etc/passwd"))
show("listdir /", lambda: sorted(os.listdir("/")))
show("chdir", lambda: os.chdir(p("d")))
show("cwd", os.getcwd)
show("relative open", lambda: read("inner.txt").strip())
show("relative ..", lambda: sorted(n for n in os.listdir("..") if n.endswith(".txt")))
show("chdir back", lambda: os.chdir("/data"))
show("cwd", os.getcwd)

# Many entries, long and non-ASCII names.
os.mkdir(p("many"))
for i in range(300):
    write(p("many", f"entry-{i:03d}-" + "x" * (i % 40) + ".txt"), str(i))
names = os.listdir(p("many"))
show("listdir 300", lambda: (len(names), len(set(names)), hashlib.sha256("\n".join(sorted(names)).encode()).hexdigest()[:16]))
show("scandir kinds", lambda: sorted({(e.is_file(), e.is_dir()) for e in os.scandir(p("many"))}))
long = "L" * 200 + ".txt"
show("long name", lambda: write(p(long), "long\n"))
show("long name listed", lambda: long in os.listdir(BASE))
show("name too long", lambda: write(p("N" * 300), "x"))
uni = "donn\u00e9es-\u2713-\u65e5\u672c.txt"
show("unicode name", lambda: write(p(uni), "unicode\n"))
show("unicode listed", lambda: uni in os.listdir(BASE))

# A large file through the buffered layers.
big = (bytes(range(251)) * 12600)[: 3 * 1024 * 1024 + 17]
show("write 3 MiB", lambda: write(p("big.bin"), big, "wb"))
show("read 3 MiB", lambda: hashlib.sha256(read(p("big.bin"), "rb")).hexdigest()[:16] == hashlib.sha256(big).hexdigest()[:16])
show("remove big", lambda: os.remove(p("big.bin")))

# Clocks and sleeping (poll_oneoff), stdio.
t0 = time.monotonic()
show("sleep 30 ms", lambda: time.sleep(0.03))
show("slept at least 30 ms", lambda: time.monotonic() - t0 >= 0.03)
show("monotonic resolution > 0", lambda: time.clock_getres(time.CLOCK_MONOTONIC) > 0)
show("realtime resolution > 0", lambda: time.clock_getres(time.CLOCK_REALTIME) > 0)
show("process_time >= 0", lambda: time.process_time() >= 0)
show("stdout isatty", lambda: sys.stdout.isatty())
show("write to stdin", lambda: os.write(0, b"x"))
show("fstat stdout kind", lambda: stat.S_IFMT(os.fstat(1).st_mode) in (stat.S_IFCHR, stat.S_IFIFO, stat.S_IFREG))

# What is left.
for root, dirs, files in os.walk(BASE):
    dirs.sort()
    if os.path.basename(root) == "many":
        print(f"{os.path.relpath(root, '/data')}/: {len(files)} files")
        continue
    for name in sorted(files) + [d + "/" for d in dirs]:
        print(os.path.relpath(os.path.join(root, name), "/data"))
