//! The few N-API functions this addon uses, declared by hand (no napi crates are available
//! offline). The symbols resolve against the node binary when the addon is loaded.
#![allow(non_camel_case_types)]

use libc::{c_char, c_void};
use std::ptr;

pub type napi_env = *mut c_void;
pub type napi_value = *mut c_void;
pub type napi_callback_info = *mut c_void;
pub type napi_status = i32;
pub type napi_callback = unsafe extern "C" fn(napi_env, napi_callback_info) -> napi_value;
pub type napi_finalize = unsafe extern "C" fn(napi_env, *mut c_void, *mut c_void);

pub const NAPI_OK: napi_status = 0;
const NAPI_UNDEFINED: i32 = 0;
const NAPI_NULL: i32 = 1;

extern "C" {
    fn napi_create_function(
        env: napi_env,
        name: *const c_char,
        len: usize,
        cb: napi_callback,
        data: *mut c_void,
        result: *mut napi_value,
    ) -> napi_status;
    fn napi_set_named_property(
        env: napi_env,
        object: napi_value,
        name: *const c_char,
        value: napi_value,
    ) -> napi_status;
    fn napi_get_cb_info(
        env: napi_env,
        info: napi_callback_info,
        argc: *mut usize,
        argv: *mut napi_value,
        this_arg: *mut napi_value,
        data: *mut *mut c_void,
    ) -> napi_status;
    fn napi_get_value_int32(env: napi_env, value: napi_value, result: *mut i32) -> napi_status;
    fn napi_get_value_double(env: napi_env, value: napi_value, result: *mut f64) -> napi_status;
    fn napi_create_int32(env: napi_env, value: i32, result: *mut napi_value) -> napi_status;
    fn napi_create_double(env: napi_env, value: f64, result: *mut napi_value) -> napi_status;
    fn napi_create_bigint_int64(env: napi_env, value: i64, result: *mut napi_value) -> napi_status;
    fn napi_get_value_string_utf8(
        env: napi_env,
        value: napi_value,
        buf: *mut c_char,
        bufsize: usize,
        result: *mut usize,
    ) -> napi_status;
    fn napi_get_value_string_latin1(
        env: napi_env,
        value: napi_value,
        buf: *mut c_char,
        bufsize: usize,
        result: *mut usize,
    ) -> napi_status;
    fn napi_get_typedarray_info(
        env: napi_env,
        value: napi_value,
        kind: *mut i32,
        length: *mut usize,
        data: *mut *mut c_void,
        arraybuffer: *mut napi_value,
        byte_offset: *mut usize,
    ) -> napi_status;
    fn napi_create_external_arraybuffer(
        env: napi_env,
        data: *mut c_void,
        byte_length: usize,
        finalize_cb: Option<napi_finalize>,
        finalize_hint: *mut c_void,
        result: *mut napi_value,
    ) -> napi_status;
    fn napi_throw_error(env: napi_env, code: *const c_char, msg: *const c_char) -> napi_status;
    fn napi_get_undefined(env: napi_env, result: *mut napi_value) -> napi_status;
    fn napi_typeof(env: napi_env, value: napi_value, result: *mut i32) -> napi_status;
    fn napi_get_uv_event_loop(env: napi_env, result: *mut *mut c_void) -> napi_status;
}

/// The arguments of one call.
pub struct Args {
    pub env: napi_env,
    argv: [napi_value; 8],
    argc: usize,
}

impl Args {
    pub unsafe fn get(env: napi_env, info: napi_callback_info) -> Args {
        let mut argv = [ptr::null_mut(); 8];
        let mut argc = argv.len();
        napi_get_cb_info(env, info, &mut argc, argv.as_mut_ptr(), ptr::null_mut(), ptr::null_mut());
        Args { env, argv, argc }
    }

    fn value(&self, i: usize) -> napi_value {
        if i < self.argc { self.argv[i] } else { ptr::null_mut() }
    }

    pub fn i32(&self, i: usize) -> i32 {
        let mut out = 0;
        unsafe { napi_get_value_int32(self.env, self.value(i), &mut out) };
        out
    }

    /// A JS number as i64 (exact up to 2^53).
    pub fn i64(&self, i: usize) -> i64 {
        self.f64(i) as i64
    }

    pub fn f64(&self, i: usize) -> f64 {
        let mut out = 0.0;
        unsafe { napi_get_value_double(self.env, self.value(i), &mut out) };
        out
    }

    /// True when argument `i` is missing, undefined or null.
    pub fn is_nullish(&self, i: usize) -> bool {
        let v = self.value(i);
        if v.is_null() {
            return true;
        }
        let mut t = 0;
        unsafe { napi_typeof(self.env, v, &mut t) };
        t == NAPI_UNDEFINED || t == NAPI_NULL
    }

