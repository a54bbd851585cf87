//! Loads the component and runs checks in fresh sandboxes.
//!
//! One engine per process (compiling is the expensive part; a ticker thread drives epoch
//! interruption), and for a prober a second one with a pool of instances, which loads the
//! same compiled code. Each check gets a new store: its own WASI context, memory cap and
//! deadlines. A guest that traps, runs out of memory, or overstays its time becomes a
//! `down` result that says so; the host itself never fails because of the guest.

use super::budget::Budget;
use super::cache;
use super::dns::interface::{DnsAccess, DnsView};
use super::dns::{DnsSession, Resolver};
use super::guarded::{Guarded, GuardedView};
use super::limits::{
    Limits, MAX_COPY_BYTES, MAX_HOST_RESOURCES, MAX_INSTANCES, MAX_MEMORIES, MAX_TABLE_ELEMENTS,
    MAX_TABLES,
};
use super::pool::Instances;
use super::sandbox::{self, Guard, NetworkPolicy};
use crate::bindings::{SmtpSensorCore as SmtpSensor, SmtpSensorCorePre as SmtpSensorPre};
use crate::results::component_failed;
use crate::wit::{CheckResult, Settings};
use smtp_sensor_guest::limits::max_open_sockets;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::error::Context as _;
use wasmtime::{
    Config, Engine, InstanceAllocationStrategy, Store, StoreLimits, StoreLimitsBuilder, Trap,
    UpdateDeadline,
};
use wasmtime_wasi::sockets::WasiSocketsCtxView;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

/// The component built with this host (see `build.rs`), of the `smtp-sensor-core` world: it
/// imports `signatures` and `key-agreement`, which this host answers natively.
pub const EMBEDDED_COMPONENT: &[u8] = include_bytes!(env!("SMTP_SENSOR_COMPONENT_PATH"));
/// The same check composed with the `signature-verifier` component: a component of the
/// portable `smtp-sensor` world (WASI 0.2 imports only), for every other host.
pub const PORTABLE_COMPONENT: &[u8] = include_bytes!(env!("SMTP_SENSOR_PORTABLE_COMPONENT_PATH"));
/// Its SHA-256, computed by `build.rs` (see [`cache::identity`]).
pub const EMBEDDED_COMPONENT_SHA256: &str = env!("SMTP_SENSOR_COMPONENT_SHA256");
/// The SHA-256 of [`PORTABLE_COMPONENT`] (what `smtp-sensor component` writes), in hex.
pub const PORTABLE_COMPONENT_SHA256: &str = env!("SMTP_SENSOR_PORTABLE_COMPONENT_SHA256");
/// The wasmtime this host runs the component with (as Cargo.lock pins it).
pub const WASMTIME_VERSION: &str = env!("SMTP_SENSOR_WASMTIME_VERSION");

/// How often the epoch ticks: a computing guest yields to other tasks at every tick, and a
/// runaway one is stopped within one tick of its deadline.
const EPOCH_TICK: Duration = Duration::from_millis(50);

/// The size of a WebAssembly page, the unit of memory sizes.
const WASM_PAGE_BYTES: u64 = 64 << 10;

/// The engine configuration every runner shares; a pooled runner adds its pool.
fn engine_config() -> Config {
    let mut config = Config::new();
    config.epoch_interruption(true);
    // Compiling happens once per component (the cache keeps the result), so its cost is
    // paid once; in the bench optimised code loaded and ran no slower than unoptimised
    // (plain 1.97 against 2.00 ms a check, within noise).
    config.cranelift_opt_level(wasmtime::OptLevel::Speed);
    // Native unwind info only serves outside unwinders (debuggers, profilers); wasmtime's
    // own traps and backtraces do without it, and registering it costs every start.
    // Windows needs it (wasmtime refuses to turn it off there: structured exception
    // handling walks the compiled code's frames).
    #[cfg(not(windows))]
    config.native_unwind_info(false);
    config
}

/// The process's engine, allocating on demand.
fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new(&engine_config()).expect("the engine configuration is valid"))
}

