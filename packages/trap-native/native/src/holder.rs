//! The pid holder: a small host process that stands for a guest process to runc's clients.
//!
//! podman and containerd wait on the pid a runtime reports and send it signals. A guest's own host
//! process cannot play that part (it is traced by the sandbox and its exit is the kernel's to
//! report), so the caller of create/exec forks a holder instead. The holder talks to the sandbox
//! over a Unix socket, one text line per message:
//!
//! - holder → sandbox: `hello <pid> <token>` once, then `signal <signo>` for each signal it receives;
//! - sandbox → holder: `exit <code>` (exit with that code) or `kill <signo>` (die of that signal).
//!
//! When the socket ends (the sandbox died) the holder dies of SIGKILL.
//!
//! Everything after the fork runs in a copy of a multi-threaded Node process, so the child uses raw
//! syscalls only and never allocates: every string is prepared before forking.
use crate::sys::{raw, raw6};

const SYS_CLOSE_RANGE: i64 = 436;
/// Any setup failure in the child (stdio, socket, connect, hello): what runc's clients see as
/// "the runtime could not start the process".
pub const SETUP_FAILED: i64 = 125;
/// Longest token accepted; it only has to identify one holder to one sandbox.
pub const MAX_TOKEN: usize = 256;

/// What the child needs, all prepared before the fork.
pub struct HolderSpec {
    pub stdio: [i32; 3],
    pub addr: libc::sockaddr_un,
    pub addr_len: u32,
    /// `<token>\n`: the tail of the hello line after the pid.
    pub hello_tail: Vec<u8>,
}

impl HolderSpec {
    pub fn new(stdio: [i32; 3], socket_path: &[u8], token: &[u8]) -> Result<HolderSpec, String> {
        let mut addr: libc::sockaddr_un = unsafe { std::mem::zeroed() };
        addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
        if socket_path.is_empty() || socket_path.len() >= addr.sun_path.len() {
            return Err(format!("socket path must be 1 to {} bytes", addr.sun_path.len() - 1));
        }
        if token.len() > MAX_TOKEN || token.iter().any(|&b| b == b'\n' || b == b' ' || b == 0) {
            return Err(format!("token must be at most {MAX_TOKEN} bytes without spaces or newlines"));
        }
        for (d, &s) in addr.sun_path.iter_mut().zip(socket_path) {
            *d = s as libc::c_char;
        }
        let addr_len = (std::mem::size_of::<libc::sa_family_t>() + socket_path.len() + 1) as u32;
        let mut hello_tail = token.to_vec();
        hello_tail.push(b'\n');
        Ok(HolderSpec { stdio, addr, addr_len, hello_tail })
    }
}

fn exit(code: i64) -> ! {
    unsafe { raw(libc::SYS_exit_group, code & 0xff, 0, 0) };
    #[allow(clippy::empty_loop)]
    loop {}
}

fn sigset_of(signo: i32) -> u64 {
    1u64 << (signo - 1)
}

fn set_mask(how: i32, set: u64) {
    unsafe { raw6(libc::SYS_rt_sigprocmask, how as i64, &set as *const u64 as i64, 0, 8, 0, 0) };
}

fn set_default(signo: i32) {
    let dfl: [u64; 4] = [0; 4]; // struct kernel_sigaction with SIG_DFL
    unsafe { raw6(libc::SYS_rt_sigaction, signo as i64, dfl.as_ptr() as i64, 0, 8, 0, 0) };
}

/// True for the signals whose default action is to ignore or to stop: dying of them is impossible.
fn cannot_die_of(signo: i32) -> bool {
    matches!(
        signo,
        libc::SIGCHLD | libc::SIGCONT | libc::SIGURG | libc::SIGWINCH
            | libc::SIGSTOP | libc::SIGTSTP | libc::SIGTTIN | libc::SIGTTOU
    )
}

