import ECLCore
import Foundation
import Synchronization

/// How a run of many workflows is going: which are running, how the others ended, and the totals the
/// progress line and the summary show. Shared by the run loop, the progress line and the signal handler.
final class RunTracker: Sendable {
    private struct State {
        var running: Set<WorkflowId> = []
        var started = 0
        var totals = RunTotals()
    }

    private let total: Int
    private let startedAt = ContinuousClock.now
    private let state = Mutex(State())

    /// Creates a tracker for a run of `total` workflows, starting its clock.
    init(total: Int) {
        self.total = total
        state.withLock { $0.totals.workflows = total }
    }

    /// A workflow started.
    func started(_ id: WorkflowId) {
        state.withLock {
            $0.running.insert(id)
            $0.started += 1
        }
    }

    /// A workflow ended with `result` (nil: it could not run at all, counted failed).
    func finished(_ id: WorkflowId, result: WorkflowResult?) {
        state.withLock { state in
            state.running.remove(id)
            switch result?.status {
            case .completed?: state.totals.completed += 1
            case .cancelled?: state.totals.cancelled += 1
            default: state.totals.failed += 1
            }
            state.totals.retries += result?.retries ?? 0
            state.totals.revisions += result?.revisions ?? 0
            state.totals.tokensUsed += result?.tokensUsed ?? 0
        }
    }

    /// The workflows still running and the totals so far (with the time since the tracker was made), taken
    /// together.
    func snapshot() -> (running: [WorkflowId], totals: RunTotals) {
        let elapsed = ContinuousClock.now - startedAt
        return state.withLock { state in
            var totals = state.totals
            totals.running = state.running.count
            totals.notStarted = total - state.started
            totals.wallSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            return (Array(state.running), totals)
        }
    }

    /// The totals so far.
    func totals() -> RunTotals { snapshot().totals }
}