    /// The bytes of a typed array argument (adjusted for its byte offset).
    pub fn bytes(&self, i: usize) -> Option<&'static mut [u8]> {
        let mut kind = 0;
        let mut len = 0usize;
        let mut data: *mut c_void = ptr::null_mut();
        let mut ab: napi_value = ptr::null_mut();
        let mut off = 0usize;
        let st = unsafe {
            napi_get_typedarray_info(self.env, self.value(i), &mut kind, &mut len, &mut data, &mut ab, &mut off)
        };
        if st != NAPI_OK {
            return None;
        }
        let elem = match kind {
            0 | 1 | 2 => 1,      // int8, uint8, uint8 clamped
            3 | 4 => 2,          // int16, uint16
            5 | 6 | 7 => 4,      // int32, uint32, float32
            8 | 9 | 10 => 8,     // float64, bigint64, biguint64
            _ => 1,
        };
        if len == 0 {
            return Some(&mut []);
        }
        Some(unsafe { std::slice::from_raw_parts_mut(data as *mut u8, len * elem) })
    }

    /// A string argument copied into `buf` with a trailing NUL; None if too long or not a string.
    pub fn cstr<'a>(&self, i: usize, buf: &'a mut [u8]) -> Option<&'a [u8]> {
        let mut len = 0usize;
        let st = unsafe {
            napi_get_value_string_utf8(self.env, self.value(i), ptr::null_mut(), 0, &mut len)
        };
        if st != NAPI_OK || len + 1 > buf.len() {
            return None;
        }
        let mut written = 0usize;
        unsafe {
            napi_get_value_string_utf8(self.env, self.value(i), buf.as_mut_ptr() as *mut c_char, buf.len(), &mut written)
        };
        Some(&buf[..written + 1])
    }

    /// Argument `i`, a byte string (one char per byte: how the kernel holds guest names), as a
    /// NUL-terminated C string in `buf`; None if it is not a string or does not fit with its NUL.
    pub fn byte_cstr<'a>(&self, i: usize, buf: &'a mut [u8]) -> Option<&'a [u8]> {
        let mut written = 0usize;
        let st = unsafe {
            napi_get_value_string_latin1(self.env, self.value(i), buf.as_mut_ptr() as *mut c_char, buf.len(), &mut written)
        };
        // A string that filled the buffer may have been cut: only shorter ones are whole.
        if st != NAPI_OK || written + 1 >= buf.len() {
            return None;
        }
        Some(&buf[..written + 1])
    }
}

pub fn int(env: napi_env, v: i32) -> napi_value {
    let mut out = ptr::null_mut();
    unsafe { napi_create_int32(env, v, &mut out) };
    out
}

pub fn num(env: napi_env, v: f64) -> napi_value {
    let mut out = ptr::null_mut();
    unsafe { napi_create_double(env, v, &mut out) };
    out
}

pub fn bigint(env: napi_env, v: i64) -> napi_value {
    let mut out = ptr::null_mut();
    unsafe { napi_create_bigint_int64(env, v, &mut out) };
    out
}

pub fn undefined(env: napi_env) -> napi_value {
    let mut out = ptr::null_mut();
    unsafe { napi_get_undefined(env, &mut out) };
    out
}

pub fn throw(env: napi_env, msg: &str) -> napi_value {
    let mut m = msg.as_bytes().to_vec();
    m.push(0);
    unsafe { napi_throw_error(env, ptr::null(), m.as_ptr() as *const c_char) };
    undefined(env)
}

/// An ArrayBuffer over native memory that lives as long as the process (never finalized).
pub fn external_buffer(env: napi_env, data: *mut u8, len: usize) -> napi_value {
    let mut out = ptr::null_mut();
    let st = unsafe {
        napi_create_external_arraybuffer(env, data as *mut c_void, len, None, ptr::null_mut(), &mut out)
    };
    if st != NAPI_OK {
        return throw(env, "cannot create an external ArrayBuffer");
    }
    out
}

pub fn uv_loop(env: napi_env) -> *mut c_void {
    let mut l = ptr::null_mut();
    unsafe { napi_get_uv_event_loop(env, &mut l) };
    l
}

pub fn export(env: napi_env, exports: napi_value, name: &str, cb: napi_callback) {
    let mut n = name.as_bytes().to_vec();
    n.push(0);
    let mut f = ptr::null_mut();
    unsafe {
        napi_create_function(env, n.as_ptr() as *const c_char, name.len(), cb, ptr::null_mut(), &mut f);
        napi_set_named_property(env, exports, n.as_ptr() as *const c_char, f);
    }
}
