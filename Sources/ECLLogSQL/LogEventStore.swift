import ECLCore
import Foundation

/// A database of log events: what the SQL log exporter writes to and `ecl-workflows logs` reads from.
/// Implementations are safe to call from several threads; each call is one round of work (no open cursor).
public protocol LogEventStore: Sendable {
    /// Where it is, fit for messages: a path, or a URL with its password hidden.
    var location: String { get }

    /// Inserts events in one transaction, skipping any whose ``StoredLogLine/recordID`` is already stored; returns
    /// how many were added. The error names the location and the reason.
    @discardableResult
    func insert(_ events: [StoredLogLine]) throws(ECLError) -> Int

    /// A workflow's events in the order they were logged, at `minimumLevel` or above, from `since` on.
    func events(workflowId: String, minimumLevel: String?, since: Date?) throws(ECLError) -> [StoredLogLine]

    /// Deletes the events logged before `cutoff` (retention) and returns how many went.
    func deleteEvents(olderThan cutoff: Date) throws(ECLError) -> Int

    /// Closes the connection, if there is one; later calls may open it again.
    func close()
}

extension LogEventStore {
    /// A workflow's events, all levels, from the start.
    public func events(workflowId: String) throws(ECLError) -> [StoredLogLine] {
        try events(workflowId: workflowId, minimumLevel: nil, since: nil)
    }

    public func close() {}
}

extension StoredLogLine {
    /// The levels at `minimumLevel` or above (every level when it is nil or unknown).
    static func levels(atOrAbove minimumLevel: String?) -> ArraySlice<String>? {
        guard let minimumLevel, let rank = levels.firstIndex(of: minimumLevel) else { return nil }
        return levels[rank...]
    }
}

/// A database that could not be opened at start-up when a preset (not the user) asked for it: every write
/// fails with the start-up reason, so the SQL writer keeps each batch in the spool.
public struct UnavailableLogStore: LogEventStore {
    /// The destination as messages show it.
    public let location: String
    /// Why it could not be opened.
    public let reason: String

    /// Creates the stand-in for `location`, failing with `reason`.
    public init(location: String, reason: String) {
        self.location = location
        self.reason = reason
    }

    /// What every call throws.
    private var unavailable: ECLError { .io("'\(location)' is unavailable: \(reason)") }

    public func insert(_ events: [StoredLogLine]) throws(ECLError) -> Int { throw unavailable }

    public func events(workflowId: String, minimumLevel: String?, since: Date?) throws(ECLError) -> [StoredLogLine] { throw unavailable }

    public func deleteEvents(olderThan cutoff: Date) throws(ECLError) -> Int { throw unavailable }
}