/// Makes `engine`'s epoch tick from now on. One thread ticks every engine of the process; it
/// starts when the first check runs, so a process that only loads the component (or is
/// refused before) never starts it, and the component is loaded (memory mapped and
/// protected) while the process has one thread.
fn tick_epochs_of(engine: &Engine) {
    static ENGINES: Mutex<Vec<Engine>> = Mutex::new(Vec::new());
    let mut engines = ENGINES.lock().unwrap_or_else(|e| e.into_inner());
    if engines.iter().any(|ticking| Engine::same(ticking, engine)) {
        return;
    }
    engines.push(engine.clone());
    if engines.len() > 1 {
        return;
    }
    std::thread::Builder::new()
        .name("smtp-sensor-epoch".into())
        // It only sleeps and adds one: a small stack is plenty and quicker to map.
        .stack_size(64 * 1024)
        .spawn(|| {
            loop {
                std::thread::sleep(EPOCH_TICK);
                let engines = ENGINES.lock().unwrap_or_else(|e| e.into_inner());
                for engine in engines.iter() {
                    engine.increment_epoch();
                }
            }
        })
        .expect("could not start the epoch ticker thread");
}

/// What a store holds for one check.
struct HostState {
    ctx: WasiCtx,
    table: ResourceTable,
    limits: StoreLimits,
    guard: Guard,
    budget: Budget,
    dns: DnsSession,
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.ctx,
            table: &mut self.table,
        }
    }
}

impl GuardedView for HostState {
    fn guarded(&mut self) -> Guarded<'_> {
        Guarded {
            sockets: WasiSocketsCtxView {
                ctx: self.ctx.sockets(),
                table: &mut self.table,
            },
            guard: &self.guard,
            budget: &mut self.budget,
        }
    }
}

impl DnsView for HostState {
    fn dns(&mut self) -> DnsAccess<'_> {
        DnsAccess {
            table: &mut self.table,
            session: &mut self.dns,
            guard: &self.guard,
        }
    }
}

/// A compiled component, ready to run checks.
pub struct Runner {
    pre: SmtpSensorPre<HostState>,
    /// The component's SHA-256 ([`cache::identity`]), in hex.
    identity: String,
    /// A prober's pooled instances (see [`Runner::pooled`]), used while a slot is free.
    pool: Option<Pool>,
    limits: Limits,
    exiting: bool,
    instantiations: AtomicU64,
    instantiation_ns: AtomicU64,
    /// What the compiled-component cache could not do when this runner was made.
    cache_trouble: Option<String>,
    /// The resolver of the contract's `dns` (the system's unless [`Runner::with_dns`]).
    resolver: Option<std::sync::Arc<Resolver>>,
}

impl Runner {
    /// The component embedded in this binary, through the compiled-component cache.
    pub fn embedded() -> wasmtime::Result<Self> {
        Self::load_identified(
            EMBEDDED_COMPONENT,
            EMBEDDED_COMPONENT_SHA256,
            cache::default_dir().as_deref(),
        )
    }

    /// The component a command line names: another build in a file (`--component`), or
    /// the embedded one; the error says which could not be loaded and why.
    pub fn for_component(file: Option<&Path>) -> Result<Self, String> {
        match file {
            Some(path) => Self::from_file(path),
            None => Self::embedded(),
        }
        .map_err(|error| format!("{error:#}"))
    }

    /// Another build of the component, from a file, through the compiled-component cache.
    pub fn from_file(path: &Path) -> wasmtime::Result<Self> {
        let bytes = std::fs::read(path)
            .with_context(|| format!("cannot read the component {}", path.display()))?;
        Self::load(&bytes, cache::default_dir().as_deref())
            .with_context(|| format!("{} is not a usable smtp-sensor component", path.display()))
    }

    /// Whether loading the embedded component (`None`) or the one in a file would take it
    /// from the compiled-component cache; `None` when there is no cache or no such file.
    pub fn is_cached(component: Option<&Path>) -> Option<bool> {
        let dir = cache::default_dir()?;
        let id = match component {
            None => EMBEDDED_COMPONENT_SHA256.to_string(),
            Some(path) => cache::identity(&std::fs::read(path).ok()?),
        };
        Some(cache::holds(engine(), &id, &dir))
    }

    /// Whether the compiled-component cache can keep a new entry; `None` when there is no
    /// cache.
    pub fn cache_writable() -> Option<bool> {
        Some(cache::writable(&cache::default_dir()?))
    }

