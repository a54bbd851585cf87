//! The plan for a prober's instances: wasmtime's pooling allocator, sized from the
//! component and the prober's slots, or the plain on-demand allocator where a pool would
//! not fit.
//!
//! A prober makes one instance per probe. On demand, each instance maps its memory and its
//! stack afresh and unmaps them at the end, and every page it touches faults in again: in
//! `serve` at 32 that was about a tenth of the CPU per probe. A pool maps every slot once,
//! and on Linux 6.7 and later (the `PAGEMAP_SCAN` ioctl) resets only the pages a probe
//! wrote, in place, so the next probe takes no faults. The reset is wasmtime's: each probe
//! still starts from the component's initial memory, as a fresh instance does.

use std::fmt;
use wasmtime::{Enabled, PoolingAllocationConfig, ResourcesRequired};

/// The most linear-memory slots a pool may reserve. Each slot reserves 4 GiB of address
/// space (the reservation that lets compiled code skip bounds checks) and a guard, none of
/// it resident until used: 8,192 slots reserve 32 TiB, a quarter of x86-64's 128 TiB of
/// user address space. A prober with more slots allocates on demand.
pub const MAX_MEMORY_SLOTS: u64 = 8192;

/// Linear memory a slot keeps resident between probes, where the kernel can tell which
/// pages a probe wrote: a check writes well under 1 MiB. Without `PAGEMAP_SCAN` wasmtime
/// would `memset` this much blindly at every reset, which costs more than the faults it
/// saves, so then nothing is kept.
const MEMORY_KEEP_RESIDENT: usize = 1 << 20;

/// The part of a fiber stack zeroed with `memset` between probes (the rest, if used, is
/// released to the kernel): a probe's native frames may hold another module's secrets.
const STACK_KEEP_RESIDENT: usize = 64 << 10;

/// Idle slots that stay warm (their reset pages resident, about 1 MiB each): a probe that
/// ends leaves its slot warm for the next, so a steady load needs few idle ones; more would
/// only keep a burst's memory resident after it (64 kept 70 MiB after the bench's 256).
const MAX_WARM_SLOTS: u32 = 16;

/// Core instances counted per probe: a pool only counts these, so a generous figure costs
/// nothing (the check makes four, its composition with the verifier about twice that).
const CORE_INSTANCES_PER_PROBE: u32 = 32;

/// How a prober's instances get their memory, tables and stacks.
pub enum Plan {
    /// A pool of this many slots for each.
    Pooled {
        config: PoolingAllocationConfig,
        probes: u32,
        memories: u32,
        keeps_pages: bool,
    },
    /// Each instance maps its own, for the reason given.
    OnDemand(String),
}

impl Plan {
    /// The plan for `probes` probes at once of a component that needs `resources` (`None`
    /// when wasmtime cannot tell), each with at most `memory_bytes` of linear memory.
    pub fn for_probes(
        probes: u32,
        resources: Option<ResourcesRequired>,
        memory_bytes: usize,
    ) -> Self {
        let Some(resources) = resources else {
            return Self::OnDemand("the component's memories cannot be counted".into());
        };
        let memories = u64::from(probes) * u64::from(resources.num_memories);
        if memories > MAX_MEMORY_SLOTS {
            return Self::OnDemand(format!(
                "{probes} probes at once need {memories} memory slots, more than a pool \
                 reserves ({MAX_MEMORY_SLOTS})"
            ));
        }
        let keeps_pages = PoolingAllocationConfig::is_pagemap_scan_available();
        let mut config = PoolingAllocationConfig::new();
        config
            .total_component_instances(probes)
            .total_core_instances(probes.saturating_mul(CORE_INSTANCES_PER_PROBE))
            .total_memories(memories as u32)
            .total_tables(probes.saturating_mul(resources.num_tables.max(1)))
            .total_stacks(probes)
            .max_memory_size(memory_bytes)
            .max_unused_warm_slots(MAX_WARM_SLOTS)
            .async_stack_keep_resident(STACK_KEEP_RESIDENT);
        if keeps_pages {
            config
                .pagemap_scan(Enabled::Yes)
                .linear_memory_keep_resident(MEMORY_KEEP_RESIDENT);
        }
        Self::Pooled {
            config,
            probes,
            memories: memories as u32,
            keeps_pages,
        }
    }
}

/// For the prober's log line.
impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Pooled {
                probes,
                memories,
                keeps_pages,
                ..
            } => write!(
                f,
                "pooled: {probes} instances, {memories} memories{}",
                if *keeps_pages {
                    ", written pages reset in place"
                } else {
                    " (no PAGEMAP_SCAN: pages are released and fault in again)"
                }
            ),
            Self::OnDemand(why) => write!(f, "on demand: {why}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn needs(memories: u32, tables: u32) -> Option<ResourcesRequired> {
        Some(ResourcesRequired {
            num_memories: memories,
            max_initial_memory_size: Some(18),
            num_tables: tables,
            max_initial_table_size: Some(518),
        })
    }

    #[test]
    fn a_pool_has_a_slot_of_each_kind_for_every_probe() {
        let plan = Plan::for_probes(256, needs(2, 3), 64 << 20);
        let Plan::Pooled {
            config, memories, ..
        } = &plan
        else {
            panic!("256 probes fit a pool: {plan}");
        };
        assert_eq!(*memories, 512);
        assert_eq!(config.get_total_memories(), 512);
        assert_eq!(config.get_total_tables(), 768);
        assert_eq!(config.get_total_component_instances(), 256);
        assert_eq!(config.get_total_stacks(), 256);
        assert_eq!(config.get_max_memory_size(), 64 << 20);
        assert!(
            plan.to_string()
                .starts_with("pooled: 256 instances, 512 memories")
        );
    }

    #[test]
    fn too_many_probes_for_the_address_space_allocate_on_demand() {
        let plan = Plan::for_probes(5000, needs(2, 3), 64 << 20);
        assert!(matches!(plan, Plan::OnDemand(_)));
        assert_eq!(
            plan.to_string(),
            "on demand: 5000 probes at once need 10000 memory slots, more than a pool \
             reserves (8192)"
        );
        assert!(matches!(
            Plan::for_probes(8192, needs(1, 2), 64 << 20),
            Plan::Pooled { .. }
        ));
    }

    #[test]
    fn a_component_of_unknown_needs_allocates_on_demand() {
        assert!(matches!(
            Plan::for_probes(1, None, 64 << 20),
            Plan::OnDemand(_)
        ));
    }
}
