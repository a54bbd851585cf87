//! The WIT contract (`wit/smtp-sensor.wit`) as wit-bindgen generates it: the
//! `smtp-sensor-core` world, which is `smtp-sensor` with the handshake's signature checks
//! and key agreement imported (see `tls::signatures`) and DNS through the host (`dns`). The
//! component exports through it; everything else uses its types through [`crate::wit`].
//!
//! In the component, `dns`'s `pollable` is the `wasip2` crate's, so a lookup is polled
//! together with the sockets (`wasi:io/poll`); natively (the unit tests) there is no
//! `wasip2`, and the WASI interface is generated along.

#[cfg(target_arch = "wasm32")]
wit_bindgen::generate!({
    world: "smtp-sensor-core",
    path: "../wit",
    additional_derives: [PartialEq],
    with: { "wasi:io/poll@0.2.12": wasip2::io::poll },
});

#[cfg(not(target_arch = "wasm32"))]
wit_bindgen::generate!({
    world: "smtp-sensor-core",
    path: "../wit",
    additional_derives: [PartialEq],
    generate_all,
});