    /// A component from its bytes, compiled now (no cache).
    pub fn from_bytes(bytes: &[u8]) -> wasmtime::Result<Self> {
        Self::load(bytes, None)
    }

    /// A component from its bytes, compiled or loaded from the cache in `cache_dir`.
    pub fn load(bytes: &[u8], cache_dir: Option<&Path>) -> wasmtime::Result<Self> {
        Self::load_identified(bytes, &cache::identity(bytes), cache_dir)
    }

    /// Like [`Runner::load`], for a component whose [`cache::identity`] is known.
    fn load_identified(bytes: &[u8], id: &str, cache_dir: Option<&Path>) -> wasmtime::Result<Self> {
        let loaded =
            cache::load(engine(), bytes, id, cache_dir).context("cannot compile the component")?;
        let pre = prepare(&loaded.component)?;
        Ok(Self {
            pre,
            identity: id.to_string(),
            pool: None,
            limits: Limits::default(),
            exiting: false,
            instantiations: AtomicU64::new(0),
            instantiation_ns: AtomicU64::new(0),
            cache_trouble: loaded.trouble,
            resolver: None,
        })
    }

    /// What the compiled-component cache could not do when this runner was made, in words:
    /// checks run all the same, and the caller says it once.
    pub fn cache_trouble(&self) -> Option<&str> {
        self.cache_trouble.as_deref()
    }

    /// The SHA-256 of the component this runner runs, in hex: which build is in use.
    pub fn identity(&self) -> &str {
        &self.identity
    }

    /// The component's initial linear memory, in bytes (the largest of its memories'), where
    /// wasmtime can tell. A probe that needs no more never grows its memory.
    pub fn initial_memory_bytes(&self) -> Option<u64> {
        let required = self.pre.instance_pre().component().resources_required()?;
        Some(required.max_initial_memory_size? * WASM_PAGE_BYTES)
    }

