//! Host file operations for hostfs: fd-relative only, each returning a result or -errno.
use crate::napi::{self, napi_env, napi_value, Args};
use crate::sys::check;

const PATH_BUF: usize = 4097;

macro_rules! ret {
    ($env:expr, $v:expr) => {
        napi::num($env, $v as f64)
    };
}

fn with_path(a: &Args, i: usize, f: impl FnOnce(*const libc::c_char) -> i64) -> i64 {
    let mut buf = [0u8; PATH_BUF];
    match a.cstr(i, &mut buf) {
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
