//! The projector's CPU work per batch, without PostgreSQL: decoding 500 processed events of 14
//! keys each (`Prepared::new`) and deciding them against the stored rows (`apply::decide`, the
//! revision merge that runs inside the transaction, between reading the locked rows and the
//! insert). Part of the store apply rate measured by `store_apply`.
//!
//! `cargo bench -p tests --bench projector_decide`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_debug_implementations
)]

use std::collections::HashMap;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use harness::events::processed_payload;
use projector::apply::{decide, BatchEvent};
use schemas::publish::PublishProcessed;
use schemas::Envelope;

// The projector binary's allocator.
#[global_allocator]
static ALLOCATOR: platform::allocator::Allocator = platform::allocator::ALLOCATOR;

const EVENTS: usize = 500;

fn bench(c: &mut Criterion) {
    let payloads: Vec<Vec<u8>> = (0..EVENTS).map(|_| processed_payload(14)).collect();
    let records: Vec<projector::batch::Record> = payloads
        .iter()
        .enumerate()
        .map(|(i, payload)| projector::batch::Record {
            partition: 0,
            offset: i64::try_from(i).unwrap(),
            payload: payload.clone(),
        })
        .collect();
    let events: Vec<BatchEvent> = payloads
        .iter()
        .map(|p| {
            let envelope = Envelope::<PublishProcessed>::from_bytes(p).unwrap();
            BatchEvent {
                request_id: envelope.request_id,
                event: envelope.payload,
            }
        })
        .collect();

    let mut group = c.benchmark_group("projector_batch_500_events");
    group.sample_size(20);
    group.bench_function("decode", |b| {
        b.iter(|| projector::batch::Prepared::new(std::hint::black_box(&records)));
    });
    group.bench_function("decide", |b| {
        b.iter_batched(
            || events.clone(),
            |events| decide(events, HashMap::new(), HashMap::new()),
            BatchSize::LargeInput,
        );
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