    /// The same runner for a process that runs up to `probes` checks at once, many times
    /// over (a prober): the first few dozen at once take their instances from a pool, the
    /// rest make theirs on demand (see [`Instances`]), each with the memory cap of the runner's
    /// limits: set those first. Says what it chose.
    pub fn pooled(self, probes: u32) -> wasmtime::Result<(Self, Instances)> {
        let component = self.pre.instance_pre().component();
        let instances = Instances::for_probes(
            probes,
            component.resources_required(),
            self.limits.memory_bytes,
        );
        let Instances::Pooled {
            config: pool,
            pooled,
            ..
        } = &instances
        else {
            return Ok((self, instances));
        };
        let mut config = engine_config();
        // What a probe's native frames held is wiped before the next probe's (see `pool`).
        config.async_stack_zeroing(true);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool.clone()));
        let engine = match Engine::new(&config) {
            Ok(engine) => engine,
            // The pool's address space is reserved here: a process limited in it (`ulimit
            // -v`) gets none, and allocates on demand.
            Err(error) => {
                let why = format!("the pool could not be reserved ({error:#})");
                return Ok((self, Instances::OnDemand(why)));
            }
        };
        let compiled = component.serialize()?;
        // SAFETY: the bytes were serialized just now, by this process, from a component
        // compiled for an engine of the same configuration but for its allocator (and
        // wasmtime checks that the two engines are compatible).
        let component = unsafe { Component::deserialize(&engine, &compiled) }
            .context("cannot load the component into the pooled engine")?;
        let pool = Pool {
            pre: prepare(&component)?,
            free: Semaphore::new(*pooled as usize),
        };
        Ok((
            Self {
                pool: Some(pool),
                ..self
            },
            instances,
        ))
    }

    /// The limits each check of this runner runs within.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The same runner with other limits.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The same runner, answering the contract's `dns` with `resolver` (made from
    /// `--dns-server` and `--dns-trust-anchor`) instead of the system's resolvers.
    pub fn with_dns(mut self, resolver: std::sync::Arc<Resolver>) -> Self {
        self.resolver = Some(resolver);
        self
    }

    /// The same runner for a process that exits after a check or two (the CLI's one-shot
    /// check): each check's sandbox (memory, stack, WASI state) is left for the exit to
    /// reclaim instead of being unmapped piece by piece, which would only add to the run's
    /// time. Not for a process that runs many checks: their memory would add up.
    pub fn exiting_after_checks(mut self) -> Self {
        self.exiting = true;
        self
    }

    /// How many instances of the component this runner made, and the time that took in all.
    pub fn instantiations(&self) -> (u64, Duration) {
        (
            self.instantiations.load(Relaxed),
            Duration::from_nanos(self.instantiation_ns.load(Relaxed)),
        )
    }

    /// Runs one check, reaching only the host and port in `settings`.
    pub async fn check(&self, settings: &Settings) -> CheckResult {
        self.check_with_policy(settings, NetworkPolicy::for_settings(settings))
            .await
    }

    /// Runs one check, stopping the component after `cap` at the latest even when the
    /// check's own timeout is longer (a prober answers within the scraper's timeout).
    pub async fn check_within(&self, settings: &Settings, cap: Duration) -> CheckResult {
        self.run(settings, NetworkPolicy::for_settings(settings), Some(cap))
            .await
    }

    /// Runs one check under an explicit network policy (tests use this to show that the
    /// sandbox, not the component's good manners, keeps it to its target).
    pub async fn check_with_policy(
        &self,
        settings: &Settings,
        policy: NetworkPolicy,
    ) -> CheckResult {
        self.run(settings, policy, None).await
    }

    async fn run(
        &self,
        settings: &Settings,
        policy: NetworkPolicy,
        cap: Option<Duration>,
    ) -> CheckResult {
        let started = Instant::now();
        // A free pool slot if there is one (held until the store below is dropped), else
        // an instance made on demand.
        let slot = self.pool.as_ref().and_then(|pool| {
            let permit = pool.free.try_acquire().ok()?;
            Some((&pool.pre, permit))
        });
        let pre = slot.as_ref().map_or(&self.pre, |(pre, _)| *pre);
        let dns_policy = policy.dns_policy(&settings.host, settings.port);
        let guard = Guard::new(policy);
        let (ctx, stderr) = sandbox::wasi_context(&guard);
        let limits = StoreLimitsBuilder::new()
            .memory_size(self.limits.memory_bytes)
            .instances(MAX_INSTANCES)
            .memories(MAX_MEMORIES)
            .tables(MAX_TABLES)
            .table_elements(MAX_TABLE_ELEMENTS)
            .trap_on_grow_failure(true)
            .build();
        let own_time = self.limits.wall_time(settings.timeout_seconds);
        let wall_time = cap.map_or(own_time, |cap| cap.min(own_time));
        let deadline = started + wall_time;
        // DNS ends at the check's own deadline, so the component still reports the timeout.
        let own_deadline = started + Duration::from_secs(u64::from(settings.timeout_seconds));
        // A host check may look up its host's addresses and TLSA records (for DANE) only; a
        // domain check what its domain needs, in the policy its connects are checked by.
        let dns = DnsSession::sharing(
            self.resolver.clone().unwrap_or_else(Resolver::system),
            dns_policy,
            own_deadline.min(deadline),
        );
        let mut table = ResourceTable::new();
        table.set_max_capacity(MAX_HOST_RESOURCES);
        let mut store = Store::new(
            pre.engine(),
            HostState {
                ctx,
                table,
                limits,
                guard: guard.clone(),
                budget: Budget::new(deadline, max_open_sockets(settings.domain.is_some())),
                dns,
            },
        );
        store.limiter(|state| &mut state.limits);
        store.set_hostcall_fuel(MAX_COPY_BYTES);
        // At every epoch tick spent computing, the guest yields to the other tasks on its
        // thread (a prober runs hundreds of checks on two threads: one guest that computes
        // must not hold up the others), and is stopped once past its time. The timeout below
        // stops one that waits forever in a host call, where epochs cannot reach it.
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(move |_| {
            Ok(if Instant::now() >= deadline {
                UpdateDeadline::Interrupt
            } else {
                UpdateDeadline::Yield(1)
            })
        });
        tick_epochs_of(pre.engine());

        let run = async {
            let instantiating = Instant::now();
            let instance: SmtpSensor = pre.instantiate_async(&mut store).await?;
            self.instantiations.fetch_add(1, Relaxed);
            self.instantiation_ns
                .fetch_add(instantiating.elapsed().as_nanos() as u64, Relaxed);
            instance.call_check(&mut store, settings).await
        };
        let why = match tokio::time::timeout(wall_time, run).await {
            Ok(Ok(mut result)) => {
                if self.exiting && slot.is_none() {
                    std::mem::forget(store);
                }
                guard.annotate(&mut result);
                super::scrub::passwords(&mut result, settings);
                return result;
            }
            Ok(Err(error)) if error.downcast_ref::<Trap>() == Some(&Trap::Interrupt) => {
                overstayed(wall_time)
            }
            Ok(Err(error)) if format!("{error:#}").contains(FUEL_EXHAUSTED) => format!(
                "the component's result (or a call's data) was larger than the host copies \
                 for one call ({} MiB, engine::limits::MAX_COPY_BYTES): a real result is a few \
                 kilobytes",
                MAX_COPY_BYTES >> 20
            ),
            Ok(Err(error)) => {
                let stderr = String::from_utf8_lossy(&stderr.contents())
                    .trim()
                    .to_string();
                let detail = if stderr.is_empty() {
                    String::new()
                } else {
                    format!(" ({stderr})")
                };
                format!("the component trapped: {error:#}{detail}")
            }
            Err(_) => overstayed(wall_time),
        };
        let mut result = component_failed(settings, why, started.elapsed());
        guard.annotate(&mut result);
        super::scrub::passwords(&mut result, settings);
        result
    }
}

