//! Host file operations for hostfs: fd-relative only, each returning a result or -errno.
use crate::napi::{self, napi_env, napi_value, Args};
use crate::sys::check;
use std::io::Write;

/// PATH_MAX and its NUL, and one byte more to tell a string that fits from one `byte_cstr` cut.
const PATH_BUF: usize = 4098;

macro_rules! ret {
    ($env:expr, $v:expr) => {
        napi::num($env, $v as f64)
    };
}

fn with_path(a: &Args, i: usize, f: impl FnOnce(*const libc::c_char) -> i64) -> i64 {
    let mut buf = [0u8; PATH_BUF];
    match a.byte_cstr(i, &mut buf) {
        Some(p) => f(p.as_ptr() as *const libc::c_char),
        None => -(libc::ENAMETOOLONG as i64),
    }
}

fn buf(a: &Args, i: usize) -> Result<&'static mut [u8], i64> {
    a.bytes(i).ok_or(-(libc::EFAULT as i64))
}

pub unsafe extern "C" fn openat(env: napi_env, info: napi::napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    let (dirfd, flags, mode) = (a.i32(0), a.i32(2), a.i32(3));
    let r = with_path(&a, 1, |p| check(libc::openat(dirfd, p, flags, mode as libc::c_uint) as i64));
    ret!(env, r)
}

pub unsafe extern "C" fn close(env: napi_env, info: napi::napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    ret!(env, check(libc::close(a.i32(0)) as i64))
}

pub unsafe extern "C" fn fstatat(env: napi_env, info: napi::napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    let (dirfd, flags) = (a.i32(0), a.i32(2));
    let r = match buf(&a, 3) {
        Ok(b) if b.len() >= std::mem::size_of::<libc::stat>() => {
            with_path(&a, 1, |p| check(libc::fstatat(dirfd, p, b.as_mut_ptr() as *mut libc::stat, flags) as i64))
        }
        Ok(_) => -(libc::EINVAL as i64),
        Err(e) => e,
    };
    ret!(env, r)
}

pub unsafe extern "C" fn getdents64(env: napi_env, info: napi::napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    let r = match buf(&a, 1) {
        Ok(b) => check(libc::syscall(libc::SYS_getdents64, a.i32(0), b.as_mut_ptr(), b.len())),
        Err(e) => e,
    };
    ret!(env, r)
}

pub unsafe extern "C" fn readlinkat(env: napi_env, info: napi::napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    let dirfd = a.i32(0);
    let r = match buf(&a, 2) {
        Ok(b) => with_path(&a, 1, |p| check(libc::readlinkat(dirfd, p, b.as_mut_ptr() as *mut libc::c_char, b.len()) as i64)),
        Err(e) => e,
    };
    ret!(env, r)
}

pub unsafe extern "C" fn read(env: napi_env, info: napi::napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    let r = match buf(&a, 1) {
        Ok(b) => check(libc::read(a.i32(0), b.as_mut_ptr() as *mut libc::c_void, b.len()) as i64),
        Err(e) => e,
    };
    ret!(env, r)
}

pub unsafe extern "C" fn write(env: napi_env, info: napi::napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    let r = match buf(&a, 1) {
        Ok(b) => check(libc::write(a.i32(0), b.as_ptr() as *const libc::c_void, b.len()) as i64),
        Err(e) => e,
    };
    ret!(env, r)
}

pub unsafe extern "C" fn pread(env: napi_env, info: napi::napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    let r = match buf(&a, 1) {
        Ok(b) => check(libc::pread(a.i32(0), b.as_mut_ptr() as *mut libc::c_void, b.len(), a.i64(2)) as i64),
        Err(e) => e,
    };
    ret!(env, r)
}

pub unsafe extern "C" fn pwrite(env: napi_env, info: napi::napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    let r = match buf(&a, 1) {
        Ok(b) => check(libc::pwrite(a.i32(0), b.as_ptr() as *const libc::c_void, b.len(), a.i64(2)) as i64),
        Err(e) => e,
    };
    ret!(env, r)
}

