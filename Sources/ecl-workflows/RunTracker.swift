import ECLCore
import Foundation
@_spi(Pipeline) import OTLPExporter
import Synchronization

/// How a run of many workflows is going: which are running, and the totals the progress line and the summary
/// show, read from the engine's metrics (the same counters the metrics export sends, so the summary, the
/// progress line, Prometheus and the collector say the same numbers). Shared by the run loop, the progress
/// line and the signal handler.
final class RunTracker: Sendable {
    private struct State {
        var running: Set<WorkflowId> = []
        var started = 0
        /// Workflows that ended without a result (could not run at all): counted failed.
        var unrun = 0
    }

    private let total: Int
    private let metrics: OTLPMetricsFactory
    private let startedAt = ContinuousClock.now
    private let state = Mutex(State())

    /// Creates a tracker for a run of `total` workflows counted in `metrics`, starting its clock.
    init(total: Int, metrics: OTLPMetricsFactory) {
        self.total = total
        self.metrics = metrics
    }

    /// A workflow started.
    func started(_ id: WorkflowId) {
        state.withLock {
            $0.running.insert(id)
            $0.started += 1
        }
    }

    /// A workflow ended with `result` (nil: it could not run at all, counted failed); the engine counted the rest.
    func finished(_ id: WorkflowId, result: WorkflowResult?) {
        state.withLock { state in
            state.running.remove(id)
            if result == nil { state.unrun += 1 }
        }
    }

    /// The workflows still running and the totals so far (with the time since the tracker was made), taken
    /// together.
    func snapshot() -> (running: [WorkflowId], totals: RunTotals) {
        let elapsed = ContinuousClock.now - startedAt
        typealias Name = EngineMetrics.Name
        var counted = RunTotals()
        counted.workflows = total
        counted.completed = Int(metrics.counterTotal(Name.workflowsCompleted))
        counted.failed = Int(metrics.counterTotal(Name.workflowsFailed))
        counted.cancelled = Int(metrics.counterTotal(Name.workflowsCancelled))
        counted.retries = Int(metrics.counterTotal(Name.stepRetries))
        counted.revisions = Int(metrics.histogramSum(Name.workflowRevisions))
        counted.tokensUsed = Int(metrics.histogramSum(Name.tokenUsage))
        return state.withLock { state in
            var totals = counted
            totals.failed += state.unrun
            totals.running = state.running.count
            totals.notStarted = total - state.started
            totals.wallSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            return (Array(state.running), totals)
        }
    }

    /// The totals so far.
    func totals() -> RunTotals { snapshot().totals }
}
