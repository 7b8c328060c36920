//! Host-process helpers for the OCI runtime's command line: pid holders, fds of other processes,
//! host ptys, fd passing and reaping. None of them needs the tracer.
use crate::holder::{holder_main, HolderSpec};
use crate::napi::{self, napi_callback_info, napi_env, napi_value, Args};
use libc::c_char;
use std::ptr;

const SYS_PIDFD_OPEN: i64 = 434;
const SYS_PIDFD_GETFD: i64 = 438;
const PATH_BUF: usize = 4097;

extern "C" {
    fn napi_create_object(env: napi_env, result: *mut napi_value) -> i32;
    fn napi_set_named_property(env: napi_env, object: napi_value, name: *const c_char, value: napi_value) -> i32;
    fn napi_get_null(env: napi_env, result: *mut napi_value) -> i32;
    fn napi_get_boolean(env: napi_env, value: bool, result: *mut napi_value) -> i32;
    fn napi_create_string_utf8(env: napi_env, s: *const c_char, len: usize, result: *mut napi_value) -> i32;
}

/// A plain JS object built field by field (names are NUL-terminated literals).
struct Object {
    env: napi_env,
    value: napi_value,
}

impl Object {
    fn new(env: napi_env) -> Object {
        let mut value = ptr::null_mut();
        unsafe { napi_create_object(env, &mut value) };
        Object { env, value }
    }

    fn set(&self, name: &'static [u8], v: napi_value) -> &Self {
        unsafe { napi_set_named_property(self.env, self.value, name.as_ptr() as *const c_char, v) };
        self
    }

    fn int(&self, name: &'static [u8], v: i32) -> &Self {
        self.set(name, napi::int(self.env, v))
    }

    fn boolean(&self, name: &'static [u8], v: bool) -> &Self {
        let mut b = ptr::null_mut();
        unsafe { napi_get_boolean(self.env, v, &mut b) };
        self.set(name, b)
    }

    fn string(&self, name: &'static [u8], s: &str) -> &Self {
        let mut v = ptr::null_mut();
        unsafe { napi_create_string_utf8(self.env, s.as_ptr() as *const c_char, s.len(), &mut v) };
        self.set(name, v)
    }
}

/// The symbolic name of an errno value, as error messages show it.
fn errno_name(e: i32) -> String {
    let name = match e {
        libc::EPERM => "EPERM",
        libc::ENOENT => "ENOENT",
        libc::ESRCH => "ESRCH",
        libc::EINTR => "EINTR",
        libc::EIO => "EIO",
        libc::EBADF => "EBADF",
        libc::ECHILD => "ECHILD",
        libc::EAGAIN => "EAGAIN",
        libc::ENOMEM => "ENOMEM",
        libc::EACCES => "EACCES",
        libc::EFAULT => "EFAULT",
        libc::ENOTDIR => "ENOTDIR",
        libc::EINVAL => "EINVAL",
        libc::ENFILE => "ENFILE",
        libc::EMFILE => "EMFILE",
        libc::ENOTTY => "ENOTTY",
        libc::ENOSPC => "ENOSPC",
        libc::EPIPE => "EPIPE",
        libc::ENAMETOOLONG => "ENAMETOOLONG",
        libc::ENOSYS => "ENOSYS",
        libc::ELOOP => "ELOOP",
        libc::ENOTSOCK => "ENOTSOCK",
        libc::EPROTOTYPE => "EPROTOTYPE",
        libc::EAFNOSUPPORT => "EAFNOSUPPORT",
        libc::ECONNRESET => "ECONNRESET",
        libc::ECONNREFUSED => "ECONNREFUSED",
        libc::ENXIO => "ENXIO",
        _ => return format!("errno {e}"),
    };
    name.to_string()
}

/// Throw "`what`: ENAME" with the calling thread's errno.
fn throw_errno(env: napi_env, what: &str) -> napi_value {
    let e = std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO);
    napi::throw(env, &format!("{what}: {}", errno_name(e)))
}

