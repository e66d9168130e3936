import Synchronization

/// Whether a collector can be reached, shared by the pipelines that send to it (spans and logs), so a
/// collector that is down costs one failed request, is said once, and is then probed in the background with
/// exponential backoff while batches go straight to the spool.
///
/// A refused connection or an unknown host is known in milliseconds; once one pipeline has seen it, the
/// others stop trying until the next probe is due. The first successful request after that says the
/// collector is back.
@_spi(Pipeline) public final class CollectorAvailability: Sendable {
    /// The destination as messages name it, such as "the collector at http://127.0.0.1:4318".
    public let name: String
    /// The first probe's delay after a failure, in seconds. Default 1.
    public let initialBackoff: Double
    /// The longest delay between probes, in seconds. Default 30.
    public let maxBackoff: Double
    private let report: @Sendable (String) -> Void
    private let jitter: @Sendable () -> Double

    private struct State {
        var down = false
        var nextProbe = 0.0
        var backoff = 0.0
        var probing = false
        var failures = 0
    }

    private let state = Mutex(State())

    /// Creates the shared state for one destination, named in messages by `name` ("the collector at URL");
    /// `report` receives the two transition messages. `jitter` scales each backoff (±20% at random by
    /// default, so processes that share a collector do not probe in step; a constant in tests).
    public init(
        name: String, initialBackoff: Double = 1, maxBackoff: Double = 30,
        jitter: @escaping @Sendable () -> Double = { Double.random(in: 0.8...1.2) }, report: @escaping @Sendable (String) -> Void
    ) {
        self.name = name
        self.jitter = jitter
        self.initialBackoff = max(0.001, initialBackoff)
        self.maxBackoff = max(self.initialBackoff, maxBackoff)
        self.report = report
    }

    /// Whether the collector is known to be down.
    public var isDown: Bool { state.withLock { $0.down } }

    /// When the next probe is due (clock seconds), when the collector is down.
    public var nextProbe: Double? { state.withLock { $0.down ? $0.nextProbe : nil } }

    /// Whether a request may go out now: always while the collector is up; while it is down, once per due
    /// probe (to one caller only, until it reports the outcome).
    public func mayTry(now: Double) -> Bool {
        state.withLock { state in
            guard state.down else { return true }
            guard !state.probing, now >= state.nextProbe else { return false }
            state.probing = true
            return true
        }
    }

    /// Records a request the collector answered (2xx, or a rejection: it is there).
    public func succeeded() {
        let cameBack = state.withLock { state -> Int? in
            defer { state = State() }
            return state.down ? state.failures : nil
        }
        if let failures = cameBack {
            report("\(name) is taking batches again after \(failures) failed \(failures == 1 ? "try" : "tries")")
        }
    }

    /// Records a request that could not reach the collector; the first one is reported with `spooledTo`.
    public func failed(reason: String, now: Double, spooledTo: String?) {
        let first = state.withLock { state -> Bool in
            let first = !state.down
            state.down = true
            state.probing = false
            state.failures += 1
            state.backoff = first ? initialBackoff : min(maxBackoff, state.backoff * 2)
            state.nextProbe = now + state.backoff * jitter()
            return first
        }
        guard first else { return }
        let whereTo = spooledTo.map { "spooling to \($0) and retrying in the background" } ?? "no spool is set, so what cannot be sent is lost"
        report("\(name) is not taking batches (\(reason)); \(whereTo)")
    }
}
