//! Links the component with room for a probe's heap in its initial linear memory.
//!
//! Rust's wasm32 targets make the initial memory just the stack (1 MiB) and the static data,
//! so every probe grew its memory a few times, and the host paid for each growth (a
//! protection change, and another to undo it when a pooled instance is reset): about 4
//! system calls and 2-4% of a STARTTLS probe's CPU in `smtp-sensor serve`. wasi-libc's
//! allocator uses the initial memory past the data first, so with room there a probe does
//! not grow at all. Pages a probe never touches cost nothing: they are neither resident
//! nor copied.

/// The component's initial linear memory, in bytes: the 1 MiB stack, the static data
/// (about 130 KiB) and about 900 KiB of heap, more than a STARTTLS probe with
/// authentication and a test email uses. A larger probe grows its memory, as before, up to
/// the host's cap (64 MiB by default).
const INITIAL_MEMORY_BYTES: u32 = 2 << 20;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo:rustc-link-arg=--initial-memory={INITIAL_MEMORY_BYTES}");
    }
}