fn string_arg(a: &Args, i: usize) -> Option<Vec<u8>> {
    let mut buf = [0u8; PATH_BUF];
    let s = a.cstr(i, &mut buf)?;
    Some(s[..s.len() - 1].to_vec())
}

/// spawnHolder(stdin, stdout, stderr, socketPath, token) -> pid: fork a pid holder (see holder.rs).
pub unsafe extern "C" fn spawn_holder(env: napi_env, info: napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    let path = match string_arg(&a, 3) {
        Some(p) => p,
        None => return napi::throw(env, "spawnHolder: socketPath must be a string"),
    };
    let token = match string_arg(&a, 4) {
        Some(t) => t,
        None => return napi::throw(env, "spawnHolder: token must be a string"),
    };
    let spec = match HolderSpec::new([a.i32(0), a.i32(1), a.i32(2)], &path, &token) {
        Ok(s) => s,
        Err(e) => return napi::throw(env, &format!("spawnHolder: {e}")),
    };
    let pid = libc::fork();
    if pid < 0 {
        return throw_errno(env, "spawnHolder: fork");
    }
    if pid == 0 {
        holder_main(&spec);
    }
    napi::int(env, pid)
}

/// pidfdGetfd(pid, fd) -> a close-on-exec duplicate of fd `fd` of process `pid`.
pub unsafe extern "C" fn pidfd_getfd(env: napi_env, info: napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    let (pid, fd) = (a.i32(0), a.i32(1));
    let what = format!("pidfd_getfd({pid}, {fd})");
    let pidfd = libc::syscall(SYS_PIDFD_OPEN, pid, 0);
    if pidfd < 0 {
        return throw_errno(env, &what);
    }
    // pidfd_getfd always sets FD_CLOEXEC on the new fd.
    let got = libc::syscall(SYS_PIDFD_GETFD, pidfd, fd, 0);
    if got < 0 {
        let err = throw_errno(env, &what);
        libc::close(pidfd as i32);
        return err;
    }
    libc::close(pidfd as i32);
    napi::int(env, got as i32)
}

/// openPty() -> { master, slave, path }: a host pty pair, both ends close-on-exec.
pub unsafe extern "C" fn open_pty(env: napi_env, _info: napi_callback_info) -> napi_value {
    let flags = libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC;
    let master = libc::open(b"/dev/ptmx\0".as_ptr() as *const c_char, flags);
    if master < 0 {
        return throw_errno(env, "openPty: open /dev/ptmx");
    }
    let fail = |what: &str| {
        let err = throw_errno(env, what);
        libc::close(master);
        err
    };
    let unlock: libc::c_int = 0;
    if libc::ioctl(master, libc::TIOCSPTLCK, &unlock) < 0 {
        return fail("openPty: TIOCSPTLCK");
    }
    let mut n: libc::c_uint = 0;
    if libc::ioctl(master, libc::TIOCGPTN, &mut n) < 0 {
        return fail("openPty: TIOCGPTN");
    }
    let path = format!("/dev/pts/{n}");
    let cpath = format!("{path}\0");
    let slave = libc::open(cpath.as_ptr() as *const c_char, flags);
    if slave < 0 {
        return fail(&format!("openPty: open {path}"));
    }
    let o = Object::new(env);
    o.int(b"master\0", master).int(b"slave\0", slave).string(b"path\0", &path);
    o.value
}

