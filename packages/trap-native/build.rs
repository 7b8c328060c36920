//! Builds the guests' vDSO (native/vdso) with the C compiler, for `include_bytes!` in tsc.rs.
use std::env;
use std::path::PathBuf;
use std::process::Command;

fn main() {
    let dir = PathBuf::from("native/vdso");
    for f in ["vdso.c", "vdso.map", "vdso.lds"] {
        println!("cargo:rerun-if-changed={}", dir.join(f).display());
    }
    println!("cargo:rerun-if-env-changed=CC");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap()).join("vdso.so");
    let cc = env::var("CC").unwrap_or_else(|_| "cc".into());
    let status = Command::new(&cc)
        .args([
            "-O2", "-fPIC", "-ffreestanding", "-fno-builtin", "-fno-stack-protector",
            "-fno-asynchronous-unwind-tables", "-nostdlib", "-shared", "-Wl,-s",
            "-Wl,-soname,linux-vdso.so.1", "-Wl,--hash-style=both", "-Wl,--build-id=none",
            "-Wl,-z,noexecstack", "-Wl,--version-script=native/vdso/vdso.map", "-Wl,-T,native/vdso/vdso.lds",
            "-o",
        ])
        .arg(&out)
        .arg(dir.join("vdso.c"))
        .status()
        .unwrap_or_else(|e| panic!("cannot run the C compiler `{cc}` for the vDSO: {e}"));
    assert!(status.success(), "building the vDSO (native/vdso/vdso.c) failed");
}
