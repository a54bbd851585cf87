//! How a prober makes its instances: the first few dozen probes at once take theirs from
//! wasmtime's pooling allocator, sized from the component; any more, and any process that
//! cannot reserve the pool, make theirs on demand.
//!
//! A prober makes one instance per probe. On demand, each instance maps its memory and its
//! stack afresh and unmaps them at the end, and every page it touches faults in again: in
//! `serve` at 32 that was about a tenth of the CPU per probe. A pool maps every slot once,
//! and on Linux 6.7 and later (the `PAGEMAP_SCAN` ioctl) resets only the pages a probe
//! wrote, in place, so the next probe takes no faults. The reset is wasmtime's: each probe
//! still starts from the component's initial memory, as a fresh instance does.
//!
//! Those pages stay resident in every slot that was ever used (wasmtime never releases
//! them), about 300 KiB a slot after a STARTTLS probe. So the pool is small: a burst of a
//! thousand probes leaves [`MAX_POOLED_PROBES`] slots resident, not a thousand.

use std::fmt;
use wasmtime::{Enabled, PoolingAllocationConfig, ResourcesRequired};

/// The most probes at once that get pooled instances: a steady prober rarely runs more,
/// and what the pool keeps resident is bounded by this many slots (under 70 MiB).
pub const MAX_POOLED_PROBES: u32 = 64;

/// Linear memory a slot keeps resident between probes, where the kernel can tell which
/// pages a probe wrote: a check writes well under 1 MiB. Without `PAGEMAP_SCAN` wasmtime
/// would `memset` this much blindly at every reset, which costs more than the faults it
/// saves, so then nothing is kept.
const MEMORY_KEEP_RESIDENT: usize = 1 << 20;

/// The part of a fiber stack zeroed with `memset` between probes (the rest, if used, is
/// released to the kernel): a probe's native frames may hold another module's secrets.
const STACK_KEEP_RESIDENT: usize = 64 << 10;

/// Core instances counted per probe: a pool only counts these, so a generous figure costs
/// nothing (the check makes four, its composition with the verifier about twice that).
const CORE_INSTANCES_PER_PROBE: u32 = 32;

/// How a prober's instances get their memory, tables and stacks.
pub enum Instances {
    /// From a pool for this many probes at once (of `probes`); the rest on demand.
    Pooled {
        config: PoolingAllocationConfig,
        pooled: u32,
        probes: u32,
        memories: u32,
        keeps_pages: bool,
    },
    /// Each instance maps its own, for the reason given.
    OnDemand(String),
}

impl Instances {
    /// How to make the instances of `probes` probes at once of a component that needs `resources` (`None`
    /// when wasmtime cannot tell), each with at most `memory_bytes` of linear memory.
    pub fn for_probes(
        probes: u32,
        resources: Option<ResourcesRequired>,
        memory_bytes: usize,
    ) -> Self {
        let Some(resources) = resources else {
            return Self::OnDemand("the component's memories cannot be counted".into());
        };
        let pooled = probes.min(MAX_POOLED_PROBES);
        let memories = pooled * resources.num_memories;
        let keeps_pages = PoolingAllocationConfig::is_pagemap_scan_available();
        let mut config = PoolingAllocationConfig::new();
        config
            .total_component_instances(pooled)
            .total_core_instances(pooled * CORE_INSTANCES_PER_PROBE)
            .total_memories(memories)
            .total_tables(pooled * resources.num_tables.max(1))
            .total_stacks(pooled)
            .max_memory_size(memory_bytes)
            .async_stack_keep_resident(STACK_KEEP_RESIDENT);
        if keeps_pages {
            config
                .pagemap_scan(Enabled::Yes)
                .linear_memory_keep_resident(MEMORY_KEEP_RESIDENT);
        }
        Self::Pooled {
            config,
            pooled,
            probes,
            memories,
            keeps_pages,
        }
    }
}

/// For the prober's log line.
impl fmt::Display for Instances {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Pooled {
                pooled,
                probes,
                memories,
                keeps_pages,
                ..
            } => {
                write!(f, "pooled for {pooled} of {probes} probes at once")?;
                if pooled < probes {
                    write!(f, " (the rest on demand)")?;
                }
                write!(f, ", {memories} memories")?;
                if *keeps_pages {
                    write!(f, ", written pages reset in place")
                } else {
                    write!(
                        f,
                        " (no PAGEMAP_SCAN: pages are released and fault in again)"
                    )
                }
            }
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
    fn a_pool_has_a_slot_of_each_kind_for_every_pooled_probe() {
        let instances = Instances::for_probes(16, needs(2, 3), 64 << 20);
        let Instances::Pooled {
            config, memories, ..
        } = &instances
        else {
            panic!("16 probes fit a pool: {instances}");
        };
        assert_eq!(*memories, 32);
        assert_eq!(config.get_total_memories(), 32);
        assert_eq!(config.get_total_tables(), 48);
        assert_eq!(config.get_total_component_instances(), 16);
        assert_eq!(config.get_total_stacks(), 16);
        assert_eq!(config.get_max_memory_size(), 64 << 20);
        assert!(
            instances
                .to_string()
                .starts_with("pooled for 16 of 16 probes at once, 32 memories"),
            "{instances}"
        );
    }

    #[test]
    fn probes_beyond_the_pool_are_made_on_demand() {
        let instances = Instances::for_probes(5000, needs(1, 2), 64 << 20);
        let Instances::Pooled { config, pooled, .. } = &instances else {
            panic!("a pool for the first probes: {instances}");
        };
        assert_eq!(*pooled, MAX_POOLED_PROBES);
        assert_eq!(config.get_total_component_instances(), MAX_POOLED_PROBES);
        assert!(
            instances.to_string().starts_with(
                "pooled for 64 of 5000 probes at once (the rest on demand), 64 memories"
            ),
            "{instances}"
        );
    }

    #[test]
    fn a_component_of_unknown_needs_allocates_on_demand() {
        assert!(matches!(
            Instances::for_probes(1, None, 64 << 20),
            Instances::OnDemand(_)
        ));
    }
}
