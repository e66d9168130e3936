import ECLCore
import Foundation
import Glibc
import Synchronization

/// What SIGINT and SIGTERM do.
///
/// - While a `run` is going (``begin(onAbort:)``), the first signal asks it to stop: no new workflow starts, the
///   running ones end after their current step (cancelled after ``gracePeriod``), every unfinished one is
///   recorded `cancelled`, the summary is printed, telemetry is delivered or spooled, and the exit code is
///   128 + the signal (130 for SIGINT, 143 for SIGTERM).
/// - A second signal, or a first one when no run is going (before it starts, or while telemetry is being
///   delivered after it), exits at once: the run's unfinished workflows are recorded `cancelled`, pending
///   telemetry is spooled without touching the network (local dumps are still written), and the exit code
///   is 128 + the signal.
final class Interruption: Sendable {
    /// The process's one instance.
    static let shared = Interruption()

    /// How long running steps may go on after the first signal before they are cancelled, in seconds.
    static let gracePeriod = 1.0

    private struct State {
        var signal: Int32?
        var count = 0
        var running = false
        var listening = false
        var onAbort: (@Sendable (String) -> Void)?
    }

    /// The signal sources, kept alive for the process's life. Written once, by the first ``listen()``
    /// (which the `listening` flag makes the only writer), and never read: safe without a lock.
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    private let state = Mutex(State())
    private let signals: AsyncStream<Int32>
    private let continuation: AsyncStream<Int32>.Continuation

    private init() {
        (signals, continuation) = AsyncStream<Int32>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// The first signal received, if any.
    var signal: Int32? { state.withLock { $0.signal } }

    /// Why runs must stop, once a signal came: "interrupted by SIGINT".
    var reason: String? { signal.map { "interrupted by \(Self.name($0))" } }

    /// The exit code for the signal received (130, 143), if any.
    var exitCode: Int32? { signal.map { 128 + $0 } }

    /// Says a run is going: from now on the first signal asks it to stop rather than ending the process.
    /// `onAbort` runs if the process must exit at once (a second signal), with the reason: it records the
    /// run's unfinished workflows and says what became of them.
    func begin(onAbort: @escaping @Sendable (String) -> Void) {
        state.withLock {
            $0.running = true
            $0.onAbort = onAbort
        }
    }

    /// Says the run's workflows are over: a signal from now on exits at once.
    func end() { state.withLock { $0.running = false } }

    /// Waits for the first signal; returns early when the task is cancelled.
    func waitForSignal() async {
        for await _ in signals { return }
    }

    /// Installs the handlers (once).
    func listen() {
        let first = state.withLock { state -> Bool in
            defer { state.listening = true }
            return !state.listening
        }
        guard first else { return }
        for number in [SIGINT, SIGTERM] {
            Glibc.signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in received(number) }
            source.resume()
            Self.sources.append(source)
        }
    }

    private func received(_ number: Int32) {
        let (count, running, onAbort) = state.withLock { state in
            state.count += 1
            if state.signal == nil { state.signal = number }
            return (state.count, state.running, state.onAbort)
        }
        let name = Self.name(number)
        if count == 1, running {
            Console.warning("\(name): starting no new workflow; running steps get \(Int(Self.gracePeriod)) s to finish, then are cancelled (\(name) again to stop at once)")
            continuation.yield(number)
            return
        }
        Console.warning("\(name)\(count > 1 ? " again" : ""): spooling pending telemetry and exiting now")
        onAbort?("interrupted by \(name)")
        TelemetrySetup.spoolNow()
        exit(128 + number)
    }

    private static func name(_ number: Int32) -> String {
        switch number {
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        default: "signal \(number)"
        }
    }
}
