import ECLCore
import Foundation
import Synchronization

/// A clock for tests: time moves only when code sleeps on it (or a test advances it), so nothing waits for real.
public final class ManualClock: ECLClock {
    private struct State {
        var now: Date
        var sleeps: [Double] = []
    }

    private let state: Mutex<State>

    /// Creates a clock that starts at `start`.
    public init(start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { state = Mutex(State(now: start)) }

    public func now() -> Date { state.withLock { $0.now } }

    /// Records the wait and moves time forward by it at once.
    public func sleep(seconds: Double) async throws {
        try Task.checkCancellation()
        state.withLock { state in
            state.sleeps.append(seconds)
            state.now += seconds
        }
    }

    /// Moves time forward.
    public func advance(by seconds: Double) { state.withLock { $0.now += seconds } }

    /// Every wait asked for, in order.
    public var sleeps: [Double] { state.withLock { $0.sleeps } }
}