/// A pooled engine's component, and its free slots.
struct Pool {
    pre: SmtpSensorPre<HostState>,
    free: Semaphore,
}

/// The component, linked to what the sandbox offers and ready to instantiate.
fn prepare(component: &Component) -> wasmtime::Result<SmtpSensorPre<HostState>> {
    let mut linker = Linker::<HostState>::new(component.engine());
    super::linker::add_check_interfaces(&mut linker)?;
    super::signatures::add(&mut linker)?;
    super::key_agreement::add(&mut linker)?;
    super::trust_anchors::add(&mut linker)?;
    let pre = linker.instantiate_pre(component).context(
        "the component imports what the sandbox does not offer (a check gets TCP, name \
         lookups, clocks, random and empty stdio; no files, no UDP)",
    )?;
    SmtpSensorPre::new(pre).context("the component does not export the smtp-sensor world")
}

/// Wasmtime's words when a call would copy more than the hostcall fuel allows.
const FUEL_EXHAUSTED: &str = "fuel allocated for hostcalls has been exhausted";

/// Why a component that ran out of time was stopped.
fn overstayed(wall_time: Duration) -> String {
    format!(
        "the component did not finish within {} s (the check's timeout plus the host's margin, \
         or the caller's limit when lower) and was stopped",
        wall_time.as_secs_f64()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The store's caps leave the real components (the embedded one and the portable one
    /// `--component` may run) what they need: memories exactly (each gets the whole memory
    /// cap), tables and their elements four times over.
    #[test]
    fn the_store_caps_fit_the_real_components() {
        for (name, bytes) in [("embedded", None), ("portable", Some(PORTABLE_COMPONENT))] {
            let runner = match bytes {
                None => Runner::embedded(),
                Some(bytes) => Runner::from_bytes(bytes),
            }
            .expect("a real component");
            let needs = runner
                .pre
                .instance_pre()
                .component()
                .resources_required()
                .expect("a component wasmtime can size");
            let (memories, tables) = (needs.num_memories as usize, needs.num_tables as usize);
            let elements = needs.max_initial_table_size.unwrap_or(0) as usize;
            let said = format!(
                "{name}: {memories} memories, {tables} tables, {elements} elements at most"
            );
            eprintln!("the {said}");
            assert!(memories <= MAX_MEMORIES, "{said}");
            assert!(tables * 4 <= MAX_TABLES, "{said}");
            assert!(elements * 4 <= MAX_TABLE_ELEMENTS, "{said}");
        }
    }

    /// `build.rs` computes the embedded component's [`cache::identity`] once, at build time.
    #[test]
    fn the_build_time_identity_is_the_embedded_components() {
        assert_eq!(
            cache::identity(EMBEDDED_COMPONENT),
            EMBEDDED_COMPONENT_SHA256
        );
    }
}
