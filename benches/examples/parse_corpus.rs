//! Parses the realistic corpus many times: a fixed workload for instruction
//! counts (`valgrind --tool=callgrind`), which stay repeatable on a busy
//! machine where wall-clock benches do not.

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let corpus = benches::realistic_corpus();
    let bytes: usize = corpus.iter().map(Vec::len).sum();
    let mut metrics = 0usize;
    let mut acc = 0.0;
    for _ in 0..rounds {
        for value in &corpus {
            for metric in server_timing::parse_server_timing(std::hint::black_box(value)) {
                acc += metric.duration();
                std::hint::black_box((metric.name(), metric.description()));
                metrics += 1;
            }
        }
    }
    println!(
        "{rounds} rounds, {bytes} bytes and {} metrics a round, checksum {acc}",
        metrics / rounds.max(1)
    );
}