pub unsafe extern "C" fn lseek(env: napi_env, info: napi::napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    ret!(env, check(libc::lseek(a.i32(0), a.i64(1), a.i32(2))))
}

pub unsafe extern "C" fn poll_now(env: napi_env, info: napi::napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    let mut p = libc::pollfd { fd: a.i32(0), events: a.i32(1) as i16, revents: 0 };
    let r = check(libc::poll(&mut p, 1, 0) as i64);
    ret!(env, if r > 0 { p.revents as i64 } else { r })
}

pub unsafe extern "C" fn ioctl(env: napi_env, info: napi::napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    let r = match buf(&a, 2) {
        Ok(b) => check(libc::ioctl(a.i32(0), a.f64(1) as u64 as libc::c_ulong, b.as_mut_ptr()) as i64),
        Err(e) => e,
    };
    ret!(env, r)
}

/// Two paths at once (renameat2, linkat): both copied, or ENAMETOOLONG.
fn with_paths(a: &Args, i: usize, j: usize, f: impl FnOnce(*const libc::c_char, *const libc::c_char) -> i64) -> i64 {
    with_path(a, i, |p| with_path(a, j, |q| f(p, q)))
}

pub unsafe extern "C" fn mkdirat(env: napi_env, info: napi::napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    let (dirfd, mode) = (a.i32(0), a.i32(2));
    ret!(env, with_path(&a, 1, |p| check(libc::mkdirat(dirfd, p, mode as libc::mode_t) as i64)))
}

pub unsafe extern "C" fn mknodat(env: napi_env, info: napi::napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    let (dirfd, mode, dev) = (a.i32(0), a.i32(2), a.i32(3));
    ret!(env, with_path(&a, 1, |p| check(libc::mknodat(dirfd, p, mode as libc::mode_t, dev as libc::dev_t) as i64)))
}

pub unsafe extern "C" fn unlinkat(env: napi_env, info: napi::napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    let (dirfd, flags) = (a.i32(0), a.i32(2));
    ret!(env, with_path(&a, 1, |p| check(libc::unlinkat(dirfd, p, flags) as i64)))
}

pub unsafe extern "C" fn renameat2(env: napi_env, info: napi::napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    let (olddir, newdir, flags) = (a.i32(0), a.i32(2), a.i32(4));
    let r = with_paths(&a, 1, 3, |p, q| {
        check(libc::syscall(libc::SYS_renameat2, olddir, p, newdir, q, flags as libc::c_uint))
    });
    ret!(env, r)
}

pub unsafe extern "C" fn symlinkat(env: napi_env, info: napi::napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    let newdir = a.i32(1);
    ret!(env, with_paths(&a, 0, 2, |target, p| check(libc::symlinkat(target, newdir, p) as i64)))
}

pub unsafe extern "C" fn linkat(env: napi_env, info: napi::napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    let (olddir, newdir, flags) = (a.i32(0), a.i32(2), a.i32(4));
    ret!(env, with_paths(&a, 1, 3, |p, q| check(libc::linkat(olddir, p, newdir, q, flags) as i64)))
}

/// fchmodat2(2), which honours AT_SYMLINK_NOFOLLOW (libc's fchmodat wrapper may not).
pub unsafe extern "C" fn fchmodat(env: napi_env, info: napi::napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    let (dirfd, mode, flags) = (a.i32(0), a.i32(2), a.i32(3));
    const SYS_FCHMODAT2: libc::c_long = 452;
    ret!(env, with_path(&a, 1, |p| check(libc::syscall(SYS_FCHMODAT2, dirfd, p, mode as libc::mode_t, flags))))
}

pub unsafe extern "C" fn fchmod(env: napi_env, info: napi::napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    ret!(env, check(libc::fchmod(a.i32(0), a.i32(1) as libc::mode_t) as i64))
}

