//! The contract's `key-agreement` import, answered natively: the check's TLS handshake has
//! the host make its ephemeral key and agree with the server's share, at a fraction of what
//! the curve arithmetic costs in WebAssembly. The code is the one the portable
//! `signature-verifier` component runs (`smtp-sensor-verifier`'s `key_agreement`).
//!
//! Keys live in the store's resource table, so they go with the store and count against
//! its cap like every other resource. Linked by hand, as `signatures` is: the server's share
//! is read in place, so a hostile guest cannot make the host copy a long list.

use smtp_sensor_verifier::key_agreement::{EphemeralKey, Group as KeyGroup};
use wasmtime::StoreContextMut;
use wasmtime::component::{ComponentType, Lift, Linker, Resource, ResourceType, WasmList};
use wasmtime_wasi::WasiView;

/// The interface, as `wit/smtp-sensor.wit` names it.
const INTERFACE: &str = concat!(
    env!("SMTP_SENSOR_WIT_PACKAGE_NAME"),
    "/key-agreement@",
    env!("SMTP_SENSOR_WIT_PACKAGE_VERSION")
);

/// The resource, as the interface names it.
const KEY: &str = "ephemeral-key";

/// The contract's `group`, as the guest passes it.
#[derive(ComponentType, Lift, Clone, Copy)]
#[allow(
    dead_code,
    reason = "its values are made by lifting the guest's arguments"
)]
#[component(enum)]
#[repr(u8)]
enum Group {
    #[component(name = "x25519")]
    X25519,
    #[component(name = "secp256r1")]
    Secp256r1,
    #[component(name = "secp384r1")]
    Secp384r1,
}

impl From<Group> for KeyGroup {
    fn from(group: Group) -> KeyGroup {
        match group {
            Group::X25519 => KeyGroup::X25519,
            Group::Secp256r1 => KeyGroup::Secp256r1,
            Group::Secp384r1 => KeyGroup::Secp384r1,
        }
    }
}

/// Adds `key-agreement` to a check's linker. A component that agrees in WebAssembly (the
/// portable composition) does not import it, and is not bothered by it.
pub fn add<T: WasiView + 'static>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    let mut interface = linker.instance(INTERFACE)?;
    interface.resource(
        KEY,
        ResourceType::host::<EphemeralKey>(),
        |mut store: StoreContextMut<'_, T>, rep| {
            let key = Resource::<EphemeralKey>::new_own(rep);
            store.data_mut().ctx().table.delete(key)?;
            Ok(())
        },
    )?;
    interface.func_wrap(
        &format!("[static]{KEY}.generate"),
        |mut store: StoreContextMut<'_, T>, (group,): (Group,)| {
            let key = match EphemeralKey::generate(group.into()) {
                Some(key) => Some(store.data_mut().ctx().table.push(key)?),
                None => None,
            };
            Ok((key,))
        },
    )?;
    interface.func_wrap(
        &format!("[method]{KEY}.public-key"),
        |mut store: StoreContextMut<'_, T>, (key,): (Resource<EphemeralKey>,)| {
            let key = store.data_mut().ctx().table.get(&key)?;
            Ok((key.public_key().to_vec(),))
        },
    )?;
    interface.func_wrap(
        &format!("[static]{KEY}.agree"),
        |mut store: StoreContextMut<'_, T>, (key, peer): (Resource<EphemeralKey>, WasmList<u8>)| {
            let key = store.data_mut().ctx().table.delete(key)?;
            let secret = EphemeralKey::agree(key, peer.as_le_slice(&store));
            Ok((secret,))
        },
    )
}
