import Foundation

/// Where a run's output went, for its summary.
struct RunOutputs: Encodable {
    /// A file or directory the run wrote, and what it holds.
    struct File: Encodable {
        let path: String
        let holds: String
    }

    /// What became of the run's spans (or metric data points): delivered to the collector, written to the
    /// spool, refused by the collector for good (kept in the spool's rejected file), kept nowhere.
    struct Delivery: Encodable {
        /// The collector (scheme, host and port) they were sent to; nil when they were only written to a dump.
        let collector: String?
        let delivered: Int
        let spooled: Int
        let rejected: Int
        let lost: Int
    }

    /// Log sampling, when on: the share of workflows kept whole, and the sampled-out ones kept because they failed.
    struct Sampling: Encodable {
        let ratio: Double
        let keep_failed: Bool
        let kept_failed: Int
    }

    var files: [File] = []
    var spans: Delivery?
    var metrics: Delivery?
    var prometheus: Prometheus?

    /// The Pushgateway the run's metrics were pushed to: its group, and how the pushes went.
    struct Prometheus: Encodable {
        let pushgateway: String
        let job: String
        let run: String
        let pushes: Int
        let failed: Int
        /// The run's final figures did not reach the Pushgateway (it holds an earlier push, or nothing).
        let last_push_failed: Bool
    }
    var sampling: Sampling?
    /// The scrape endpoint the run served (`OTEL_METRICS_EXPORTER=prometheus`) and how often it was scraped.
    struct ScrapeEndpoint: Encodable {
        let url: String
        let scrapes: Int
    }
    var prometheus_endpoint: ScrapeEndpoint?
    /// The command run's id, recorded with each of its workflows in the store (`report --run`).
    var run_id: String?
}

/// This process's run: one id for every workflow it runs, recorded in the store and used as the
/// Pushgateway's `run` group.
enum RunIdentity {
    static let id = UUID().uuidString.lowercased()
}