/// fchownat(dirfd, path, uid, gid, flags); -1 leaves an id unchanged.
pub unsafe extern "C" fn fchownat(env: napi_env, info: napi::napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    let (dirfd, uid, gid, flags) = (a.i32(0), a.i32(2), a.i32(3), a.i32(4));
    ret!(env, with_path(&a, 1, |p| check(libc::fchownat(dirfd, p, uid as libc::uid_t, gid as libc::gid_t, flags) as i64)))
}

pub unsafe extern "C" fn ftruncate(env: napi_env, info: napi::napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    ret!(env, check(libc::ftruncate(a.i32(0), a.i64(1)) as i64))
}

pub unsafe extern "C" fn fallocate(env: napi_env, info: napi::napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    ret!(env, check(libc::fallocate(a.i32(0), a.i32(1), a.i64(2), a.i64(3)) as i64))
}

/// utimensat(dirfd, path, times, flags): `times` holds (atime sec, nsec, mtime sec, nsec) as
/// four int64 (a BigInt64Array or 32 bytes), or is null for "now".
pub unsafe extern "C" fn utimensat(env: napi_env, info: napi::napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    let (dirfd, flags) = (a.i32(0), a.i32(3));
    let mut ts = [libc::timespec { tv_sec: 0, tv_nsec: 0 }; 2];
    let times: *const libc::timespec = if a.is_nullish(2) {
        std::ptr::null()
    } else {
        match buf(&a, 2) {
            Ok(b) if b.len() >= 32 => {
                let word = |k: usize| i64::from_ne_bytes(b[k * 8..k * 8 + 8].try_into().unwrap());
                ts[0] = libc::timespec { tv_sec: word(0), tv_nsec: word(1) };
                ts[1] = libc::timespec { tv_sec: word(2), tv_nsec: word(3) };
                ts.as_ptr()
            }
            Ok(_) => return ret!(env, -(libc::EINVAL as i64)),
            Err(e) => return ret!(env, e),
        }
    };
    ret!(env, with_path(&a, 1, |p| check(libc::utimensat(dirfd, p, times, flags) as i64)))
}

pub unsafe extern "C" fn fsync(env: napi_env, info: napi::napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    ret!(env, check(libc::fsync(a.i32(0)) as i64))
}

pub unsafe extern "C" fn fdatasync(env: napi_env, info: napi::napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    ret!(env, check(libc::fdatasync(a.i32(0)) as i64))
}

pub unsafe extern "C" fn syncfs(env: napi_env, info: napi::napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    ret!(env, check(libc::syncfs(a.i32(0)) as i64))
}

/// fstatfs(fd, buf): Linux's x86-64 `struct statfs` (120 bytes) into `buf`.
pub unsafe extern "C" fn fstatfs(env: napi_env, info: napi::napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    let r = match buf(&a, 1) {
        Ok(b) if b.len() >= std::mem::size_of::<libc::statfs>() => {
            check(libc::fstatfs(a.i32(0), b.as_mut_ptr() as *mut libc::statfs) as i64)
        }
        Ok(_) => -(libc::EINVAL as i64),
        Err(e) => e,
    };
    ret!(env, r)
}

/*
 * Extended attributes of the file `name` in directory `dirfd` (the directory itself for ""), never
 * following a symlink `name` names. Linux before 6.13 has no fd-relative xattr call, so the file is
 * reached through the directory's fd in /proc/self/fd: the walk starts at that directory, and
 * `name` must be one component, which cannot leave it.
 */

/// "/proc/self/fd/DIRFD[/NAME]" with its NUL into `out`, and whether `name` is empty (the
/// directory itself, reached by following its fd's magic link); None for a `name` that is not
/// one plain component.
fn xattr_target<'a>(dirfd: i32, a: &Args, i: usize, out: &'a mut [u8; PATH_BUF]) -> Option<(&'a [u8], bool)> {
    let mut name = [0u8; 257];
    let name = a.byte_cstr(i, &mut name)?;
    let name = &name[..name.len() - 1];
    if name.contains(&b'/') || name == b"." || name == b".." {
        return None;
    }
    let mut len = {
        let mut c = std::io::Cursor::new(&mut out[..]);
        write!(c, "/proc/self/fd/{}", dirfd).ok()?;
        c.position() as usize
    };
    if !name.is_empty() {
        out[len] = b'/';
        out[len + 1..len + 1 + name.len()].copy_from_slice(name);
        len += 1 + name.len();
    }
    out[len] = 0;
    Some((&out[..len + 1], name.is_empty()))
}