/// sendFd(socketPath, fd, name): connect to a Unix stream socket and send `name` with `fd`
/// attached (SCM_RIGHTS), as runc does for --console-socket.
pub unsafe extern "C" fn send_fd(env: napi_env, info: napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    let path = match string_arg(&a, 0) {
        Some(p) => p,
        None => return napi::throw(env, "sendFd: socketPath must be a string"),
    };
    let fd = a.i32(1);
    let name = match string_arg(&a, 2) {
        Some(n) if !n.is_empty() => n,
        _ => return napi::throw(env, "sendFd: name must be a non-empty string"),
    };
    let what = format!("sendFd({})", String::from_utf8_lossy(&path));
    let mut addr: libc::sockaddr_un = std::mem::zeroed();
    addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
    if path.is_empty() || path.len() >= addr.sun_path.len() {
        return napi::throw(env, &format!("{what}: ENAMETOOLONG"));
    }
    for (d, &s) in addr.sun_path.iter_mut().zip(&path) {
        *d = s as c_char;
    }
    let sock = libc::socket(libc::AF_UNIX, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
    if sock < 0 {
        return throw_errno(env, &what);
    }
    let fail = || {
        let err = throw_errno(env, &what);
        libc::close(sock);
        err
    };
    let addr_len = (std::mem::size_of::<libc::sa_family_t>() + path.len() + 1) as libc::socklen_t;
    if libc::connect(sock, &addr as *const _ as *const libc::sockaddr, addr_len) < 0 {
        return fail();
    }
    let mut iov = libc::iovec { iov_base: name.as_ptr() as *mut libc::c_void, iov_len: name.len() };
    let space = libc::CMSG_SPACE(std::mem::size_of::<i32>() as u32) as usize;
    let mut control = vec![0u64; (space + 7) / 8]; // u64 for cmsghdr alignment
    let mut msg: libc::msghdr = std::mem::zeroed();
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr() as *mut libc::c_void;
    msg.msg_controllen = space;
    let cmsg = libc::CMSG_FIRSTHDR(&msg);
    (*cmsg).cmsg_level = libc::SOL_SOCKET;
    (*cmsg).cmsg_type = libc::SCM_RIGHTS;
    (*cmsg).cmsg_len = libc::CMSG_LEN(std::mem::size_of::<i32>() as u32) as usize;
    ptr::write_unaligned(libc::CMSG_DATA(cmsg) as *mut i32, fd);
    if libc::sendmsg(sock, &msg, libc::MSG_NOSIGNAL) < 0 {
        return fail();
    }
    libc::close(sock);
    napi::undefined(env)
}

/// reapChild(pid) -> null while it runs, else { exited, code, signal }.
pub unsafe extern "C" fn reap_child(env: napi_env, info: napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    let pid = a.i32(0);
    let mut st = 0;
    let r = loop {
        let r = libc::waitpid(pid, &mut st, libc::WNOHANG);
        if r >= 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            break r;
        }
    };
    if r < 0 {
        return throw_errno(env, &format!("waitpid({pid})"));
    }
    if r == 0 {
        let mut null = ptr::null_mut();
        napi_get_null(env, &mut null);
        return null;
    }
    let exited = libc::WIFEXITED(st);
    let o = Object::new(env);
    o.boolean(b"exited\0", exited)
        .int(b"code\0", if exited { libc::WEXITSTATUS(st) } else { 0 })
        .int(b"signal\0", if libc::WIFSIGNALED(st) { libc::WTERMSIG(st) } else { 0 });
    o.value
}

/// setChildSubreaper(): orphaned descendants of this process are re-parented to it.
pub unsafe extern "C" fn set_child_subreaper(env: napi_env, _info: napi_callback_info) -> napi_value {
    if libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0 {
        return throw_errno(env, "prctl(PR_SET_CHILD_SUBREAPER)");
    }
    napi::undefined(env)
}

/// This module's functions, as the addon exports them.
pub const FUNCTIONS: [(&str, napi::napi_callback); 6] = [
    ("spawnHolder", spawn_holder),
    ("pidfdGetfd", pidfd_getfd),
    ("openPty", open_pty),
    ("sendFd", send_fd),
    ("reapChild", reap_child),
    ("setChildSubreaper", set_child_subreaper),
];
