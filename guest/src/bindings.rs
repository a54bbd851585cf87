//! The WIT contract (`wit/smtp-sensor.wit`) as wit-bindgen generates it: the
//! `smtp-sensor-core` world, which is `smtp-sensor` with the handshake's signature checks
//! and key agreement imported (see `tls::signatures`). The component exports through it;
//! everything else uses its types through [`crate::wit`].

wit_bindgen::generate!({
    world: "smtp-sensor-core",
    path: "../wit",
    additional_derives: [PartialEq],
});