/// An xattr name argument as a C string in `out`; None if it does not fit (the caller checked 255).
fn xattr_name<'a>(a: &Args, i: usize, out: &'a mut [u8; 258]) -> Option<*const libc::c_char> {
    a.byte_cstr(i, out).map(|s| s.as_ptr() as *const libc::c_char)
}

/// getxattrat(dirfd, name, attr, buf): the value's length (with an empty `buf`, its size) or -errno.
pub unsafe extern "C" fn getxattrat(env: napi_env, info: napi::napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    let (mut path, mut attr) = ([0u8; PATH_BUF], [0u8; 258]);
    let r = match (xattr_target(a.i32(0), &a, 1, &mut path), xattr_name(&a, 2, &mut attr), buf(&a, 3)) {
        (Some((p, dir)), Some(n), Ok(b)) => {
            let (p, v, len) = (p.as_ptr() as *const libc::c_char, b.as_mut_ptr() as *mut libc::c_void, b.len());
            check(if dir { libc::getxattr(p, n, v, len) } else { libc::lgetxattr(p, n, v, len) } as i64)
        }
        (_, _, Err(e)) => e,
        _ => -(libc::EINVAL as i64),
    };
    ret!(env, r)
}

/// setxattrat(dirfd, name, attr, value, flags) (XATTR_CREATE, XATTR_REPLACE): 0 or -errno.
pub unsafe extern "C" fn setxattrat(env: napi_env, info: napi::napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    let (mut path, mut attr) = ([0u8; PATH_BUF], [0u8; 258]);
    let flags = a.i32(4);
    let r = match (xattr_target(a.i32(0), &a, 1, &mut path), xattr_name(&a, 2, &mut attr), buf(&a, 3)) {
        (Some((p, dir)), Some(n), Ok(b)) => {
            let (p, v, len) = (p.as_ptr() as *const libc::c_char, b.as_ptr() as *const libc::c_void, b.len());
            check(if dir { libc::setxattr(p, n, v, len, flags) } else { libc::lsetxattr(p, n, v, len, flags) } as i64)
        }
        (_, _, Err(e)) => e,
        _ => -(libc::EINVAL as i64),
    };
    ret!(env, r)
}

/// listxattrat(dirfd, name, buf): the names' length (with an empty `buf`, their size) or -errno.
pub unsafe extern "C" fn listxattrat(env: napi_env, info: napi::napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    let mut path = [0u8; PATH_BUF];
    let r = match (xattr_target(a.i32(0), &a, 1, &mut path), buf(&a, 2)) {
        (Some((p, dir)), Ok(b)) => {
            let (p, v, len) = (p.as_ptr() as *const libc::c_char, b.as_mut_ptr() as *mut libc::c_char, b.len());
            check(if dir { libc::listxattr(p, v, len) } else { libc::llistxattr(p, v, len) } as i64)
        }
        (_, Err(e)) => e,
        _ => -(libc::EINVAL as i64),
    };
    ret!(env, r)
}

/// removexattrat(dirfd, name, attr): 0 or -errno.
pub unsafe extern "C" fn removexattrat(env: napi_env, info: napi::napi_callback_info) -> napi_value {
    let a = Args::get(env, info);
    let (mut path, mut attr) = ([0u8; PATH_BUF], [0u8; 258]);
    let r = match (xattr_target(a.i32(0), &a, 1, &mut path), xattr_name(&a, 2, &mut attr)) {
        (Some((p, dir)), Some(n)) => {
            let p = p.as_ptr() as *const libc::c_char;
            check(if dir { libc::removexattr(p, n) } else { libc::lremovexattr(p, n) } as i64)
        }
        _ => -(libc::EINVAL as i64),
    };
    ret!(env, r)
}