/// End the holder the way its guest ended: of signal `signo`, or with 128+signo when that signal
/// cannot end a process by default.
fn die_of(signo: i32) -> ! {
    if !(1..=64).contains(&signo) {
        exit(128 + signo as i64);
    }
    if cannot_die_of(signo) {
        exit(128 + signo as i64);
    }
    set_default(signo);
    unsafe {
        let pid = raw(libc::SYS_getpid, 0, 0, 0);
        raw(libc::SYS_kill, pid, signo as i64, 0);
    }
    // Pending now; unblocking delivers it.
    set_mask(libc::SIG_UNBLOCK, sigset_of(signo));
    exit(128 + signo as i64)
}

/// Send all of `buf`, or report failure (the sandbox is gone).
fn send_all(sock: i64, mut buf: &[u8]) -> bool {
    while !buf.is_empty() {
        let n = unsafe { raw6(libc::SYS_sendto, sock, buf.as_ptr() as i64, buf.len() as i64, libc::MSG_NOSIGNAL as i64, 0, 0) };
        if n == -(libc::EINTR as i64) {
            continue;
        }
        if n <= 0 {
            return false;
        }
        buf = &buf[n as usize..];
    }
    true
}

/// Append the decimal digits of `n` (>= 0) to `out` at `len`; returns the new length.
fn put_decimal(out: &mut [u8], mut len: usize, n: i64) -> usize {
    let mut digits = [0u8; 20];
    let mut count = 0;
    let mut v = n.max(0) as u64;
    loop {
        digits[count] = b'0' + (v % 10) as u8;
        count += 1;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    while count > 0 && len < out.len() {
        count -= 1;
        out[len] = digits[count];
        len += 1;
    }
    len
}

fn put_bytes(out: &mut [u8], mut len: usize, bytes: &[u8]) -> usize {
    for &b in bytes {
        if len == out.len() {
            break;
        }
        out[len] = b;
        len += 1;
    }
    len
}

/// Parse `<word> <decimal>` from one line.
fn parse_command(line: &[u8]) -> Option<(&[u8], i64)> {
    let space = line.iter().position(|&b| b == b' ')?;
    let (word, digits) = (&line[..space], &line[space + 1..]);
    if digits.is_empty() || digits.len() > 9 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some((word, digits.iter().fold(0i64, |v, &d| v * 10 + (d - b'0') as i64)))
}

/// Act on one line from the sandbox; unknown lines are ignored so the protocol can grow.
fn obey(line: &[u8]) {
    match parse_command(line) {
        Some((b"exit", code)) => exit(code),
        Some((b"kill", signo)) => die_of(signo as i32),
        _ => {}
    }
}

/// The forked child. Never returns.
///
/// # Safety
/// Call only in a freshly forked child; `spec` must have been built before the fork.
pub unsafe fn holder_main(spec: &HolderSpec) -> ! {
    // Block everything first so that no signal can end the holder while it sets up; what arrives
    // now stays pending and is forwarded once the signalfd exists.
    set_mask(libc::SIG_SETMASK, !0u64);
    for sig in 1..=64 {
        if sig != libc::SIGKILL && sig != libc::SIGSTOP {
            set_default(sig);
        }
    }
    // Copy the stdio fds above 2 before placing them, so none is overwritten by another's dup2.
    let mut copies = [0i64; 3];
    for (copy, &fd) in copies.iter_mut().zip(&spec.stdio) {
        *copy = raw(libc::SYS_fcntl, fd as i64, libc::F_DUPFD as i64, 3);
        if *copy < 0 {
            exit(SETUP_FAILED);
        }
    }
    for (target, &copy) in copies.iter().enumerate() {
        if raw(libc::SYS_dup2, copy, target as i64, 0) < 0 {
            exit(SETUP_FAILED);
        }
    }
    raw(SYS_CLOSE_RANGE, 3, u32::MAX as i64, 0);
    let no_core = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    raw6(libc::SYS_prlimit64, 0, libc::RLIMIT_CORE as i64, &no_core as *const _ as i64, 0, 0, 0);

    let sock = raw(libc::SYS_socket, libc::AF_UNIX as i64, (libc::SOCK_STREAM | libc::SOCK_CLOEXEC) as i64, 0);
    if sock < 0 {
        exit(SETUP_FAILED);
    }
    let mut r = raw(libc::SYS_connect, sock, &spec.addr as *const _ as i64, spec.addr_len as i64);
    while r == -(libc::EINTR as i64) {
        r = raw(libc::SYS_connect, sock, &spec.addr as *const _ as i64, spec.addr_len as i64);
    }
    if r < 0 {
        exit(SETUP_FAILED);
    }
    // Hold no directory busy (the caller's cwd may be a bundle on a mount), and be findable in ps.
    raw(libc::SYS_chdir, b"/\0".as_ptr() as i64, 0, 0);
    raw(libc::SYS_prctl, libc::PR_SET_NAME as i64, b"rvisor-holder\0".as_ptr() as i64, 0);
    let mut hello = [0u8; MAX_TOKEN + 40];
    let mut len = put_bytes(&mut hello, 0, b"hello ");
    len = put_decimal(&mut hello, len, raw(libc::SYS_getpid, 0, 0, 0));
    len = put_bytes(&mut hello, len, b" ");
    len = put_bytes(&mut hello, len, &spec.hello_tail);
    if !send_all(sock, &hello[..len]) {
        exit(SETUP_FAILED);
    }
    let sfd = raw6(libc::SYS_signalfd4, -1, &!0u64 as *const u64 as i64, 8, libc::SFD_CLOEXEC as i64, 0, 0);
    if sfd < 0 {
        exit(SETUP_FAILED);
    }
    serve(sock, sfd)
}

/// Forward signals and obey commands until told to end or the socket ends.
unsafe fn serve(sock: i64, sfd: i64) -> ! {
    let mut line = [0u8; 128];
    let mut line_len = 0usize;
    let mut infos = [0u8; 128 * 16]; // struct signalfd_siginfo is 128 bytes, ssi_signo first
    loop {
        let mut fds = [
            libc::pollfd { fd: sock as i32, events: libc::POLLIN, revents: 0 },
            libc::pollfd { fd: sfd as i32, events: libc::POLLIN, revents: 0 },
        ];
        let n = raw6(libc::SYS_ppoll, fds.as_mut_ptr() as i64, 2, 0, 0, 8, 0);
        if n < 0 {
            continue; // EINTR from a stop and continue
        }
        if fds[1].revents & libc::POLLIN != 0 {
            let got = raw(libc::SYS_read, sfd, infos.as_mut_ptr() as i64, infos.len() as i64);
            let mut off = 0usize;
            while got > 0 && off + 128 <= got as usize {
                let signo = u32::from_ne_bytes([infos[off], infos[off + 1], infos[off + 2], infos[off + 3]]);
                off += 128;
                if signo as i32 == libc::SIGCHLD {
                    continue;
                }
                let mut msg = [0u8; 24];
                let mut len = put_bytes(&mut msg, 0, b"signal ");
                len = put_decimal(&mut msg, len, signo as i64);
                len = put_bytes(&mut msg, len, b"\n");
                if !send_all(sock, &msg[..len]) {
                    die_of(libc::SIGKILL);
                }
            }
        }
        if fds[0].revents != 0 {
            let got = raw(libc::SYS_read, sock, line.as_mut_ptr().add(line_len) as i64, (line.len() - line_len) as i64);
            if got == -(libc::EINTR as i64) || got == -(libc::EAGAIN as i64) {
                continue;
            }
            if got <= 0 {
                die_of(libc::SIGKILL);
            }
            line_len += got as usize;
            let mut start = 0usize;
            while let Some(nl) = line[start..line_len].iter().position(|&b| b == b'\n') {
                obey(&line[start..start + nl]);
                start += nl + 1;
            }
            if start == 0 && line_len == line.len() {
                line_len = 0; // a line too long to be ours: drop it
            } else {
                line.copy_within(start..line_len, 0);
                line_len -= start;
            }
        }
    }
}
